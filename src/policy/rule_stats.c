// SPDX-License-Identifier: GPL-2.0-or-later
// Alerts and bans counted per rule (GID:SID) in bounded memory, so an operator (and a
// scrape) can tell which rules cause the bans. Pure: no I/O, no clock.
#include "rule_stats.h"

#include <string.h>

/* A kept rule. The key of the table is (gid << 32 | sid) stored in the entry itself, so an
 * entry is one allocation. msg is the rule's msg last seen (NULL until one is). */
typedef struct {
    guint64 key;
    RuleCount count;
    char *msg;
} RuleEntry;

/* The table keeps the first max_rules distinct rules seen and never drops one: a rule's
 * counts (and a metric label made of them) then only grow, and a flood of new SIDs costs one
 * lookup each and lands in the overflow sums instead of memory. */
struct RuleStats {
    GHashTable *rules; /* &RuleEntry.key -> RuleEntry (owned) */
    guint max_rules;
    guint64 overflow_alerts, overflow_bans;
    guint64 total_alerts, total_bans; /* kept and overflow: what a scrape's "other" needs */
};

static void
entry_free(gpointer p)
{
    RuleEntry *e = p;
    g_free(e->msg);
    g_free(e);
}

static guint64
rule_key(guint32 gid, guint32 sid)
{
    return ((guint64)gid << 32) | sid;
}

RuleStats *
rule_stats_new(guint max_rules)
{
    RuleStats *rs = g_new0(RuleStats, 1);
    rs->rules = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, entry_free);
    rs->max_rules = MAX(max_rules, 1u);
    return rs;
}

void
rule_stats_free(RuleStats *rs)
{
    if (rs == NULL)
        return;
    g_hash_table_destroy(rs->rules);
    g_free(rs);
}

/* The entry of gid:sid, made when the table has room; NULL when it is full. */
static RuleEntry *
rule_get(RuleStats *rs, guint32 gid, guint32 sid)
{
    guint64 key = rule_key(gid, sid);
    RuleEntry *e = g_hash_table_lookup(rs->rules, &key);
    if (e != NULL || g_hash_table_size(rs->rules) >= rs->max_rules)
        return e;
    e = g_new0(RuleEntry, 1);
    e->key = key;
    e->count.gid = gid;
    e->count.sid = sid;
    g_hash_table_insert(rs->rules, &e->key, e);
    return e;
}

static const RuleEntry *
rule_find(const RuleStats *rs, guint32 gid, guint32 sid)
{
    guint64 key = rule_key(gid, sid);
    return g_hash_table_lookup(rs->rules, &key);
}

void
rule_stats_count_alert_msg(RuleStats *rs, guint32 gid, guint32 sid, const char *msg)
{
    g_return_if_fail(rs != NULL);
    rs->total_alerts++;
    RuleEntry *e = rule_get(rs, gid, sid);
    if (e == NULL) {
        rs->overflow_alerts++;
        return;
    }
    e->count.alerts++;
    /* A rule's msg rarely changes (a rule update): compare before copying. */
    if (msg != NULL && (e->msg == NULL || strcmp(e->msg, msg) != 0)) {
        g_free(e->msg);
        e->msg = g_strdup(msg);
    }
}

void
rule_stats_count_alert(RuleStats *rs, guint32 gid, guint32 sid)
{
    rule_stats_count_alert_msg(rs, gid, sid, NULL);
}

void
rule_stats_count_ban(RuleStats *rs, guint32 gid, guint32 sid)
{
    g_return_if_fail(rs != NULL);
    rs->total_bans++;
    RuleEntry *e = rule_get(rs, gid, sid);
    if (e == NULL)
        rs->overflow_bans++;
    else
        e->count.bans++;
}

const char *
rule_stats_msg(const RuleStats *rs, guint32 gid, guint32 sid)
{
    g_return_val_if_fail(rs != NULL, NULL);
    const RuleEntry *e = rule_find(rs, gid, sid);
    return e != NULL ? e->msg : NULL;
}

