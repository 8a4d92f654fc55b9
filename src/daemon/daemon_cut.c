// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's cut: ends what each new ban's prefix has open (src/fw/cut.c) after the turn's
// firewall change, a slice at a time between the loop's other work, once more a little
// later, and counts it for the ban lines and status.
#include "daemon_private.h"

#include <time.h>

/*
 * A cut runs as a CutJob in slices of at most CUT_SLICE_US: the first slice in the turn that
 * made the bans (a ban with a few connections is cut there and then, as before), the rest
 * from a timeout source at G_PRIORITY_DEFAULT every CUT_GAP_MS, so that between two slices
 * the loop answers the control socket, reads alerts and ends its turns (the turn's idle runs
 * in the gap, when no default-priority source is ready). Ten thousand connections take the
 * kernel about half a second to cut; spread out, no single turn waits more than a slice for
 * it. Nothing gets through meanwhile: the bans are in the firewall before their cut begins.
 *
 * Cuts that come while one runs wait in d->cut_waiting, one CutWork per kind: a new ban
 * merges into the waiting work of its kind (one dump then serves them all), so the queue
 * holds at most CUT_N_KINDS works however many turns pass, and its size is bounded by the
 * ban table's. A ban's line is written when the work holding it is done, with its counts.
 */

/* The second pass: a server may still answer a request that reached it just before the ban
 * (a UDP datagram waiting in its socket) after the first pass, and its answer opens a new
 * conntrack entry the other way, through which the banned peer's next packets are
 * "ESTABLISHED" again for an early accept rule. Once the server has drained what it had, a
 * second cut of the same prefixes removes such an entry for good. */
#define CUT_AGAIN_MS 500
/* A slice's budget; a slice ends at the first step past it (a step is about 1 ms). */
#define CUT_SLICE_US 5000
/* The pause between slices, in which the loop serves its other sources. */
#define CUT_GAP_MS 1

typedef enum {
    CUT_NEW,      /* the turns' new bans; their lines wait for the counts */
    CUT_AGAIN,    /* the second pass */
    CUT_RESTORED, /* the bans in force at start (stored or adopted) */
    CUT_N_KINDS,
} CutKind;

static const char *const cut_kind_names[CUT_N_KINDS] = {"", "again ", "restored "};

struct DaemonCutWork {
    CutKind kind;
    GArray *prefixes;                  /* IpPrefix */
    GPtrArray *lines;                  /* CUT_NEW: char *, the line of prefixes[i] (owned) */
    CutJob *job;                       /* once running */
    CutCounts counted;                 /* what was already added to the status totals */
    gint64 started_us, busy_us;        /* busy: the time in slices */
    gint64 longest_us, longest_cpu_us; /* the longest slice, in wall-clock and CPU time */
    guint slices;
};

static DaemonCutWork *
work_new(CutKind kind)
{
    DaemonCutWork *w = g_new0(DaemonCutWork, 1);
    w->kind = kind;
    w->prefixes = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    if (kind == CUT_NEW)
        w->lines = g_ptr_array_new_with_free_func(g_free);
    return w;
}

static void
work_free(DaemonCutWork *w)
{
    g_clear_pointer(&w->job, cut_job_free);
    g_array_unref(w->prefixes);
    if (w->lines)
        g_ptr_array_unref(w->lines);
    g_free(w);
}

/* The work of kind waiting to start, made (and queued) when there is none. */
static DaemonCutWork *
waiting_work(Daemon *d, CutKind kind)
{
    for (GList *l = d->cut_waiting.head; l; l = l->next) {
        DaemonCutWork *w = l->data;
        if (w->kind == kind)
            return w;
    }
    DaemonCutWork *w = work_new(kind);
    g_queue_push_tail(&d->cut_waiting, w);
    return w;
}

