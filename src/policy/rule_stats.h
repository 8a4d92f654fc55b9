// SPDX-License-Identifier: GPL-2.0-or-later
// Alerts and bans counted per rule (GID:SID) in bounded memory, so an operator (and a
// scrape) can tell which rules cause the bans. Pure: no I/O, no clock.
#pragma once

#include <glib.h>

typedef struct RuleStats RuleStats;

/* One rule's counts (gid = sid = 0 for the "other" sum). */
typedef struct {
    guint32 gid, sid;
    guint64 alerts, bans;
} RuleCount;

/* Counts for at most max_rules distinct rules (at least 1); alerts and bans of rules first
 * seen once the table is full are summed into "other". A kept rule is never dropped, so every
 * count only grows. */
RuleStats *rule_stats_new(guint max_rules);
void rule_stats_free(RuleStats *rs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RuleStats, rule_stats_free)

/* One alert (one ban the policy made) of rule gid:sid. One hash lookup. */
void rule_stats_count_alert(RuleStats *rs, guint32 gid, guint32 sid);
void rule_stats_count_ban(RuleStats *rs, guint32 gid, guint32 sid);

/* As rule_stats_count_alert(), and remembers msg (copied, may be NULL) as the rule's msg
 * last seen when the rule is kept. */
void rule_stats_count_alert_msg(RuleStats *rs, guint32 gid, guint32 sid, const char *msg);

/* The msg last seen for gid:sid (borrowed until the next count), or NULL. */
const char *rule_stats_msg(const RuleStats *rs, guint32 gid, guint32 sid);

/* The counts of gid:sid in *out (zeroed when it is not kept); FALSE when it is not kept. */
gboolean rule_stats_lookup(const RuleStats *rs, guint32 gid, guint32 sid, RuleCount *out);

/* Up to n rules with the most alerts (by_bans FALSE) or the most bans, largest first (ties:
 * the other count, then GID, then SID ascending); everything else, kept or not, summed into
 * *other (may be NULL). A new GArray of RuleCount, owned by the caller. With n below the
 * number of rules kept, one pass keeps the n best as it goes: no sort of every rule. */
GArray *rule_stats_top(const RuleStats *rs, gboolean by_bans, guint n, RuleCount *other);

/* Alerts and bans of every rule, kept or not (gid = sid = 0): running sums, O(1). */
void rule_stats_totals(const RuleStats *rs, RuleCount *total);

/* Distinct rules kept; alerts and bans of rules that were not kept (the overflow). */
guint rule_stats_size(const RuleStats *rs);
void rule_stats_overflow(const RuleStats *rs, guint64 *alerts, guint64 *bans);
