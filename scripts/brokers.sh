#!/usr/bin/env bash
# Usage: scripts/brokers.sh start|stop|env
#
#   start  stop any previous run from the same state dir, then start on free
#          127.0.0.1 ports:
#            plain: prebuilt tansu, memory storage, no auth (auto-creates topics)
#            sasl:  tansu 0.6.0, sqlite storage in the state dir, --authentication,
#                   SCRAM users alice/alice-secret and bob/bob-secret, each with
#                   both SCRAM-SHA-256 and SCRAM-SHA-512 (no topic auto-creation)
#          and write $RKAFKA_BROKER_DIR/env (see below). Without the tansu 0.6.0
#          binary only the plain broker is started, unless RKAFKA_REQUIRE_SASL=1.
#   stop   TERM (then KILL after 5 s) the recorded brokers; remove the state dir.
#   env    print $RKAFKA_BROKER_DIR/env, e.g.  eval "$(scripts/brokers.sh env)"
#
# The env file exports:
#   RKAFKA_TANSU_BOOTSTRAP       127.0.0.1:PORT of the plain broker
#   RKAFKA_TANSU_SASL_BOOTSTRAP  127.0.0.1:PORT of the SASL broker (if started)
#   RKAFKA_TANSU_BIN             prebuilt tansu binary (memory storage)
#   RKAFKA_TANSU_SASL_BIN        tansu 0.6.0 binary (sqlite, SCRAM) (if present)
#   RKAFKA_BROKER_DIR            the state dir (logs: *.log, pids: *.pid, sasl.db)
#
# Settings: RKAFKA_BROKER_DIR (default /tmp/rkafka-brokers),
#           RKAFKA_CACHE (default $HOME/.cache/rkafka, see install-brokers.sh),
#           RKAFKA_REQUIRE_SASL=1 to fail when the SASL broker cannot be started.
set -euo pipefail

STATE="${RKAFKA_BROKER_DIR:-/tmp/rkafka-brokers}"
CACHE="${RKAFKA_CACHE:-$HOME/.cache/rkafka}"
PREBUILT_BIN="$CACHE/bin/tansu-prebuilt"
SASL_BIN="$CACHE/tansu-0.6.0/bin/tansu"
MARKER=".rkafka-brokers"
START_TIMEOUT=30
CLUSTER_ID="rkafka-test"

# SCRAM users provisioned on the SASL broker: name password.
SASL_USERS=("alice alice-secret" "bob bob-secret")

# tansu reads these from the environment; keep the brokers self-contained.
unset OTEL_EXPORTER_OTLP_ENDPOINT SCHEMA_REGISTRY

