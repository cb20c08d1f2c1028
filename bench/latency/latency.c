/* Latency at a fixed rate for raw librdkafka C (client A of bench/README.md, "latency"):
 *
 *   latency <bootstrap> <topic> <rate msgs/s> <secs> <size> <linger.ms>
 *
 * The same loop as rkafka-bench's and rust-rdkafka-bench's `latency`: every millisecond (their
 * tokio interval) the messages due so far (rate x elapsed) are produced; in between, the main
 * queue is polled for up to 1 ms at a time, which serves delivery reports as they arrive. Each latency runs from just before rd_kafka_produce() to its
 * delivery report callback (msg_opaque carries the message's index into the send times).
 * Prints one JSON line with p50/p99/p99.9/max in ms, as the Rust clients do. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rdkafka.h"

static int64_t *sent_ns, *lat_ns;
static size_t n_lat, n_failed;

static int64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        size_t i = (size_t)m->_private;
        (void)rk;
        (void)opaque;
        if (i == (size_t)-1)
                return; /* the warm-up message */
        if (m->err)
                n_failed++;
        else
                lat_ns[n_lat++] = now_ns() - sent_ns[i];
}

static int cmp(const void *a, const void *b) {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
}

static double pct(double q) {
        size_t i = (size_t)((double)n_lat * q + 0.999999);
        if (i < 1)
                i = 1;
        if (i > n_lat)
                i = n_lat;
        return (double)lat_ns[i - 1] / 1e6;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v) {
        char err[256];
        if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "%s\n", err);
                exit(2);
        }
}

int main(int argc, char **argv) {
        char err[256];
        if (argc != 7) {
                fprintf(stderr, "usage: latency <bootstrap> <topic> <rate> <secs> <size> <linger.ms>\n");
                return 2;
        }
        double rate = atof(argv[3]), secs = atof(argv[4]);
        size_t size = (size_t)atol(argv[5]), total = (size_t)(rate * secs);
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        set(conf, "bootstrap.servers", argv[1]);
        set(conf, "linger.ms", argv[6]);
        set(conf, "batch.num.messages", "10000");
        set(conf, "acks", "1");
        set(conf, "compression.codec", "none");
        set(conf, "message.send.max.retries", "3");
        set(conf, "retry.backoff.ms", "500");
        set(conf, "queue.buffering.max.messages", "100000");
        set(conf, "queue.buffering.max.kbytes", "1048576");
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, argv[2], NULL);
        char *payload = malloc(size);
        memset(payload, 'x', size);
        sent_ns = calloc(total, sizeof(*sent_ns));
        lat_ns = calloc(total, sizeof(*lat_ns));
        uint64_t wkey = UINT64_MAX;
        /* Warm-up: connection, metadata and topic creation are out of the measured run. */
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, size,
                             &wkey, 8, (void *)(size_t)-1) == -1 ||
            rd_kafka_flush(rk, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                fprintf(stderr, "warm-up failed\n");
                return 1;
        }
        int64_t start = now_ns(), tick = start;
        size_t sent = 0;
        while (n_lat + n_failed < total) {
                int64_t now = now_ns();
                if (now < tick || sent == total) {
                        /* Serve reports until the next tick (1 ms granularity, as the Rust
                         * clients' tokio interval). */
                        rd_kafka_poll(rk, 1);
                        continue;
                }
                tick += 1000000;
                size_t due = (size_t)((double)(now - start) / 1e9 * rate);
                if (due > total)
                        due = total;
                while (sent < due) {
                        unsigned char key[8];
                        for (int b = 0; b < 8; b++)
                                key[b] = (unsigned char)((uint64_t)sent >> (56 - 8 * b));
                        sent_ns[sent] = now_ns();
                        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, payload, size, key, 8,
                                             (void *)sent) == -1) {
                                fprintf(stderr, "produce failed: %s\n",
                                        rd_kafka_err2str(rd_kafka_last_error()));
                                return 1;
                        }
                        sent++;
                }
                rd_kafka_poll(rk, 0);
        }
        double elapsed = (double)(now_ns() - start) / 1e9;
        qsort(lat_ns, n_lat, sizeof(*lat_ns), cmp);
        printf("{\"client\":\"A\",\"mode\":\"latency\",\"rt\":\"-\",\"linger_ms\":%s,\"rate\":%g,"
               "\"msgs\":%zu,\"failed\":%zu,\"secs\":%.6f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
               "\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
               argv[6], rate, n_lat, n_failed, elapsed, pct(0.5), pct(0.99), pct(0.999), pct(1.0));
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        return 0;
}
