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

/* The address the offender choice of policy_record_alert() picks for alert under cfg (the
 * destination for the swap marker or track = dst), also for the verdicts the policy decides
 * before it gets there (rule ignored or whitelisted, priority filtered). FALSE when that
 * address is absent. */
gboolean replay_offender(const Config *cfg, const Alert *alert, IpAddr *out, gboolean *out_is_dst);

/* A ban table that lives in memory only: what the daemon's table would hold if every verdict
 * were applied, so the policy sees earlier bans (escalation, extension) as it would live. */
typedef struct ReplayBans ReplayBans;

ReplayBans *replay_bans_new(void);
void replay_bans_free(ReplayBans *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ReplayBans, replay_bans_free)

/* A PolicyBanLookupFunc (user_data: the ReplayBans): banned while now_us is before the
 * address's expiry; offenses is the number of bans it has had. */
void replay_bans_lookup(const IpAddr *a, gint64 now_us, PolicyBanInfo *out, gpointer user_data);

/* Applies a BAN (a new ban, one more offense) or EXTEND (a later expiry) verdict; ignores
 * others. */
void replay_bans_apply(ReplayBans *b, const Verdict *v);

/* Distinct addresses banned at least once. */
guint replay_bans_addresses(const ReplayBans *b);

/* Appends one verdict as a text line (with its newline):
 *   TIME ADDR ACTION reason=R rule=G:S:R [alerts=N/C window_s=W] [offenses=O duration_s=D
 *   expires=TIME] [matched=NET] [dst] msg="M"
 * TIME is ISO 8601 UTC to the second, ADDR "-" when absent. offender/offender_is_dst are the
 * address shown (replay_offender() when the verdict has none). */
void replay_append_text(GString *out, const Alert *alert, gint64 time_us, const Verdict *v,
                        const IpAddr *offender, gboolean offender_is_dst);

/* Appends one verdict as a JSON object (no newline) with the keys, always all present, in this
 * order: time, time_us, timestamp, address, side ("src", "dst" or null), action, reason, gid,
 * sid, rev, msg, alerts, threshold_count, threshold_window_s, offenses, duration_s, expires,
 * expires_us, matched; absent values are null. */
void replay_append_json(GString *out, const Alert *alert, gint64 time_us, const Verdict *v,
                        const IpAddr *offender, gboolean offender_is_dst);
