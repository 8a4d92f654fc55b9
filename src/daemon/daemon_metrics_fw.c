// SPDX-License-Identifier: GPL-2.0-or-later
// Two series of the [metrics] endpoint that need more than a counter the daemon keeps: what
// the bans dropped, read from the kernel's counters in a worker thread (an asynchronous
// collector), and the alerts and bans per rule, with a bounded set of rules as label values.
#include "daemon_private.h"

#include <sys/socket.h>

#include "fw_counters.h"
#include "rule_stats.h"

/*
 * Dropped packets and bytes: each scrape makes a spec from the Fw in force (the daemon may
 * have replaced it since: backend = auto, a reload) and reads in a GTask thread while the
 * scrape's reply waits, paused; the main loop goes on. Reading the iptables backend copies the
 * whole table (30-60 ms at 100,000 rules, and a commit waits for it), so a read younger than
 * DROPPED_REUSE_US is reused: a scrape every 100 ms costs at most one read a second.
 *
 * Rules as labels: the RuleStats counts every rule (up to DAEMON_RULE_STATS_MAX); a rule
 * becomes a label value when it is among the RULE_TOP rules with the most alerts or the most
 * bans at a scrape, and stays one, so its series never vanish or restart; at most
 * RULE_LABELS_MAX rules ever do. Everything else is summed into rule="other", which drops by a
 * rule's count when that rule gets its own label (at most RULE_LABELS_MAX times; Prometheus
 * reads it as a counter reset). A scrape costs one pass over the rules per top list (none once
 * every label is given) and no sort: "other" is the RuleStats' running totals less the
 * labelled rules.
 */

#define DROPPED_REUSE_US (G_USEC_PER_SEC)
#define RULE_TOP 20
#define RULE_LABELS_MAX 100

struct DaemonMetricsFw {
    GArray *last;    /* FwDropCount: the last read, or NULL */
    gint64 last_us;  /* monotonic time of that read */
    GArray *labeled; /* RuleCount (counts unused): the rules that are label values */
};

static DaemonMetricsFw *
metrics_fw(Daemon *d)
{
    if (!d->metrics_fw) {
        d->metrics_fw = g_new0(DaemonMetricsFw, 1);
        d->metrics_fw->labeled = g_array_new(FALSE, FALSE, sizeof(RuleCount));
    }
    return d->metrics_fw;
}

static GArray *
copy_counts(const GArray *a)
{
    GArray *c = g_array_sized_new(FALSE, FALSE, sizeof(FwDropCount), a->len);
    g_array_append_vals(c, a->data, a->len);
    return c;
}

static void
dropped_start(gpointer user_data, GCancellable *cancellable, GAsyncReadyCallback callback,
              gpointer callback_data)
{
    Daemon *d = user_data;
    DaemonMetricsFw *mf = metrics_fw(d);
    gint64 now = g_get_monotonic_time();
    if (mf->last && now - mf->last_us < DROPPED_REUSE_US) {
        g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, callback_data);
        g_task_set_source_tag(task, dropped_start);
        g_task_return_pointer(task, copy_counts(mf->last), (GDestroyNotify)g_array_unref);
        return;
    }
    Fw *fw = d->fw ? daemon_fw_get(d->fw) : NULL;
    g_autoptr(FwCounterSpec) spec = fw ? fw_counter_spec_new(fw) : NULL;
    if (!spec) {
        /* A backend without counters (a test's fake, a dry run): no series, no failure. */
        g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, callback_data);
        g_task_set_source_tag(task, dropped_start);
        g_task_return_pointer(task, g_array_new(FALSE, FALSE, sizeof(FwDropCount)),
                              (GDestroyNotify)g_array_unref);
        return;
    }
    fw_counters_read_async(spec, cancellable, callback, callback_data);
}