gboolean
rule_stats_lookup(const RuleStats *rs, guint32 gid, guint32 sid, RuleCount *out)
{
    g_return_val_if_fail(rs != NULL && out != NULL, FALSE);
    const RuleEntry *e = rule_find(rs, gid, sid);
    if (e == NULL) {
        memset(out, 0, sizeof(*out));
        return FALSE;
    }
    *out = e->count;
    return TRUE;
}

guint
rule_stats_size(const RuleStats *rs)
{
    g_return_val_if_fail(rs != NULL, 0);
    return g_hash_table_size(rs->rules);
}

void
rule_stats_overflow(const RuleStats *rs, guint64 *alerts, guint64 *bans)
{
    g_return_if_fail(rs != NULL);
    if (alerts != NULL)
        *alerts = rs->overflow_alerts;
    if (bans != NULL)
        *bans = rs->overflow_bans;
}

static int
cmp_u64_desc(guint64 a, guint64 b)
{
    return a > b ? -1 : a < b ? 1 : 0;
}

static int
cmp_u32_asc(guint32 a, guint32 b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* Largest first by the first count, then by the second, then GID and SID ascending. */
static int
cmp_counts(const RuleCount *a, const RuleCount *b, gboolean by_bans)
{
    int c = by_bans ? cmp_u64_desc(a->bans, b->bans) : cmp_u64_desc(a->alerts, b->alerts);
    if (c == 0)
        c = by_bans ? cmp_u64_desc(a->alerts, b->alerts) : cmp_u64_desc(a->bans, b->bans);
    if (c == 0)
        c = cmp_u32_asc(a->gid, b->gid);
    return c != 0 ? c : cmp_u32_asc(a->sid, b->sid);
}

static gint
cmp_by_alerts(gconstpointer a, gconstpointer b)
{
    return cmp_counts(a, b, FALSE);
}

static gint
cmp_by_bans(gconstpointer a, gconstpointer b)
{
    return cmp_counts(a, b, TRUE);
}

void
rule_stats_totals(const RuleStats *rs, RuleCount *total)
{
    g_return_if_fail(rs != NULL && total != NULL);
    memset(total, 0, sizeof(*total));
    total->alerts = rs->total_alerts;
    total->bans = rs->total_bans;
}

/* Puts c into top (sorted by cmp, at most n long) when it is among the n best seen so far. */
static void
keep_best(GArray *top, guint n, const RuleCount *c, GCompareFunc cmp)
{
    if (top->len == n) {
        if (cmp(c, &g_array_index(top, RuleCount, n - 1)) >= 0)
            return;
        g_array_set_size(top, n - 1);
    }
    guint lo = 0, hi = top->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (cmp(&g_array_index(top, RuleCount, mid), c) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    g_array_insert_val(top, lo, *c);
}

GArray *
rule_stats_top(const RuleStats *rs, gboolean by_bans, guint n, RuleCount *other)
{
    g_return_val_if_fail(rs != NULL, NULL);
    GCompareFunc cmp = by_bans ? cmp_by_bans : cmp_by_alerts;
    guint size = g_hash_table_size(rs->rules);
    guint keep = MIN(n, size);
    GArray *top = g_array_sized_new(FALSE, FALSE, sizeof(RuleCount), keep);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, rs->rules);
    /* A scrape asks for a few rules out of thousands: keeping the best few as they come costs
     * a compare per rule, where sorting them all costs log(size) each. */
    while (keep > 0 && g_hash_table_iter_next(&it, NULL, &value)) {
        const RuleCount *c = &((const RuleEntry *)value)->count;
        if (keep == size)
            g_array_append_val(top, *c);
        else
            keep_best(top, keep, c, cmp);
    }
    if (keep == size)
        g_array_sort(top, cmp);

    if (other != NULL) {
        rule_stats_totals(rs, other);
        for (guint i = 0; i < top->len; i++) {
            other->alerts -= g_array_index(top, RuleCount, i).alerts;
            other->bans -= g_array_index(top, RuleCount, i).bans;
        }
    }
    return top;
}
