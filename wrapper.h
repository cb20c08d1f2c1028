/*
 * wrapper.h — the C surface rkafka relies on.
 *
 * build.rs compiles this header with the system C compiler against the librdkafka
 * that rdkafka-sys just built (its own rdkafka.h / rdkafka_mock.h), so a mismatch
 * between that librdkafka and what rkafka's Rust code assumes fails the build with
 * a readable message instead of becoming undefined behaviour at run time.
 *
 * Three kinds of entries:
 *   RKAFKA_ABI(expr, why)      a fact about the C ABI that src/ depends on.
 *   RKAFKA_CONST(NAME, value)  an integer constant src/ uses; build.rs also turns each
 *                              line into `pub(crate) const NAME: i64 = value;` in
 *                              $OUT_DIR/c_consts.rs, so Rust and C read one table.
 *   RKAFKA_FN(name)            a function src/ calls; it must be declared by the headers.
 *
 * build.rs additionally parses rd_kafka_resp_err_t out of the same rdkafka.h and
 * generates rkafka's ErrorCode enum from it.
 */
#ifndef RKAFKA_WRAPPER_H
#define RKAFKA_WRAPPER_H

#include <stddef.h>
#include <stdint.h>
#include "rdkafka.h"
#include "rdkafka_mock.h"

#ifndef RKAFKA_ABI
#define RKAFKA_ABI(expr, why) _Static_assert(expr, why);
#endif
#ifndef RKAFKA_CONST
#define RKAFKA_CONST(name, value) _Static_assert((name) == (value), #name " is not " #value);
#endif
#ifndef RKAFKA_FN
#define RKAFKA_FN(name) static void *const rkafka_fn_##name __attribute__((unused)) = (void *)&name;
#endif

/* Error codes cross the FFI boundary as plain ints (src/error.rs): an unknown value must never
 * be materialised as a Rust enum. */
RKAFKA_ABI(sizeof(rd_kafka_resp_err_t) == sizeof(int), "rd_kafka_resp_err_t must be int-sized")
RKAFKA_ABI(offsetof(rd_kafka_message_t, err) == 0, "rd_kafka_message_t.err must be the first field")

/* The exact librdkafka rkafka is written against (2.12.1 final). */
RKAFKA_CONST(RD_KAFKA_VERSION, 0x020c01ff)

/* Partitions and offsets (src/topic_partition.rs, src/producer). */
RKAFKA_CONST(RD_KAFKA_PARTITION_UA, -1)
RKAFKA_CONST(RD_KAFKA_OFFSET_BEGINNING, -2)
RKAFKA_CONST(RD_KAFKA_OFFSET_END, -1)
RKAFKA_CONST(RD_KAFKA_OFFSET_STORED, -1000)
RKAFKA_CONST(RD_KAFKA_OFFSET_INVALID, -1001)
RKAFKA_CONST(RD_KAFKA_OFFSET_TAIL_BASE, -2000)

/* Produce and purge flags (src/producer). */
RKAFKA_CONST(RD_KAFKA_MSG_F_COPY, 2)
RKAFKA_CONST(RD_KAFKA_MSG_F_BLOCK, 4)
RKAFKA_CONST(RD_KAFKA_MSG_F_PARTITION, 8)
RKAFKA_CONST(RD_KAFKA_PURGE_F_QUEUE, 1)
RKAFKA_CONST(RD_KAFKA_PURGE_F_INFLIGHT, 2)
RKAFKA_CONST(RD_KAFKA_PURGE_F_NON_BLOCKING, 4)

/* Client teardown (src/client.rs). */
RKAFKA_CONST(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE, 8)

/* Error codes that src/ branches on. */
RKAFKA_CONST(RD_KAFKA_RESP_ERR_NO_ERROR, 0)
RKAFKA_CONST(RD_KAFKA_RESP_ERR__QUEUE_FULL, -184)
RKAFKA_CONST(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, -192)
RKAFKA_CONST(RD_KAFKA_RESP_ERR__PURGE_QUEUE, -152)
RKAFKA_CONST(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, -151)
RKAFKA_CONST(RD_KAFKA_RESP_ERR__TIMED_OUT, -185)
RKAFKA_CONST(RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, -175)
RKAFKA_CONST(RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, -174)

