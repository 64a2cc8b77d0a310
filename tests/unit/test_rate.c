/* test_rate.c - the PID rate estimator (Spark's PIDRateEstimatorSuite) and
 * the Kafka direct source's per-partition limits. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

#include "rate.h"
#include "unit.h"

/* Spark's createDefaultEstimator: 20 ms batches, P = 1, I = D = 0, min 10. */
static sr_pid_rate default_estimator(void) {
    sr_pid_rate e;
    CU_ASSERT_EQUAL_FATAL(sr_pid_rate_init(&e, 20, 1, 0, 0, 10, NULL, 0), 0);
    return e;
}

/* ---- PIDRateEstimatorSuite ---- */

static void test_checks_ranges(void) {
    sr_pid_rate e, before;
    char err[128];
    memset(&e, 0x5a, sizeof e);
    memcpy(&before, &e, sizeof e);
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 0, 1, 2, 3, 10, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "requirement failed: Specified batch interval 0 in PIDRateEstimator is invalid.");
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, -1, 2, 3, 10, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "requirement failed: Proportional term -1.0 in PIDRateEstimator should be >= 0.");
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, 0, -1, 3, 10, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "requirement failed: Integral term -1.0 in PIDRateEstimator should be >= 0.");
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, 0, 0, -1, 10, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "requirement failed: Derivative term -1.0 in PIDRateEstimator should be >= 0.");
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, 0, 0, 0, 0, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "requirement failed: Minimum rate in PIDRateEstimator should be > 0");
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, 0, 0, 0, -10, err, sizeof err), -1);
    /* NaN fails Spark's comparisons too; errstr may be NULL */
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, NAN, 0, 0, 10, NULL, 0), -1);
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, 0, 0, 0, NAN, err, 0), -1);
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, -20, 1, 0.2, 0, 100, NULL, 0), -1);
    CU_ASSERT(memcmp(&e, &before, sizeof e) == 0);
    /* a long message is cut to the buffer */
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, -1, 0, 0, 10, err, 12), -1);
    CU_ASSERT_STRING_EQUAL(err, "requirement");

    /* zeros are fine, and the defaults */
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 100, 0, 0, 0, 10, err, sizeof err), 0);
    CU_ASSERT_EQUAL(sr_pid_rate_init(&e, 1000, SR_PID_PROPORTIONAL, SR_PID_INTEGRAL, SR_PID_DERIVATIVE,
                                     SR_PID_MIN_RATE, err, sizeof err), 0);
}

static void test_first_estimate_is_none(void) {
    sr_pid_rate e = default_estimator();
    double r = -7;
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 0, 10, 10, 0, &r));
    CU_ASSERT_EQUAL(r, -7);
}

static void test_second_estimate(void) {
    sr_pid_rate e = default_estimator();
    double r = 0;
    sr_pid_rate_compute(&e, 0, 10, 10, 0, &r);
    /* 1000 elements / s */
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 10, 10, 10, 0, &r));
    CU_ASSERT_EQUAL(r, 1000);
}

static void test_no_time_difference(void) {
    sr_pid_rate e = default_estimator();
    double r = 0;
    sr_pid_rate_compute(&e, 0, 10, 10, 0, &r);
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 10, 10, 10, 0, &r));
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 10, 10, 10, 0, &r));
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 9, 10, 10, 0, &r));
}

static void test_no_records(void) {
    sr_pid_rate e = default_estimator();
    double r = 0;
    sr_pid_rate_compute(&e, 0, 10, 10, 0, &r);
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 10, 0, 10, 0, &r));
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 20, -10, 10, 0, &r));
}

static void test_no_processing_delay(void) {
    sr_pid_rate e = default_estimator();
    double r = 0;
    sr_pid_rate_compute(&e, 0, 10, 10, 0, &r);
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 10, 10, 0, 0, &r));
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 20, 10, -10, 0, &r));
}

