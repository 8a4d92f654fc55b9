// SPDX-License-Identifier: GPL-2.0-or-later
// Entry points of the ban table that only the tests use: driving the table without a main loop
// (expiry, retries) and questions the daemon never asks.
#pragma once

#include "bans.h"

/* Whether prefix is banned exactly; out (may be NULL) is then filled with the ban. The table
 * keeps bans in a compact form and makes a Ban only on request. */
gboolean bans_lookup(Bans *bans, const IpPrefix *prefix, Ban *out);

/* Seconds until prefix's ban ends as the table enforces it (monotonic), G_MAXINT64 when
 * permanent, -1 when not banned. */
gint64 bans_remaining_s(Bans *bans, const IpPrefix *prefix);

/* Removes every ban whose time is up (at most expire_batch_max), logging one unban line each
 * and queueing the removals. Returns how many. The expiry timer calls this, then commits. */
guint bans_expire_due(Bans *bans);

/* The monotonic time the next ban ends; FALSE when no timed ban exists. */
gboolean bans_next_deadline(Bans *bans, gint64 *mono_us);

/* Retries what failed: a pending commit, then a reconcile if a firewall change failed. */
gboolean bans_retry(Bans *bans, GError **error);
