// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's Prometheus series: the counters it keeps for the metrics alone (per input, the
// timing histograms) and the collector that writes them, with what the other modules already
// count, into each scrape of the [metrics] endpoint.
#include "daemon_private.h"

#include <string.h>
#include <sys/socket.h>

#include "daemon_fw.h"
#include "metrics_http.h"

/*
 * A scrape must cost the main loop little even with 100,000 bans in force: every series here
 * is a counter some module already keeps, read in O(1) (the ban table counts its bans per
 * family and source as they change), or one entry per followed input. Nothing walks the bans
 * or touches the kernel.
 *
 * alert_to_kernel: an alert that makes a new ban pushes its read time (monotonic) onto
 * waiting; the next commit whose firewall change succeeds observes each waiting time and
 * empties it. A failed change leaves them waiting for the change that does succeed, which is
 * when the ban really reached the kernel. waiting is capped: a firewall down for a long burst
 * must not grow it without end (what is over the cap is not observed, and counted).
 *
 * Counters are monotonic across reloads (nothing here is reset by one) and start at 0 at
 * every start of the daemon.
 */

#define WAITING_MAX 100000

typedef struct {
    gint64 last_alert_real_us; /* 0 before the first alert */
    guint64 alerts[2];         /* AlertFormat: fast, full */
    AlertStats closed;         /* of this path's readers already freed */
} InputMetrics;

struct DaemonMetrics {
    MetricsHttp *http;  /* NULL while [metrics] listen is empty */
    GHashTable *inputs; /* followed path (owned) -> InputMetrics (owned) */
    MetricsHistogram alert_to_kernel, fw_commit, store_commit;
    GArray *waiting; /* gint64: monotonic read times of alerts whose new ban is not in the kernel */
    guint64 waiting_dropped;
};

static const char *const family_names[2] = {"ipv4", "ipv6"};
static const char *const format_names[2] = {"fast", "full"};

static InputMetrics *
input_metrics(DaemonMetrics *m, const char *path)
{
    InputMetrics *im = g_hash_table_lookup(m->inputs, path);
    if (!im) {
        im = g_new0(InputMetrics, 1);
        g_hash_table_insert(m->inputs, g_strdup(path), im);
    }
    return im;
}

void
daemon_metrics_alert(Daemon *d, const char *path, const Alert *alert, gint64 now_us)
{
    if (!d->metrics)
        return;
    InputMetrics *im = input_metrics(d->metrics, path);
    im->last_alert_real_us = now_us;
    im->alerts[alert->format == ALERT_FORMAT_FULL ? 1 : 0]++;
}

void
daemon_metrics_ban_read(Daemon *d)
{
    DaemonMetrics *m = d->metrics;
    if (!m)
        return;
    if (m->waiting->len >= WAITING_MAX) {
        m->waiting_dropped++;
        return;
    }
    gint64 t = g_get_monotonic_time();
    g_array_append_val(m->waiting, t);
}

void
daemon_metrics_reader_closed(Daemon *d, const char *path, const AlertStats *stats)
{
    /* Also called while the daemon is freed, or when it failed to start before the metrics. */
    if (d->metrics)
        alert_stats_add(&input_metrics(d->metrics, path)->closed, stats);
}

static void
on_commit(Bans *bans, const BansCommitTiming *t, gpointer data)
{
    (void)bans;
    DaemonMetrics *m = data;
    if (t->store_rows > 0)
        metrics_histogram_observe(&m->store_commit, (double)t->store_us / G_USEC_PER_SEC);
    if (t->fw_changes == 0)
        return;
    metrics_histogram_observe(&m->fw_commit, (double)t->fw_us / G_USEC_PER_SEC);
    if (!t->fw_ok)
        return;
    gint64 now = g_get_monotonic_time();
    for (guint i = 0; i < m->waiting->len; i++) {
        gint64 read = g_array_index(m->waiting, gint64, i);
        metrics_histogram_observe(&m->alert_to_kernel, (double)(now - read) / G_USEC_PER_SEC);
    }
    g_array_set_size(m->waiting, 0);
}

/* ---- the collector ---- */