static gboolean
dropped_finish(gpointer user_data, GAsyncResult *result, MetricsWriter *w, GError **error)
{
    Daemon *d = user_data;
    DaemonMetricsFw *mf = metrics_fw(d);
    g_autoptr(GArray) counts = NULL;
    if (g_task_get_source_tag(G_TASK(result)) == dropped_start) {
        counts = g_task_propagate_pointer(G_TASK(result), error);
    } else {
        counts = fw_counters_read_finish(result, error);
        if (counts) {
            g_clear_pointer(&mf->last, g_array_unref);
            mf->last = copy_counts(counts);
            mf->last_us = g_get_monotonic_time();
        }
    }
    if (!counts)
        return FALSE;
    if (counts->len == 0)
        return TRUE;
    static const char *const names[2] = {"alertban_dropped_packets_total",
                                         "alertban_dropped_bytes_total"};
    static const char *const helps[2] = {
        "Packets the bans dropped or rejected, per family and hook, from the kernel's counters "
        "of alertban's rules (a flush, a restart or a change of backend starts them again).",
        "Bytes (IP packet lengths) the bans dropped or rejected, per family and hook, from the "
        "kernel's counters of alertban's rules."};
    for (guint k = 0; k < 2; k++) {
        metrics_family(w, names[k], METRICS_COUNTER, helps[k]);
        for (guint i = 0; i < counts->len; i++) {
            const FwDropCount *c = &g_array_index(counts, FwDropCount, i);
            const char *family = c->family == AF_INET6 ? "ipv6" : "ipv4";
            metrics_sample_uint(w, (const char *const[]){"family", family, "hook", c->hook, NULL},
                                k == 0 ? c->packets : c->bytes);
        }
    }
    return TRUE;
}

const MetricsAsyncCollector daemon_dropped_collector = {
    .name = "dropped",
    .start = dropped_start,
    .finish = dropped_finish,
};

static gboolean
is_labeled(const GArray *labeled, guint32 gid, guint32 sid)
{
    for (guint i = 0; i < labeled->len; i++) {
        const RuleCount *r = &g_array_index(labeled, RuleCount, i);
        if (r->gid == gid && r->sid == sid)
            return TRUE;
    }
    return FALSE;
}

static void
label_top(GArray *labeled, const RuleStats *rs, gboolean by_bans)
{
    g_autoptr(GArray) top = rule_stats_top(rs, by_bans, RULE_TOP, NULL);
    for (guint i = 0; i < top->len && labeled->len < RULE_LABELS_MAX; i++) {
        const RuleCount *r = &g_array_index(top, RuleCount, i);
        if ((by_bans ? r->bans : r->alerts) > 0 && !is_labeled(labeled, r->gid, r->sid))
            g_array_append_val(labeled, *r);
    }
}

void
daemon_metrics_rules(Daemon *d, MetricsWriter *w)
{
    if (!d->rule_stats)
        return;
    DaemonMetricsFw *mf = metrics_fw(d);
    /* Once every label is given, the top rules can change nothing: no pass over the rules. */
    if (mf->labeled->len < RULE_LABELS_MAX)
        label_top(mf->labeled, d->rule_stats, FALSE);
    if (mf->labeled->len < RULE_LABELS_MAX)
        label_top(mf->labeled, d->rule_stats, TRUE);

    /* "other" is the total over every rule less the labelled rules. */
    RuleCount total;
    rule_stats_totals(d->rule_stats, &total);
    guint64 labeled_alerts = 0, labeled_bans = 0;
    guint n = mf->labeled->len;
    g_autofree RuleCount *now = g_new0(RuleCount, MAX(n, 1));
    for (guint i = 0; i < n; i++) {
        const RuleCount *r = &g_array_index(mf->labeled, RuleCount, i);
        now[i].gid = r->gid;
        now[i].sid = r->sid;
        rule_stats_lookup(d->rule_stats, r->gid, r->sid, &now[i]);
        labeled_alerts += now[i].alerts;
        labeled_bans += now[i].bans;
    }
    static const char *const names[2] = {"alertban_rule_alerts_total", "alertban_rule_bans_total"};
    static const char *const helps[2] = {
        "Alerts read per rule (GID:SID) since the daemon started; the rules with the most "
        "alerts or bans get a label of their own (at most 100), the rest are rule=\"other\".",
        "Bans the policy made per rule (GID:SID) since the daemon started; labels as "
        "alertban_rule_alerts_total."};
    for (guint k = 0; k < 2; k++) {
        metrics_family(w, names[k], METRICS_COUNTER, helps[k]);
        for (guint i = 0; i < n; i++) {
            char rule[24];
            g_snprintf(rule, sizeof rule, "%u:%u", now[i].gid, now[i].sid);
            metrics_sample_uint(w, (const char *const[]){"rule", rule, NULL},
                                k == 0 ? now[i].alerts : now[i].bans);
        }
        guint64 all = k == 0 ? total.alerts : total.bans;
        guint64 lab = k == 0 ? labeled_alerts : labeled_bans;
        metrics_sample_uint(w, (const char *const[]){"rule", "other", NULL},
                            all > lab ? all - lab : 0);
    }
}

void
daemon_metrics_fw_free(Daemon *d)
{
    if (!d->metrics_fw)
        return;
    g_clear_pointer(&d->metrics_fw->last, g_array_unref);
    g_array_unref(d->metrics_fw->labeled);
    g_clear_pointer(&d->metrics_fw, g_free);
}
