/* rate.c - backpressure: Spark's PID rate estimator and the Kafka direct
 * source's per-partition limits.
 *
 * sr_pid_rate_compute is PIDRateEstimator.compute, term for term and in the
 * same order of floating-point operations, so estimates match Spark's to
 * the bit. The error is the last estimate minus the rate the batch was
 * processed at; the "integral" is the scheduling delay turned into a rate
 * (the records that waited, spread over a batch interval); the derivative
 * is the change of the error per second since the last batch used:
 *
 *     rate = max(latest - P * error - I * sched * processed / batch
 *                - D * (error - latest_error) / seconds_since, min_rate)
 *
 * sr_rate_partition_limits is DirectKafkaInputDStream.maxMessagesPerPartition
 * with one max/min rate for every partition (DefaultPerPartitionConfig).
 */
#include <math.h>
#include <stdio.h>

#include "rate.h"
#include "streamrt.h"

/* No fused multiply-adds: the JVM rounds every product. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* Spark's require(): "requirement failed: " and its message. */
static int refuse(char *errstr, size_t errlen, const char *what, double v, const char *rule) {
    if (errstr && errlen) {
        sr_buf b = {0};
        sr_buf_cstr(&b, "requirement failed: ");
        sr_buf_cstr(&b, what);
        sr_buf_double(&b, v);
        sr_buf_cstr(&b, rule);
        snprintf(errstr, errlen, "%.*s", (int)b.len, b.ptr);
        sr_buf_free(&b);
    }
    return -1;
}

int sr_pid_rate_init(sr_pid_rate *e, int64_t batch_ms, double proportional, double integral,
                     double derivative, double min_rate, char *errstr, size_t errlen) {
    if (batch_ms <= 0) {
        if (errstr && errlen)
            snprintf(errstr, errlen,
                     "requirement failed: Specified batch interval %lld in PIDRateEstimator is invalid.",
                     (long long)batch_ms);
        return -1;
    }
    /* Written as Spark's conditions so that NaN fails them too. */
    if (!(proportional >= 0))
        return refuse(errstr, errlen, "Proportional term ", proportional,
                      " in PIDRateEstimator should be >= 0.");
    if (!(integral >= 0))
        return refuse(errstr, errlen, "Integral term ", integral, " in PIDRateEstimator should be >= 0.");
    if (!(derivative >= 0))
        return refuse(errstr, errlen, "Derivative term ", derivative, " in PIDRateEstimator should be >= 0.");
    if (!(min_rate > 0)) {
        if (errstr && errlen)
            snprintf(errstr, errlen, "requirement failed: Minimum rate in PIDRateEstimator should be > 0");
        return -1;
    }
    e->batch_ms = batch_ms;
    e->proportional = proportional;
    e->integral = integral;
    e->derivative = derivative;
    e->min_rate = min_rate;
    e->first_run = true;
    e->latest_time = -1;
    e->latest_rate = -1;
    e->latest_error = -1;
    return 0;
}

/* Scala's Double.max (java.lang.Math.max): NaN wins. */
static double java_max(double a, double b) {
    if (isnan(a) || isnan(b))
        return NAN;
    return a >= b ? a : b;
}

bool sr_pid_rate_compute(sr_pid_rate *e, int64_t time_ms, int64_t elements, int64_t processing_ms,
                         int64_t scheduling_ms, double *rate) {
    if (!(time_ms > e->latest_time && elements > 0 && processing_ms > 0))
        return false;

    /* seconds, about the batch interval */
    double since = (double)(time_ms - e->latest_time) / 1000;
    /* records/s */
    double processing_rate = (double)elements / (double)processing_ms * 1000;
    /* the last estimate was the desired rate */
    double error = e->latest_rate - processing_rate;
    /* sched * processing_rate records waited: as a rate over one batch */
    double historical = (double)scheduling_ms * processing_rate / (double)e->batch_ms;
    /* records/s^2 */
    double d_error = (error - e->latest_error) / since;
    double new_rate = java_max(e->latest_rate - e->proportional * error - e->integral * historical
                                   - e->derivative * d_error,
                               e->min_rate);

    e->latest_time = time_ms;
    if (e->first_run) {
        e->latest_rate = processing_rate;
        e->latest_error = 0;
        e->first_run = false;
        return false;
    }
    e->latest_rate = new_rate;
    e->latest_error = error;
    *rate = new_rate;
    return true;
}

/* Scala's Double.min (java.lang.Math.min): NaN wins. */
static double java_min(double a, double b) {
    if (isnan(a) || isnan(b))
        return NAN;
    return a <= b ? a : b;
}

/* maxMessagesPerPartition's effectiveRateLimitPerPartition of one
 * partition: with a rate, its share by lag (NaN when nothing lags: 0 / 0),
 * capped by a positive max; without, the max. */
static double partition_rate(int64_t lag, double total_lag, int64_t est, int64_t max_rate) {
    if (est <= 0)
        return (double)max_rate;
    double r = (double)(lag > 0 ? lag : 0) / total_lag * (double)est;
    return max_rate > 0 ? java_min(r, (double)max_rate) : r;
}

bool sr_rate_partition_limits(int n, const int64_t *lags, int64_t batch_ms,
                              int64_t max_rate_per_partition, double est_rate,
                              int64_t min_rate_per_partition, int64_t *limits) {
    /* RateController keeps rateLimit = estimate.toLong; Spark uses it when > 0. */
    int64_t est = sr_double_to_long(est_rate);

    uint64_t total = 0;             /* a Long sum: wraps, never undefined */
    for (int i = 0; i < n; i++)
        total += (uint64_t)(lags[i] > 0 ? lags[i] : 0);
    double total_lag = (double)(int64_t)total;

    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += partition_rate(lags[i], total_lag, est, max_rate_per_partition);
    if (!(sum > 0))
        return false;

    double secs = (double)batch_ms / 1000;
    for (int i = 0; i < n; i++) {
        double r = partition_rate(lags[i], total_lag, est, max_rate_per_partition);
        int64_t l = sr_double_to_long(secs * r);
        limits[i] = l > min_rate_per_partition ? l : min_rate_per_partition;
    }
    return true;
}