static void
write_alerts(Daemon *d, MetricsWriter *w)
{
    DaemonMetrics *m = d->metrics;
    /* Per path: the closed readers' counts plus the open ones'. Every open file's path gets
     * its entry first, so that the sums can be keyed by the entries' own keys. */
    g_autoptr(GPtrArray) files = d->tail ? tail_list_files(d->tail) : g_ptr_array_new();
    for (guint i = 0; i < files->len; i++)
        input_metrics(m, tail_file_get_path(files->pdata[i]));
    g_autoptr(GHashTable) skipped = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, m->inputs);
    while (g_hash_table_iter_next(&it, &key, &value))
        g_hash_table_insert(skipped, key,
                            g_memdup2(&((InputMetrics *)value)->closed, sizeof(AlertStats)));
    for (guint i = 0; i < files->len; i++) {
        FollowedLog *in = tail_file_get_user_data(files->pdata[i]);
        AlertStats *sum = g_hash_table_lookup(skipped, tail_file_get_path(files->pdata[i]));
        if (in && sum)
            alert_stats_add(sum, alert_reader_stats(in->reader));
    }
    metrics_family(w, "alertban_alerts_read_total", METRICS_COUNTER,
                   "Alerts read, per input (followed path) and format (since the daemon "
                   "started).");
    g_hash_table_iter_init(&it, m->inputs);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const InputMetrics *im = value;
        for (guint f = 0; f < G_N_ELEMENTS(format_names); f++)
            metrics_sample_uint(
                w, (const char *const[]){"input", key, "format", format_names[f], NULL},
                im->alerts[f]);
    }
    metrics_family(w, "alertban_lines_skipped_total", METRICS_COUNTER,
                   "Lines (or alert_full blocks) that were not alerts, per input and reason "
                   "(since the daemon started).");
    g_hash_table_iter_init(&it, skipped);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const AlertStats *s = value;
        for (guint r = ALERT_SKIP_NONE + 1; r < ALERT_SKIP_N_REASONS; r++)
            metrics_sample_uint(
                w, (const char *const[]){"input", key, "reason", alert_skip_reason_name(r), NULL},
                s->skipped[r]);
    }
    metrics_family(w, "alertban_input_last_alert_timestamp_seconds", METRICS_GAUGE,
                   "Unix time the last alert of the input was read (absent before its first).");
    g_hash_table_iter_init(&it, m->inputs);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const InputMetrics *im = value;
        if (im->last_alert_real_us > 0)
            metrics_sample(w, (const char *const[]){"input", key, NULL},
                           (double)im->last_alert_real_us / G_USEC_PER_SEC);
    }
    metrics_family(w, "alertban_input_bytes_behind", METRICS_GAUGE,
                   "Bytes of the input's file not read yet (its size minus the read offset).");
    if (d->tail) {
        g_autoptr(GArray) st = tail_get_status(d->tail);
        for (guint i = 0; i < st->len; i++) {
            const TailInputStatus *s = &g_array_index(st, TailInputStatus, i);
            metrics_sample_uint(w, (const char *const[]){"input", s->path, NULL}, s->lag_bytes);
        }
    }
}

static void
write_verdicts(Daemon *d, MetricsWriter *w)
{
    const PolicyStats *ps = policy_stats(d->policy);
    metrics_family(w, "alertban_verdicts_total", METRICS_COUNTER,
                   "Policy verdicts on alerts, per reason (since the daemon started).");
    for (guint i = 0; i < POLICY_REASON_N; i++)
        metrics_sample_uint(w, (const char *const[]){"reason", policy_reason_name(i), NULL},
                            ps->reasons[i]);
    metrics_family(w, "alertban_tracked_addresses", METRICS_GAUGE,
                   "Offenders tracked by the policy's threshold windows.");
    metrics_sample_uint(w, NULL, ps->tracked);
}

