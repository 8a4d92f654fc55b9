// SPDX-License-Identifier: GPL-2.0-or-later
// The Prometheus endpoint: `GET /metrics` over HTTP, served by libsoup 3's SoupServer in the
// daemon's GLib main loop, from collectors that write into one exposition per scrape.
#include "metrics_http.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libsoup/soup.h>

#include "error.h"

/*
 * A scrape: the handler runs the synchronous collectors at once (their cost is the main loop's
 * cost of a scrape), then, when there are asynchronous ones, pauses the message
 * (soup_server_message_pause) and starts them all. Each completion lands in the main context;
 * the last one assembles the reply (the synchronous part, then each asynchronous part in the
 * order the collectors were added, then the endpoint's own series) and unpauses the message.
 * A client that goes away meanwhile only makes the reply unneeded ("finished" is emitted on
 * the message); freeing the server cancels what is in flight and detaches the scrapes, whose
 * completions then only free them.
 *
 * Limits. The request head (line and headers) may be METRICS_HTTP_HEAD_MAX bytes: the
 * connection is accepted here, not by libsoup, and its first bytes are peeked (MSG_PEEK, so
 * libsoup still reads them all) until the blank line that ends the head; a longer head gets
 * 431 and the connection is closed, a head not complete within METRICS_HTTP_HEAD_TIMEOUT_S is
 * closed without an answer, and only then is the connection handed to libsoup (which would
 * otherwise drop a head over its own 64 KiB without a word). Every answer closes the
 * connection, so that each request passes this check. Malformed requests get 400 (from
 * head_fields_ok() for what libsoup would leak memory on, from libsoup for the rest);
 * the early handler answers every method but GET with 405 and a body over
 * METRICS_HTTP_BODY_MAX with 413, decided before the body is read (and discarded); at most
 * METRICS_HTTP_SCRAPES_MAX scrapes wait at once.
 */

typedef struct {
    MetricsCollectFunc func;
    const MetricsAsyncCollector *async;
    gpointer user_data;
} Collector;

struct MetricsHttp {
    SoupServer *server;
    GSocketService *service;
    guint n_peeking; /* connections whose head is being checked */
    char *listen;
    guint16 port;
    GArray *collectors; /* Collector */
    GPtrArray *scrapes; /* Scrape in flight */
    GCancellable *cancellable;
    MetricsHttpStats stats;
};

typedef struct {
    MetricsHttp *m; /* NULL once the server is gone */
    SoupServerMessage *msg;
    gulong finished_id;
    gboolean gone; /* the message finished (client away) before the reply */
    MetricsWriter *w;
    MetricsWriter **parts; /* one per collector; NULL for synchronous ones */
    guint n_parts;
    guint pending;
} Scrape;

typedef struct {
    Scrape *scrape;
    guint index;
} Part;

static void
scrape_free(Scrape *s)
{
    if (s->msg) {
        if (s->finished_id && !s->gone)
            g_signal_handler_disconnect(s->msg, s->finished_id);
        g_object_unref(s->msg);
    }
    for (guint i = 0; i < s->n_parts; i++)
        metrics_writer_free(s->parts[i]);
    g_free(s->parts);
    metrics_writer_free(s->w);
    g_free(s);
}

static void
on_msg_finished(SoupServerMessage *msg, gpointer data)
{
    (void)msg;
    Scrape *s = data;
    s->gone = TRUE;
}

static void
reject(MetricsHttp *m, SoupServerMessage *msg, guint status, const char *text)
{
    m->stats.rejected++;
    soup_server_message_set_status(msg, status, NULL);
    soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text,
                                     strlen(text));
}

/* The endpoint's own series, last in every reply. */
static void
write_own(MetricsHttp *m, MetricsWriter *w)
{
    metrics_family(w, "alertban_scrapes_total", METRICS_COUNTER,
                   "Scrapes of this endpoint answered (since the daemon started).");
    metrics_sample_uint(w, NULL, m->stats.scrapes);
    metrics_family(w, "alertban_scrape_rejected_total", METRICS_COUNTER,
                   "Requests to the metrics endpoint answered with an error (since the daemon "
                   "started).");
    metrics_sample_uint(w, NULL, m->stats.rejected);
    metrics_family(w, "alertban_scrape_collector_failures_total", METRICS_COUNTER,
                   "Asynchronous collectors that failed, their series left out of that scrape.");
    metrics_sample_uint(w, NULL, m->stats.collector_failures);
    metrics_family(w, "alertban_scrape_main_loop_seconds", METRICS_GAUGE,
                   "Main-loop time the previous scrape's synchronous collectors took.");
    metrics_sample(w, NULL, (double)m->stats.last_collect_us / G_USEC_PER_SEC);
}

