// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the Prometheus exposition writer (escaping, cumulative histogram buckets,
// _sum and _count, checked by promtool too), the listen parser, the HTTP endpoint with an
// asynchronous collector over real loopback TCP, and the daemon's per-input series in its
// scrapes: the readers' counts per format, across a restart, ended with a forgotten input.
#include "metrics.h"
#include "metrics_http.h"

#include <glib/gstdio.h>
#include <string.h>

#include <libsoup/soup.h>

#include "daemon_private.h"
#include "error.h"
#include "fw_backends.h"
#include "json.h"
#include "testutil.h"

/* promtool check metrics on text: TRUE when it exits 0 and prints nothing (no lint warning
 * either). Skips the check (with a message) when promtool is missing outside CI. */
static void
assert_promtool_clean(const char *text)
{
    g_autofree char *promtool = g_find_program_in_path("promtool");
    if (!promtool) {
        if (g_getenv("ALERTBAN_REQUIRE_NETNS"))
            g_error("promtool is missing (scripts/setup installs it)");
        g_test_message("promtool missing: exposition not linted");
        return;
    }
    const char *argv[] = {promtool, "check", "metrics", NULL};
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) p =
        g_subprocess_newv(argv,
                          G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                              G_SUBPROCESS_FLAGS_STDERR_MERGE,
                          &err);
    g_assert_no_error(err);
    g_autofree char *out = NULL;
    g_subprocess_communicate_utf8(p, text, NULL, &out, NULL, &err);
    g_assert_no_error(err);
    if (!g_subprocess_get_successful(p) || (out && *out))
        g_error("promtool check metrics:\n%s\non:\n%s", out ? out : "", text);
}

static void
test_counter_gauge(void)
{
    g_autoptr(MetricsWriter) w = metrics_writer_new();
    metrics_family(w, "alertban_test_total", METRICS_COUNTER, "A help with \\ and\nnewline.");
    metrics_sample_uint(w, (const char *const[]){"input", "/var/log/a\"b\\c\nd", NULL},
                        18446744073709551615ULL);
    metrics_sample_uint(w, (const char *const[]){"input", "plain", "format", "fast", NULL}, 3);
    metrics_family(w, "alertban_test_level", METRICS_GAUGE, "Gauge.");
    metrics_sample(w, NULL, 0.25);
    metrics_sample(w, (const char *const[]){"x", "inf", NULL}, 1.0 / 0.0);
    metrics_sample(w, (const char *const[]){"x", "bad utf8 \xff", NULL}, 1e-7);
    gsize len = 0;
    const char *text = metrics_writer_text(w, &len);
    g_assert_cmpstr(text, ==,
                    "# HELP alertban_test_total A help with \\\\ and\\nnewline.\n"
                    "# TYPE alertban_test_total counter\n"
                    "alertban_test_total{input=\"/var/log/a\\\"b\\\\c\\nd\"} 18446744073709551615\n"
                    "alertban_test_total{input=\"plain\",format=\"fast\"} 3\n"
                    "# HELP alertban_test_level Gauge.\n"
                    "# TYPE alertban_test_level gauge\n"
                    "alertban_test_level 0.25\n"
                    "alertban_test_level{x=\"inf\"} +Inf\n"
                    "alertban_test_level{x=\"bad utf8 \xef\xbf\xbd\"} 1e-07\n");
    g_assert_cmpuint(len, ==, strlen(text));
    assert_promtool_clean(text);
}