static void
write_bans(Daemon *d, MetricsWriter *w)
{
    BansCounts bc;
    bans_counts(d->bans, &bc);
    const char *backend = fw_name(daemon_fw_get(d->fw));
    metrics_family(w, "alertban_bans", METRICS_GAUGE,
                   "Bans in force, per firewall backend, family and source.");
    for (guint f = 0; f < 2; f++) {
        for (guint s = 0; s < 3; s++)
            metrics_sample_uint(w,
                                (const char *const[]){"backend", backend, "family", family_names[f],
                                                      "source", ban_source_name(s), NULL},
                                bc.by_family_source[f][s]);
    }
    metrics_family(w, "alertban_bans_added_total", METRICS_COUNTER,
                   "New bans, per source (since the daemon started).");
    for (guint s = 0; s < 3; s++)
        metrics_sample_uint(w, (const char *const[]){"source", ban_source_name(s), NULL},
                            bc.added[s]);
    metrics_family(w, "alertban_bans_extended_total", METRICS_COUNTER,
                   "Bans made to last longer, per source (since the daemon started).");
    for (guint s = 0; s < 3; s++)
        metrics_sample_uint(w, (const char *const[]){"source", ban_source_name(s), NULL},
                            bc.extended[s]);
    metrics_family(w, "alertban_bans_lifted_total", METRICS_COUNTER,
                   "Bans lifted, per reason (since the daemon started).");
    /* Always the common reasons, so that rate() has a series before the first of each. */
    static const char *const usual[] = {"expired", "manual", "whitelisted", "shared"};
    GHashTable *lifted = bans_lifted(d->bans);
    for (guint i = 0; i < G_N_ELEMENTS(usual); i++) {
        const guint64 *n = g_hash_table_lookup(lifted, usual[i]);
        metrics_sample_uint(w, (const char *const[]){"reason", usual[i], NULL}, n ? *n : 0);
    }
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, lifted);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        if (!g_strv_contains(usual, key))
            metrics_sample_uint(w, (const char *const[]){"reason", key, NULL}, *(guint64 *)value);
    }
    metrics_family(w, "alertban_bans_refused_total", METRICS_COUNTER,
                   "Bans refused because the table was full (max_bans).");
    metrics_sample_uint(w, NULL, bc.refused);

    DaemonMetrics *m = d->metrics;
    metrics_family(w, "alertban_alert_to_kernel_seconds", METRICS_HISTOGRAM,
                   "Time from reading an alert that makes a new ban to that ban's firewall "
                   "change succeeding.");
    metrics_histogram(w, NULL, &m->alert_to_kernel);
    metrics_family(w, "alertban_firewall_commit_seconds", METRICS_HISTOGRAM,
                   "Time of one firewall change (one commit per loop turn).");
    metrics_histogram(w, NULL, &m->fw_commit);
    metrics_family(w, "alertban_firewall_failures_total", METRICS_COUNTER,
                   "Firewall changes or reconciles that failed (retried).");
    metrics_sample_uint(w, NULL, bc.fw_failures);
    metrics_family(w, "alertban_firewall_degraded", METRICS_GAUGE,
                   "1 while a failed commit or firewall change waits for its retry.");
    metrics_sample_uint(w, NULL, bans_degraded(d->bans) ? 1 : 0);
    metrics_family(w, "alertban_store_commit_seconds", METRICS_HISTOGRAM,
                   "Time of one store (SQLite) commit.");
    metrics_histogram(w, NULL, &m->store_commit);
    metrics_family(w, "alertban_store_failures_total", METRICS_COUNTER,
                   "Store commits that failed (retried).");
    metrics_sample_uint(w, NULL, bc.store_failures);
}

static void
write_rest(Daemon *d, MetricsWriter *w)
{
    metrics_family(w, "alertban_cut_connections_total", METRICS_COUNTER,
                   "Connections ended because of a new ban, per kind (since the daemon "
                   "started).");
    metrics_sample_uint(w, (const char *const[]){"kind", "conntrack", NULL}, d->cut_conntrack);
    metrics_sample_uint(w, (const char *const[]){"kind", "socket", NULL}, d->cut_sockets);
    metrics_family(w, "alertban_cut_failures_total", METRICS_COUNTER,
                   "Cuts of new bans' connections that failed.");
    metrics_sample_uint(w, NULL, d->cut_failures);
    if (d->share) {
        ShareStatus st;
        share_status(d->share, &st);
        gboolean pub = strcmp(st.publish_link, "off") != 0;
        gboolean rec = strcmp(st.receive_link, "off") != 0;
        gboolean up = (!pub || strcmp(st.publish_link, "up") == 0) &&
                      (!rec || strcmp(st.receive_link, "up") == 0);
        metrics_family(w, "alertban_share_link_up", METRICS_GAUGE,
                       "1 when every link to Redis in use ([share] publish, receive) is up.");
        metrics_sample_uint(w, NULL, up ? 1 : 0);
        metrics_family(w, "alertban_share_outbox", METRICS_GAUGE,
                       "This node's decisions waiting to be sent to Redis.");
        metrics_sample_uint(w, NULL, st.outbox);
    }
    metrics_family(w, "alertban_reloads_total", METRICS_COUNTER,
                   "Configuration reloads applied (since the daemon started).");
    metrics_sample_uint(w, NULL, d->reloads);
    metrics_family(w, "alertban_reload_failures_total", METRICS_COUNTER,
                   "Configuration reloads rejected (since the daemon started).");
    metrics_sample_uint(w, NULL, d->reload_failures);
}

