/* kafka_mock.c - a Kafka cluster on loopback for tests, the demo and benchmarks.
 *
 *   kafka-mock [--brokers N] [--topic NAME:PARTITIONS]... [--port-file FILE]
 *              [--watch-pid PID]
 *
 * Starts librdkafka's mock cluster (rdkafka_mock.h) with N brokers (ids
 * 1..N, default 1) listening on 127.0.0.1 ephemeral ports, creates each
 * --topic (as the topic command below), prints the bootstrap address
 * ("127.0.0.1:PORT,...") as the first line of stdout and, with --port-file,
 * writes the same line to FILE (temp file + rename, so a reader never sees
 * half of it). Any Kafka client, kcat included, can then use the address.
 * With --watch-pid it also stops (exit 0) within a second of process PID
 * ending, so a test killed with SIGKILL leaves no cluster behind.
 *
 * Then reads commands from stdin, one per line, and answers each with one
 * line, "ok[ DETAIL]" or "error: REASON", flushed:
 *
 *   topic NAME PARTITIONS    create a topic (replication factor N), partition
 *                            P led by broker 1 + P mod N
 *   leader TOPIC P BROKER    move partition P's leadership (BROKER: 1..N, or
 *                            none for no leader)
 *   down BROKER              disconnect a broker and refuse connections
 *   up BROKER                accept connections again (BROKER: 1..N or all)
 *   committed GROUP TOPIC    "ok P:OFFSET P:OFFSET ..." the group's committed
 *                            offset per partition, -1 where none
 *   quit                     answer ok and exit 0
 *
 * At EOF on stdin (started with </dev/null, or the writer went away) it keeps
 * running; SIGTERM, SIGINT or SIGHUP destroy the cluster and exit 0 (within
 * about a second: the mock's thread wakes once a second). Exit 1 on bad
 * arguments or when the cluster cannot start.
 *
 * What librdkafka 2.0.2's mock cluster does:
 *  - A metadata request naming an unknown topic with auto creation allowed
 *    creates it with 4 partitions (producers allow it by default; so did
 *    rd_kafka_metadata() for one topic, even from a consumer), and setting
 *    a partition leader of a missing topic creates the topic: a typo silently
 *    makes a topic. Create every topic explicitly, and this tool checks that
 *    a topic exists before leader and committed.
 *  - Leaders are random unless set, hence the fixed 1 + P mod N above.
 *  - down does not move leadership: consumers of the broker's partitions
 *    wait without an error, producers time out (message.timeout.ms), until
 *    up; a new client then connects at once.
 *  - Consumer groups and offset commits work, but a group's first join waits
 *    3 s, and a rejoin after a member left waits session.timeout.ms - 1 s
 *    (44 s with librdkafka 2.0's default 45 s): a test that starts a second
 *    consumer in a group sets session.timeout.ms=6000 (about 5 s).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define METADATA_TIMEOUT_MS 5000
#define COMMITTED_TIMEOUT_MS 5000

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void usage(FILE *f) {
    fputs("usage: kafka-mock [--brokers N] [--topic NAME:PARTITIONS]... [--port-file FILE]\n"
          "                  [--watch-pid PID]\n"
          "  stdin commands: topic NAME PARTITIONS | leader TOPIC PARTITION BROKER |\n"
          "                  down BROKER | up BROKER | committed GROUP TOPIC | quit\n",
          f);
}

/* Parse a decimal int in [lo, hi]; 0 on success, -1 otherwise. */
static int parse_int(const char *s, long lo, long hi, int *out) {
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

static int write_port_file(const char *path, const char *bootstraps) {
    char tmp[4096];
    FILE *f;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp) return -1;
    if (!(f = fopen(tmp, "w"))) return -1;
    fprintf(f, "%s\n", bootstraps);
    if (fflush(f) || fsync(fileno(f)) || fclose(f)) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

typedef struct {
    rd_kafka_mock_cluster_t *mcluster;
    rd_kafka_t *client; /* connected to the cluster, for metadata */
    int brokers;
} mock_t;

static void answer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void answer(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* A client of the mock cluster: a producer, or a consumer of GROUP that
 * never subscribes. Quiet below critical: a broker taken down makes its
 * connections fail on purpose. NULL with errstr filled on failure. */
static rd_kafka_t *client_new(const mock_t *m, const char *group, char *errstr, size_t size) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    if (rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(m->mcluster),
                          errstr, size) ||
        rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr, size) ||
        rd_kafka_conf_set(conf, "log_level", "2", errstr, size) ||
        (group && (rd_kafka_conf_set(conf, "group.id", group, errstr, size) ||
                   rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, size)))) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rk = rd_kafka_new(group ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER, conf, errstr, size);
    if (!rk) rd_kafka_conf_destroy(conf);
    return rk;
}