static void
test_histogram(void)
{
    MetricsHistogram h;
    memset(&h, 0, sizeof h);
    metrics_histogram_observe(&h, 0.0001); /* le 0.0005 */
    metrics_histogram_observe(&h, 0.0005); /* le 0.0005: bounds are inclusive */
    metrics_histogram_observe(&h, 0.003);  /* le 0.005 */
    metrics_histogram_observe(&h, -1);     /* counted as 0 */
    metrics_histogram_observe(&h, 1000);   /* +Inf only */
    g_assert_cmpuint(h.count, ==, 5);
    g_assert_cmpfloat_with_epsilon(h.sum, 1000.0036, 1e-9);
    MetricsHistogram sum;
    memset(&sum, 0, sizeof sum);
    metrics_histogram_add(&sum, &h);
    metrics_histogram_add(&sum, &h);
    g_assert_cmpuint(sum.count, ==, 10);

    g_autoptr(MetricsWriter) w = metrics_writer_new();
    metrics_family(w, "alertban_test_seconds", METRICS_HISTOGRAM, "Timings.");
    metrics_histogram(w, (const char *const[]){"kind", "a", NULL}, &h);
    const char *text = metrics_writer_text(w, NULL);
    g_test_message("%s", text);
    g_assert_nonnull(strstr(text, "alertban_test_seconds_bucket{kind=\"a\",le=\"0.0005\"} 3\n"));
    g_assert_nonnull(strstr(text, "alertban_test_seconds_bucket{kind=\"a\",le=\"0.001\"} 3\n"));
    g_assert_nonnull(strstr(text, "alertban_test_seconds_bucket{kind=\"a\",le=\"0.005\"} 4\n"));
    g_assert_nonnull(strstr(text, "alertban_test_seconds_bucket{kind=\"a\",le=\"60\"} 4\n"));
    g_assert_nonnull(strstr(text, "alertban_test_seconds_bucket{kind=\"a\",le=\"+Inf\"} 5\n"));
    g_assert_nonnull(strstr(text, "alertban_test_seconds_sum{kind=\"a\"} 1000.0036\n"));
    g_assert_nonnull(strstr(text, "alertban_test_seconds_count{kind=\"a\"} 5\n"));
    /* Cumulative: every bucket's count at least the one before, one line per bound. */
    guint64 prev = 0;
    guint lines = 0;
    g_auto(GStrv) l = g_strsplit(text, "\n", -1);
    for (guint i = 0; l[i]; i++) {
        if (!g_str_has_prefix(l[i], "alertban_test_seconds_bucket"))
            continue;
        guint64 v = g_ascii_strtoull(strrchr(l[i], ' ') + 1, NULL, 10);
        g_assert_cmpuint(v, >=, prev);
        prev = v;
        lines++;
    }
    g_assert_cmpuint(lines, ==, METRICS_BUCKETS_N + 1);
    /* An empty histogram without labels. */
    MetricsHistogram empty;
    memset(&empty, 0, sizeof empty);
    metrics_family(w, "alertban_test2_seconds", METRICS_HISTOGRAM, "Empty.");
    metrics_histogram(w, NULL, &empty);
    text = metrics_writer_text(w, NULL);
    g_assert_nonnull(strstr(text, "alertban_test2_seconds_bucket{le=\"+Inf\"} 0\n"));
    g_assert_nonnull(strstr(text, "alertban_test2_seconds_count 0\n"));
    assert_promtool_clean(text);
}

static void
test_steal_append(void)
{
    g_autoptr(MetricsWriter) a = metrics_writer_new();
    g_autoptr(MetricsWriter) b = metrics_writer_new();
    metrics_family(b, "b_total", METRICS_COUNTER, "B.");
    metrics_sample_uint(b, NULL, 1);
    gsize len;
    const char *t = metrics_writer_text(b, &len);
    metrics_writer_append(a, t, len);
    g_autoptr(GBytes) bytes = metrics_writer_steal(a);
    g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
                    "# HELP b_total B.\n# TYPE b_total counter\nb_total 1\n", 51);
    g_assert_cmpstr(metrics_writer_text(a, NULL), ==, "");
}

typedef struct {
    const char *text;
    const char *addr; /* NULL: invalid */
    guint port;
} ListenCase;

static const ListenCase listen_cases[] = {
    {"127.0.0.1:9477", "127.0.0.1", 9477},
    {"[::1]:9477", "::1", 9477},
    {"[2001:db8::1]:1", "2001:db8::1", 1},
    {"0.0.0.0:0", "0.0.0.0", 0},
    {"::1:9477", NULL, 0},
    {"localhost:9477", NULL, 0},
    {"127.0.0.1", NULL, 0},
    {"127.0.0.1:", NULL, 0},
    {"127.0.0.1:65536", NULL, 0},
    {"127.0.0.1:94x", NULL, 0},
    {"[::1]9477", NULL, 0},
    {"[127.0.0.1]:9477", NULL, 0},
    {"", NULL, 0},
};