/* Functions src/ calls. */
RKAFKA_FN(rd_kafka_version)
RKAFKA_FN(rd_kafka_version_str)
RKAFKA_FN(rd_kafka_err2str)
RKAFKA_FN(rd_kafka_err2name)
RKAFKA_FN(rd_kafka_conf_new)
RKAFKA_FN(rd_kafka_conf_set)
RKAFKA_FN(rd_kafka_conf_get)
RKAFKA_FN(rd_kafka_conf_destroy)
RKAFKA_FN(rd_kafka_conf_properties_show)
RKAFKA_FN(rd_kafka_conf_set_opaque)
RKAFKA_FN(rd_kafka_conf_set_dr_msg_cb)
RKAFKA_FN(rd_kafka_conf_set_error_cb)
RKAFKA_FN(rd_kafka_conf_set_throttle_cb)
RKAFKA_FN(rd_kafka_conf_set_stats_cb)
RKAFKA_FN(rd_kafka_conf_set_log_cb)
RKAFKA_FN(rd_kafka_new)
RKAFKA_FN(rd_kafka_destroy)
RKAFKA_FN(rd_kafka_name)
RKAFKA_FN(rd_kafka_poll)
RKAFKA_FN(rd_kafka_yield)
RKAFKA_FN(rd_kafka_flush)
RKAFKA_FN(rd_kafka_purge)
RKAFKA_FN(rd_kafka_outq_len)
RKAFKA_FN(rd_kafka_topic_new)
RKAFKA_FN(rd_kafka_topic_destroy)
RKAFKA_FN(rd_kafka_produce)
RKAFKA_FN(rd_kafka_produceva)
RKAFKA_FN(rd_kafka_produce_batch)
RKAFKA_FN(rd_kafka_last_error)
RKAFKA_FN(rd_kafka_fatal_error)
RKAFKA_FN(rd_kafka_message_headers)
RKAFKA_FN(rd_kafka_message_timestamp)
RKAFKA_FN(rd_kafka_message_latency)
RKAFKA_FN(rd_kafka_message_leader_epoch)
RKAFKA_FN(rd_kafka_header_get_all)
RKAFKA_FN(rd_kafka_header_cnt)
RKAFKA_FN(rd_kafka_metadata)
RKAFKA_FN(rd_kafka_metadata_destroy)
RKAFKA_FN(rd_kafka_sasl_set_credentials)
RKAFKA_FN(rd_kafka_error_code)
RKAFKA_FN(rd_kafka_error_string)
RKAFKA_FN(rd_kafka_error_is_fatal)
RKAFKA_FN(rd_kafka_error_is_retriable)
RKAFKA_FN(rd_kafka_error_txn_requires_abort)
RKAFKA_FN(rd_kafka_error_destroy)
RKAFKA_FN(rd_kafka_destroy_flags)
RKAFKA_FN(rd_kafka_poll_set_consumer)
RKAFKA_FN(rd_kafka_consumer_poll)
RKAFKA_FN(rd_kafka_consume_batch_queue)
RKAFKA_FN(rd_kafka_queue_get_consumer)
RKAFKA_FN(rd_kafka_queue_new)
RKAFKA_FN(rd_kafka_queue_destroy)
RKAFKA_FN(rd_kafka_queue_poll)
RKAFKA_FN(rd_kafka_event_type)
RKAFKA_FN(rd_kafka_event_error)
RKAFKA_FN(rd_kafka_event_error_string)
RKAFKA_FN(rd_kafka_event_topic_partition_list)
RKAFKA_FN(rd_kafka_event_destroy)
RKAFKA_FN(rd_kafka_consumer_close_queue)
RKAFKA_FN(rd_kafka_consumer_closed)
RKAFKA_FN(rd_kafka_conf_set_rebalance_cb)
RKAFKA_FN(rd_kafka_conf_set_offset_commit_cb)
RKAFKA_FN(rd_kafka_rebalance_protocol)
RKAFKA_FN(rd_kafka_assignment_lost)
RKAFKA_FN(rd_kafka_subscribe)
RKAFKA_FN(rd_kafka_unsubscribe)
RKAFKA_FN(rd_kafka_assign)
RKAFKA_FN(rd_kafka_incremental_assign)
RKAFKA_FN(rd_kafka_incremental_unassign)
RKAFKA_FN(rd_kafka_assignment)
RKAFKA_FN(rd_kafka_commit_queue)
RKAFKA_FN(rd_kafka_offsets_store)
RKAFKA_FN(rd_kafka_committed)
RKAFKA_FN(rd_kafka_position)
RKAFKA_FN(rd_kafka_seek_partitions)
RKAFKA_FN(rd_kafka_pause_partitions)
RKAFKA_FN(rd_kafka_resume_partitions)
RKAFKA_FN(rd_kafka_query_watermark_offsets)
RKAFKA_FN(rd_kafka_get_watermark_offsets)
RKAFKA_FN(rd_kafka_offsets_for_times)
RKAFKA_FN(rd_kafka_memberid)
RKAFKA_FN(rd_kafka_consumer_group_metadata)
RKAFKA_FN(rd_kafka_consumer_group_metadata_destroy)
RKAFKA_FN(rd_kafka_message_destroy)
RKAFKA_FN(rd_kafka_topic_partition_list_new)
RKAFKA_FN(rd_kafka_topic_partition_list_add)
RKAFKA_FN(rd_kafka_topic_partition_list_destroy)
RKAFKA_FN(rd_kafka_topic_partition_set_leader_epoch)
RKAFKA_FN(rd_kafka_topic_partition_get_leader_epoch)
RKAFKA_FN(rd_kafka_init_transactions)
RKAFKA_FN(rd_kafka_begin_transaction)
RKAFKA_FN(rd_kafka_send_offsets_to_transaction)
RKAFKA_FN(rd_kafka_commit_transaction)
RKAFKA_FN(rd_kafka_abort_transaction)
RKAFKA_FN(rd_kafka_mock_cluster_new)
RKAFKA_FN(rd_kafka_mock_cluster_destroy)
RKAFKA_FN(rd_kafka_mock_cluster_bootstraps)
RKAFKA_FN(rd_kafka_mock_broker_set_down)
RKAFKA_FN(rd_kafka_mock_broker_set_up)
RKAFKA_FN(rd_kafka_mock_broker_set_rtt)
RKAFKA_FN(rd_kafka_mock_push_request_errors_array)
RKAFKA_FN(rd_kafka_mock_topic_create)

#endif /* RKAFKA_WRAPPER_H */