/* The partition count of an existing TOPIC, or -1 with an answer given.
 * Asks for all topics: asking for one would create it (auto creation). */
static int topic_partitions(const mock_t *m, const char *topic) {
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t err = rd_kafka_metadata(m->client, 1, NULL, &md, METADATA_TIMEOUT_MS);
    int i, n = -1;
    if (err) {
        answer("error: metadata: %s", rd_kafka_err2str(err));
        return -1;
    }
    for (i = 0; i < md->topic_cnt; i++)
        if (!strcmp(md->topics[i].topic, topic)) n = md->topics[i].partition_cnt;
    rd_kafka_metadata_destroy(md);
    if (n < 0) answer("error: no topic %s", topic);
    return n;
}

/* Create a topic, replicated on every broker, partition P led by broker
 * 1 + P mod N (the mock picks leaders at random otherwise). */
static rd_kafka_resp_err_t topic_create(mock_t *m, const char *name, int partitions) {
    rd_kafka_resp_err_t err;
    int p;
    if ((err = rd_kafka_mock_topic_create(m->mcluster, name, partitions, m->brokers))) return err;
    for (p = 0; p < partitions; p++)
        if ((err = rd_kafka_mock_partition_set_leader(m->mcluster, name, p, 1 + p % m->brokers)))
            return err;
    return 0;
}

/* topic NAME PARTITIONS */
static void cmd_topic(mock_t *m, const char *name, const char *parts) {
    int n;
    rd_kafka_resp_err_t err;
    if (!name || !parts || parse_int(parts, 1, 100000, &n)) {
        answer("error: usage: topic NAME PARTITIONS");
        return;
    }
    if ((err = topic_create(m, name, n))) answer("error: topic %s: %s", name, rd_kafka_err2str(err));
    else answer("ok");
}

/* leader TOPIC PARTITION BROKER|none (the mock would create a missing topic) */
static void cmd_leader(mock_t *m, const char *topic, const char *part, const char *id) {
    int p, n, broker = -1;
    rd_kafka_resp_err_t err;
    if (!topic || !part || !id || parse_int(part, 0, 100000, &p) ||
        (strcmp(id, "none") && parse_int(id, 1, m->brokers, &broker))) {
        answer("error: usage: leader TOPIC PARTITION BROKER (1..%d or none)", m->brokers);
        return;
    }
    if ((n = topic_partitions(m, topic)) < 0) return;
    if (p >= n) answer("error: topic %s has %d partitions", topic, n);
    else if ((err = rd_kafka_mock_partition_set_leader(m->mcluster, topic, p, broker)))
        answer("error: leader %s %d: %s", topic, p, rd_kafka_err2str(err));
    else answer("ok");
}

/* down BROKER|all, up BROKER|all */
static void cmd_updown(mock_t *m, const char *verb, const char *id) {
    int broker;
    rd_kafka_resp_err_t err;
    if (id && !strcmp(id, "all")) broker = -1;
    else if (!id || parse_int(id, 1, m->brokers, &broker)) {
        answer("error: usage: %s BROKER (1..%d or all)", verb, m->brokers);
        return;
    }
    err = verb[0] == 'd' ? rd_kafka_mock_broker_set_down(m->mcluster, broker)
                         : rd_kafka_mock_broker_set_up(m->mcluster, broker);
    if (err) answer("error: %s %s: %s", verb, id, rd_kafka_err2str(err));
    else answer("ok");
}