static void
test_listen_parse(gconstpointer data)
{
    const ListenCase *c = data;
    char addr[64];
    guint16 port = 0;
    g_autoptr(GError) err = NULL;
    gboolean ok = metrics_listen_parse(c->text, addr, sizeof addr, &port, &err);
    if (!c->addr) {
        g_assert_false(ok);
        g_assert_error(err, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
        return;
    }
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_cmpstr(addr, ==, c->addr);
    g_assert_cmpuint(port, ==, c->port);
}

/* ---- the endpoint ---- */

static void
sync_collector(MetricsWriter *w, gpointer user_data)
{
    guint *calls = user_data;
    (*calls)++;
    metrics_family(w, "alertban_test_sync_total", METRICS_COUNTER, "Sync.");
    metrics_sample_uint(w, NULL, *calls);
}

/* An asynchronous collector whose thread waits until the test opens a gate: proves that the
 * main loop keeps running (the test's own timeout fires) while a scrape waits. */
typedef struct {
    GMutex lock;
    GCond cond;
    gboolean open;
    gboolean fail;
    guint started;
} Gate;

static void
gate_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    (void)source;
    (void)cancellable;
    Gate *g = task_data;
    g_mutex_lock(&g->lock);
    while (!g->open)
        g_cond_wait(&g->cond, &g->lock);
    gboolean fail = g->fail;
    g_mutex_unlock(&g->lock);
    if (fail)
        g_task_return_new_error(task, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "gate failed");
    else
        g_task_return_int(task, 42);
}

static void
gate_start(gpointer user_data, GCancellable *cancellable, GAsyncReadyCallback callback,
           gpointer callback_data)
{
    Gate *g = user_data;
    g->started++;
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, callback_data);
    g_task_set_task_data(task, g, NULL);
    g_task_run_in_thread(task, gate_thread);
}

static gboolean
gate_finish(gpointer user_data, GAsyncResult *result, MetricsWriter *w, GError **error)
{
    (void)user_data;
    gssize v = g_task_propagate_int(G_TASK(result), error);
    if (v < 0)
        return FALSE;
    metrics_family(w, "alertban_test_async", METRICS_GAUGE, "Async.");
    metrics_sample(w, NULL, (double)v);
    return TRUE;
}

static const MetricsAsyncCollector gate_collector = {"gate", gate_start, gate_finish};

typedef struct {
    GBytes *body;
    guint status;
    gboolean done;
    SoupMessage *msg;
} Reply;

static void
on_sent(GObject *source, GAsyncResult *result, gpointer data)
{
    Reply *r = data;
    g_autoptr(GError) err = NULL;
    r->body = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &err);
    g_assert_no_error(err);
    r->status = soup_message_get_status(r->msg);
    r->done = TRUE;
}

static gboolean
on_open_gate(gpointer data)
{
    Gate *g = data;
    g_mutex_lock(&g->lock);
    g->open = TRUE;
    g_cond_broadcast(&g->cond);
    g_mutex_unlock(&g->lock);
    return G_SOURCE_REMOVE;
}

static void
request(SoupSession *session, const char *method, guint16 port, const char *path, Reply *r,
        Gate *gate)
{
    g_autofree char *uri = g_strdup_printf("http://127.0.0.1:%u%s", port, path);
    memset(r, 0, sizeof *r);
    r->msg = soup_message_new(method, uri);
    soup_session_send_and_read_async(session, r->msg, G_PRIORITY_DEFAULT, NULL, on_sent, r);
    /* The gate opens only after 200 ms of the loop running: a handler that blocked the loop
     * would never let the timeout fire. */
    guint id = gate ? g_timeout_add(200, on_open_gate, gate) : 0;
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!r->done && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_assert_true(r->done);
    if (gate && !gate->open)
        g_source_remove(id);
    g_clear_object(&r->msg);
}

