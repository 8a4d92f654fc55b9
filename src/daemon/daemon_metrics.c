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
 * Counters are monotonic across reloads (nothing here is reset by one). The counts of alerts
 * and skipped lines per input, verdicts, bans added, extended and lifted and connections cut
 * also survive restarts: their totals are kept in the store's named key METRICS_KEY, queued
 * at most once per PERSIST_INTERVAL_US into the transaction of a turn (so at most that much
 * is lost in a crash) and at the last turn before a stop, and read back at start. The rest
 * (histograms, failures, scrapes) start at 0.
 *
 * An input's alerts and skipped lines are its readers' own counts (AlertStats): the open
 * readers' plus those of the readers already freed and of the previous runs (closed). Its
 * series end with it: when the daemon forgets a glob's input whose file is gone, and at start
 * for a stored path the tailer does not follow (a glob's file gone while stopped, a path no
 * longer configured); otherwise a glob over dated logs would add labels, and lines to
 * METRICS_KEY, for every file it ever matched.
 */

#define METRICS_KEY "metrics.counters"
#define PERSIST_INTERVAL_US (G_USEC_PER_SEC)

#define WAITING_MAX 100000

typedef struct {
    gint64 last_alert_real_us; /* 0 before the first alert */
    AlertStats closed;         /* of this path's readers already freed, and of previous runs */
} InputMetrics;

struct DaemonMetrics {
    MetricsHttp *http;  /* NULL while [metrics] listen is empty */
    GHashTable *inputs; /* followed path (owned) -> InputMetrics (owned) */
    MetricsHistogram alert_to_kernel, fw_commit, store_commit;
    GArray *waiting; /* gint64: monotonic read times of alerts whose new ban is not in the kernel */
    guint64 waiting_dropped;
    /* What the previous runs counted (restored from the store at start), added to this run's
     * own counts; the per-input counts are restored into inputs directly. */
    guint64 base_verdicts[POLICY_REASON_N];
    guint64 base_added[3], base_extended[3], base_cut[2];
    GHashTable *base_lifted; /* reason (owned) -> guint64 (owned) */
    char *persisted;         /* the text last queued for the store */
    gint64 persisted_us;     /* monotonic time it was queued */
};

static const char *const family_names[2] = {"ipv4", "ipv6"};

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
    (void)alert; /* counted by its reader (alert_reader_stats()) */
    if (d->metrics)
        input_metrics(d->metrics, path)->last_alert_real_us = now_us;
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

void
daemon_metrics_forget_input(Daemon *d, const char *path)
{
    DaemonMetrics *m = d->metrics;
    if (!m || !g_hash_table_remove(m->inputs, path))
        return;
    /* The stored counters lose the path at the next turn, not up to PERSIST_INTERVAL_US on. */
    g_clear_pointer(&m->persisted, g_free);
}

/* Parse counts per path (path -> AlertStats, keys borrowed from m->inputs): the closed
 * readers' counts plus the open ones'. Every open file's path gets its entry first, so that
 * the sums can be keyed by the entries' own keys. */
static GHashTable *
stats_by_input(Daemon *d)
{
    DaemonMetrics *m = d->metrics;
    g_autoptr(GPtrArray) files = d->tail ? tail_list_files(d->tail) : g_ptr_array_new();
    for (guint i = 0; i < files->len; i++)
        input_metrics(m, tail_file_get_path(files->pdata[i]));
    GHashTable *skipped = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
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
    return skipped;
}

/* The counters that survive restarts, as totals: this run's plus the restored base. */
typedef struct {
    guint64 verdicts[POLICY_REASON_N];
    guint64 added[3], extended[3], cut[2];
    GHashTable *lifted; /* reason (borrowed) -> guint64 (owned) */
} Totals;

