// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmark driver for the control socket: request parsing alone, then round trips through a
// real ctl_server (in the main loop) from client threads, on kept and on fresh connections.
// Usage: ctl-driver parse N | ctl-driver roundtrip SOCKET CLIENTS REQUESTS_PER_CLIENT [fresh]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"
#include "ctl_client_internal.h"
#include "ctl_server.h"

static const char request_line[] =
    "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"198.18.7.9\",\"for_s\":3600,\"reason\":\"bench\"}";

static gboolean
h_ban(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **e)
{
    (void)peer;
    (void)ud;
    (void)e;
    char buf[IPADDR_STRLEN];
    json_object_begin(w, "ban");
    json_add_string(w, "addr", ipprefix_format(&req->addr, buf));
    json_add_int(w, "expires", 1700000000 + req->for_s);
    json_add_string(w, "reason", req->reason);
    json_object_end(w);
    return TRUE;
}

typedef struct {
    const char *path;
    int n;
    gboolean fresh;
    gint64 *lat_ns; /* n entries */
    int failures;
} Client;

static gint done;

static gpointer
client_thread(gpointer data)
{
    Client *c = data;
    CtlRequest req;
    if (!ctl_proto_parse_request(request_line, strlen(request_line), &req, NULL))
        abort();
    CtlClient *conn = NULL;
    for (int i = 0; i < c->n; i++) {
        gint64 t0 = g_get_monotonic_time();
        if (!conn || c->fresh) {
            g_clear_pointer(&conn, ctl_client_free);
            for (int tries = 0; !conn && tries < 10000; tries++) {
                conn = ctl_client_connect(c->path, NULL);
                if (!conn)
                    g_usleep(100);
            }
        }
        gboolean ok = FALSE;
        json_t *v = conn ? ctl_client_call(conn, &req, 10000, &ok, NULL) : NULL;
        if (!v || !ok)
            c->failures++;
        if (v)
            json_decref(v);
        c->lat_ns[i] = (g_get_monotonic_time() - t0) * 1000;
    }
    g_clear_pointer(&conn, ctl_client_free);
    g_atomic_int_inc(&done);
    return NULL;
}

static gboolean
wake(gpointer data)
{
    (void)data;
    return G_SOURCE_CONTINUE;
}

static int
cmp64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "parse") == 0) {
        long n = atol(argv[2]);
        CtlRequest req;
        gint64 t0 = g_get_monotonic_time();
        for (long i = 0; i < n; i++) {
            if (!ctl_proto_parse_request(request_line, strlen(request_line), &req, NULL))
                abort();
        }
        gint64 us = g_get_monotonic_time() - t0;
        printf("%.0f\n", (double)us * 1000.0 / (double)n); /* ns per request */
        return 0;
    }
    if (argc < 5 || strcmp(argv[1], "roundtrip") != 0) {
        fprintf(stderr, "usage: ctl-driver parse N | roundtrip SOCKET CLIENTS N [fresh]\n");
        return 2;
    }
    const char *path = argv[2];
    int clients = atoi(argv[3]), n = atoi(argv[4]);
    gboolean fresh = argc > 5 && strcmp(argv[5], "fresh") == 0;
    CtlHandlers h = {.ban = h_ban};
    CtlServerConfig cfg = {.path = path, .max_clients = 1024};
    GError *error = NULL;
    CtlServer *s = ctl_server_new(&cfg, &h, NULL, &error);
    if (!s) {
        fprintf(stderr, "%s\n", error->message);
        return 1;
    }
    Client *cs = g_new0(Client, clients);
    GThread **threads = g_new0(GThread *, clients);
    gint64 t0 = g_get_monotonic_time();
    for (int i = 0; i < clients; i++) {
        cs[i] = (Client){.path = path, .n = n, .fresh = fresh, .lat_ns = g_new0(gint64, n)};
        threads[i] = g_thread_new("client", client_thread, &cs[i]);
    }
    /* The last client may finish after the loop went idle: wake up now and then to look. */
    g_timeout_add(5, wake, NULL);
    while (g_atomic_int_get(&done) < clients)
        g_main_context_iteration(NULL, TRUE);
    gint64 us = g_get_monotonic_time() - t0;
    gint64 *all = g_new(gint64, (gsize)clients * n);
    int failures = 0;
    for (int i = 0; i < clients; i++) {
        g_thread_join(threads[i]);
        memcpy(all + (gsize)i * n, cs[i].lat_ns, sizeof(gint64) * n);
        failures += cs[i].failures;
        g_free(cs[i].lat_ns);
    }
    qsort(all, (gsize)clients * n, sizeof *all, cmp64);
    gsize total = (gsize)clients * n;
    /* requests/s, median latency us, p99 latency us, failures */
    printf("%.0f %.1f %.1f %d\n", (double)total * 1e6 / (double)us, all[total / 2] / 1000.0,
           all[total * 99 / 100] / 1000.0, failures);
    ctl_server_free(s);
    return failures ? 1 : 0;
}