static void
test_http(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MetricsHttp) m = metrics_http_new("127.0.0.1:0", &err);
    g_assert_no_error(err);
    guint16 port = metrics_http_get_port(m);
    g_assert_cmpuint(port, >, 0);
    guint calls = 0;
    Gate gate = {.open = FALSE};
    g_mutex_init(&gate.lock);
    g_cond_init(&gate.cond);
    metrics_http_add_collector(m, sync_collector, &calls);
    metrics_http_add_async_collector(m, &gate_collector, &gate);
    metrics_http_add_async_collector(m, &metrics_process_collector, NULL);
    g_autoptr(SoupSession) session = soup_session_new();
    /* No proxy lookup (libproxy): the test talks to loopback only. */
    soup_session_set_proxy_resolver(session, NULL);

    Reply r;
    gint64 t0 = g_get_monotonic_time();
    request(session, "GET", port, "/metrics", &r, &gate);
    g_assert_cmpuint(r.status, ==, 200);
    g_assert_cmpint(g_get_monotonic_time() - t0, >=, 190 * 1000); /* it waited for the gate */
    g_autofree char *text = g_strndup(g_bytes_get_data(r.body, NULL), g_bytes_get_size(r.body));
    g_bytes_unref(r.body);
    g_assert_nonnull(strstr(text, "alertban_test_sync_total 1\n"));
    g_assert_nonnull(strstr(text, "alertban_test_async 42\n"));
    g_assert_nonnull(strstr(text, "process_open_fds "));
    g_assert_nonnull(strstr(text, "process_resident_memory_bytes "));
    /* The synchronous part first, then the asynchronous ones in the order added. */
    g_assert_true(strstr(text, "alertban_test_sync_total") < strstr(text, "alertban_test_async"));
    g_assert_true(strstr(text, "alertban_test_async") < strstr(text, "process_cpu_seconds"));
    g_assert_nonnull(strstr(text, "alertban_scrapes_total 1\n"));
    assert_promtool_clean(text);

    /* A failing collector: its series are left out, counted, the rest answered. */
    gate.open = FALSE;
    gate.fail = TRUE;
    request(session, "GET", port, "/metrics", &r, &gate);
    g_assert_cmpuint(r.status, ==, 200);
    g_autofree char *text2 = g_strndup(g_bytes_get_data(r.body, NULL), g_bytes_get_size(r.body));
    g_bytes_unref(r.body);
    g_assert_null(strstr(text2, "alertban_test_async"));
    g_assert_nonnull(strstr(text2, "alertban_test_sync_total 2\n"));
    g_assert_nonnull(strstr(text2, "alertban_scrape_collector_failures_total 1\n"));
    assert_promtool_clean(text2);
    gate.fail = FALSE;
    gate.open = TRUE;

    /* Wrong path, wrong method. */
    request(session, "GET", port, "/", &r, NULL);
    g_assert_cmpuint(r.status, ==, 404);
    g_bytes_unref(r.body);
    request(session, "POST", port, "/metrics", &r, NULL);
    g_assert_cmpuint(r.status, ==, 405);
    g_bytes_unref(r.body);
    request(session, "DELETE", port, "/metrics", &r, NULL);
    g_assert_cmpuint(r.status, ==, 405);
    g_bytes_unref(r.body);
    g_assert_cmpuint(metrics_http_stats(m)->rejected, ==, 3);
    g_assert_cmpuint(metrics_http_stats(m)->scrapes, ==, 2);
    g_assert_cmpuint(calls, ==, 2);
    g_assert_cmpuint(gate.started, ==, 2);
    g_mutex_clear(&gate.lock);
    g_cond_clear(&gate.cond);
}

static void
test_http_bind_fails(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MetricsHttp) a = metrics_http_new("127.0.0.1:0", &err);
    g_assert_no_error(err);
    g_autofree char *same = g_strdup_printf("127.0.0.1:%u", metrics_http_get_port(a));
    g_autoptr(MetricsHttp) b = metrics_http_new(same, &err);
    g_assert_null(b);
    g_assert_error(err, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED);
    g_clear_error(&err);
    g_autoptr(MetricsHttp) c = metrics_http_new("localhost:9477", &err);
    g_assert_null(c);
    g_assert_error(err, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
}

/* ---- the daemon's per-input series ---- */

typedef struct {
    GPtrArray *paths; /* owns the strings below */
    const char *dir, *conf, *state;
    const char *a, *b; /* two files the glob *.alerts matches */
    Fw *fw;
    Daemon *d;
} Fixture;

