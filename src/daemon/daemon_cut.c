// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's cut: ends what each new ban's prefix has open (src/fw/cut.c) after the turn's
// firewall change, once more a little later, and counts it for the ban lines and status.
#include "daemon_private.h"

/* The second pass: a server may still answer a request that reached it just before the ban
 * (a UDP datagram waiting in its socket) after the first pass, and its answer opens a new
 * conntrack entry the other way, through which the banned peer's next packets are
 * "ESTABLISHED" again for an early accept rule. Once the server has drained what it had, a
 * second cut of the same prefixes removes such an entry for good. */
#define CUT_AGAIN_MS 500

static gboolean cut_run(Daemon *d, const IpPrefix *prefixes, guint n, CutCounts *counts,
                        gboolean again);

static gboolean
on_recut(gpointer data)
{
    Daemon *d = data;
    d->recut_id = 0;
    g_autoptr(GArray) prefixes = g_steal_pointer(&d->recut);
    if (prefixes && prefixes->len > 0 && d->cut)
        cut_run(d, (const IpPrefix *)prefixes->data, prefixes->len, NULL, TRUE);
    return G_SOURCE_REMOVE;
}

/* The ban table's cut, right after a turn's firewall change: what the new bans' prefixes have
 * open is ended (and once more CUT_AGAIN_MS later); a failure is logged and never holds up
 * the ban. */
static void
on_cut(Bans *bans, const IpPrefix *prefixes, guint n, CutCounts *counts, gpointer data)
{
    (void)bans;
    Daemon *d = data;
    cut_run(d, prefixes, n, counts, FALSE);
    if (!d->recut)
        d->recut = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    g_array_append_vals(d->recut, prefixes, n);
    if (!d->recut_id)
        d->recut_id = g_timeout_add(CUT_AGAIN_MS, on_recut, d);
}

static gboolean
cut_run(Daemon *d, const IpPrefix *prefixes, guint n, CutCounts *counts, gboolean again)
{
    CutCounts total;
    g_autoptr(GError) err = NULL;
    gint64 t0 = g_get_monotonic_time();
    gboolean ok = cut_prefixes(d->cut, prefixes, n, counts, &total, &err);
    d->cut_conntrack += total.conntrack;
    d->cut_sockets += total.sockets;
    g_info("cut: %sbans=%u conntrack=%u sockets=%u cut_us=%" G_GINT64_FORMAT, again ? "again " : "",
           n, total.conntrack, total.sockets, g_get_monotonic_time() - t0);
    if (ok) {
        if (d->cut_failing)
            g_message("cut: works again");
        d->cut_failing = FALSE;
        return TRUE;
    }
    d->cut_failures++;
    if (!d->cut_failing)
        g_warning("cut: the open connections of %u new bans were not all ended (the bans stand;"
                  " further failures are counted in status): %s",
                  n, err->message);
    else
        g_debug("cut: %s", err->message);
    d->cut_failing = TRUE;
    return FALSE;
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
daemon_cut_free(Daemon *d)
{
    if (d->recut_id)
        g_source_remove(d->recut_id);
    d->recut_id = 0;
    g_clear_pointer(&d->recut, g_array_unref);
    g_clear_pointer(&d->cut, cut_free);
}
