/* ui.c - the monitoring HTTP server (libmicrohttpd).
 *
 * The server around sr_ui_render (ui_render.c) is libmicrohttpd with its
 * internal polling thread: one thread answers every connection,
 * event-driven, so a slow client only costs a socket. Limits: 64
 * connections, 32 KiB of memory each (longer request heads get 431), 10 s
 * of idleness. A request takes a snapshot only on the routes that show
 * data, and renders it without any lock held.
 *
 * libmicrohttpd is loaded (dlopen) when the first server starts, not with
 * the program: its start-up (gnutls and the libraries under it) costs about
 * 4 ms and 160 page faults that a program without the UI (--clock manual,
 * port 0) would pay for nothing. The header gives the types and constants;
 * the six functions used are called through `mhd`.
 *
 * ui_impl.h lists the UI's other files (rendering, JSON, Prometheus, text).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime.h"
#include "ui.h"
#include "ui_impl.h"

#define CONN_LIMIT 64u
#define CONN_MEMORY ((size_t)32 * 1024)
#define CONN_TIMEOUT 10u /* seconds */

/* ===================================================================== */
/* libmicrohttpd, loaded on first use                                     */
/* ===================================================================== */

/* The library's run-time name (its soname: 12 since 2014), then the
 * development link. */
#ifndef SR_MHD_LIBRARY
#define SR_MHD_LIBRARY "libmicrohttpd.so.12"
#endif

static struct {
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
} mhd;
static char mhd_error[256]; /* why loading failed; "" if it did not */
static pthread_once_t mhd_once = PTHREAD_ONCE_INIT;

static void mhd_load(void) {
    void *h = dlopen(SR_MHD_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        h = dlopen("libmicrohttpd.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(mhd_error, sizeof mhd_error, "libmicrohttpd cannot be loaded: %s", dlerror());
        return;
    }
#define MHD_SYMBOL(name)                                                                      \
    if (!(*(void **)&mhd.name = dlsym(h, "MHD_" #name))) {                                    \
        snprintf(mhd_error, sizeof mhd_error, "libmicrohttpd has no MHD_%s", #name);          \
        return;                                                                               \
    }
    MHD_SYMBOL(start_daemon)
    MHD_SYMBOL(stop_daemon)
    MHD_SYMBOL(create_response_from_buffer)
    MHD_SYMBOL(add_response_header)
    MHD_SYMBOL(queue_response)
    MHD_SYMBOL(destroy_response)
#undef MHD_SYMBOL
}

/* ===================================================================== */
/* The server                                                             */
/* ===================================================================== */

struct sr_ui {
    struct MHD_Daemon *daemon;
    sr_metrics *m;
    int port;
};

/* Per request: the raw target (path and query) from the request line. */
typedef struct conn_req {
    bool answered;
    char target[];
} conn_req;

/* MHD's URI log callback: the only place that sees the query undecoded. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
    size_t n = strlen(uri);
    conn_req *r = malloc(sizeof *r + n + 1);
    if (r) {
        r->answered = false;
        memcpy(r->target, uri, n + 1);
    }
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode why) {
    free(*con_cls);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    sr_log(SR_LOG_DEBUG, "UI: %s", msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    sr_ui *u = cls;
    conn_req *cr = *con_cls;
    if (cr && cr->answered) { /* a body we do not want: drop it */
        *upload_size = 0;
        return MHD_YES;
    }
    if (cr)
        cr->answered = true;
    sr_ui_request rq;
    sr_ui_parse_request(method, cr ? cr->target : url, &rq);
    sr_metrics_snapshot *s = NULL;
    if (rq.method_ok && sr_ui_route_needs_data(rq.rt) && u->m)
        s = sr_metrics_snapshot_take(u->m);
    sr_buf out = { 0 };
    const char *type;
    int status = sr_ui_respond(s, &rq, &out, &type);
    if (s)
        sr_metrics_snapshot_free(s);
    struct MHD_Response *r;
    if (out.len)
        r = mhd.create_response_from_buffer(out.len, out.ptr, MHD_RESPMEM_MUST_FREE);
    else
        r = mhd.create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        sr_buf_free(&out);
        return MHD_NO;
    }
    mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    mhd.add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == 405)
        mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (rq.rt == RT_PAGE && status == 200) {
        /* Self-contained: nothing may be loaded from elsewhere. */
        mhd.add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; script-src 'unsafe-inline'; "
                                "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        mhd.add_response_header(r, "Referrer-Policy", "no-referrer");
    }
    enum MHD_Result ret = mhd.queue_response(c, (unsigned)status, r);
    mhd.destroy_response(r);
    return ret;
}

