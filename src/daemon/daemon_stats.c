// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's answer to `alertban stats`: per rule, the alerts and bans counted, the bans in
// force now, and how the configuration handles the rule (swap, track, ignore, threshold).
#include "daemon_private.h"

#include <string.h>

/* Bans in force per rule, made in one pass over the table: gid:sid -> count. Bans without a
 * rule (manual ones: 0:0) are counted apart. */
typedef struct {
    GHashTable *by_rule; /* guint64* (gid << 32 | sid) -> guint64* count, both in one block */
    guint64 total, no_rule;
} BannedNow;

typedef struct {
    guint64 key;
    guint64 count;
} BannedCount;

static guint64
rule_key(guint32 gid, guint32 sid)
{
    return ((guint64)gid << 32) | sid;
}

static void
count_ban(const BanCore *core, gpointer user_data)
{
    BannedNow *bn = user_data;
    bn->total++;
    if (core->gid == 0 && core->sid == 0) {
        bn->no_rule++;
        return;
    }
    guint64 key = rule_key(core->gid, core->sid);
    BannedCount *c = g_hash_table_lookup(bn->by_rule, &key);
    if (c == NULL) {
        c = g_new0(BannedCount, 1);
        c->key = key;
        g_hash_table_insert(bn->by_rule, &c->key, c);
    }
    c->count++;
}

static guint64
banned_now_of(const BannedNow *bn, guint32 gid, guint32 sid)
{
    guint64 key = rule_key(gid, sid);
    const BannedCount *c = g_hash_table_lookup(bn->by_rule, &key);
    return c != NULL ? c->count : 0;
}

/* Whether a whitelist `rule` entry (in the file or a whitelist file) names gid:sid. */
static gboolean
rule_whitelisted(const Config *cfg, guint32 gid, guint32 sid)
{
    const GArray *lists[] = {cfg->whitelist.rules, cfg->whitelist.file_rules};
    for (guint l = 0; l < G_N_ELEMENTS(lists); l++) {
        for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++) {
            if (rule_pattern_matches(&g_array_index(lists[l], RulePattern, i), gid, sid))
                return TRUE;
        }
    }
    return FALSE;
}

/* One RULE object (see ctl_proto.h): the counts, then the handling in effect under the
 * current configuration, with the msg last seen deciding the swap as policy_offender() does. */
static void
add_rule(Daemon *d, JsonWriter *w, const RuleCount *rc, guint64 banned_now)
{
    const Config *cfg = d->cfg;
    char text[48];
    json_object_begin(w, NULL);
    g_snprintf(text, sizeof text, "%u:%u", rc->gid, rc->sid);
    json_add_string(w, "rule", text);
    json_add_uint(w, "alerts", rc->alerts);
    json_add_uint(w, "bans", rc->bans);
    json_add_uint(w, "banned_now", banned_now);
    const char *msg = rule_stats_msg(d->rule_stats, rc->gid, rc->sid);
    if (msg != NULL)
        json_add_string(w, "msg", msg);

    const ConfigRule *rule = config_find_rule(cfg, rc->gid, rc->sid);
    ConfigTrack track = rule != NULL ? rule->track : CONFIG_TRACK_DEFAULT;
    gboolean swap = track == CONFIG_TRACK_DEFAULT && cfg->policy.swap_marker[0] != '\0' &&
                    msg != NULL && strstr(msg, cfg->policy.swap_marker) != NULL;
    json_add_string(w, "track", track == CONFIG_TRACK_DST || swap ? "dst" : "src");
    json_add_bool(w, "swap", swap);
    if (rule != NULL) {
        json_add_string(w, "section", rule_pattern_format(&rule->pattern, text, sizeof text));
        if (track != CONFIG_TRACK_DEFAULT)
            json_add_string(w, "track_set", track == CONFIG_TRACK_DST ? "dst" : "src");
        if (rule->has_threshold) {
            g_snprintf(text, sizeof text, "%u/%us", rule->threshold.count,
                       rule->threshold.window_s);
            json_add_string(w, "threshold", text);
        }
        if (rule->has_ban_time)
            json_add_uint(w, "ban_time_s", rule->ban_time_s);
    }
    json_add_bool(w, "ignore", rule != NULL && rule->ignore);
    json_add_bool(w, "whitelisted", rule_whitelisted(cfg, rc->gid, rc->sid));
    json_object_end(w);
}

static void
add_sum(JsonWriter *w, const char *key, guint64 alerts, guint64 bans, guint64 banned_now)
{
    json_object_begin(w, key);
    json_add_uint(w, "alerts", alerts);
    json_add_uint(w, "bans", bans);
    json_add_uint(w, "banned_now", banned_now);
    json_object_end(w);
}

gboolean
daemon_ctl_stats(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer user_data,
                 GError **error)
{
    (void)peer;
    (void)error;
    Daemon *d = user_data;
    BannedNow bn = {.by_rule = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free)};
    bans_foreach_core(d->bans, count_ban, &bn);

    /* The sums are kept running; only the rules shown are picked (no sort of every rule). */
    RuleCount total;
    rule_stats_totals(d->rule_stats, &total);
    guint limit = req->limit != 0 ? req->limit : CTL_STATS_LIMIT_DEFAULT;
    g_autoptr(GArray) top =
        req->has_rule ? NULL : rule_stats_top(d->rule_stats, req->by_bans, limit, NULL);
    if (d->cfg->daemon.dry_run)
        json_add_bool(w, "dry_run", TRUE);
    json_add_int(w, "now", g_get_real_time() / G_USEC_PER_SEC);
    json_add_string(w, "by", req->by_bans ? "bans" : "alerts");
    json_add_uint(w, "rules_kept", rule_stats_size(d->rule_stats));
    json_add_uint(w, "rules_max", DAEMON_RULE_STATS_MAX);
    RuleCount other = total;
    guint64 other_banned = bn.total - bn.no_rule;
    json_array_begin(w, "rules");
    if (req->has_rule) {
        /* The rule asked for, counted or not: its handling is worth seeing either way. */
        RuleCount rc;
        rule_stats_lookup(d->rule_stats, req->rule_gid, req->rule_sid, &rc);
        rc.gid = req->rule_gid;
        rc.sid = req->rule_sid;
        guint64 banned = banned_now_of(&bn, rc.gid, rc.sid);
        add_rule(d, w, &rc, banned);
        other.alerts -= rc.alerts;
        other.bans -= rc.bans;
        other_banned -= banned;
    } else {
        for (guint i = 0; i < top->len; i++) {
            const RuleCount *rc = &g_array_index(top, RuleCount, i);
            guint64 banned = banned_now_of(&bn, rc->gid, rc->sid);
            add_rule(d, w, rc, banned);
            other.alerts -= rc->alerts;
            other.bans -= rc->bans;
            other_banned -= banned;
        }
    }
    json_array_end(w);
    add_sum(w, "other", other.alerts, other.bans, other_banned);
    add_sum(w, "total", total.alerts, total.bans, bn.total);
    json_add_uint(w, "banned_now_without_rule", bn.no_rule);
    g_hash_table_destroy(bn.by_rule);
    return TRUE;
}