/* Every collector is done: the reply, unless the client is gone or the server freed. */
static void
scrape_complete(Scrape *s)
{
    MetricsHttp *m = s->m;
    if (m && !s->gone) {
        for (guint i = 0; i < s->n_parts; i++) {
            if (!s->parts[i])
                continue;
            gsize len = 0;
            const char *text = metrics_writer_text(s->parts[i], &len);
            metrics_writer_append(s->w, text, len);
        }
        m->stats.scrapes++;
        write_own(m, s->w);
        g_autoptr(GBytes) body = metrics_writer_steal(s->w);
        soup_server_message_set_status(s->msg, SOUP_STATUS_OK, NULL);
        soup_message_body_append_bytes(soup_server_message_get_response_body(s->msg), body);
        soup_message_headers_replace(soup_server_message_get_response_headers(s->msg),
                                     "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        soup_server_message_unpause(s->msg);
    }
    if (m)
        g_ptr_array_remove_fast(m->scrapes, s);
    scrape_free(s);
}

static void
on_part_done(GObject *source, GAsyncResult *result, gpointer data)
{
    (void)source;
    Part *p = data;
    Scrape *s = p->scrape;
    MetricsHttp *m = s->m;
    if (m) {
        const Collector *c = &g_array_index(m->collectors, Collector, p->index);
        g_autoptr(GError) err = NULL;
        if (!c->async->finish(c->user_data, result, s->parts[p->index], &err)) {
            m->stats.collector_failures++;
            g_debug("metrics: collector %s failed: %s", c->async->name, err->message);
            metrics_writer_free(s->parts[p->index]);
            s->parts[p->index] = NULL;
        }
    }
    g_free(p);
    if (--s->pending == 0)
        scrape_complete(s);
}

static void
on_request(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer data)
{
    (void)server;
    (void)query;
    MetricsHttp *m = data;
    if (strcmp(path, "/metrics") != 0) {
        reject(m, msg, SOUP_STATUS_NOT_FOUND, "not found: the metrics are at /metrics\n");
        return;
    }
    if (strcmp(soup_server_message_get_method(msg), SOUP_METHOD_GET) != 0) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET");
        reject(m, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed: only GET\n");
        return;
    }
    if (m->scrapes->len >= METRICS_HTTP_SCRAPES_MAX) {
        reject(m, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "too many scrapes in flight\n");
        return;
    }
    Scrape *s = g_new0(Scrape, 1);
    s->m = m;
    s->msg = g_object_ref(msg);
    s->w = metrics_writer_new();
    s->n_parts = m->collectors->len;
    s->parts = g_new0(MetricsWriter *, s->n_parts);
    gint64 t0 = g_get_monotonic_time();
    for (guint i = 0; i < m->collectors->len; i++) {
        const Collector *c = &g_array_index(m->collectors, Collector, i);
        if (c->func)
            c->func(s->w, c->user_data);
    }
    m->stats.last_collect_us = g_get_monotonic_time() - t0;
    g_ptr_array_add(m->scrapes, s);
    /* One reference of its own, so that a collector finishing at once cannot complete the
     * scrape before every collector has started. */
    s->pending = 1;
    for (guint i = 0; i < m->collectors->len; i++) {
        const Collector *c = &g_array_index(m->collectors, Collector, i);
        if (!c->async)
            continue;
        if (s->pending == 1 && !s->finished_id) {
            soup_server_message_pause(msg);
            s->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(on_msg_finished), s);
        }
        s->parts[i] = metrics_writer_new();
        Part *p = g_new0(Part, 1);
        p->scrape = s;
        p->index = i;
        s->pending++;
        c->async->start(c->user_data, m->cancellable, on_part_done, p);
    }
    if (!s->finished_id) {
        /* Nothing asynchronous: the reply now, without pausing. */
        s->pending = 0;
        MetricsWriter *w = s->w;
        m->stats.scrapes++;
        write_own(m, w);
        g_autoptr(GBytes) body = metrics_writer_steal(w);
        soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
        soup_message_body_append_bytes(soup_server_message_get_response_body(msg), body);
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Content-Type",
                                     "text/plain; version=0.0.4; charset=utf-8");
        g_ptr_array_remove_fast(m->scrapes, s);
        scrape_free(s);
        return;
    }
    if (--s->pending == 0)
        scrape_complete(s);
}

/* After the headers, before the body: refuse what must not be read at all. */
static void
on_early_request(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                 gpointer data)
{
    (void)server;
    (void)path;
    (void)query;
    MetricsHttp *m = data;
    /* One request per connection: the next one would reach libsoup without the head check. */
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                 "close");
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
    goffset len = soup_message_headers_get_content_length(h);
    SoupEncoding enc = soup_message_headers_get_encoding(h);
    if (strcmp(soup_server_message_get_method(msg), SOUP_METHOD_GET) != 0) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET");
        reject(m, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed: only GET\n");
    } else if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF ||
               (enc == SOUP_ENCODING_CONTENT_LENGTH && len > METRICS_HTTP_BODY_MAX)) {
        reject(m, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "request body too large\n");
    } else {
        return;
    }
    /* libsoup still reads what body the request announced before it answers: it is not kept
     * (no memory grows however much is sent). */
    soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
}