/* The address to bind: "localhost", an IPv4 or an IPv6 address ([::1] too). */
static int resolve(const char *bind, struct sockaddr_storage *ss, socklen_t *len) {
    memset(ss, 0, sizeof *ss);
    if (strcmp(bind, "localhost") == 0)
        bind = "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        *len = sizeof *v4;
        return 0;
    }
    char tmp[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(bind);
    if (n >= 2 && n < sizeof tmp && bind[0] == '[' && bind[n - 1] == ']') {
        memcpy(tmp, bind + 1, n - 2);
        tmp[n - 2] = '\0';
        bind = tmp;
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET6, bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        *len = sizeof *v6;
        return 0;
    }
    return -1;
}

/* A listening socket on ss at port (0: any); its fd, or -errno. */
static int listen_on(struct sockaddr_storage *ss, socklen_t len, int port) {
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on); /* restart over TIME_WAIT */
    if (bind(fd, (struct sockaddr *)ss, len) != 0 || listen(fd, 32) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int bound_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

sr_ui *sr_ui_start(const sr_ui_opts *o, sr_metrics *m, char *err, size_t errlen) {
    if (errlen)
        err[0] = '\0';
    if (o->port == 0)
        return NULL;
    const char *addr = o->bind && o->bind[0] ? o->bind : "127.0.0.1";
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (o->port < SR_UI_ANY_PORT || o->port > 65535) {
        snprintf(err, errlen, "bad UI port %d (1-65535)", o->port);
        return NULL;
    }
    if (resolve(addr, &ss, &sslen) != 0) {
        snprintf(err, errlen, "bad UI address '%s' (an IPv4 or IPv6 address, or localhost)", addr);
        return NULL;
    }
    pthread_once(&mhd_once, mhd_load);
    if (mhd_error[0]) {
        snprintf(err, errlen, "%s", mhd_error);
        return NULL;
    }
    int first = o->port == SR_UI_ANY_PORT ? 0 : o->port;
    int last = first;
    if (first && o->retries > 0)
        last = first + o->retries > 65535 ? 65535 : first + o->retries;
    int fd = -EADDRINUSE, port = first;
    for (; port <= last; port++) {
        fd = listen_on(&ss, sslen, port);
        if (fd >= 0 || fd != -EADDRINUSE)
            break;
    }
    if (fd < 0) {
        if (last > first)
            snprintf(err, errlen, "cannot listen on %s, ports %d-%d: %s", addr, first, last,
                     strerror(-fd));
        else
            snprintf(err, errlen, "cannot listen on %s port %d: %s", addr, first, strerror(-fd));
        return NULL;
    }
    sr_ui *u = sr_xcalloc(1, sizeof *u);
    u->m = m;
    u->port = bound_port(fd);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    u->daemon = mhd.start_daemon(
        flags, 0, NULL, NULL, on_request, u, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT,
        CONN_TIMEOUT, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED,
        on_done, NULL, MHD_OPTION_END);
    if (!u->daemon) {
        /* MHD may already have closed fd: a leak is safer than closing another's fd. */
        snprintf(err, errlen, "cannot start the UI server on %s port %d", addr, u->port);
        free(u);
        return NULL;
    }
    bool brackets = ss.ss_family == AF_INET6 && addr[0] != '[';
    char host[INET6_ADDRSTRLEN + 3];
    snprintf(host, sizeof host, "%s%s%s", brackets ? "[" : "", addr, brackets ? "]" : "");
    if (first && u->port != first)
        sr_log(SR_LOG_WARN, "UI port %d is in use; using port %d", first, u->port);
    sr_log(SR_LOG_INFO, "Monitoring UI at http://%s:%d/", host, u->port);
    return u;
}

int sr_ui_port(const sr_ui *u) {
    return u->port;
}

void sr_ui_stop(sr_ui *u) {
    if (!u)
        return;
    mhd.stop_daemon(u->daemon);
    free(u);
}
