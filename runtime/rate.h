/* rate.h - backpressure: Spark's PID rate estimator (rate.c).
 *
 * sr_pid_rate is org.apache.spark.streaming.scheduler.rate.PIDRateEstimator:
 * fed every completed batch, it estimates how many records per second the
 * stream can take (spark.streaming.backpressure.enabled). The Kafka direct
 * source turns that estimate into per-partition record limits with
 * sr_rate_partition_limits (DirectKafkaInputDStream.maxMessagesPerPartition).
 * Not part of the public API.
 *
 * Threads: an estimator is not locked; one caller at a time (Spark runs it on
 * a single "stream-rate-update" thread).
 */
#ifndef STREAMRT_RATE_H
#define STREAMRT_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Defaults of the spark.streaming.backpressure.pid.* settings. */
#define SR_PID_PROPORTIONAL 1.0 /* .proportional */
#define SR_PID_INTEGRAL     0.2 /* .integral */
#define SR_PID_DERIVATIVE   0.0 /* .derived */
#define SR_PID_MIN_RATE     100.0 /* .minRate */
/* Default of spark.streaming.kafka.minRatePerPartition. */
#define SR_KAFKA_MIN_RATE_PER_PARTITION 1

typedef struct sr_pid_rate {
    int64_t batch_ms;           /* the batch interval */
    double proportional, integral, derivative, min_rate;
    bool first_run;             /* no batch seen yet */
    int64_t latest_time;        /* time of the last batch used (ms), -1 */
    double latest_rate;         /* the last estimate (records/s), -1 */
    double latest_error;        /* the error behind it (records/s), -1 */
} sr_pid_rate;

/* Set up an estimator. batch_ms: the batch interval; proportional, integral,
 * derivative, min_rate: Spark's spark.streaming.backpressure.pid.proportional,
 * .integral, .derived, .minRate (defaults SR_PID_*). Spark's requirements:
 * batch_ms > 0, proportional >= 0, integral >= 0, derivative >= 0,
 * min_rate > 0 (NaN fails them). Returns 0, or -1 with Spark's message in
 * errstr (may be NULL) and *e untouched. */
int sr_pid_rate_init(sr_pid_rate *e, int64_t batch_ms, double proportional, double integral,
                     double derivative, double min_rate, char *errstr, size_t errlen);

/* After a batch completes: its time (ms; Spark uses the processing end),
 * number of records, processing delay (ms), scheduling delay (ms). Returns
 * true and sets *rate (records/s, >= min_rate) when a new rate is estimated.
 * False, *rate untouched, as Spark returns None: when time is not after the
 * last batch used, elements <= 0 or processing_ms <= 0 (the batch is then
 * ignored entirely), and on the first batch used (it only records its
 * processing rate as the starting rate). */
bool sr_pid_rate_compute(sr_pid_rate *e, int64_t time_ms, int64_t elements, int64_t processing_ms,
                         int64_t scheduling_ms, double *rate);

/* Per-partition record limits of n partitions for one batch.
 * lags[i]: records available in partition i (until - from; negative counts
 * as 0). batch_ms: the batch interval. max_rate_per_partition:
 * spark.streaming.kafka.maxRatePerPartition (records/s, <= 0: no limit).
 * est_rate: the latest sr_pid_rate_compute estimate, or
 * spark.streaming.backpressure.initialRate while there is none, or < 0 for
 * none; used as Spark's RateController keeps it, truncated to whole
 * records/s, and under 1 after that it counts as none.
 * min_rate_per_partition: spark.streaming.kafka.minRatePerPartition
 * (default SR_KAFKA_MIN_RATE_PER_PARTITION).
 * With a rate, partition i gets rate * lags[i] / sum(lags), capped at
 * max_rate_per_partition if that is > 0; without, max_rate_per_partition.
 * When those add up to more than 0, limits[i] = max(whole records of that
 * rate * batch seconds, min_rate_per_partition) is written and true
 * returned; otherwise (no limit, or every lag 0) false, limits untouched.
 * A limit may exceed the lag: the caller takes min(from + limit, until). */
bool sr_rate_partition_limits(int n, const int64_t *lags, int64_t batch_ms,
                              int64_t max_rate_per_partition, double est_rate,
                              int64_t min_rate_per_partition, int64_t *limits);

#endif