static void
collect(MetricsWriter *w, gpointer data)
{
    Daemon *d = data;
    metrics_family(w, "alertban_build_info", METRICS_GAUGE, "The daemon's version; always 1.");
    metrics_sample_uint(w, (const char *const[]){"version", ALERTBAN_VERSION, NULL}, 1);
    metrics_family(w, "alertban_start_time_seconds", METRICS_GAUGE,
                   "Unix time the daemon started.");
    metrics_sample(w, NULL, (double)d->started_real_us / G_USEC_PER_SEC);
    write_alerts(d, w);
    write_verdicts(d, w);
    write_bans(d, w);
    write_rest(d, w);
}

/* ---- the endpoint ---- */

static gboolean
listen_on(Daemon *d, const char *listen, GError **error)
{
    g_autoptr(MetricsHttp) http = metrics_http_new(listen, error);
    if (!http)
        return FALSE;
    metrics_http_add_collector(http, collect, d);
    metrics_http_add_async_collector(http, &metrics_process_collector, NULL);
    g_clear_pointer(&d->metrics->http, metrics_http_free);
    d->metrics->http = g_steal_pointer(&http);
    g_message("metrics: serving http://%s/metrics (port %u)", listen,
              metrics_http_get_port(d->metrics->http));
    return TRUE;
}

gboolean
daemon_metrics_start(Daemon *d, GError **error)
{
    DaemonMetrics *m = g_new0(DaemonMetrics, 1);
    m->inputs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->waiting = g_array_new(FALSE, FALSE, sizeof(gint64));
    d->metrics = m;
    bans_set_commit_func(d->bans, on_commit, m);
    const char *listen = d->cfg->metrics.listen;
    return !*listen || listen_on(d, listen, error);
}

gboolean
daemon_metrics_reload(Daemon *d)
{
    const char *want = d->cfg->metrics.listen;
    const char *have = d->metrics->http ? metrics_http_get_listen(d->metrics->http) : "";
    if (strcmp(want, have) == 0)
        return TRUE;
    if (!*want) {
        g_clear_pointer(&d->metrics->http, metrics_http_free);
        g_message("metrics: endpoint closed");
        return TRUE;
    }
    /* The old endpoint stays until the new one listens, so that a port another program holds
     * does not leave the daemon unscraped; only when the old endpoint itself may be what is in
     * the way (the same port on another address) is it closed first and the bind tried again. */
    g_autoptr(GError) err = NULL;
    if (listen_on(d, want, &err))
        return TRUE;
    g_autofree char *old = g_strdup(have);
    if (d->metrics->http) {
        g_clear_pointer(&d->metrics->http, metrics_http_free);
        g_clear_error(&err);
        if (listen_on(d, want, &err))
            return TRUE;
    }
    gboolean back = *old && listen_on(d, old, NULL);
    g_warning("metrics: cannot listen on %s (%s): %s", want,
              back ? "still serving the old address" : "the endpoint is off", err->message);
    return FALSE;
}

void
daemon_metrics_status(Daemon *d, JsonWriter *w)
{
    MetricsHttp *http = d->metrics ? d->metrics->http : NULL;
    json_object_begin(w, "metrics");
    json_add_string(w, "listen", http ? metrics_http_get_listen(http) : "");
    if (http) {
        const MetricsHttpStats *st = metrics_http_stats(http);
        json_add_int(w, "port", metrics_http_get_port(http));
        json_add_int(w, "scrapes", (gint64)st->scrapes);
        json_add_int(w, "rejected", (gint64)st->rejected);
        json_add_int(w, "last_collect_us", st->last_collect_us);
    }
    json_object_end(w);
}

void
daemon_metrics_free(Daemon *d)
{
    DaemonMetrics *m = d->metrics;
    if (!m)
        return;
    g_clear_pointer(&m->http, metrics_http_free);
    g_hash_table_unref(m->inputs);
    g_array_unref(m->waiting);
    g_free(m);
    d->metrics = NULL;
}
