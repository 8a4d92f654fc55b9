// SPDX-License-Identifier: GPL-2.0-or-later
// Tests of the daemon's per-input series over a real scrape of its [metrics] endpoint: the
// alert counts per format are the readers' own, they add up across a restart, and the series
// of a glob's input end with it, in the scrape and in the counters kept in the store, whether
// the running daemon forgets the input or it was gone at start.
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "daemon_private.h"
#include "fw_backends.h"
#include "json.h"
#include "store.h"
#include "testutil.h"

typedef struct {
    char *dir;
    char *conf;
    char *state;
    char *a, *b; /* two files the glob *.alerts matches */
    Fw *fw;
    Daemon *d;
} Fixture;

static void
fixture_setup(Fixture *f)
{
    f->dir = test_mkdtemp();
    f->conf = g_build_filename(f->dir, "alertban.conf", NULL);
    f->state = g_build_filename(f->dir, "state", NULL);
    f->a = g_build_filename(f->dir, "a.alerts", NULL);
    f->b = g_build_filename(f->dir, "b.alerts", NULL);
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
}

static void
start_daemon(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    Config *cfg = config_load_file(f->conf, &error);
    g_assert_no_error(error);
    DaemonOptions opts;
    daemon_options_init(&opts);
    opts.fw = f->fw;
    opts.watch_ownaddr = FALSE;
    opts.handle_signals = FALSE;
    f->d = daemon_new(cfg, f->conf, &opts, &error);
    g_assert_no_error(error);
    g_assert_nonnull(f->d);
}

static void
stop_daemon(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(daemon_end_turn(f->d, &error));
    g_clear_pointer(&f->d, daemon_free);
}

static void
fixture_teardown(Fixture *f)
{
    g_clear_pointer(&f->d, daemon_free);
    fw_free(f->fw);
    test_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->conf);
    g_free(f->state);
    g_free(f->a);
    g_free(f->b);
}

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

typedef struct {
    GBytes *body;
    gboolean done;
} Reply;

static void
on_sent(GObject *source, GAsyncResult *result, gpointer data)
{
    Reply *r = data;
    g_autoptr(GError) err = NULL;
    r->body = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &err);
    g_assert_no_error(err);
    r->done = TRUE;
}

/* GET /metrics while the daemon's loop runs; the exposition. */
static char *
scrape(Fixture *f)
{
    g_autofree char *uri = g_strdup_printf("http://127.0.0.1:%u/metrics", metrics_port(f));
    g_autoptr(SoupSession) session = soup_session_new();
    g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
    Reply r = {0};
    soup_session_send_and_read_async(session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &r);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!r.done) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, TRUE);
    }
    g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
    gsize len;
    const char *data = g_bytes_get_data(r.body, &len);
    char *text = g_strndup(data, len);
    g_bytes_unref(r.body);
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

/* The per-input counters the daemon keeps in the store (its named key), read by a second,
 * read-only connection once the daemon is stopped. */
static char *
stored_counters(Fixture *f)
{
    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    g_autoptr(GError) error = NULL;
    g_autoptr(Store) s = store_open(f->state, &so, &error);
    g_assert_no_error(error);
    char *text = NULL;
    g_assert_true(store_get_key(s, "metrics.counters", &text, &error));
    g_assert_no_error(error);
    g_assert_nonnull(text);
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
    fixture_setup(&f);
    append_fast(f.a, 1, 3);
    append_fast(f.b, 2, 2);
    append_eve(f.b);
    append(f.b, "console noise\n");
    start_daemon(&f);
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
    fixture_setup(&f);
    append_fast(f.a, 1, 2);
    append_fast(f.b, 2, 3);
    start_daemon(&f);
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
    g_autoptr(GError) error = NULL;
    g_assert_true(daemon_end_turn(f.d, &error));
    g_clear_pointer(&f.d, daemon_free);
    g_autofree char *stored = stored_counters(&f);
    g_assert_null(strstr(stored, f.a));
    g_autofree char *b_line = g_strdup_printf("alerts\tfast\t%s\t3\n", f.b);
    g_assert_nonnull(strstr(stored, b_line));
    fixture_teardown(&f);
}

/* Counts add up across a restart (the stored base plus the new readers'), and the stored
 * counters of a glob's file gone while the daemon was stopped are dropped at start, as its
 * checkpoint is. */
static void
test_restart(void)
{
    Fixture f = {0};
    fixture_setup(&f);
    append_fast(f.a, 1, 2);
    append_fast(f.b, 2, 3);
    append_eve(f.b);
    start_daemon(&f);
    run_until_parsed(&f, 6);
    stop_daemon(&f);

    g_assert_cmpint(g_unlink(f.a), ==, 0);
    append_fast(f.b, 3, 4);
    test_log_clear();
    start_daemon(&f);
    test_log_assert("*metrics: dropped the counters of 1 inputs no longer followed*");
    run_until_parsed(&f, 4);
    g_autofree char *m = scrape(&f);
    g_assert_false(has_input(m, f.a));
    g_assert_cmpint(alerts_read(m, f.b, "fast"), ==, 3 + 4);
    g_assert_cmpint(alerts_read(m, f.b, "eve"), ==, 1);
    stop_daemon(&f);
    g_autofree char *stored = stored_counters(&f);
    g_assert_null(strstr(stored, f.a));
    g_autofree char *b_line = g_strdup_printf("alerts\tfast\t%s\t7\n", f.b);
    g_assert_nonnull(strstr(stored, b_line));
    fixture_teardown(&f);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    g_test_add_func("/metrics_daemon/input/counts-per-format", test_counts_per_format);
    g_test_add_func("/metrics_daemon/input/forgotten-input-dropped", test_forgotten_input_dropped);
    g_test_add_func("/metrics_daemon/input/restart", test_restart);
    return g_test_run();
}
