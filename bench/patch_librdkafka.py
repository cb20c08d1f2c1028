#!/usr/bin/env python3
"""Source edits the harness makes to a private copy of librdkafka 2.12.1 (never to the
cargo registry). Each edit checks its anchor, so a different librdkafka fails loudly.

  patch_librdkafka.py perf <rdkafka_performance.c>
      -K  each message gets an 8-byte big-endian sequence key (message index), the key every
          client of the harness sends, so the default partitioner spreads over all partitions
      -W  one warm-up message + flush before the clock starts (connection, metadata, topic
          creation, idempotent producer id), as the other clients' `warmup 1` argument
      and in group batch-consume mode (-G -B n), asks for at most the messages still wanted,
          as the other clients do: the stock tool asks for n every time, so its last call sits
          out the 1 s timeout waiting for messages that will never come
  patch_librdkafka.py mock <rdkafka_mock.c>
      keep every message in the mock partitions (the default log keeps 5 MiB / 100k
      messages per partition), so 1M messages can be consumed from offset 0
"""
import sys


def edit(text, old, new, what):
    if text.count(old) != 1:
        raise SystemExit(f"patch_librdkafka: anchor for {what!r} not found exactly once")
    return text.replace(old, new)


def perf(t):
    t = edit(t, "        int *partitions = NULL;\n",
             "        int *partitions = NULL;\n"
             "        int bench_seqkey = 0, bench_warmup = 0; /* rkafka bench */\n"
             "        uint64_t bench_key;                      /* rkafka bench */\n",
             "declarations")
    t = edit(t, '"PCG:t:p:b:s:k:c:', '"PCG:t:p:b:s:k:KWc:', "getopt string")
    t = edit(t, "                case 'k':\n",
             "                case 'K':\n"
             "                        bench_seqkey = 1;\n"
             "                        break;\n"
             "                case 'W':\n"
             "                        bench_warmup = 1;\n"
             "                        break;\n"
             "                case 'k':\n",
             "option cases")
    t = edit(t, "                cnt.t_start = cnt.t_last = rd_clock();\n\n"
                "                msgs_wait_produce_cnt = msgcnt;\n",
             "                if (bench_warmup) {\n"
             "                        uint64_t wk = htobe64(UINT64_MAX);\n"
             "                        int was_forever = forever;\n"
             "                        forever = 1; /* the report must not end the run */\n"
             "                        msgs_wait_cnt++;\n"
             "                        if (do_produce(rk, rkt, partition, sendflags, sbuf,\n"
             "                                       msgsize, &wk, sizeof(wk), hdrs)) {\n"
             "                                fprintf(stderr, \"%% warm-up produce failed\\n\");\n"
             "                                exit(1);\n"
             "                        }\n"
             "                        rd_kafka_flush(rk, 30000);\n"
             "                        forever         = was_forever;\n"
             "                        msgs_wait_cnt   = 0;\n"
             "                        cnt.msgs_dr_ok  = 0;\n"
             "                        cnt.msgs_dr_err = 0;\n"
             "                        cnt.bytes_dr_ok = 0;\n"
             "                }\n"
             "                cnt.t_start = cnt.t_last = rd_clock();\n\n"
             "                msgs_wait_produce_cnt = msgcnt;\n",
             "warm-up")
    t = edit(t, "                        cnt.tx++;\n"
                "                        while (run && (err = do_produce(\n",
             "                        if (bench_seqkey) {\n"
             "                                bench_key = htobe64(cnt.msgs);\n"
             "                                key       = (const char *)&bench_key;\n"
             "                                keylen    = sizeof(bench_key);\n"
             "                        }\n"
             "                        cnt.tx++;\n"
             "                        while (run && (err = do_produce(\n",
             "sequence key")
    t = edit(t, "                                r         = rd_kafka_consume_batch_queue(\n"
                "                                    rkqu, 1000, rkmessages, batch_size);\n",
             "                                size_t want = batch_size; /* rkafka bench */\n"
             "                                if (msgcnt != -1 &&\n"
             "                                    (size_t)(msgcnt - (int)cnt.msgs) < want)\n"
             "                                        want = (size_t)(msgcnt - (int)cnt.msgs);\n"
             "                                r = rd_kafka_consume_batch_queue(\n"
             "                                    rkqu, 1000, rkmessages, want);\n",
             "batch consume size")
    return t


def mock(t):
    return edit(t, "        mpart->max_size = 1024 * 1024 * 5;\n"
                   "        mpart->max_cnt  = 100000;\n",
                "        mpart->max_size = (size_t)64 << 30; /* rkafka bench: keep all */\n"
                "        mpart->max_cnt  = 1 << 30;          /* rkafka bench: keep all */\n",
                "mock partition limits")


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    src = open(path).read()
    if "rkafka bench" in src:
        sys.exit(0)  # already patched
    open(path, "w").write({"perf": perf, "mock": mock}[kind](src))