static void
totals_get(Daemon *d, Totals *t)
{
    DaemonMetrics *m = d->metrics;
    const PolicyStats *ps = policy_stats(d->policy);
    BansCounts bc;
    bans_counts(d->bans, &bc);
    for (guint i = 0; i < POLICY_REASON_N; i++)
        t->verdicts[i] = ps->reasons[i] + m->base_verdicts[i];
    for (guint i = 0; i < 3; i++) {
        t->added[i] = bc.added[i] + m->base_added[i];
        t->extended[i] = bc.extended[i] + m->base_extended[i];
    }
    t->cut[0] = d->cut_conntrack + m->base_cut[0];
    t->cut[1] = d->cut_sockets + m->base_cut[1];
    t->lifted = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    GHashTable *sources[] = {m->base_lifted, bans_lifted(d->bans)};
    for (guint k = 0; k < G_N_ELEMENTS(sources); k++) {
        GHashTableIter it;
        gpointer key, value;
        g_hash_table_iter_init(&it, sources[k]);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            guint64 *n = g_hash_table_lookup(t->lifted, key);
            if (!n) {
                n = g_new0(guint64, 1);
                g_hash_table_insert(t->lifted, key, n);
            }
            *n += *(guint64 *)value;
        }
    }
}

/* ---- the collector ---- */

static void
write_alerts(Daemon *d, MetricsWriter *w)
{
    DaemonMetrics *m = d->metrics;
    g_autoptr(GHashTable) stats = stats_by_input(d);
    GHashTableIter it;
    gpointer key, value;
    metrics_family(w, "alertban_alerts_read_total", METRICS_COUNTER,
                   "Alerts read, per input (followed path) and format (kept across "
                   "restarts).");
    g_hash_table_iter_init(&it, stats);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const AlertStats *s = value;
        for (guint f = 0; f < ALERT_N_FORMATS; f++)
            metrics_sample_uint(
                w, (const char *const[]){"input", key, "format", alert_format_name(f), NULL},
                s->by_format[f]);
    }
    metrics_family(w, "alertban_lines_skipped_total", METRICS_COUNTER,
                   "Lines (or alert_full blocks) that were not alerts, per input and reason "
                   "(kept across restarts).");
    g_hash_table_iter_init(&it, stats);
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
write_verdicts(Daemon *d, const Totals *t, MetricsWriter *w)
{
    const PolicyStats *ps = policy_stats(d->policy);
    metrics_family(w, "alertban_verdicts_total", METRICS_COUNTER,
                   "Policy verdicts on alerts, per reason (kept across restarts).");
    for (guint i = 0; i < POLICY_REASON_N; i++)
        metrics_sample_uint(w, (const char *const[]){"reason", policy_reason_name(i), NULL},
                            t->verdicts[i]);
    metrics_family(w, "alertban_tracked_addresses", METRICS_GAUGE,
                   "Offenders tracked by the policy's threshold windows.");
    metrics_sample_uint(w, NULL, ps->tracked);
}

static void
write_bans(Daemon *d, const Totals *t, MetricsWriter *w)
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
                   "New bans, per source (kept across restarts).");
    for (guint s = 0; s < 3; s++)
        metrics_sample_uint(w, (const char *const[]){"source", ban_source_name(s), NULL},
                            t->added[s]);
    metrics_family(w, "alertban_bans_extended_total", METRICS_COUNTER,
                   "Bans made to last longer, per source (kept across restarts).");
    for (guint s = 0; s < 3; s++)
        metrics_sample_uint(w, (const char *const[]){"source", ban_source_name(s), NULL},
                            t->extended[s]);
    metrics_family(w, "alertban_bans_lifted_total", METRICS_COUNTER,
                   "Bans lifted, per reason (kept across restarts).");
    /* Always the common reasons, so that rate() has a series before the first of each. */
    static const char *const usual[] = {"expired", "manual", "whitelisted", "shared"};
    GHashTable *lifted = t->lifted;
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
write_rest(Daemon *d, const Totals *t, MetricsWriter *w)
{
    metrics_family(w, "alertban_cut_connections_total", METRICS_COUNTER,
                   "Connections ended because of a new ban, per kind (kept across restarts).");
    metrics_sample_uint(w, (const char *const[]){"kind", "conntrack", NULL}, t->cut[0]);
    metrics_sample_uint(w, (const char *const[]){"kind", "socket", NULL}, t->cut[1]);
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
    Totals t;
    totals_get(d, &t);
    write_alerts(d, w);
    write_verdicts(d, &t, w);
    write_bans(d, &t, w);
    write_rest(d, &t, w);
    daemon_metrics_rules(d, w);
    g_hash_table_unref(t.lifted);
}

