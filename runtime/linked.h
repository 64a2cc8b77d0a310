/* linked.h - the Kafka and Redis functions that the parts of the runtime
 * every program links (sched.c, source.c, broadcast.c, metrics.c) call,
 * referred to weakly: a weak reference does not pull source_kafka.o, sink_kafka.o or
 * redis.o (and with them librdkafka and hiredis) out of libstreamrt.a.
 * A program that uses Kafka or Redis links them through SR_USES_KAFKA /
 * SR_USES_REDIS (streamrt.h); in any other program these are NULL, and
 * the callers only reach them for Kafka sources, Redis offsets, sinks and
 * broadcasts, or test for NULL first (cleanup, --redis). */
#ifndef STREAMC_LINKED_H
#define STREAMC_LINKED_H

#pragma weak sr_kafka_source_open
#pragma weak sr_kafka_sinks_free
#pragma weak sr_source_offset_ranges
#pragma weak sr_redis_parse_url
#pragma weak sr_redis_for
#pragma weak sr_redis_offsets_url
#pragma weak sr_redis_default_url
#pragma weak sr_redis_commit_batch
#pragma weak sr_redis_sinks_free
#pragma weak sr_redis_close_all
#pragma weak sr_redis_name
#pragma weak sr_redis_command
#pragma weak sr_redis_command_wait
#pragma weak sr_redis_start_timeout_ms
#pragma weak freeReplyObject /* hiredis's, for broadcast.c's replies */

#endif