/* committed GROUP TOPIC: asked by a consumer that never joins the group
 * (OffsetFetch only), so the group is not disturbed. */
static void cmd_committed(mock_t *m, const char *group, const char *topic) {
    char errstr[512], line[8192];
    rd_kafka_t *rk;
    rd_kafka_topic_partition_list_t *parts;
    rd_kafka_resp_err_t err;
    size_t len;
    int i, n;

    if (!group || !topic) {
        answer("error: usage: committed GROUP TOPIC");
        return;
    }
    if ((n = topic_partitions(m, topic)) < 0) return;
    if (!(rk = client_new(m, group, errstr, sizeof errstr))) {
        answer("error: %s", errstr);
        return;
    }
    parts = rd_kafka_topic_partition_list_new(n);
    for (i = 0; i < n; i++) rd_kafka_topic_partition_list_add(parts, topic, i);
    if ((err = rd_kafka_committed(rk, parts, COMMITTED_TIMEOUT_MS))) {
        answer("error: committed %s %s: %s", group, topic, rd_kafka_err2str(err));
    } else {
        len = (size_t)snprintf(line, sizeof line, "ok");
        for (i = 0; i < parts->cnt && len < sizeof line; i++) {
            const rd_kafka_topic_partition_t *p = &parts->elems[i];
            long long off = p->err || p->offset < 0 ? -1 : (long long)p->offset;
            len += (size_t)snprintf(line + len, sizeof line - len, " %d:%lld", (int)p->partition, off);
        }
        answer("%s", line);
    }
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

/* Run one command line; returns 1 on quit. */
static int command(mock_t *m, char *line) {
    char *save = NULL;
    char *verb = strtok_r(line, " \t\r", &save);
    char *a = verb ? strtok_r(NULL, " \t\r", &save) : NULL;
    char *b = a ? strtok_r(NULL, " \t\r", &save) : NULL;
    char *c = b ? strtok_r(NULL, " \t\r", &save) : NULL;
    char *extra = c ? strtok_r(NULL, " \t\r", &save) : NULL;

    if (!verb) answer("error: empty command");
    else if (extra) answer("error: too many arguments");
    else if (!strcmp(verb, "leader")) cmd_leader(m, a, b, c);
    else if (c) answer("error: too many arguments");
    else if (!strcmp(verb, "topic")) cmd_topic(m, a, b);
    else if (!strcmp(verb, "down") && !b) cmd_updown(m, "down", a);
    else if (!strcmp(verb, "up") && !b) cmd_updown(m, "up", a);
    else if (!strcmp(verb, "committed")) cmd_committed(m, a, b);
    else if (!strcmp(verb, "quit") && !a) {
        answer("ok");
        return 1;
    } else answer("error: unknown command or arguments '%s' (topic, leader, down, up, committed, quit)", verb);
    return 0;
}

/* ------------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------------ */

/* Read and run commands until quit, a stop signal or the watched process's
 * end; after EOF on stdin only the last two. 0, or -1 if polling fails. */
static int serve(mock_t *m, pid_t watch_pid, const sigset_t *unblocked) {
    static char buf[65536];
    const struct timespec watch_every = {.tv_sec = 1};
    size_t used = 0;
    int stdin_open = 1, quit = 0;

    while (!stop_signal && !quit) {
        struct pollfd pfd = {.fd = 0, .events = POLLIN};
        ssize_t n;
        char *nl;
        int ready = ppoll(&pfd, stdin_open ? 1 : 0, watch_pid ? &watch_every : NULL, unblocked);
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "kafka-mock: poll: %s\n", strerror(errno));
            return -1;
        }
        if (watch_pid && kill(watch_pid, 0) < 0 && errno == ESRCH) break;
        if (ready <= 0 || !stdin_open) continue;
        n = read(0, buf + used, sizeof buf - 1 - used);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
            stdin_open = 0;
            if (used) { /* a last line without its newline */
                buf[used] = '\0';
                quit = command(m, buf);
                used = 0;
            }
            continue;
        }
        used += (size_t)n;
        while (!quit && (nl = memchr(buf, '\n', used))) {
            size_t linelen = (size_t)(nl - buf);
            *nl = '\0';
            quit = command(m, buf);
            memmove(buf, nl + 1, used - linelen - 1);
            used -= linelen + 1;
        }
        if (used == sizeof buf - 1) {
            answer("error: line too long");
            used = 0;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *port_file = NULL, *bootstraps;
    int brokers = 1, i, rc = 1;
    pid_t watch_pid = 0;
    char errstr[512];
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    mock_t m = {0};
    sigset_t block, unblocked;
    struct sigaction sa;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
            if (parse_int(argv[++i], 1, 64, &brokers)) {
                fprintf(stderr, "kafka-mock: --brokers wants 1..64, not '%s'\n", argv[i]);
                return 1;
            }
        } else if (!strcmp(argv[i], "--topic") && i + 1 < argc) {
            const char *colon = strrchr(argv[++i], ':');
            int n;
            if (!colon || colon == argv[i] || parse_int(colon + 1, 1, 100000, &n)) {
                fprintf(stderr, "kafka-mock: --topic wants NAME:PARTITIONS, not '%s'\n", argv[i]);
                return 1;
            }
        } else if (!strcmp(argv[i], "--port-file") && i + 1 < argc) {
            port_file = argv[++i];
        } else if (!strcmp(argv[i], "--watch-pid") && i + 1 < argc) {
            int pid;
            if (parse_int(argv[++i], 1, 0x7fffffff, &pid)) {
                fprintf(stderr, "kafka-mock: --watch-pid wants a process id, not '%s'\n", argv[i]);
                return 1;
            }
            watch_pid = (pid_t)pid;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "kafka-mock: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 1;
        }
    }

    /* Block the stop signals before librdkafka starts its threads, so they
     * inherit the mask and only ppoll() in serve() ever takes the signal. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &unblocked);
    sigdelset(&unblocked, SIGTERM);
    sigdelset(&unblocked, SIGINT);
    sigdelset(&unblocked, SIGHUP);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* The mock cluster needs an rd_kafka_t for its book keeping; a producer
     * with no bootstrap servers never connects anywhere (and says so in a
     * notice, hidden by log_level 4). */
    conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr))) {
        fprintf(stderr, "kafka-mock: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    if (!(m.mcluster = rd_kafka_mock_cluster_new(rk, brokers))) {
        fprintf(stderr, "kafka-mock: cannot create a mock cluster of %d brokers\n", brokers);
        goto out;
    }
    m.brokers = brokers;
    for (i = 1; i < argc; i++) {
        char name[1024];
        const char *colon;
        rd_kafka_resp_err_t err;
        if (strcmp(argv[i++], "--topic")) continue; /* the others' values are checked */
        colon = strrchr(argv[i], ':');
        snprintf(name, sizeof name, "%.*s", (int)(colon - argv[i]), argv[i]);
        if ((err = topic_create(&m, name, atoi(colon + 1)))) {
            fprintf(stderr, "kafka-mock: topic %s: %s\n", name, rd_kafka_err2str(err));
            goto out;
        }
    }
    if (!(m.client = client_new(&m, NULL, errstr, sizeof errstr))) {
        fprintf(stderr, "kafka-mock: %s\n", errstr);
        goto out;
    }

    bootstraps = rd_kafka_mock_cluster_bootstraps(m.mcluster);
    printf("%s\n", bootstraps);
    fflush(stdout);
    if (port_file && write_port_file(port_file, bootstraps)) {
        fprintf(stderr, "kafka-mock: cannot write %s: %s\n", port_file, strerror(errno));
        goto out;
    }
    rc = serve(&m, watch_pid, &unblocked) ? 1 : 0;
out:
    if (m.client) rd_kafka_destroy(m.client);
    if (m.mcluster) rd_kafka_mock_cluster_destroy(m.mcluster);
    rd_kafka_destroy(rk);
    return rc;
}
