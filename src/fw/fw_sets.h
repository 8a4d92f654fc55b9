// SPDX-License-Identifier: GPL-2.0-or-later
// The pure half of the set backends (nftables, ipset): comparing the bans wanted with the set
// members the kernel holds, and keeping networks in an interval set from overlapping.
#pragma once

#include <glib.h>

#include "fw.h"

/* One set member: a prefix and its remaining time in seconds (0: no timeout). */
typedef struct {
    IpPrefix prefix;
    guint32 timeout_s;
} FwSetEntry;

/* Orders by family, address, then length (qsort/g_array_sort comparator on FwSetEntry). */
int fw_set_entry_compare(const void *a, const void *b);

/* Sorts entries and merges repeated prefixes into one: a permanent copy wins, else the longest
 * remaining time. */
void fw_sets_normalize(GArray *entries);

/* The wanted members of a reconcile as an array of FwSetEntry: from prefixes (no timeout),
 * or from changes with their remaining times (the kind is ignored). */
GArray *fw_sets_entries_from_prefixes(const IpPrefix *prefixes, gsize n);
GArray *fw_sets_entries_from_changes(const FwChange *changes, gsize n);

/* Appends to changes (FwChange) what makes installed equal to desired; both are normalized
 * first (in place). Missing entries are added with their desired time, strays removed. With
 * timed, an installed entry whose remaining time differs from the desired one by more than
 * slack_s (or which is permanent where the ban is not, or the reverse) is added again with
 * the desired time, which refreshes its timeout. Counts go to stats (added, removed,
 * updated) when it is not NULL. */
void fw_sets_diff(GArray *installed, GArray *desired, gboolean timed, guint32 slack_s,
                  GArray *changes, FwReconcileStats *stats);

/* TRUE for a prefix shorter than a host (it goes to the interval set). */
gboolean fw_sets_is_network(const IpPrefix *p);

/* Interval sets refuse overlapping members, so networks of one family are planned against
 * the ones installed (present, IpPrefix, updated in place): removing one not present is
 * dropped; adding one inside a present network is dropped (it is already covered); adding one
 * that covers present networks takes those out (a removal when the kernel holds them, else
 * their planned addition goes); adding a present one is kept (it refreshes the timeout).
 * Host prefixes pass through unchanged. The result goes to out (FwChange); the kernel may
 * apply its removals before its additions. */
void fw_sets_plan_networks(GArray *present, const FwChange *changes, gsize n, GArray *out);

/* Appends to out (FwChange) the last change of each prefix in changes, in their order. */
void fw_sets_collapse(const FwChange *changes, gsize n, GArray *out);

/* Removes from entries (FwSetEntry) every network that another network in it covers, so
 * the rest can go into an interval set. Returns how many were removed. */
guint fw_sets_drop_covered(GArray *entries);

/* The prefix that the address range [start, end) is (family AF_INET or AF_INET6, addresses
 * in network byte order; end NULL: up to the top of the address space), or FALSE when the
 * range is not a prefix. */
gboolean fw_sets_range_to_prefix(int family, const guint8 *start, const guint8 *end, IpPrefix *out);

/* The first address past p into end (4 or 16 bytes); FALSE when p reaches the top of the
 * address space (there is none). */
gboolean fw_sets_prefix_end(const IpPrefix *p, guint8 end[16]);