static void
append(const char *path, const char *text)
{
    FILE *fp = g_fopen(path, "ae");
    g_assert_nonnull(fp);
    g_assert_cmpint(fputs(text, fp), >=, 0);
    g_assert_cmpint(fclose(fp), ==, 0);
}

/* n fast alerts from 198.18.first.1.. (one address each). */
static void
append_fast(const char *path, guint first, guint n)
{
    for (guint i = 0; i < n; i++) {
        g_autofree char *line =
            g_strdup_printf("11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN probe [**] "
                            "[Priority: 2] {TCP} 198.18.%u.%u:40000 -> 192.0.2.1:22\n",
                            first, 1 + i);
        append(path, line);
    }
}

static const char *
fixture_path(Fixture *f, const char *name)
{
    char *path = name ? g_build_filename(f->dir, name, NULL) : test_mkdtemp();
    g_ptr_array_add(f->paths, path);
    return path;
}

/* The files, the configuration and a fake firewall; a_fast and b_fast fast alerts in the
 * files a and b (from 198.18.1.1.. and 198.18.2.1..). */
static void
fixture_setup(Fixture *f, guint a_fast, guint b_fast)
{
    f->paths = g_ptr_array_new_with_free_func(g_free);
    f->dir = fixture_path(f, NULL);
    f->conf = fixture_path(f, "alertban.conf");
    f->state = fixture_path(f, "state");
    f->a = fixture_path(f, "a.alerts");
    f->b = fixture_path(f, "b.alerts");
    g_autofree char *text = g_strdup_printf("[daemon]\n"
                                            "state_dir = %s\n"
                                            "socket = %s/ctl.sock\n"
                                            "[input]\n"
                                            "path = %s/*.alerts\n"
                                            "start_at = beginning\n"
                                            "idle_ms = 20\n"
                                            "[policy]\n"
                                            "max_bans_per_minute = 0\n"
                                            "[metrics]\n"
                                            "listen = 127.0.0.1:0\n",
                                            f->state, f->dir, f->dir);
    g_autofree char *full = test_config_with_old_policy(text);
    g_assert_true(g_file_set_contents(f->conf, full, -1, NULL));
    f->fw = fw_fake_new();
    append_fast(f->a, 1, a_fast);
    append_fast(f->b, 2, b_fast);
}

/* As daemon_run() stops: the counters queued whatever their age, then the last turn. */
static void
stop_daemon(Fixture *f)
{
    daemon_metrics_persist(f->d, TRUE);
    g_assert_true(daemon_end_turn(f->d, NULL));
    g_clear_pointer(&f->d, daemon_free);
}

/* After the case has stopped its daemon. */
static void
fixture_teardown(Fixture *f)
{
    g_assert_null(f->d);
    fw_free(f->fw);
    test_rm_rf(f->dir);
    g_ptr_array_unref(f->paths);
}

static void
append_eve(const char *path)
{
    append(path, "{\"timestamp\":\"2026-11-22T10:00:00.000000+0000\",\"event_type\":\"alert\","
                 "\"src_ip\":\"203.0.113.9\",\"dest_ip\":\"192.0.2.9\",\"proto\":\"TCP\","
                 "\"src_port\":1,\"dest_port\":2,\"alert\":{\"signature_id\":9,"
                 "\"signature\":\"eve probe\"}}\n");
}

/* The port the daemon's endpoint listens on, from the status it reports. */
static guint16
metrics_port(Fixture *f)
{
    g_autoptr(GString) out = g_string_new(NULL);
    JsonWriter w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    daemon_metrics_status(f->d, &w);
    json_object_end(&w);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) v = json_parse(out->str, out->len, 8, &error);
    g_assert_no_error(error);
    gint64 port = json_get_int(json_get(v, "metrics"), "port", 0);
    g_assert_cmpint(port, >, 0);
    return (guint16)port;
}

/* GET /metrics of the daemon while its loop runs: the exposition, which promtool passes. */
static char *
scrape(Fixture *f)
{
    g_autoptr(SoupSession) session = soup_session_new();
    soup_session_set_proxy_resolver(session, NULL);
    Reply r;
    request(session, "GET", metrics_port(f), "/metrics", &r, NULL);
    g_assert_cmpuint(r.status, ==, 200);
    char *text = g_strndup(g_bytes_get_data(r.body, NULL), g_bytes_get_size(r.body));
    g_bytes_unref(r.body);
    assert_promtool_clean(text);
    return text;
}