/* Adds what the running job cut since the last call to the status totals. */
static void
count_progress(Daemon *d, DaemonCutWork *w)
{
    CutCounts total;
    cut_job_counts(w->job, &total);
    d->cut_conntrack += total.conntrack - w->counted.conntrack;
    d->cut_sockets += total.sockets - w->counted.sockets;
    w->counted = total;
}

static gboolean on_recut(gpointer data);

/* The end of a work: its ban lines with their counts, the summary, a failure said once, and
 * the second pass of what it cut first. */
static void
work_finish(Daemon *d, DaemonCutWork *w)
{
    count_progress(d, w);
    const CutCounts *counts = cut_job_counts(w->job, NULL);
    for (guint i = 0; w->lines && i < w->lines->len; i++) {
        const char *line = w->lines->pdata[i]; /* NULL: a quiet ban, in a bulk load's summary */
        if (line)
            g_message("%s cut_conntrack=%u cut_sockets=%u", line, counts[i].conntrack,
                      counts[i].sockets);
    }
    g_info("cut: %sbans=%u conntrack=%u sockets=%u cut_us=%" G_GINT64_FORMAT
           " slices=%u longest_slice_us=%" G_GINT64_FORMAT " longest_slice_cpu_us=%" G_GINT64_FORMAT
           " wall_ms=%" G_GINT64_FORMAT,
           cut_kind_names[w->kind], w->prefixes->len, w->counted.conntrack, w->counted.sockets,
           w->busy_us, w->slices, w->longest_us, w->longest_cpu_us,
           (g_get_monotonic_time() - w->started_us) / 1000);
    g_autoptr(GError) err = NULL;
    if (cut_job_result(w->job, &err)) {
        if (d->cut_failing)
            g_message("cut: works again");
        d->cut_failing = FALSE;
    } else {
        d->cut_failures++;
        if (!d->cut_failing)
            g_warning("cut: the open connections of %u bans were not all ended (the bans stand;"
                      " further failures are counted in status): %s",
                      w->prefixes->len, err->message);
        else
            g_debug("cut: %s", err->message);
        d->cut_failing = TRUE;
    }
    if (w->kind != CUT_AGAIN) {
        if (!d->recut)
            d->recut = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
        g_array_append_vals(d->recut, w->prefixes->data, w->prefixes->len);
        if (!d->recut_id)
            d->recut_id = g_timeout_add(CUT_AGAIN_MS, on_recut, d);
    }
}

/* The thread's CPU time (the kernel's work for its netlink requests included): on a loaded
 * host a slice's wall-clock time also holds the time others ran. */
static gint64
thread_cpu_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* One slice of the running work (starting the next waiting one when none runs) until
 * deadline_us; FALSE when nothing is left to cut. */
static gboolean
cut_slice(Daemon *d, gint64 deadline_us)
{
    if (!d->cut_running) {
        d->cut_running = g_queue_pop_head(&d->cut_waiting);
        if (!d->cut_running)
            return FALSE;
        DaemonCutWork *w = d->cut_running;
        w->job = cut_job_new(d->cut, (const IpPrefix *)w->prefixes->data, w->prefixes->len);
        w->started_us = g_get_monotonic_time();
    }
    DaemonCutWork *w = d->cut_running;
    gint64 t0 = g_get_monotonic_time(), cpu0 = thread_cpu_us();
    gboolean done = cut_job_step(w->job, deadline_us);
    gint64 slice_us = g_get_monotonic_time() - t0;
    w->busy_us += slice_us;
    w->longest_us = MAX(w->longest_us, slice_us);
    w->longest_cpu_us = MAX(w->longest_cpu_us, thread_cpu_us() - cpu0);
    w->slices++;
    if (!done) {
        count_progress(d, w);
        return TRUE;
    }
    d->cut_running = NULL;
    work_finish(d, w);
    work_free(w);
    return !g_queue_is_empty(&d->cut_waiting);
}

static gboolean
on_cut_slice(gpointer data)
{
    Daemon *d = data;
    if (cut_slice(d, g_get_monotonic_time() + CUT_SLICE_US))
        return G_SOURCE_CONTINUE;
    d->cut_slice_id = 0;
    return G_SOURCE_REMOVE;
}

