// SPDX-License-Identifier: GPL-2.0-or-later
// The pure parts of `alertban replay`: timestamps without a year, an in-memory ban table, and
// the verdict lines. No I/O and no clock: the command passes the log's mtime and the alerts.
#include "replay.h"

#include <string.h>

#include "json.h"

gboolean
replay_alert_time_us(const Alert *alert, gint64 ref_us, gint64 *out_us)
{
    g_return_val_if_fail(alert != NULL && out_us != NULL, FALSE);
    GDateTime *ref = g_date_time_new_from_unix_local(ref_us / G_USEC_PER_SEC);
    if (!ref)
        return FALSE;
    int year = g_date_time_get_year(ref);
    g_date_time_unref(ref);
    /* A timestamp with its own year converts the same whatever year is passed, so it never
     * moves. One without goes in the reference's year unless that is too far ahead of it, or
     * does not exist (February 29 of a common year): then in the year before. */
    gint64 t, before;
    gboolean ok = alert_timestamp_to_unix_us(alert, year, &t);
    gboolean ok_before = year > 1970 && alert_timestamp_to_unix_us(alert, year - 1, &before);
    if (ok && (!ok_before || before == t || t <= ref_us + REPLAY_FUTURE_SLACK_US)) {
        *out_us = t;
        return TRUE;
    }
    if (ok_before) {
        *out_us = before;
        return TRUE;
    }
    return FALSE;
}

gboolean
replay_offender(const Config *cfg, const Alert *alert, IpAddr *out, gboolean *out_is_dst)
{
    g_return_val_if_fail(cfg != NULL && alert != NULL && out != NULL, FALSE);
    const ConfigRule *rule = config_find_rule(cfg, alert->gid, alert->sid);
    ConfigTrack track = rule ? rule->track : CONFIG_TRACK_DEFAULT;
    gboolean dst =
        track == CONFIG_TRACK_DST || (track == CONFIG_TRACK_DEFAULT && cfg->policy.swap_marker[0] &&
                                      strstr(alert->msg, cfg->policy.swap_marker) != NULL);
    const IpAddr *a = dst ? &alert->dst : &alert->src;
    if (out_is_dst)
        *out_is_dst = dst;
    if (a->family != AF_INET && a->family != AF_INET6) {
        memset(out, 0, sizeof *out);
        return FALSE;
    }
    *out = *a;
    return TRUE;
}

/* ---- in-memory ban table ---- */

typedef struct {
    IpAddr addr;       /* the key */
    gint64 expires_us; /* of the latest ban */
    guint bans;        /* bans so far: the next one's offenses */
} ReplayBan;

struct ReplayBans {
    GHashTable *by_addr; /* IpAddr * (inside the value) -> ReplayBan * */
};

ReplayBans *
replay_bans_new(void)
{
    ReplayBans *b = g_new0(ReplayBans, 1);
    b->by_addr = g_hash_table_new_full(ipaddr_hash_func, ipaddr_equal_func, NULL, g_free);
    return b;
}

void
replay_bans_free(ReplayBans *b)
{
    if (!b)
        return;
    g_hash_table_unref(b->by_addr);
    g_free(b);
}

void
replay_bans_lookup(const IpAddr *a, gint64 now_us, PolicyBanInfo *out, gpointer user_data)
{
    ReplayBans *b = user_data;
    g_return_if_fail(b != NULL && a != NULL && out != NULL);
    const ReplayBan *ban = g_hash_table_lookup(b->by_addr, a);
    if (!ban)
        return;
    out->offenses = ban->bans;
    if (now_us < ban->expires_us) {
        out->banned = TRUE;
        out->expires_us = ban->expires_us;
    }
}

void
replay_bans_apply(ReplayBans *b, const Verdict *v)
{
    g_return_if_fail(b != NULL && v != NULL);
    if (v->action != VERDICT_BAN && v->action != VERDICT_EXTEND)
        return;
    ReplayBan *ban = g_hash_table_lookup(b->by_addr, &v->offender);
    if (!ban) {
        ban = g_new0(ReplayBan, 1);
        ban->addr = v->offender;
        g_hash_table_insert(b->by_addr, &ban->addr, ban);
    }
    if (v->action == VERDICT_BAN) {
        ban->bans++;
        ban->expires_us = v->expires_us;
    } else if (v->expires_us > ban->expires_us) {
        ban->expires_us = v->expires_us;
    }
}

guint
replay_bans_addresses(const ReplayBans *b)
{
    g_return_val_if_fail(b != NULL, 0);
    return g_hash_table_size(b->by_addr);
}

