/*
 * A standalone librdkafka mock cluster, so the benchmark's broker runs in its own process
 * (its CPU is then not charged to the client, and it is the same for every client).
 *
 *   mockcluster [broker_cnt=3]
 *
 * The brokers listen on kernel-chosen 127.0.0.1 ports. The bootstrap list is printed as one
 * line on stdout; then the process serves until SIGTERM/SIGINT.
 *
 * Linked by bench/build.sh against the librdkafka 2.12.1 that rdkafka-sys bundles, with the
 * mock partition log limit raised (see bench/patch_librdkafka.py) so 1M messages stay readable
 * from offset 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rdkafka.h"
#include "rdkafka_mock.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void)sig;
        stop = 1;
}

int main(int argc, char **argv) {
        char errstr[256];
        int brokers = argc > 1 ? atoi(argv[1]) : 3;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;

        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        /* The mock cluster needs an instance to live in; this one never produces. */
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mockcluster: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        mc = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mc) {
                fprintf(stderr, "mockcluster: rd_kafka_mock_cluster_new failed\n");
                return 1;
        }
        /* A fresh consumer group is assigned at once, not after the 3 s default delay. */
        rd_kafka_mock_group_initial_rebalance_delay_ms(mc, 0);
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);
        while (!stop)
                usleep(100 * 1000);
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
