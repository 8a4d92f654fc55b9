// SPDX-License-Identifier: GPL-2.0-or-later
// Ends what a new ban leaves open: the host's TCP sockets connected to the banned prefixes
// (destroyed through sock_diag, which resets the peer) and their connection-tracking entries
// (deleted through ctnetlink), so that both ends of an established connection close at once.
#pragma once

#include <glib.h>

#include "ipaddr.h"

/* What one cut ended. */
typedef struct {
    guint conntrack; /* connection-tracking entries deleted (either direction in the prefix) */
    guint sockets;   /* local TCP sockets destroyed: their peer was sent a reset */
} CutCounts;

typedef struct Cut Cut;

/* Opens the two netlink sockets (ctnetlink and sock_diag) in the calling thread's network
 * namespace, once, and asks the kernel whether it can destroy sockets. NULL with an error
 * when a socket cannot be opened. */
Cut *cut_new(GError **error);
void cut_free(Cut *cut);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Cut, cut_free)

/* Whether the kernel destroys sockets (CONFIG_INET_DIAG_DESTROY). When it does not, why
 * (may be NULL) is set to the reason (borrowed) and cut_prefixes() only deletes conntrack
 * entries. */
gboolean cut_can_destroy_sockets(const Cut *cut, const char **why);

/* Cuts everything open between the host (or the hosts it forwards for) and any of
 * prefixes[0..n): first the local TCP sockets whose peer is in a prefix (IPv4-mapped IPv6
 * peers count as IPv4), then every conntrack entry with an address of a prefix in its
 * original or reply direction. Each thing cut is counted into counts[i] of the most specific
 * prefix holding it (counts, n entries, zeroed first; may be NULL) and into total (may be
 * NULL). FALSE with an error when a half failed; the other half is done anyway, and the
 * counts hold what was cut. */
gboolean cut_prefixes(Cut *cut, const IpPrefix *prefixes, guint n, CutCounts *counts,
                      CutCounts *total, GError **error);