/* Runs the first slice now and the rest from the loop. */
static void
cut_kick(Daemon *d)
{
    if (d->cut_slice_id)
        return;
    if (cut_slice(d, g_get_monotonic_time() + CUT_SLICE_US))
        d->cut_slice_id = g_timeout_add(CUT_GAP_MS, on_cut_slice, d);
}

static gboolean
on_recut(gpointer data)
{
    Daemon *d = data;
    d->recut_id = 0;
    g_autoptr(GArray) prefixes = g_steal_pointer(&d->recut);
    if (prefixes && prefixes->len > 0 && d->cut) {
        DaemonCutWork *w = waiting_work(d, CUT_AGAIN);
        g_array_append_vals(w->prefixes, prefixes->data, prefixes->len);
        cut_kick(d);
    }
    return G_SOURCE_REMOVE;
}

/* The ban table's cut, right after a turn's firewall change: what the new bans' prefixes have
 * open is ended (and once more CUT_AGAIN_MS later); a failure is logged and never holds up
 * the ban. */
static void
on_cut(Bans *bans, const IpPrefix *prefixes, char **lines, guint n, gpointer data)
{
    (void)bans;
    Daemon *d = data;
    DaemonCutWork *w = waiting_work(d, CUT_NEW);
    g_array_append_vals(w->prefixes, prefixes, n);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(w->lines, lines[i]);
    cut_kick(d);
}

/* cut = yes: the netlink sockets once, and what the kernel cannot do said once. Not in a dry
 * run, nor on a backend a test hands in (their bans are not the host's). */
void
daemon_cut_start(Daemon *d)
{
    if (!d->cfg->firewall.cut || d->cfg->daemon.dry_run || d->opts.fw)
        return;
    g_autoptr(GError) err = NULL;
    d->cut = cut_new(&err);
    if (!d->cut) {
        g_warning("cut: new bans will not end open connections: %s", err->message);
        return;
    }
    const char *why = NULL;
    if (!cut_can_destroy_sockets(d->cut, &why))
        g_warning("cut: the host's sockets to a banned address are not destroyed (%s); its "
                  "conntrack entries are still deleted",
                  why);
    bans_set_cut_func(d->bans, on_cut, d);
}

void
daemon_cut_restored(Daemon *d)
{
    if (!d->cut)
        return;
    g_autoptr(GArray) bans = g_array_new(FALSE, FALSE, sizeof(Ban));
    bans_list(d->bans, bans);
    if (bans->len == 0)
        return;
    DaemonCutWork *w = waiting_work(d, CUT_RESTORED);
    for (guint i = 0; i < bans->len; i++)
        g_array_append_val(w->prefixes, g_array_index(bans, Ban, i).prefix);
    cut_kick(d);
}

guint
daemon_cut_pending(const Daemon *d)
{
    guint n = d->cut_running ? d->cut_running->prefixes->len : 0;
    for (GList *l = d->cut_waiting.head; l; l = l->next)
        n += ((DaemonCutWork *)l->data)->prefixes->len;
    return n;
}

void
daemon_cut_free(Daemon *d)
{
    if (d->cut_slice_id)
        g_source_remove(d->cut_slice_id);
    d->cut_slice_id = 0;
    /* At the stop, what the last turns banned is still cut to its end (their bans stay in
     * force, and their lines are owed), without slices: nothing else runs any more. The
     * second pass is not made. */
    while (d->cut && cut_slice(d, G_MAXINT64)) {
    }
    g_queue_clear_full(&d->cut_waiting, (GDestroyNotify)work_free);
    if (d->recut_id)
        g_source_remove(d->recut_id);
    d->recut_id = 0;
    g_clear_pointer(&d->recut, g_array_unref);
    g_clear_pointer(&d->cut, cut_free);
}
