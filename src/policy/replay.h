// SPDX-License-Identifier: GPL-2.0-or-later
// The pure parts of `alertban replay`: an alert's time when its timestamp has no year, a ban
// table that lives only in memory, and the verdict lines it prints.
#pragma once

#include <glib.h>

#include "alert.h"
#include "config.h"
#include "policy.h"

/* How far past the reference time (the log's mtime) a timestamp without a year may fall before
 * it is taken to be from the year before: a day, for clock skew and time zone changes. */
#define REPLAY_FUTURE_SLACK_US (G_USEC_PER_SEC * (gint64)86400)

/* The alert's time as Unix microseconds. A timestamp that carries its year is converted as is.
 * One without (Snort's MM/DD-hh:mm:ss) is put in the local-time year of ref_us, and in the year
 * before when that lands more than REPLAY_FUTURE_SLACK_US after ref_us (a log written in
 * December and rotated in January). FALSE when the timestamp is missing or invalid. */
gboolean replay_alert_time_us(const Alert *alert, gint64 ref_us, gint64 *out_us);

/* The ban table of a replay, in memory only: what the daemon's table would hold if every
 * verdict were applied, so the policy sees earlier bans (escalation, extension, a network an
 * operator banned) as it would live, and a full table refuses new bans as the daemon's does. */
typedef struct ReplayBans ReplayBans;

/* An empty table refusing new bans once max_bans are in force (0: no ceiling). */
ReplayBans *replay_bans_new(guint max_bans);
void replay_bans_free(ReplayBans *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ReplayBans, replay_bans_free)

/* An operator's ban on prefix, in force from the start of the replay until expires_us (0:
 * permanent). The policy never extends it and counts violations of addresses inside it into
 * it, as the daemon does. It counts toward max_bans. */
void replay_bans_add_manual(ReplayBans *b, const IpPrefix *prefix, gint64 expires_us);

/* A PolicyBanLookupFunc (user_data: the ReplayBans): banned while now_us is before the expiry
 * of the most specific ban covering the address; offenses is the number of policy bans it has
 * had. */
void replay_bans_lookup(const IpAddr *a, gint64 now_us, PolicyBanInfo *out, gpointer user_data);

/* A PolicyBanFunc (user_data: the ReplayBans) for policy_apply_verdict(): a new ban (one more
 * offense) unless max_bans are in force at order->now_us (FALSE), or a later expiry of the
 * ban in force on order->prefix (never an earlier one). */
gboolean replay_bans_apply(const PolicyBanOrder *order, gpointer user_data);

/* Distinct addresses banned at least once by the policy. */
guint replay_bans_addresses(const ReplayBans *b);

/* Appends one verdict as a text line (with its newline):
 *   TIME ADDR ACTION reason=R rule=G:S:R [alerts=N/C window_s=W] [offenses=O duration_s=D
 *   expires=TIME] [matched=NET] [dst] msg="M"
 * TIME is ISO 8601 UTC to the second, ADDR "-" when absent. offender/offender_is_dst are the
 * address shown (policy_offender() when the verdict has none). */
void replay_append_text(GString *out, const Alert *alert, gint64 time_us, const Verdict *v,
                        const IpAddr *offender, gboolean offender_is_dst);

/* Appends one verdict as a JSON object (no newline) with the keys, always all present, in this
 * order: time, time_us, timestamp, address, side ("src", "dst" or null), action, reason, gid,
 * sid, rev, msg, alerts, threshold_count, threshold_window_s, offenses, duration_s, expires,
 * expires_us, matched; absent values are null. */
void replay_append_json(GString *out, const Alert *alert, gint64 time_us, const Verdict *v,
                        const IpAddr *offender, gboolean offender_is_dst);