/* The value of the series written exactly as name{labels}, or -1 when it is absent. */
static gint64
value(const char *text, const char *series)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gsize n = strlen(series);
    for (guint i = 0; lines[i]; i++) {
        if (strncmp(lines[i], series, n) == 0 && lines[i][n] == ' ')
            return g_ascii_strtoll(lines[i] + n + 1, NULL, 10);
    }
    return -1;
}

static gint64
alerts_read(const char *text, const char *path, const char *format)
{
    g_autofree char *series =
        g_strdup_printf("alertban_alerts_read_total{input=\"%s\",format=\"%s\"}", path, format);
    return value(text, series);
}

/* Whether any series of the scrape is labelled input=path. */
static gboolean
has_input(const char *text, const char *path)
{
    g_autofree char *label = g_strdup_printf("input=\"%s\"", path);
    return strstr(text, label) != NULL;
}

/* Starts the stopped daemon again and scrapes it: what it stored, as it reads it back. That
 * held nothing of a path no longer followed (none was dropped at start). */
static char *
scrape_restarted(Fixture *f)
{
    test_log_clear();
    f->d = test_daemon_start(f->conf, f->fw);
    g_assert_cmpuint(test_log_count("*metrics: dropped the counters of*"), ==, 0);
    char *text = scrape(f);
    stop_daemon(f);
    return text;
}

/* Runs the loop until this run's readers have parsed want alerts, or 10 s pass. */
static void
run_until_parsed(Fixture *f, guint64 want)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    for (;;) {
        while (g_main_context_iteration(NULL, FALSE))
            ;
        AlertStats as;
        daemon_alert_stats(f->d, &as);
        if (as.parsed >= want) {
            g_assert_cmpuint(as.parsed, ==, want);
            return;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);
    }
}

/* Whether the tailer has path open. */
static gboolean
is_open(Fixture *f, const char *path)
{
    g_autoptr(GArray) st = tail_get_status(f->d->tail);
    for (guint i = 0; i < st->len; i++) {
        const TailInputStatus *s = &g_array_index(st, TailInputStatus, i);
        if (strcmp(s->path, path) == 0)
            return s->open;
    }
    return FALSE;
}

/* Makes the timeout source id due now and runs the main loop until a captured log line
 * matches pattern (what the source's run logs). */
static void
dispatch_now(guint id, const char *pattern)
{
    GSource *src = g_main_context_find_source_by_id(NULL, id);
    g_assert_nonnull(src);
    g_source_set_ready_time(src, 0);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (test_log_count(pattern) == 0) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    test_log_assert(pattern);
}

/* Alert counts per format are the readers': fast and eve lines of two inputs, counted as
 * such, the status's parse count their sum; skipped lines per input too. */
static void
test_counts_per_format(void)
{
    Fixture f = {0};
    fixture_setup(&f, 3, 2);
    append_eve(f.b);
    append(f.b, "console noise\n");
    f.d = test_daemon_start(f.conf, f.fw);
    run_until_parsed(&f, 6);
    g_autofree char *m = scrape(&f);
    g_assert_cmpint(alerts_read(m, f.a, "fast"), ==, 3);
    g_assert_cmpint(alerts_read(m, f.a, "eve"), ==, 0);
    g_assert_cmpint(alerts_read(m, f.b, "fast"), ==, 2);
    g_assert_cmpint(alerts_read(m, f.b, "eve"), ==, 1);
    g_assert_cmpint(alerts_read(m, f.b, "full"), ==, 0);
    g_assert_cmpint(alerts_read(m, f.b, "snort3_json"), ==, 0);
    g_autofree char *skipped =
        g_strdup_printf("alertban_lines_skipped_total{input=\"%s\",reason=\"not_alert\"}", f.b);
    g_assert_cmpint(value(m, skipped), ==, 1);
    stop_daemon(&f);
    fixture_teardown(&f);
}

/* A glob's file removed while the daemon runs: once the daemon forgets its input (the file
 * gone for TAIL_FORGET_AFTER_S, that clock started in the past through the tailer's own
 * call, then the daemon's hourly forget run now), no series is labelled with it any more and
 * the counters kept in the store lose it; the other input's stay, with their counts. */
