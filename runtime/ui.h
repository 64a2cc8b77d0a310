/* ui.h - the monitoring HTTP server of a running program (libmicrohttpd).
 *
 * Serves, from snapshots of the run's metrics (metrics.h):
 *   /                                  the monitoring page (Spark's Streaming tab)
 *   /api/v1/streaming/statistics       Spark's REST API shapes, also under
 *   /api/v1/streaming/receivers[/ID]   /api/v1/applications/<app>/streaming/...
 *   /api/v1/streaming/batches[?status=S]
 *   /api/v1/streaming/batches/<time>
 *   /api/v1/applications[/<app>]
 *   /metrics                           Prometheus text format 0.0.4
 * GET and HEAD only (others: 405); anything else: 404.
 *
 * The server runs on libmicrohttpd's own thread: the batch thread never
 * waits on it. Each data request takes a snapshot (sr_metrics_snapshot_take)
 * and renders it without holding any lock. Connections are limited in
 * number, memory and time, so slow or hostile clients cannot starve the run.
 *
 * Implemented by ui.c (the server), ui_render.c (parsing, routing, the
 * page), ui_api.c (JSON), ui_prom.c (Prometheus) and ui_text.c (escaping),
 * which share the internal ui_impl.h.
 */
#ifndef STREAMRT_UI_H
#define STREAMRT_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"
#include "streamrt.h"

#define SR_UI_PORT 4040      /* spark.ui.port */
#define SR_UI_RETRIES 16     /* spark.port.maxRetries */
#define SR_UI_ANY_PORT (-1)  /* a free port the system picks (tests) */

typedef struct sr_ui_opts {
    const char *bind;   /* IPv4 or IPv6 address, or "localhost"; NULL = "127.0.0.1" */
    int port;           /* first port to try; 0 = no UI; SR_UI_ANY_PORT */
    int retries;        /* when a port is in use, also try port+1 .. port+retries */
} sr_ui_opts;

/* Spark's defaults: 127.0.0.1:4040, then 4041 .. 4056 if taken. */
#define SR_UI_OPTS_DEFAULT ((sr_ui_opts){ NULL, SR_UI_PORT, SR_UI_RETRIES })

typedef struct sr_ui sr_ui;

/* Start serving the metrics store m (which must outlive the server; NULL
 * serves the page and answers the data routes with 503).
 *   o->port == 0: the UI is off: returns NULL and sets err to "".
 *   Otherwise binds o->bind at o->port, or the next port up to o->retries
 *   times while the port is in use, logs "Monitoring UI at
 *   http://ADDR:PORT/" (INFO) and, when another port than o->port was
 *   used, a WARN; returns the server.
 *   Failure (bad address, no port free, no permission, no thread): NULL
 *   with the reason in err, nothing logged; the caller decides. */
sr_ui *sr_ui_start(const sr_ui_opts *o, sr_metrics *m, char *err, size_t errlen);

/* The port the server listens on. */
int sr_ui_port(const sr_ui *u);

/* Stop serving: closes the listening socket, waits for the request being
 * answered (if any), frees u. NULL is a no-op. */
void sr_ui_stop(sr_ui *u);

/* The response to `METHOD TARGET` (TARGET: path and optional ?query, as
 * sent on the request line), from snapshot s (NULL: no data, the data
 * routes answer 503). Appends the body to out (also for HEAD, which the
 * server then leaves out), points *content_type at a static media type
 * and returns the HTTP status. Used by the server; callable without one
 * (tests). */
int sr_ui_render(const sr_metrics_snapshot *s, const char *method, const char *target, sr_buf *out,
                 const char **content_type);

#endif