/* ---- across restarts ---- */

/*
 * The store's METRICS_KEY holds one line per counter, tab-separated, free text escaped
 * (g_strescape, so a path cannot break a line):
 *   alerts FORMAT PATH N | skipped REASON PATH N | verdict REASON N | added SOURCE N |
 *   extended SOURCE N | lifted REASON N | cut KIND N
 * with the stable names the series use. Unknown or damaged lines are skipped: a counter that
 * cannot be read starts again at 0, which Prometheus takes for a restart.
 */

static void
append_line(GString *s, const char *kind, const char *name, const char *path, guint64 n)
{
    if (n == 0)
        return;
    g_autofree char *esc = path ? g_strescape(path, NULL) : NULL;
    g_string_append_printf(s, "%s\t%s\t%s%s%" G_GUINT64_FORMAT "\n", kind, name, esc ? esc : "",
                           esc ? "\t" : "", n);
}

static char *
persist_text(Daemon *d)
{
    GString *s = g_string_new(NULL);
    g_autoptr(GHashTable) stats = stats_by_input(d);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, stats);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const AlertStats *st = value;
        for (guint f = 0; f < ALERT_N_FORMATS; f++)
            append_line(s, "alerts", alert_format_name(f), key, st->by_format[f]);
        for (guint r = ALERT_SKIP_NONE + 1; r < ALERT_SKIP_N_REASONS; r++)
            append_line(s, "skipped", alert_skip_reason_name(r), key, st->skipped[r]);
    }
    Totals t;
    totals_get(d, &t);
    for (guint i = 0; i < POLICY_REASON_N; i++)
        append_line(s, "verdict", policy_reason_name(i), NULL, t.verdicts[i]);
    for (guint i = 0; i < 3; i++) {
        append_line(s, "added", ban_source_name(i), NULL, t.added[i]);
        append_line(s, "extended", ban_source_name(i), NULL, t.extended[i]);
    }
    append_line(s, "cut", "conntrack", NULL, t.cut[0]);
    append_line(s, "cut", "socket", NULL, t.cut[1]);
    g_hash_table_iter_init(&it, t.lifted);
    while (g_hash_table_iter_next(&it, &key, &value))
        append_line(s, "lifted", key, NULL, *(guint64 *)value);
    g_hash_table_unref(t.lifted);
    return g_string_free(s, FALSE);
}

void
daemon_metrics_persist(Daemon *d, gboolean now)
{
    DaemonMetrics *m = d->metrics;
    if (!m)
        return;
    gint64 mono = g_get_monotonic_time();
    if (!now && m->persisted && mono - m->persisted_us < PERSIST_INTERVAL_US)
        return;
    g_autofree char *text = persist_text(d);
    m->persisted_us = mono;
    if (g_strcmp0(text, m->persisted) == 0)
        return;
    store_put_key(d->store, METRICS_KEY, text);
    g_free(m->persisted);
    m->persisted = g_steal_pointer(&text);
}

static gboolean
index_of(const char *name, const char *(*name_of)(guint), guint n, guint *out)
{
    for (guint i = 0; i < n; i++) {
        const char *candidate = name_of(i);
        if (candidate && strcmp(candidate, name) == 0) {
            *out = i;
            return TRUE;
        }
    }
    return FALSE;
}

static const char *
format_name_of(guint i)
{
    return alert_format_name((AlertFormat)i);
}
static const char *
skip_name_of(guint i)
{
    return alert_skip_reason_name((AlertSkipReason)i);
}
static const char *
verdict_name_of(guint i)
{
    return policy_reason_name((PolicyReason)i);
}
static const char *
source_name_of(guint i)
{
    return ban_source_name((BanSource)i);
}
static const char *
cut_name_of(guint i)
{
    static const char *const kinds[] = {"conntrack", "socket"};
    return kinds[i];
}