static void
test_forgotten_input_dropped(void)
{
    Fixture f = {0};
    fixture_setup(&f, 2, 3);
    f.d = test_daemon_start(f.conf, f.fw);
    run_until_parsed(&f, 5);
    g_autofree char *m0 = scrape(&f);
    g_assert_cmpint(alerts_read(m0, f.a, "fast"), ==, 2);
    g_assert_cmpint(alerts_read(m0, f.b, "fast"), ==, 3);

    g_assert_cmpint(g_unlink(f.a), ==, 0);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (is_open(&f, f.a)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    /* Closed but not yet forgotten: its series stay (the file may come back). */
    g_autofree char *m1 = scrape(&f);
    g_assert_cmpint(alerts_read(m1, f.a, "fast"), ==, 2);

    const gint64 grace = (gint64)TAIL_FORGET_AFTER_S * G_USEC_PER_SEC;
    g_assert_cmpuint(tail_forget_gone(f.d->tail, g_get_monotonic_time() - grace, grace, NULL), ==,
                     0);
    test_log_clear();
    dispatch_now(f.d->purge_id, "*tail: forgetting */a.alerts, gone for*");
    g_autofree char *m2 = scrape(&f);
    g_assert_false(has_input(m2, f.a));
    g_assert_cmpint(alerts_read(m2, f.b, "fast"), ==, 3);

    /* The next turn stores the counters without it. */
    g_assert_true(daemon_end_turn(f.d, NULL));
    g_clear_pointer(&f.d, daemon_free);
    g_autofree char *m3 = scrape_restarted(&f);
    g_assert_false(has_input(m3, f.a));
    g_assert_cmpint(alerts_read(m3, f.b, "fast"), ==, 3);
    fixture_teardown(&f);
}

/* Counts add up across a restart (the stored base plus the new readers'), and the stored
 * counters of a glob's file gone while the daemon was stopped are dropped at start, as its
 * checkpoint is. */
static void
test_restart(void)
{
    Fixture f = {0};
    fixture_setup(&f, 2, 3);
    append_eve(f.b);
    f.d = test_daemon_start(f.conf, f.fw);
    run_until_parsed(&f, 6);
    stop_daemon(&f);

    g_assert_cmpint(g_unlink(f.a), ==, 0);
    append_fast(f.b, 3, 4);
    test_log_clear();
    f.d = test_daemon_start(f.conf, f.fw);
    test_log_assert("*metrics: dropped the counters of 1 inputs no longer followed*");
    run_until_parsed(&f, 4);
    g_autofree char *m = scrape(&f);
    g_assert_false(has_input(m, f.a));
    g_assert_cmpint(alerts_read(m, f.b, "fast"), ==, 3 + 4);
    g_assert_cmpint(alerts_read(m, f.b, "eve"), ==, 1);
    stop_daemon(&f);
    g_autofree char *m2 = scrape_restarted(&f);
    g_assert_false(has_input(m2, f.a));
    g_assert_cmpint(alerts_read(m2, f.b, "fast"), ==, 3 + 4);
    g_assert_cmpint(alerts_read(m2, f.b, "eve"), ==, 1);
    fixture_teardown(&f);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    g_test_add_func("/metrics/writer/counter-gauge", test_counter_gauge);
    g_test_add_func("/metrics/writer/histogram", test_histogram);
    g_test_add_func("/metrics/writer/steal-append", test_steal_append);
    for (gsize i = 0; i < G_N_ELEMENTS(listen_cases); i++) {
        g_autofree char *path = g_strdup_printf("/metrics/listen_parse/%zu", i);
        g_test_add_data_func(path, &listen_cases[i], test_listen_parse);
    }
    g_test_add_func("/metrics/http/scrape", test_http);
    g_test_add_func("/metrics/http/bind-fails", test_http_bind_fails);
    g_test_add_func("/metrics/daemon/counts-per-format", test_counts_per_format);
    g_test_add_func("/metrics/daemon/forgotten-input-dropped", test_forgotten_input_dropped);
    g_test_add_func("/metrics/daemon/restart", test_restart);
    return g_test_run();
}
