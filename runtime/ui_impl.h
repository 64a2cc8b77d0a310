/* ui_impl.h - what the monitoring UI's files share (internal to the runtime).
 *
 *   ui.c         the libmicrohttpd server (ui.h: sr_ui_start/port/stop)
 *   ui_render.c  sr_ui_render: request parsing, routing, the page
 *   ui_api.c     the JSON routes (Spark's REST API shapes), the JSON writer
 *   ui_prom.c    /metrics in Prometheus text format
 *   ui_text.c    UTF-8-safe escaping and the names the renderers share
 *
 * Only ui*.c include this file; generated programs see ui.h alone.
 */
#ifndef STREAMRT_UI_IMPL_H
#define STREAMRT_UI_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"
#include "streamrt.h"

/* ===================================================================== */
/* Requests and routes (ui_render.c)                                      */
/* ===================================================================== */

typedef enum sr_ui_route {
    RT_NOT_FOUND, /* no such page */
    RT_PAGE,      /* / : the HTML page */
    RT_METRICS,   /* /metrics : Prometheus */
    RT_APPS,      /* /api/v1/applications */
    RT_APP,       /* /api/v1/applications/<id> */
    RT_STATS,     /* .../streaming/statistics */
    RT_RECEIVERS, /* .../streaming/receivers */
    RT_RECEIVER,  /* .../streaming/receivers/<streamId> */
    RT_BATCHES,   /* .../streaming/batches */
    RT_BATCH,     /* .../streaming/batches/<batchId> */
} sr_ui_route;

typedef struct sr_ui_request {
    bool method_ok;    /* GET or HEAD */
    sr_ui_route rt;
    int64_t arg;       /* RT_RECEIVER: stream id; RT_BATCH: batch time */
    unsigned statuses; /* ?status= as bits 1 << sr_batch_status; 0 = all */
    char bad[48];      /* an unknown ?status= value ("" = none) */
} sr_ui_request;

/* Fill *rq from a request line's method and target (path and optional
 * ?query, undecoded); NULLs are taken as unknown method and "". Never
 * fails: an unusable target gives RT_NOT_FOUND. */
void sr_ui_parse_request(const char *method, const char *target, sr_ui_request *rq);

/* Whether route rt shows the run's data (needs a snapshot). */
bool sr_ui_route_needs_data(sr_ui_route rt);

/* The answer to rq from snapshot s (NULL: the data routes answer 503):
 * appends the body to out, points *type at a static media type, returns
 * the HTTP status. */
int sr_ui_respond(const sr_metrics_snapshot *s, const sr_ui_request *rq, sr_buf *out,
                  const char **type);

/* ===================================================================== */
/* Renderers (ui_api.c, ui_prom.c)                                        */
/* ===================================================================== */

/* The JSON route rq->rt (RT_APPS .. RT_BATCH) from snapshot s (not NULL):
 * appends the body and its final newline to out; returns 200, or 404/400
 * with a {"error" : ...} body for an unknown receiver, batch or ?status=
 * value (500 for a route that is not a JSON one). */
int sr_ui_render_api(const sr_metrics_snapshot *s, const sr_ui_request *rq, sr_buf *out);

/* Append {"error" : msg} and a newline to out (msg escaped). */
void sr_ui_json_error(sr_buf *out, const char *msg);

/* Append /metrics for snapshot s (not NULL) to b: Prometheus text format
 * 0.0.4. */
void sr_ui_render_prometheus(sr_buf *b, const sr_metrics_snapshot *s);

/* ===================================================================== */
/* Text (ui_text.c)                                                       */
/* ===================================================================== */

/* Append s with the ASCII bytes for which esc() gives a replacement
 * replaced, valid UTF-8 kept, invalid bytes as U+FFFD. esc returns a
 * static string, tmp (filled), or NULL to keep the byte. */
void sr_ui_put_escaped(sr_buf *b, const char *s, const char *(*esc)(unsigned char c, char tmp[8]));

/* Spark's name of a batch status: "QUEUED", "PROCESSING", ... (static). */
const char *sr_ui_status_name(sr_batch_status st);

/* The application's name in s: its app, or "streamc" (not freed). */
const char *sr_ui_app_name(const sr_metrics_snapshot *s);

#endif