/* A skipped batch changes nothing, not even the first run: the first batch
 * used is the first with time > -1, records and processing time. */
static void test_skipped_batches_leave_no_trace(void) {
    sr_pid_rate e = default_estimator();
    double r = 0;
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, -1, 10, 10, 0, &r));
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 0, 0, 10, 0, &r));
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 0, 10, 0, 0, &r));
    CU_ASSERT_TRUE(e.first_run);
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 0, 10, 10, 0, &r));
    CU_ASSERT_FALSE(e.first_run);
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 10, 10, 10, 0, &r));
    CU_ASSERT_EQUAL(r, 1000);
}

static void test_never_below_min_rate(void) {
    double min_rate = 5;
    sr_pid_rate e;
    CU_ASSERT_EQUAL_FATAL(sr_pid_rate_init(&e, 20, 1, 1, 0, min_rate, NULL, 0), 0);
    /* one batch every 20 ms, 1 record, 20 ms of processing, 100 ms of
     * scheduling delay: the estimator would go far below 0 */
    for (int i = 0; i < 50; i++) {
        double r = -1;
        bool got = sr_pid_rate_compute(&e, i * 20, 1, 20, 100, &r);
        if (i == 0) {
            CU_ASSERT_FALSE(got);
        } else {
            CU_ASSERT_TRUE(got);
            CU_ASSERT_EQUAL(r, min_rate);
        }
    }
}

/* No scheduling delay: even with I > 0 the estimate follows the processing
 * speed (the proportional term alone), up or down. */
static void test_follow_processing_speed(void) {
    for (int down = 0; down <= 1; down++) {
        sr_pid_rate e;
        CU_ASSERT_EQUAL_FATAL(sr_pid_rate_init(&e, 20, 1, 1, 0, 10, NULL, 0), 0);
        for (int i = 0; i < 50; i++) {
            int64_t k = down ? 50 - i : i + 1;
            double r = -1;
            bool got = sr_pid_rate_compute(&e, i * 20, k * 20, 20, 0, &r);
            if (i == 0) {
                CU_ASSERT_FALSE(got);
            } else {
                CU_ASSERT_TRUE(got);
                CU_ASSERT_EQUAL(r, (double)k * 1000);
            }
        }
    }
}

/* With a scheduling delay the estimate stays below the processing speed.
 * Spark draws elements with nextInt(1000), which can be 0 and then fails its
 * own "not None" check; here a fixed generator draws 1..999. */
static void test_accumulated_error_stays_below(void) {
    sr_pid_rate e;
    CU_ASSERT_EQUAL_FATAL(sr_pid_rate_init(&e, 20, 1, 0.01, 0, 10, NULL, 0), 0);
    uint64_t seed = 42;
    for (int i = 0; i < 50; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        int64_t elements = 1 + (int64_t)((seed >> 33) % 999);
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        int64_t sched = (int64_t)((seed >> 33) % 19);
        double speed = (double)elements / 20 * 1000;
        double r = -1;
        bool got = sr_pid_rate_compute(&e, i * 20, elements, 20, sched, &r);
        if (i == 0) {
            CU_ASSERT_FALSE(got);
            continue;
        }
        CU_ASSERT_TRUE(got);
        if (r > 0 && sched > 0)
            CU_ASSERT(r < speed);
    }
}

/* ---- the defaults in a 1 s batch interval ---- */