/* One line of METRICS_KEY into the counters; FALSE when it is not one. */
static gboolean
restore_line(DaemonMetrics *m, const char *line)
{
    g_auto(GStrv) f = g_strsplit(line, "\t", 5);
    guint n = g_strv_length(f);
    guint64 v = 0;
    guint i = 0;
    if (n < 3 || !g_ascii_string_to_unsigned(f[n - 1], 10, 0, G_MAXUINT64, &v, NULL))
        return FALSE;
    if (n == 4 && (strcmp(f[0], "alerts") == 0 || strcmp(f[0], "skipped") == 0)) {
        g_autofree char *path = g_strcompress(f[2]);
        if (!*path || strlen(path) >= TAIL_PATH_MAX)
            return FALSE;
        if (strcmp(f[0], "alerts") == 0) {
            if (!index_of(f[1], format_name_of, ALERT_N_FORMATS, &i))
                return FALSE;
            AlertStats *closed = &input_metrics(m, path)->closed;
            closed->parsed += v - closed->by_format[i];
            closed->by_format[i] = v;
        } else {
            if (!index_of(f[1], skip_name_of, ALERT_SKIP_N_REASONS, &i) || i == ALERT_SKIP_NONE)
                return FALSE;
            input_metrics(m, path)->closed.skipped[i] = v;
        }
        return TRUE;
    }
    if (n != 3)
        return FALSE;
    if (strcmp(f[0], "verdict") == 0 && index_of(f[1], verdict_name_of, POLICY_REASON_N, &i))
        m->base_verdicts[i] = v;
    else if (strcmp(f[0], "added") == 0 && index_of(f[1], source_name_of, 3, &i))
        m->base_added[i] = v;
    else if (strcmp(f[0], "extended") == 0 && index_of(f[1], source_name_of, 3, &i))
        m->base_extended[i] = v;
    else if (strcmp(f[0], "cut") == 0 && index_of(f[1], cut_name_of, 2, &i))
        m->base_cut[i] = v;
    else if (strcmp(f[0], "lifted") == 0 && *f[1] && strlen(f[1]) < 64 &&
             g_hash_table_size(m->base_lifted) < 64)
        g_hash_table_insert(m->base_lifted, g_strdup(f[1]), g_memdup2(&v, sizeof v));
    else
        return FALSE;
    return TRUE;
}

static void
restore(Daemon *d)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    if (!store_get_key(d->store, METRICS_KEY, &text, &err)) {
        g_warning("metrics: counters start at 0: %s", err->message);
        return;
    }
    if (!text)
        return;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint bad = 0, good = 0;
    for (guint i = 0; lines[i]; i++) {
        if (!*lines[i])
            continue;
        if (restore_line(d->metrics, lines[i]))
            good++;
        else
            bad++;
    }
    if (bad)
        g_warning("metrics: %u stored counters were unreadable and start at 0", bad);
    g_info("metrics: %u counters restored", good);
    d->metrics->persisted = g_steal_pointer(&text);
}

/* The restored counters of the paths the tailer does not follow at start: their inputs were
 * forgotten while the daemon was stopped (see daemon_metrics_forget_input()). */
static void
forget_unfollowed(Daemon *d)
{
    DaemonMetrics *m = d->metrics;
    if (!d->tail)
        return;
    g_autoptr(GArray) st = tail_get_status(d->tail);
    g_autoptr(GHashTable) followed = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < st->len; i++)
        g_hash_table_add(followed, g_array_index(st, TailInputStatus, i).path);
    GHashTableIter it;
    gpointer key;
    guint n = 0;
    g_hash_table_iter_init(&it, m->inputs);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (!g_hash_table_contains(followed, key)) {
            g_hash_table_iter_remove(&it);
            n++;
        }
    }
    if (n > 0)
        g_message("metrics: dropped the counters of %u inputs no longer followed", n);
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
    metrics_http_add_async_collector(http, &daemon_dropped_collector, d);
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
    m->base_lifted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    d->metrics = m;
    restore(d);
    forget_unfollowed(d);
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
    daemon_metrics_fw_free(d);
    g_hash_table_unref(m->inputs);
    g_array_unref(m->waiting);
    g_hash_table_unref(m->base_lifted);
    g_free(m->persisted);
    g_free(m);
    d->metrics = NULL;
}
