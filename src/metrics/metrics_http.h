// SPDX-License-Identifier: GPL-2.0-or-later
// The Prometheus endpoint: `GET /metrics` over HTTP, served by libsoup 3's SoupServer in the
// daemon's GLib main loop, from collectors that write into one exposition per scrape.
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include "metrics.h"

/* Most scrapes in flight at once (each may wait for an asynchronous collector); more get 503.
 */
#define METRICS_HTTP_SCRAPES_MAX 4
/* Longest request head (request line and headers) accepted; a longer one gets 431. */
#define METRICS_HTTP_HEAD_MAX 8192
/* A request head not complete within this time is dropped (a client that never ends it). */
#define METRICS_HTTP_HEAD_TIMEOUT_S 10
/* Most connections whose request head is still arriving; more are closed at once. */
#define METRICS_HTTP_PEEKING_MAX 16
/* After a 431, at most this much of the rest of the request is read before closing. */
#define METRICS_HTTP_DRAIN_MAX (1024 * 1024)
/* Largest request body accepted (a GET has none); a larger one gets 413, decided before it is
 * read, and is discarded as it arrives. */
#define METRICS_HTTP_BODY_MAX 4096

/* Writes series into w, in the main loop, during the scrape's handler: it must be cheap (it
 * holds up the loop for as long as it runs). */
typedef void (*MetricsCollectFunc)(MetricsWriter *w, gpointer user_data);

/* A collector whose data takes time to gather (kernel counters, /proc): start() begins the
 * work off the main loop (a GTask in a thread) and calls callback in the thread-default main
 * context when done; finish() then writes its series into w, in the main loop. A failed
 * collector's series are left out of that scrape (and counted). The scrape's reply waits,
 * paused, for every started collector; the loop keeps running meanwhile. */
typedef struct {
    const char *name; /* for logs and the failure counter's label */
    void (*start)(gpointer user_data, GCancellable *cancellable, GAsyncReadyCallback callback,
                  gpointer callback_data);
    gboolean (*finish)(gpointer user_data, GAsyncResult *result, MetricsWriter *w, GError **error);
} MetricsAsyncCollector;

typedef struct {
    guint64 scrapes;  /* answered 200 */
    guint64 rejected; /* answered 4xx or 503 */
    guint64 collector_failures;
    gint64 last_collect_us; /* main-loop time the last scrape's synchronous collectors took */
} MetricsHttpStats;

typedef struct MetricsHttp MetricsHttp;

/* Listens on listen ("ADDR:PORT" or "[ADDR]:PORT", metrics_listen_parse()) in the
 * thread-default main context. NULL with an error when the value is invalid or the port
 * cannot be bound. */
MetricsHttp *metrics_http_new(const char *listen, GError **error);

/* Stops listening; scrapes in flight are dropped (their collectors cancelled). */
void metrics_http_free(MetricsHttp *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MetricsHttp, metrics_http_free)

/* Adds a collector; each scrape runs the synchronous ones in the order added, then appends the
 * asynchronous ones' output in the order added. user_data is borrowed and must outlive m. */
void metrics_http_add_collector(MetricsHttp *m, MetricsCollectFunc func, gpointer user_data);
void metrics_http_add_async_collector(MetricsHttp *m, const MetricsAsyncCollector *collector,
                                      gpointer user_data);

/* The listen value m was made with (borrowed). */
const char *metrics_http_get_listen(const MetricsHttp *m);

/* The port m listens on (the real one when listen asked for port 0). */
guint16 metrics_http_get_port(const MetricsHttp *m);

const MetricsHttpStats *metrics_http_stats(const MetricsHttp *m);

/* The process's own series (process_cpu_seconds_total, process_resident_memory_bytes,
 * process_open_fds, ...), read from /proc/self in a worker thread: an asynchronous collector
 * (metrics_process.c). */
extern const MetricsAsyncCollector metrics_process_collector;