static void test_steady_slow_fast(void) {
    sr_pid_rate e;
    double r = -1;
    CU_ASSERT_EQUAL_FATAL(sr_pid_rate_init(&e, 1000, SR_PID_PROPORTIONAL, SR_PID_INTEGRAL, SR_PID_DERIVATIVE,
                                           SR_PID_MIN_RATE, NULL, 0), 0);
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 1000, 5000, 1000, 0, &r));
    /* processing takes the batch interval, nothing waits: the rate stays */
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 2000, 5000, 1000, 0, &r));
    CU_ASSERT_EQUAL(r, 5000);
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 3000, 5000, 1000, 0, &r));
    CU_ASSERT_EQUAL(r, 5000);
    /* twice as slow (2500/s) and a batch interval of scheduling delay:
     * 5000 - 1 * (5000 - 2500) - 0.2 * (1000 * 2500 / 1000) */
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 4000, 5000, 2000, 1000, &r));
    CU_ASSERT_EQUAL(r, 2000);
    /* fast again (10000/s), no delay: 2000 - (2000 - 10000) */
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 5000, 5000, 500, 0, &r));
    CU_ASSERT_EQUAL(r, 10000);
    /* a tiny rate is held at the minimum */
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 6000, 1, 1000, 0, &r));
    CU_ASSERT_EQUAL(r, SR_PID_MIN_RATE);
}

/* The derivative: the change of the error per second since the last batch
 * used (a skipped batch does not count). */
static void test_derivative(void) {
    sr_pid_rate e;
    double r = -1;
    CU_ASSERT_EQUAL_FATAL(sr_pid_rate_init(&e, 1000, 1, 0, 0.5, 1, NULL, 0), 0);
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 1000, 1000, 1000, 0, &r));
    /* error 1000 - 500 = 500, dError (500 - 0) / 1 s: 1000 - 500 - 0.5 * 500 */
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 2000, 500, 1000, 0, &r));
    CU_ASSERT_EQUAL(r, 250);
    CU_ASSERT_FALSE(sr_pid_rate_compute(&e, 3000, 0, 1000, 0, &r));
    /* error 250 - 500 = -250, dError (-250 - 500) / 2 s = -375:
     * 250 + 250 + 0.5 * 375 */
    CU_ASSERT_TRUE(sr_pid_rate_compute(&e, 4000, 500, 1000, 0, &r));
    CU_ASSERT_EQUAL(r, 687.5);
}

/* ---- DirectKafkaInputDStream.maxMessagesPerPartition ---- */

static void test_limits_none(void) {
    int64_t lags[3] = {10, 20, 30};
    int64_t lim[3] = {-7, -7, -7};
    CU_ASSERT_FALSE(sr_rate_partition_limits(3, lags, 1000, 0, -1, 1, lim));
    /* an estimate under 1 is 0 once truncated: none */
    CU_ASSERT_FALSE(sr_rate_partition_limits(3, lags, 1000, 0, 0.9, 1, lim));
    CU_ASSERT_FALSE(sr_rate_partition_limits(3, lags, 1000, -5, -1, 1, lim));
    CU_ASSERT_FALSE(sr_rate_partition_limits(0, NULL, 1000, 100, 500, 1, lim));
    /* a rate but nothing lags: 0 / 0 in Spark, no limit */
    int64_t idle[2] = {0, -3};
    CU_ASSERT_FALSE(sr_rate_partition_limits(2, idle, 1000, 0, 500, 1, lim));
    CU_ASSERT_FALSE(sr_rate_partition_limits(2, idle, 1000, 100, 500, 1, lim));
    CU_ASSERT(lim[0] == -7 && lim[1] == -7 && lim[2] == -7);
}

static void test_limits_max_rate_only(void) {
    int64_t lags[3] = {10, 5000, 0};
    int64_t lim[3];
    /* rate * batch seconds, whatever the lag (the caller caps at until) */
    CU_ASSERT_TRUE(sr_rate_partition_limits(3, lags, 2000, 100, -1, 1, lim));
    CU_ASSERT(lim[0] == 200 && lim[1] == 200 && lim[2] == 200);
    /* no usable estimate: the same */
    CU_ASSERT_TRUE(sr_rate_partition_limits(3, lags, 2000, 100, 0.5, 1, lim));
    CU_ASSERT(lim[0] == 200 && lim[1] == 200 && lim[2] == 200);
    /* whole records: 1.5 -> 1 */
    CU_ASSERT_TRUE(sr_rate_partition_limits(3, lags, 500, 3, -1, 1, lim));
    CU_ASSERT(lim[0] == 1 && lim[1] == 1 && lim[2] == 1);
}