/* ---- the request head, before libsoup ---- */

typedef struct {
    MetricsHttp *m;
    GSocketConnection *conn;
    GSource *read_source;
    GSource *timeout_source;
    gboolean draining; /* answered 431: reading what is left, then closing */
    gsize drained;
} Peek;

static void
peek_free(Peek *p)
{
    if (p->read_source) {
        g_source_destroy(p->read_source);
        g_source_unref(p->read_source);
    }
    if (p->timeout_source) {
        g_source_destroy(p->timeout_source);
        g_source_unref(p->timeout_source);
    }
    g_io_stream_close(G_IO_STREAM(p->conn), NULL, NULL);
    g_object_unref(p->conn);
    p->m->n_peeking--;
    g_free(p);
}

static gboolean on_peek_timeout(gpointer data);

/* The header lines of a complete head (after its request line) that libsoup 3.2 refuses only
 * after it has parsed the request line, leaking what it took from it: a line with an empty
 * name, and a Content-Length that is not a number. FALSE for such a head (answered 400 here).
 */
static gboolean
head_fields_ok(const char *head)
{
    const char *line = strchr(head, '\n');
    while (line && line[1] && line[1] != '\r' && line[1] != '\n') {
        line++;
        const char *end = strchr(line, '\n');
        const char *colon = memchr(line, ':', end ? (gsize)(end - line) : strlen(line));
        if (colon == line)
            return FALSE;
        if (colon && (gsize)(colon - line) == 14 &&
            g_ascii_strncasecmp(line, "Content-Length", 14) == 0) {
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            if (!g_ascii_isdigit(*v))
                return FALSE;
            while (g_ascii_isdigit(*v))
                v++;
            while (*v == ' ' || *v == '\t')
                v++;
            if (*v != '\r' && *v != '\n')
                return FALSE;
        }
        line = end;
    }
    return TRUE;
}

/* Answers a connection whose head is refused here, and drains it before closing (so that
 * closing does not reset the connection before the client has read the answer). */
