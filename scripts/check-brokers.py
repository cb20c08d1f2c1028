#!/usr/bin/env python3
"""Usage: scripts/check-brokers.py

End-to-end check of the test brokers started by scripts/brokers.sh, using
confluent-kafka-python (pip install confluent-kafka==2.12.1; same librdkafka as
rdkafka-sys).

Reads RKAFKA_TANSU_BOOTSTRAP / RKAFKA_TANSU_SASL_BOOTSTRAP from the environment,
or, when unset, from ${RKAFKA_BROKER_DIR:-/tmp/rkafka-brokers}/env.

Checks:
  plain   produce 10 messages with headers to an auto-created topic, consume
          them back with a consumer group (session.timeout.ms=6000)
  sasl    (skipped when no SASL broker is running, unless RKAFKA_REQUIRE_SASL=1)
          SCRAM-SHA-256 alice: create topic via AdminClient, produce, consume
          SCRAM-SHA-512 bob:   create topic via AdminClient, produce, consume
          wrong password / unknown user: fail with _AUTHENTICATION

Each check has its own deadline and a watchdog bounds the whole run, so it
never hangs. Exits 0 when all checks pass, 1 on failure, 3 on watchdog timeout.
"""

import os
import shlex
import sys
import threading
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

N_MESSAGES = 10
CHECK_TIMEOUT = 60.0  # seconds per produce/consume check
TOTAL_TIMEOUT = 300.0  # watchdog for the whole run


def load_env():
    env = {}
    path = os.path.join(os.environ.get("RKAFKA_BROKER_DIR", "/tmp/rkafka-brokers"), "env")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = shlex.split(line, comments=True)
                if len(parts) == 2 and parts[0] == "export" and "=" in parts[1]:
                    key, value = parts[1].split("=", 1)
                    env[key] = value
    for key in ("RKAFKA_TANSU_BOOTSTRAP", "RKAFKA_TANSU_SASL_BOOTSTRAP"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    return env, path


def sasl_conf(bootstrap, mechanism, user, password):
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": mechanism,
        "sasl.username": user,
        "sasl.password": password,
    }


class Errors:
    """Collects librdkafka error callbacks."""

    def __init__(self):
        self.errors = []

    def __call__(self, err):
        self.errors.append(err)


def create_topic(conf, topic, partitions=1):
    admin = AdminClient(dict(conf))
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                                  request_timeout=15, operation_timeout=15)
    futures[topic].result(timeout=20)


