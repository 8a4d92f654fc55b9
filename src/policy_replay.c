// SPDX-License-Identifier: GPL-2.0-or-later
// Offline replay of the policy: a Policy plus an in-memory ban table that applies its verdicts,
// so `alertban replay` (and tests) see exactly what the daemon would decide. Pure.
#include "policy_replay.h"

#include <string.h>

typedef struct {
    gint64 expires_us; /* 0: permanent */
    gboolean manual;
    gboolean active;
    guint offenses; /* earlier bans, expired ones included */
} ReplayBan;

struct PolicyReplay {
    Policy *policy;
    GHashTable *bans; /* IpAddr* -> ReplayBan* */
};

void
policy_replay_lookup(PolicyReplay *r, const IpAddr *a, gint64 now_us, PolicyBanInfo *out)
{
    memset(out, 0, sizeof *out);
    ReplayBan *b = g_hash_table_lookup(r->bans, a);
    if (!b)
        return;
    if (b->active && b->expires_us != 0 && b->expires_us <= now_us)
        b->active = FALSE; /* expired; the offense count stays */
    out->banned = b->active;
    out->manual = b->manual;
    out->expires_us = b->expires_us;
    out->offenses = b->offenses;
}

static void
lookup_cb(const IpAddr *a, gint64 now_us, PolicyBanInfo *out, gpointer user_data)
{
    policy_replay_lookup(user_data, a, now_us, out);
}

static ReplayBan *
ban_entry(PolicyReplay *r, const IpAddr *a)
{
    ReplayBan *b = g_hash_table_lookup(r->bans, a);
    if (!b) {
        b = g_new0(ReplayBan, 1);
        g_hash_table_insert(r->bans, g_memdup2(a, sizeof *a), b);
    }
    return b;
}

PolicyReplay *
policy_replay_new(const Config *cfg, const OwnAddr *own, guint32 seed)
{
    PolicyReplay *r = g_new0(PolicyReplay, 1);
    r->policy = policy_new(cfg, seed);
    policy_set_ownaddr(r->policy, own);
    policy_set_ban_lookup(r->policy, lookup_cb, r);
    r->bans = g_hash_table_new_full(ipaddr_hash_func, ipaddr_equal_func, g_free, g_free);
    return r;
}

VerdictAction
policy_replay_feed(PolicyReplay *r, const Alert *alert, gint64 now_us, Verdict *out)
{
    VerdictAction action = policy_record_alert(r->policy, alert, now_us, out);
    if (action == VERDICT_BAN) {
        ReplayBan *b = ban_entry(r, &out->offender);
        b->active = TRUE;
        b->manual = FALSE;
        b->expires_us = out->expires_us;
        b->offenses++;
    } else if (action == VERDICT_EXTEND) {
        ReplayBan *b = ban_entry(r, &out->offender);
        if (out->expires_us > b->expires_us)
            b->expires_us = out->expires_us;
    }
    return action;
}

void
policy_replay_add_ban(PolicyReplay *r, const IpAddr *a, gint64 expires_us, gboolean manual,
                      guint offenses)
{
    ReplayBan *b = ban_entry(r, a);
    b->active = TRUE;
    b->manual = manual;
    b->expires_us = expires_us;
    b->offenses = offenses;
}

Policy *
policy_replay_policy(PolicyReplay *r)
{
    return r->policy;
}

void
policy_replay_free(PolicyReplay *r)
{
    if (!r)
        return;
    policy_free(r->policy);
    g_hash_table_unref(r->bans);
    g_free(r);
}

/* ---- formatting ---- */

static void
json_string(GString *s, const char *text)
{
    g_string_append_c(s, '"');
    for (const guchar *p = (const guchar *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(s, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf(s, "\\u%04x", *p);
        else if (*p >= 0x80)
            g_string_append_printf(s, "\\u%04x", *p); /* bytes, not characters: stays ASCII */
        else
            g_string_append_c(s, (char)*p);
    }
    g_string_append_c(s, '"');
}

static char *
iso_time(gint64 us)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("");
}

char *
policy_verdict_format_json(const Verdict *v, const Alert *alert, gint64 now_us)
{
    GString *s = g_string_new("{\"time\":");
    char buf[IPADDR_STRLEN];
    g_autofree char *t = iso_time(now_us);
    json_string(s, t);
    g_string_append(s, ",\"action\":");
    json_string(s, verdict_action_name(v->action));
    g_string_append(s, ",\"reason\":");
    json_string(s, policy_reason_name(v->reason));
    g_string_append(s, ",\"address\":");
    if (v->offender.family)
        json_string(s, ipaddr_format(&v->offender, buf));
    else
        g_string_append(s, "null");
    g_string_append_printf(s, ",\"offender\":\"%s\"", v->offender_is_dst ? "dst" : "src");
    g_string_append_printf(s, ",\"rule\":\"%u:%u:%u\",\"msg\":", v->gid, v->sid, v->rev);
    json_string(s, alert->msg);
    g_string_append_printf(s, ",\"priority\":%d", alert->priority);
    if (v->threshold.count)
        g_string_append_printf(s, ",\"alerts\":%u,\"threshold\":\"%u/%us\"", v->alerts,
                               v->threshold.count, v->threshold.window_s);
    if (v->action != VERDICT_NONE) {
        g_autofree char *exp = iso_time(v->expires_us);
        g_string_append_printf(s, ",\"duration_s\":%" G_GINT64_FORMAT,
                               v->duration_us / G_USEC_PER_SEC);
        g_string_append(s, ",\"expires\":");
        json_string(s, exp);
    }
    if (v->action == VERDICT_BAN)
        g_string_append_printf(s, ",\"offenses\":%u", v->offenses);
    if (v->reason == POLICY_REASON_PROTECTED || v->reason == POLICY_REASON_WHITELISTED_ADDRESS) {
        g_string_append(s, ",\"matched\":");
        json_string(s, ipprefix_format(&v->matched, buf));
    }
    g_string_append_c(s, '}');
    return g_string_free(s, FALSE);
}

char *
policy_verdict_format_text(const Verdict *v, const Alert *alert, gint64 now_us)
{
    (void)alert;
    char buf[IPADDR_STRLEN];
    g_autofree char *t = iso_time(now_us);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%s %s addr=%s rule=%u:%u:%u reason=%s", t,
                           verdict_action_name(v->action),
                           v->offender.family ? ipaddr_format(&v->offender, buf) : "-", v->gid,
                           v->sid, v->rev, policy_reason_name(v->reason));
    if (v->threshold.count)
        g_string_append_printf(s, " alerts=%u/%u window_s=%u", v->alerts, v->threshold.count,
                               v->threshold.window_s);
    if (v->action != VERDICT_NONE)
        g_string_append_printf(s, " duration_s=%" G_GINT64_FORMAT, v->duration_us / G_USEC_PER_SEC);
    if (v->action == VERDICT_BAN)
        g_string_append_printf(s, " offenses=%u", v->offenses);
    if (v->reason == POLICY_REASON_PROTECTED || v->reason == POLICY_REASON_WHITELISTED_ADDRESS)
        g_string_append_printf(s, " matched=%s", ipprefix_format(&v->matched, buf));
    return g_string_free(s, FALSE);
}