static void
peek_refuse(Peek *p, int fd, const char *status)
{
    g_autofree char *answer =
        g_strdup_printf("HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
                        status, strlen(status) + 1, status);
    p->m->stats.rejected++;
    if (send(fd, answer, strlen(answer), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        g_debug("metrics: answering %s: %s", status, g_strerror(errno));
    shutdown(fd, SHUT_WR);
    p->draining = TRUE;
}

static gboolean
on_peek_ready(GSocket *sock, GIOCondition cond, gpointer data)
{
    (void)cond;
    Peek *p = data;
    MetricsHttp *m = p->m;
    int fd = g_socket_get_fd(sock);
    char buf[METRICS_HTTP_HEAD_MAX + 1];
    if (p->draining) {
        /* Read (and drop) what the client still sends, so that closing does not reset the
         * connection before it has read the answer; a bounded amount. */
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return G_SOURCE_CONTINUE;
        p->drained += n > 0 ? (gsize)n : 0;
        if (n > 0 && p->drained < METRICS_HTTP_DRAIN_MAX)
            return G_SOURCE_CONTINUE;
        g_clear_pointer(&p->read_source, g_source_unref);
        peek_free(p);
        return G_SOURCE_REMOVE;
    }
    ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (n <= 0) { /* gone, or an error: nothing to answer */
        g_clear_pointer(&p->read_source, g_source_unref);
        peek_free(p);
        return G_SOURCE_REMOVE;
    }
    buf[n] = '\0';
    gboolean complete = g_strstr_len(buf, n, "\r\n\r\n") || g_strstr_len(buf, n, "\n\n");
    if (complete && (memchr(buf, '\0', (gsize)n) || !head_fields_ok(buf))) {
        peek_refuse(p, fd, "400 Bad Request");
        return G_SOURCE_CONTINUE;
    }
    if (complete) {
        g_clear_pointer(&p->read_source, g_source_unref);
        g_autoptr(GError) err = NULL;
        g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address(p->conn, NULL);
        g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address(p->conn, NULL);
        if (!soup_server_accept_iostream(m->server, G_IO_STREAM(p->conn), local, remote, &err))
            g_debug("metrics: a connection was not accepted: %s", err->message);
        g_clear_object(&p->conn);
        if (p->timeout_source) {
            g_source_destroy(p->timeout_source);
            g_clear_pointer(&p->timeout_source, g_source_unref);
        }
        m->n_peeking--;
        g_free(p);
        return G_SOURCE_REMOVE;
    }
    if ((gsize)n < METRICS_HTTP_HEAD_MAX)
        return G_SOURCE_CONTINUE; /* more to come */
    peek_refuse(p, fd, "431 Request Header Fields Too Large");
    return G_SOURCE_CONTINUE;
}

static gboolean
on_peek_timeout(gpointer data)
{
    Peek *p = data;
    g_clear_pointer(&p->timeout_source, g_source_unref);
    peek_free(p);
    return G_SOURCE_REMOVE;
}

static gboolean
on_incoming(GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
    (void)service;
    (void)source;
    MetricsHttp *m = data;
    if (m->n_peeking >= METRICS_HTTP_PEEKING_MAX) {
        m->stats.rejected++;
        g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
        return TRUE;
    }
    m->n_peeking++;
    Peek *p = g_new0(Peek, 1);
    p->m = m;
    p->conn = g_object_ref(conn);
    GSocket *sock = g_socket_connection_get_socket(conn);
    g_socket_set_blocking(sock, FALSE);
    p->read_source = g_socket_create_source(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(p->read_source, G_SOURCE_FUNC(on_peek_ready), p, NULL);
    g_source_attach(p->read_source, g_main_context_get_thread_default());
    p->timeout_source = g_timeout_source_new_seconds(METRICS_HTTP_HEAD_TIMEOUT_S);
    g_source_set_callback(p->timeout_source, on_peek_timeout, p, NULL);
    g_source_attach(p->timeout_source, g_main_context_get_thread_default());
    return TRUE;
}

MetricsHttp *
metrics_http_new(const char *listen, GError **error)
{
    g_return_val_if_fail(listen != NULL, NULL);
    char host[64];
    guint16 port = 0;
    if (!metrics_listen_parse(listen, host, sizeof host, &port, error))
        return NULL;
    g_autoptr(MetricsHttp) m = g_new0(MetricsHttp, 1);
    m->listen = g_strdup(listen);
    m->collectors = g_array_new(FALSE, FALSE, sizeof(Collector));
    m->scrapes = g_ptr_array_new();
    m->cancellable = g_cancellable_new();
    m->server = soup_server_new("server-header", "alertband", NULL);
    soup_server_add_early_handler(m->server, NULL, on_early_request, m, NULL);
    soup_server_add_handler(m->server, NULL, on_request, m, NULL);
    g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(host);
    g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(ia, port);
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocketAddress) bound = NULL;
    m->service = g_socket_service_new();
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(m->service), sa, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_TCP, NULL, &bound, &err)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "metrics: listening on %s: %s",
                    listen, err->message);
        return NULL;
    }
    g_signal_connect(m->service, "incoming", G_CALLBACK(on_incoming), m);
    m->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_socket_service_start(m->service);
    return g_steal_pointer(&m);
}

void
metrics_http_free(MetricsHttp *m)
{
    if (!m)
        return;
    if (m->cancellable)
        g_cancellable_cancel(m->cancellable);
    for (guint i = 0; m->scrapes && i < m->scrapes->len; i++)
        ((Scrape *)m->scrapes->pdata[i])->m = NULL;
    if (m->service) {
        g_socket_service_stop(m->service);
        g_socket_listener_close(G_SOCKET_LISTENER(m->service));
        g_signal_handlers_disconnect_by_data(m->service, m);
        g_object_unref(m->service);
    }
    if (m->server) {
        soup_server_disconnect(m->server);
        g_object_unref(m->server);
    }
    g_clear_pointer(&m->scrapes, g_ptr_array_unref);
    g_clear_pointer(&m->collectors, g_array_unref);
    g_clear_object(&m->cancellable);
    g_free(m->listen);
    g_free(m);
}

void
metrics_http_add_collector(MetricsHttp *m, MetricsCollectFunc func, gpointer user_data)
{
    g_return_if_fail(m != NULL && func != NULL);
    Collector c = {.func = func, .user_data = user_data};
    g_array_append_val(m->collectors, c);
}

void
metrics_http_add_async_collector(MetricsHttp *m, const MetricsAsyncCollector *collector,
                                 gpointer user_data)
{
    g_return_if_fail(m != NULL && collector != NULL && collector->start && collector->finish);
    Collector c = {.async = collector, .user_data = user_data};
    g_array_append_val(m->collectors, c);
}

const char *
metrics_http_get_listen(const MetricsHttp *m)
{
    return m->listen;
}

guint16
metrics_http_get_port(const MetricsHttp *m)
{
    return m->port;
}

const MetricsHttpStats *
metrics_http_stats(const MetricsHttp *m)
{
    return &m->stats;
}
