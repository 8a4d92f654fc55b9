// SPDX-License-Identifier: GPL-2.0-or-later
// Offline replay of the policy: a Policy plus an in-memory ban table that applies its verdicts,
// so `alertban replay` (and tests) see exactly what the daemon would decide. Pure.
#pragma once

#include <glib.h>

#include "alert.h"
#include "config.h"
#include "ownaddr.h"
#include "policy.h"

typedef struct PolicyReplay PolicyReplay;

/* A replay of cfg (borrowed; must outlive the replay); own may be NULL (no own addresses).
 * seed fixes the random extensions, so a replay is repeatable. */
PolicyReplay *policy_replay_new(const Config *cfg, const OwnAddr *own, guint32 seed);

/* Decides alert at now_us (the alert's own time, real time in microseconds) and applies a BAN
 * or EXTEND verdict to the replay's ban table; bans expire on their own as now_us advances. */
VerdictAction policy_replay_feed(PolicyReplay *r, const Alert *alert, gint64 now_us, Verdict *out);

/* Puts a ban in the table by hand (a manual ban, or state carried over): expires_us 0 is
 * permanent; offenses is the earlier-ban count used for escalation. */
void policy_replay_add_ban(PolicyReplay *r, const IpAddr *a, gint64 expires_us, gboolean manual,
                           guint offenses);

/* What the table holds for a at now_us (the same answer the policy gets). */
void policy_replay_lookup(PolicyReplay *r, const IpAddr *a, gint64 now_us, PolicyBanInfo *out);

/* The policy inside (for its stats, or policy_check_address). */
Policy *policy_replay_policy(PolicyReplay *r);

/* One verdict as one line of JSON (no newline): {"time":..., "action":"ban", "reason":
 * "threshold", "address":..., "rule":"1:2000:3", "msg":..., ...}. The caller frees it. */
char *policy_verdict_format_json(const Verdict *v, const Alert *alert, gint64 now_us);

/* One verdict as one human-readable line (no newline). The caller frees it. */
char *policy_verdict_format_text(const Verdict *v, const Alert *alert, gint64 now_us);

void policy_replay_free(PolicyReplay *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PolicyReplay, policy_replay_free)