def produce_consume(conf, topic, label):
    """Produce N_MESSAGES with headers, consume them back with a group."""
    deadline = time.monotonic() + CHECK_TIMEOUT
    perrors = Errors()
    producer = Producer({**conf, "error_cb": perrors, "message.timeout.ms": 20000,
                         "linger.ms": 5})
    delivered = []

    def on_delivery(err, msg):
        delivered.append(err if err else msg.offset())

    sent = []
    for i in range(N_MESSAGES):
        key = f"key-{i}".encode()
        value = f"{label}-value-{i}".encode()
        headers = [("idx", str(i).encode()), ("check", label.encode())]
        producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
        sent.append((key, value, headers))
    remaining = producer.flush(timeout=max(1.0, deadline - time.monotonic()))
    failed = [d for d in delivered if isinstance(d, KafkaError)]
    if remaining or failed or len(delivered) != N_MESSAGES:
        raise AssertionError(f"produce: {remaining} undelivered, delivery errors {failed[:3]}, "
                             f"client errors {perrors.errors[:3]}")

    cerrors = Errors()
    consumer = Consumer({**conf, "group.id": f"rkafka-check-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "session.timeout.ms": 6000, "error_cb": cerrors})
    got = []
    try:
        consumer.subscribe([topic])
        while len(got) < N_MESSAGES and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise AssertionError(f"consume error: {msg.error()}")
            got.append(msg)
        if len(got) < N_MESSAGES:
            raise AssertionError(f"consumed {len(got)}/{N_MESSAGES} before the deadline; "
                                 f"client errors {cerrors.errors[:3]}")
        received = sorted(((m.key(), m.value(), m.headers()) for m in got),
                          key=lambda t: int(t[0].split(b"-")[1]))
        if received != sent:
            raise AssertionError(f"mismatch: sent {sent[:2]}... got {received[:2]}...")
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return f"{N_MESSAGES} produced and consumed (keys, values, headers match) via group"


def expect_auth_failure(conf, timeout=15.0):
    """A client with bad credentials must get _AUTHENTICATION, never metadata."""
    errors = Errors()
    # log_level 0: the expected failure is asserted via error_cb, not logged.
    producer = Producer({**conf, "error_cb": errors, "log_level": 0})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        producer.poll(0.2)  # serves error_cb
        auth = [e for e in errors.errors if e.code() == KafkaError._AUTHENTICATION]
        if auth:
            break
    else:
        raise AssertionError(f"no _AUTHENTICATION error within {timeout:.0f}s; got {errors.errors[:3]}")
    try:
        md = producer.list_topics(timeout=2)
        raise AssertionError(f"metadata request succeeded despite bad credentials: {md.topics}")
    except KafkaException:
        pass
    return f"refused: {auth[0].str()}"


def main():
    watchdog = threading.Timer(TOTAL_TIMEOUT, lambda: (print(
        f"FAIL watchdog: checks did not finish within {TOTAL_TIMEOUT:.0f}s", flush=True), os._exit(3)))
    watchdog.daemon = True
    watchdog.start()

    env, env_path = load_env()
    plain = env.get("RKAFKA_TANSU_BOOTSTRAP")
    sasl = env.get("RKAFKA_TANSU_SASL_BOOTSTRAP")
    if not plain:
        print(f"FAIL no RKAFKA_TANSU_BOOTSTRAP in the environment or {env_path}; "
              "run scripts/brokers.sh start")
        return 1

    run = f"{uuid.uuid4().hex[:8]}"
    checks = [("plain: produce/consume, auto-created topic",
               lambda: produce_consume({"bootstrap.servers": plain}, f"rkafka-check-plain-{run}", "plain"))]
    if sasl:
        alice = sasl_conf(sasl, "SCRAM-SHA-256", "alice", "alice-secret")
        bob = sasl_conf(sasl, "SCRAM-SHA-512", "bob", "bob-secret")

        def scram(conf, topic, label):
            create_topic(conf, topic)
            return "topic created via AdminClient; " + produce_consume(conf, topic, label)

        checks += [
            ("sasl: SCRAM-SHA-256 alice",
             lambda: scram(alice, f"rkafka-check-sasl256-{run}", "sasl256")),
            ("sasl: SCRAM-SHA-512 bob",
             lambda: scram(bob, f"rkafka-check-sasl512-{run}", "sasl512")),
            ("sasl: wrong password (alice, SCRAM-SHA-256)",
             lambda: expect_auth_failure(sasl_conf(sasl, "SCRAM-SHA-256", "alice", "wrong-password"))),
            ("sasl: unknown user (SCRAM-SHA-512)",
             lambda: expect_auth_failure(sasl_conf(sasl, "SCRAM-SHA-512", "mallory", "bob-secret"))),
        ]
    elif os.environ.get("RKAFKA_REQUIRE_SASL") == "1":
        print("FAIL RKAFKA_REQUIRE_SASL=1 but no RKAFKA_TANSU_SASL_BOOTSTRAP")
        return 1
    else:
        print("SKIP sasl checks: no RKAFKA_TANSU_SASL_BOOTSTRAP (tansu 0.6.0 not installed?)")

    failures = 0
    for name, check in checks:
        start = time.monotonic()
        try:
            detail = check()
            print(f"OK   {name} [{time.monotonic() - start:.1f}s]: {detail}", flush=True)
        except Exception as exc:  # noqa: BLE001 - report every failure and keep going
            failures += 1
            print(f"FAIL {name} [{time.monotonic() - start:.1f}s]: {type(exc).__name__}: {exc}", flush=True)
    print(f"{len(checks) - failures}/{len(checks)} checks passed (plain={plain} sasl={sasl or '-'})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
