/* ui_render.c - the monitoring UI's answers: request parsing, routing,
 * the page.
 *
 * sr_ui_render turns a request line (method, target) and a metrics
 * snapshot into a status, a media type and a body; it needs no server, so
 * the unit tests call it directly (the server, ui.c, calls the same steps:
 * sr_ui_parse_request, then sr_ui_respond). The JSON routes are rendered
 * by ui_api.c, /metrics by ui_prom.c.
 *
 * The page (runtime/ui_page.html, embedded as build/ui_page.h) is static
 * apart from the application name, HTML-escaped in place of @APP_NAME@; its
 * script draws everything else from the JSON routes.
 */
#include <errno.h>
#include <strings.h>

#include "ui.h"
#include "ui_impl.h"
#include "ui_page.h" /* static const char ui_page[]: generated from ui_page.html */

#define PATH_MAX_LEN 512 /* longer paths match no route */

#define TYPE_JSON "application/json; charset=utf-8"
#define TYPE_TEXT "text/plain; charset=utf-8"
#define TYPE_HTML "text/html; charset=utf-8"
#define TYPE_PROM "text/plain; version=0.0.4; charset=utf-8"

/* ===================================================================== */
/* Requests and routes                                                    */
/* ===================================================================== */

static int hexval(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out (cap bytes, NUL-terminated); `plus`
 * turns '+' into ' ' (query strings). -1 if it does not fit or decodes
 * to a NUL byte. */
static int url_decode(const char *s, size_t n, bool plus, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == 0 || o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* s as a whole decimal number (optional '-'). */
static bool parse_long(const char *s, int64_t *v) {
    if (!*s)
        return false;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || *end || !(*s == '-' || (*s >= '0' && *s <= '9')))
        return false;
    *v = x;
    return true;
}

static const char *after(const char *s, const char *prefix) {
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* rest: what follows ".../streaming/". */
static sr_ui_route route_streaming(const char *rest, int64_t *arg) {
    const char *p;
    if (strcmp(rest, "statistics") == 0)
        return RT_STATS;
    if (strcmp(rest, "receivers") == 0)
        return RT_RECEIVERS;
    if ((p = after(rest, "receivers/")) && parse_long(p, arg))
        return RT_RECEIVER;
    if (strcmp(rest, "batches") == 0)
        return RT_BATCHES;
    if ((p = after(rest, "batches/")) && parse_long(p, arg))
        return RT_BATCH;
    return RT_NOT_FOUND;
}

/* A decoded path without its trailing '/'. The application routes take
 * any id (and an optional attempt id), like a one-application Spark. */
static sr_ui_route route_path(const char *path, int64_t *arg) {
    const char *p, *q;
    if (strcmp(path, "") == 0 || strcmp(path, "/index.html") == 0 || strcmp(path, "/streaming") == 0)
        return RT_PAGE;
    if (strcmp(path, "/metrics") == 0)
        return RT_METRICS;
    if ((p = after(path, "/api/v1/streaming/")))
        return route_streaming(p, arg);
    if (strcmp(path, "/api/v1/applications") == 0)
        return RT_APPS;
    if (!(p = after(path, "/api/v1/applications/")) || *p == '/' || !*p)
        return RT_NOT_FOUND;
    if (!(p = strchr(p, '/')))
        return RT_APP;
    if ((q = after(p + 1, "streaming/")))
        return route_streaming(q, arg);
    if ((p = strchr(p + 1, '/')) && (q = after(p + 1, "streaming/")))
        return route_streaming(q, arg);
    return RT_NOT_FOUND;
}

/* ?status=S (repeatable, any case), Spark's batch filter. */
static void parse_query(const char *q, sr_ui_request *rq) {
    while (*q) {
        size_t n = strcspn(q, "&;");
        const char *eq = memchr(q, '=', n);
        char key[16], val[48];
        if (eq && url_decode(q, (size_t)(eq - q), true, key, sizeof key) == 0 &&
            strcmp(key, "status") == 0) {
            if (url_decode(eq + 1, n - (size_t)(eq + 1 - q), true, val, sizeof val) != 0)
                snprintf(val, sizeof val, "(too long)");
            static const sr_batch_status all[] = { SR_BATCH_QUEUED, SR_BATCH_PROCESSING,
                                                   SR_BATCH_COMPLETED, SR_BATCH_FAILED };
            bool known = false;
            for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
                if (strcasecmp(val, sr_ui_status_name(all[i])) == 0) {
                    rq->statuses |= 1u << all[i];
                    known = true;
                }
            }
            if (!known && !rq->bad[0])
                snprintf(rq->bad, sizeof rq->bad, "%s", val[0] ? val : "(empty)");
        }
        q += n;
        if (*q)
            q++;
    }
}

void sr_ui_parse_request(const char *method, const char *target, sr_ui_request *rq) {
    memset(rq, 0, sizeof *rq);
    rq->method_ok = method && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
    if (!target)
        target = "";
    size_t n = strcspn(target, "?#");
    char path[PATH_MAX_LEN];
    rq->rt = RT_NOT_FOUND;
    if (url_decode(target, n, false, path, sizeof path) != 0 || path[0] != '/')
        return;
    size_t len = strlen(path);
    while (len > 0 && path[len - 1] == '/')
        path[--len] = '\0';
    rq->rt = route_path(path, &rq->arg);
    if (target[n] == '?')
        parse_query(target + n + 1, rq);
}

/* Routes that show the run's data (need a snapshot). */
bool sr_ui_route_needs_data(sr_ui_route rt) {
    switch (rt) {
    case RT_NOT_FOUND: return false;
    case RT_PAGE: return true; /* the application's name */
    case RT_METRICS:
    case RT_APPS:
    case RT_APP:
    case RT_STATS:
    case RT_RECEIVERS:
    case RT_RECEIVER:
    case RT_BATCHES:
    case RT_BATCH: return true;
    }
    return false;
}

/* ===================================================================== */
/* The page                                                               */
/* ===================================================================== */

/* HTML text and attribute values. */
static const char *esc_html(unsigned char c, char tmp[8]) {
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

static void render_page(sr_buf *b, const sr_metrics_snapshot *s) {
    static const char mark[] = "@APP_NAME@";
    const char *p = ui_page, *q;
    while ((q = strstr(p, mark))) {
        sr_buf_put(b, p, (size_t)(q - p));
        sr_ui_put_escaped(b, s ? sr_ui_app_name(s) : "streamc", esc_html);
        p = q + sizeof mark - 1;
    }
    sr_buf_cstr(b, p);
}

/* ===================================================================== */
/* Rendering                                                              */
/* ===================================================================== */

int sr_ui_respond(const sr_metrics_snapshot *s, const sr_ui_request *rq, sr_buf *out,
                  const char **type) {
    *type = TYPE_JSON;
    if (!rq->method_ok) {
        *type = TYPE_TEXT;
        sr_buf_cstr(out, "405 Method Not Allowed: use GET or HEAD\n");
        return 405;
    }
    if (rq->rt == RT_NOT_FOUND) {
        *type = TYPE_TEXT;
        sr_buf_cstr(out, "404 Not Found\n");
        return 404;
    }
    if (rq->rt == RT_PAGE) {
        *type = TYPE_HTML;
        render_page(out, s);
        return 200;
    }
    if (!s) {
        sr_ui_json_error(out, "no metrics available");
        return 503;
    }
    if (rq->rt == RT_METRICS) {
        *type = TYPE_PROM;
        sr_ui_render_prometheus(out, s);
        return 200;
    }
    return sr_ui_render_api(s, rq, out);
}

int sr_ui_render(const sr_metrics_snapshot *s, const char *method, const char *target, sr_buf *out,
                 const char **content_type) {
    sr_ui_request rq;
    sr_ui_parse_request(method, target, &rq);
    return sr_ui_respond(s, &rq, out, content_type);
}
