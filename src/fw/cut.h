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

/* A cut done a part at a time, so that a large one (10,000 connections take the kernel about
 * half a second) can share the caller's main loop: the same two halves as cut_prefixes(),
 * each dump read and each batch of requests sent one step at a time. */
typedef struct CutJob CutJob;

/* A cut of prefixes[0..n) (copied) through cut (borrowed: it must outlive the job), not
 * begun. */
CutJob *cut_job_new(Cut *cut, const IpPrefix *prefixes, guint n);
/* Does the job's next steps (each a read of a dump or a batch of about 1 ms of requests) until
 * deadline_us (g_get_monotonic_time()) has passed or the job is done; TRUE when done. At least
 * one step is done, whatever the deadline. */
gboolean cut_job_step(CutJob *job, gint64 deadline_us);
gboolean cut_job_done(const CutJob *job);
guint cut_job_size(const CutJob *job);
const IpPrefix *cut_job_prefixes(const CutJob *job);
/* What was cut so far: the counts of each prefix (cut_job_size() entries, borrowed) and, when
 * total is not NULL, their sum. */
const CutCounts *cut_job_counts(const CutJob *job, CutCounts *total);
/* FALSE with an error when a half failed (what it could do is counted all the same). */
gboolean cut_job_result(const CutJob *job, GError **error);
/* Frees the job, done or not (what was not sent is not cut). */
void cut_job_free(CutJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CutJob, cut_job_free)