/* ---- output ---- */

static void
append_time(GString *out, gint64 us)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC - (us % G_USEC_PER_SEC < 0));
    if (!dt) {
        g_string_append_c(out, '-');
        return;
    }
    g_autofree char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
    g_string_append(out, s);
    g_date_time_unref(dt);
}

static void
add_time(JsonWriter *w, const char *key, gint64 us)
{
    g_autoptr(GString) t = g_string_new(NULL);
    append_time(t, us);
    json_add_string_len(w, key, t->str, t->len);
}

static gboolean
has_matched(const Verdict *v)
{
    return (v->reason == POLICY_REASON_PROTECTED ||
            v->reason == POLICY_REASON_WHITELISTED_ADDRESS) &&
           v->matched.addr.family != 0;
}

void
replay_append_text(GString *out, const Alert *alert, gint64 time_us, const Verdict *v,
                   const IpAddr *offender, gboolean offender_is_dst)
{
    g_return_if_fail(out != NULL && alert != NULL && v != NULL);
    char buf[IPADDR_STRLEN];
    append_time(out, time_us);
    g_string_append_c(out, ' ');
    g_string_append(out, offender && offender->family ? ipaddr_format(offender, buf) : "-");
    g_string_append_printf(out, " %s reason=%s rule=%u:%u:%u", verdict_action_name(v->action),
                           policy_reason_name(v->reason), v->gid, v->sid, v->rev);
    if (v->threshold.count > 0)
        g_string_append_printf(out, " alerts=%u/%u window_s=%u", v->alerts, v->threshold.count,
                               v->threshold.window_s);
    if (v->action == VERDICT_BAN)
        g_string_append_printf(out, " offenses=%u", v->offenses);
    if (v->action != VERDICT_NONE)
        g_string_append_printf(out, " duration_s=%" G_GINT64_FORMAT,
                               v->duration_us / G_USEC_PER_SEC);
    if (v->expires_us != 0) {
        g_string_append(out, " expires=");
        append_time(out, v->expires_us);
    }
    if (has_matched(v))
        g_string_append_printf(out, " matched=%s", ipprefix_format(&v->matched, buf));
    if (offender && offender->family && offender_is_dst)
        g_string_append(out, " dst");
    g_string_append(out, " msg=");
    json_append_string(out, alert->msg, -1);
    g_string_append_c(out, '\n');
}

static void
add_uint_or_null(JsonWriter *w, const char *key, gboolean present, guint64 v)
{
    if (present)
        json_add_uint(w, key, v);
    else
        json_add_null(w, key);
}

void
replay_append_json(GString *out, const Alert *alert, gint64 time_us, const Verdict *v,
                   const IpAddr *offender, gboolean offender_is_dst)
{
    g_return_if_fail(out != NULL && alert != NULL && v != NULL);
    char buf[IPADDR_STRLEN];
    gboolean has_addr = offender && offender->family;
    gboolean counted = v->threshold.count > 0;
    JsonWriter w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    add_time(&w, "time", time_us);
    json_add_int(&w, "time_us", time_us);
    json_add_string(&w, "timestamp", alert->timestamp);
    json_add_string(&w, "address", has_addr ? ipaddr_format(offender, buf) : NULL);
    json_add_string(&w, "side", has_addr ? (offender_is_dst ? "dst" : "src") : NULL);
    json_add_string(&w, "action", verdict_action_name(v->action));
    json_add_string(&w, "reason", policy_reason_name(v->reason));
    json_add_uint(&w, "gid", v->gid);
    json_add_uint(&w, "sid", v->sid);
    json_add_uint(&w, "rev", v->rev);
    json_add_string(&w, "msg", alert->msg);
    add_uint_or_null(&w, "alerts", counted, v->alerts);
    add_uint_or_null(&w, "threshold_count", counted, v->threshold.count);
    add_uint_or_null(&w, "threshold_window_s", counted, v->threshold.window_s);
    add_uint_or_null(&w, "offenses", v->action == VERDICT_BAN, v->offenses);
    if (v->action != VERDICT_NONE)
        json_add_int(&w, "duration_s", v->duration_us / G_USEC_PER_SEC);
    else
        json_add_null(&w, "duration_s");
    if (v->expires_us != 0) {
        add_time(&w, "expires", v->expires_us);
        json_add_int(&w, "expires_us", v->expires_us);
    } else {
        json_add_null(&w, "expires");
        json_add_null(&w, "expires_us");
    }
    json_add_string(&w, "matched", has_matched(v) ? ipprefix_format(&v->matched, buf) : NULL);
    json_object_end(&w);
}