static void test_limits_split_by_lag(void) {
    int64_t lags[3] = {1, 3, 4};
    int64_t lim[3];
    CU_ASSERT_TRUE(sr_rate_partition_limits(3, lags, 1000, 0, 800, 1, lim));
    CU_ASSERT(lim[0] == 100 && lim[1] == 300 && lim[2] == 400);
    CU_ASSERT_TRUE(sr_rate_partition_limits(3, lags, 2000, 0, 800, 1, lim));
    CU_ASSERT(lim[0] == 200 && lim[1] == 600 && lim[2] == 800);
    /* the estimate in whole records/s, as RateController keeps it */
    CU_ASSERT_TRUE(sr_rate_partition_limits(3, lags, 1000, 0, 800.9, 1, lim));
    CU_ASSERT(lim[0] == 100 && lim[1] == 300 && lim[2] == 400);
    /* a positive max caps each share */
    CU_ASSERT_TRUE(sr_rate_partition_limits(3, lags, 1000, 250, 800, 1, lim));
    CU_ASSERT(lim[0] == 100 && lim[1] == 250 && lim[2] == 250);
    /* a negative lag counts as 0 */
    int64_t neg[3] = {-5, 4, 4};
    CU_ASSERT_TRUE(sr_rate_partition_limits(3, neg, 1000, 0, 800, 1, lim));
    CU_ASSERT(lim[0] == 1 && lim[1] == 400 && lim[2] == 400);
}

static void test_limits_minimum(void) {
    int64_t lags[2] = {1, 1023};
    int64_t lim[2];
    /* 100/s: 0.09765625 and 99.90234375 records -> 0 and 99; at least 1 */
    CU_ASSERT_TRUE(sr_rate_partition_limits(2, lags, 1000, 0, 100, SR_KAFKA_MIN_RATE_PER_PARTITION, lim));
    CU_ASSERT(lim[0] == 1 && lim[1] == 99);
    CU_ASSERT_TRUE(sr_rate_partition_limits(2, lags, 1000, 0, 100, 10, lim));
    CU_ASSERT(lim[0] == 10 && lim[1] == 99);
    CU_ASSERT_TRUE(sr_rate_partition_limits(2, lags, 1000, 0, 100, 0, lim));
    CU_ASSERT(lim[0] == 0 && lim[1] == 99);
    /* max rate only: 5/s over 100 ms is 0.5 -> 0, raised to 1 */
    CU_ASSERT_TRUE(sr_rate_partition_limits(2, lags, 100, 5, -1, 1, lim));
    CU_ASSERT(lim[0] == 1 && lim[1] == 1);
}

UNIT_SUITE(rate,
           { "estimator checks ranges", test_checks_ranges },
           { "first estimate is none", test_first_estimate_is_none },
           { "second estimate is the rate", test_second_estimate },
           { "no estimate without time difference", test_no_time_difference },
           { "no estimate without records", test_no_records },
           { "no estimate without processing delay", test_no_processing_delay },
           { "skipped batches leave no trace", test_skipped_batches_leave_no_trace },
           { "estimate never below min rate", test_never_below_min_rate },
           { "no accumulated error: follow processing speed", test_follow_processing_speed },
           { "accumulated error: stay below processing speed", test_accumulated_error_stays_below },
           { "defaults: steady, slow, fast, minimum", test_steady_slow_fast },
           { "derivative term", test_derivative },
           { "partition limits: none", test_limits_none },
           { "partition limits: max rate only", test_limits_max_rate_only },
           { "partition limits: estimate split by lag", test_limits_split_by_lag },
           { "partition limits: minimum per partition", test_limits_minimum })