log() { echo "brokers.sh: $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

usage() {
    sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Print N distinct free TCP ports on 127.0.0.1 (all bound at once, then closed).
free_ports() {
    python3 - "$1" <<'PY'
import socket
import sys

socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

# is_our_broker PID: true if PID is alive and runs a tansu binary.
is_our_broker() {
    local pid="$1" cmd
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmd" == *tansu* ]]
}

# stop_pidfile FILE: TERM the broker in FILE, KILL it after 5 s, remove FILE.
stop_pidfile() {
    local file="$1" pid i
    [[ -f "$file" ]] || return 0
    pid="$(cat "$file")"
    if is_our_broker "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            is_our_broker "$pid" || break
            sleep 0.1
        done
        if is_our_broker "$pid"; then
            log "$(basename "$file" .pid) (pid $pid) ignored TERM for 5 s; sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
            for ((i = 0; i < 20; i++)); do
                is_our_broker "$pid" || break
                sleep 0.1
            done
        fi
    fi
    rm -f "$file"
}

# start_broker NAME PORT BIN [ARGS...]: start a broker in its own session with
# cwd = state dir (sqlite paths are relative to it), log to NAME.log, pid to
# NAME.pid, then wait until PORT accepts connections.
start_broker() {
    local name="$1" port="$2" bin="$3"
    shift 3
    local pidfile="$STATE/$name.pid" logfile="$STATE/$name.log"
    (
        cd "$STATE"
        # bash -c writes its own pid, then execs the broker in place.
        # shellcheck disable=SC2016 # expanded by the inner bash, on purpose
        exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$bin" broker \
            --cluster-id "$CLUSTER_ID" \
            --listener-url "tcp://127.0.0.1:$port" \
            --advertised-listener-url "tcp://127.0.0.1:$port" \
            "$@" </dev/null >"$logfile" 2>&1
    ) &
    wait_for_port "$name" "$port"
}

wait_for_port() {
    local name="$1" port="$2" pidfile="$STATE/$1.pid" logfile="$STATE/$1.log"
    local deadline=$((SECONDS + START_TIMEOUT)) pid=""
    while ((SECONDS < deadline)); do
        [[ -z "$pid" && -s "$pidfile" ]] && pid="$(cat "$pidfile")"
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            log "$name listening on 127.0.0.1:$port (pid ${pid:-?})"
            return 0
        fi
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            log "$name (pid $pid) exited before opening 127.0.0.1:$port; log tail ($logfile):"
            tail -n 30 "$logfile" >&2 || true
            exit 1
        fi
        sleep 0.05
    done
    log "$name did not accept connections on 127.0.0.1:$port within ${START_TIMEOUT}s; log tail ($logfile):"
    tail -n 30 "$logfile" >&2 || true
    stop_pidfile "$pidfile"
    exit 1
}

cmd_stop() {
    local f
    if [[ ! -e "$STATE" ]]; then
        return 0
    fi
    if [[ ! -f "$STATE/$MARKER" ]]; then
        die "$STATE exists but was not created by brokers.sh (no $MARKER); not touching it"
    fi
    for f in "$STATE"/*.pid; do
        [[ -e "$f" ]] && stop_pidfile "$f"
    done
    rm -rf "$STATE"
    log "stopped; removed $STATE"
}

cmd_start() {
    local have_sasl=1 plain_port sasl_port admin_port user name password mech

    [[ -x "$PREBUILT_BIN" ]] || die "missing $PREBUILT_BIN; run scripts/install-brokers.sh --prebuilt-only"
    if [[ ! -x "$SASL_BIN" ]]; then
        if [[ "${RKAFKA_REQUIRE_SASL:-0}" == 1 ]]; then
            die "RKAFKA_REQUIRE_SASL=1 but $SASL_BIN is missing; run scripts/install-brokers.sh (~10 min build)"
        fi
        log "NOTE: $SASL_BIN is missing; starting only the plain broker (no SASL tests)."
        log "      Run scripts/install-brokers.sh to build tansu 0.6.0 (~10 min on 2 cores)."
        have_sasl=0
    fi

    cmd_stop
    mkdir -p "$STATE"
    touch "$STATE/$MARKER"
    STATE="$(cd "$STATE" && pwd)"
    # On any failure below, do not leave half-started brokers behind.
    trap 'rc=$?; if ((rc != 0)); then log "start failed; cleaning up"; cmd_stop || true; fi' EXIT

    read -r plain_port sasl_port admin_port <<<"$(free_ports 3)"

    start_broker plain "$plain_port" "$PREBUILT_BIN" --storage-engine memory://tansu/

    if ((have_sasl)); then
        # SCRAM users must be created through a broker without --authentication
        # (the authenticated one refuses everything before SaslAuthenticate),
        # sharing the same sqlite file.
        start_broker sasl-admin "$admin_port" "$SASL_BIN" --storage-engine sqlite://sasl.db
        for user in "${SASL_USERS[@]}"; do
            read -r name password <<<"$user"
            for mech in scram256 scram512; do
                if ! "$SASL_BIN" user create --broker "tcp://127.0.0.1:$admin_port" \
                    --mechanism "$mech" "$name" "$password" \
                    >>"$STATE/sasl-admin-users.log" 2>&1; then
                    tail -n 20 "$STATE/sasl-admin-users.log" >&2 || true
                    die "creating SCRAM user $name ($mech) failed"
                fi
            done
        done
        stop_pidfile "$STATE/sasl-admin.pid"
        start_broker sasl "$sasl_port" "$SASL_BIN" --storage-engine sqlite://sasl.db --authentication
    fi

    {
        printf 'export %s=%q\n' \
            RKAFKA_BROKER_DIR "$STATE" \
            RKAFKA_TANSU_BIN "$PREBUILT_BIN" \
            RKAFKA_TANSU_BOOTSTRAP "127.0.0.1:$plain_port"
        if ((have_sasl)); then
            printf 'export %s=%q\n' \
                RKAFKA_TANSU_SASL_BIN "$SASL_BIN" \
                RKAFKA_TANSU_SASL_BOOTSTRAP "127.0.0.1:$sasl_port"
        fi
    } >"$STATE/env.tmp"
    mv -f "$STATE/env.tmp" "$STATE/env"
    trap - EXIT
    log "brokers started; env file: $STATE/env"
    cat "$STATE/env"
}

cmd_env() {
    [[ -f "$STATE/env" ]] || die "no $STATE/env; run: scripts/brokers.sh start"
    cat "$STATE/env"
}

[[ $# -eq 1 ]] || usage
case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    *) usage ;;
esac
