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

/* ---- in-memory ban table ----
 *
 * One entry per prefix ever banned, kept after its ban ends for the count of offenses. The
 * bans in force are counted (max_bans) with a min-heap of expiries: an extension pushes a new
 * item and leaves the old one, which is recognised as stale when it surfaces because the
 * entry's expiry no longer equals it. Operators' network bans are few and also kept in a list
 * that a lookup scans for the most specific one covering an address.
 */

typedef struct {
    IpPrefix prefix;   /* the key */
    gint64 expires_us; /* of the latest ban; G_MAXINT64 when permanent */
    guint bans;        /* policy bans so far: the next one's offenses */
    gboolean manual;   /* set by an operator */
    gboolean active;   /* in force, counted in n_active */
} ReplayBan;

typedef struct {
    gint64 expires_us;
    ReplayBan *ban;
} HeapItem;

struct ReplayBans {
    GHashTable *by_prefix; /* IpPrefix * (inside the value) -> ReplayBan * */
    GPtrArray *networks;   /* manual ReplayBan * wider than one address (owned by by_prefix) */
    GArray *heap;          /* HeapItem, soonest expiry at index 0 */
    guint max_bans, n_active, n_banned;
};

ReplayBans *
replay_bans_new(guint max_bans)
{
    ReplayBans *b = g_new0(ReplayBans, 1);
    b->by_prefix = g_hash_table_new_full(ipprefix_hash_func, ipprefix_equal_func, NULL, g_free);
    b->networks = g_ptr_array_new();
    b->heap = g_array_new(FALSE, FALSE, sizeof(HeapItem));
    b->max_bans = max_bans;
    return b;
}

void
replay_bans_free(ReplayBans *b)
{
    if (!b)
        return;
    g_array_unref(b->heap);
    g_ptr_array_unref(b->networks);
    g_hash_table_unref(b->by_prefix);
    g_free(b);
}

static void
heap_swap(HeapItem *h, guint i, guint j)
{
    HeapItem t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void
heap_push(ReplayBans *b, ReplayBan *ban)
{
    HeapItem item = {ban->expires_us, ban};
    g_array_append_val(b->heap, item);
    HeapItem *h = (HeapItem *)b->heap->data;
    for (guint i = b->heap->len - 1; i > 0 && h[(i - 1) / 2].expires_us > h[i].expires_us;
         i = (i - 1) / 2)
        heap_swap(h, i, (i - 1) / 2);
}

static HeapItem
heap_pop(ReplayBans *b)
{
    HeapItem *h = (HeapItem *)b->heap->data;
    HeapItem top = h[0];
    guint n = b->heap->len - 1;
    h[0] = h[n];
    g_array_set_size(b->heap, n);
    for (guint i = 0;;) {
        guint l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && h[l].expires_us < h[m].expires_us)
            m = l;
        if (r < n && h[r].expires_us < h[m].expires_us)
            m = r;
        if (m == i)
            break;
        heap_swap(h, i, m);
        i = m;
    }
    return top;
}

/* Ends the bans whose time is up at now_us, as the daemon's expiry timer would have. */
static void
expire(ReplayBans *b, gint64 now_us)
{
    while (b->heap->len > 0 && g_array_index(b->heap, HeapItem, 0).expires_us <= now_us) {
        HeapItem item = heap_pop(b);
        if (item.ban->active && item.ban->expires_us == item.expires_us) {
            item.ban->active = FALSE;
            b->n_active--;
        }
    }
}

static ReplayBan *
entry_for(ReplayBans *b, const IpPrefix *prefix)
{
    ReplayBan *ban = g_hash_table_lookup(b->by_prefix, prefix);
    if (!ban) {
        ban = g_new0(ReplayBan, 1);
        ban->prefix = *prefix;
        g_hash_table_insert(b->by_prefix, &ban->prefix, ban);
    }
    return ban;
}

/* Puts ban in force until expires_us (G_MAXINT64: permanent). */
static void
activate(ReplayBans *b, ReplayBan *ban, gint64 expires_us)
{
    if (!ban->active) {
        ban->active = TRUE;
        b->n_active++;
    }
    ban->expires_us = expires_us;
    if (expires_us != G_MAXINT64)
        heap_push(b, ban);
}

void
replay_bans_add_manual(ReplayBans *b, const IpPrefix *prefix, gint64 expires_us)
{
    g_return_if_fail(b != NULL && prefix != NULL);
    ReplayBan *ban = entry_for(b, prefix);
    gboolean host = prefix->len == (prefix->addr.family == AF_INET ? 32 : 128);
    if (!ban->manual && !host)
        g_ptr_array_add(b->networks, ban);
    ban->manual = TRUE;
    activate(b, ban, expires_us > 0 ? expires_us : G_MAXINT64);
}

void
replay_bans_lookup(const IpAddr *a, gint64 now_us, PolicyBanInfo *out, gpointer user_data)
{
    ReplayBans *b = user_data;
    g_return_if_fail(b != NULL && a != NULL && out != NULL);
    expire(b, now_us);
    IpPrefix host;
    ipprefix_from_addr(a, &host);
    const ReplayBan *ban = g_hash_table_lookup(b->by_prefix, &host);
    if (ban)
        out->offenses = ban->bans;
    if (!ban || !ban->active) {
        ban = NULL;
        for (guint i = 0; i < b->networks->len; i++) {
            const ReplayBan *n = b->networks->pdata[i];
            if (n->active && ipprefix_contains(&n->prefix, a) &&
                (!ban || n->prefix.len > ban->prefix.len))
                ban = n;
        }
    }
    if (!ban)
        return;
    out->banned = TRUE;
    out->manual = ban->manual;
    out->expires_us = ban->expires_us == G_MAXINT64 ? 0 : ban->expires_us;
    out->prefix = ban->prefix;
}

gboolean
replay_bans_apply(const PolicyBanOrder *order, gpointer user_data)
{
    ReplayBans *b = user_data;
    g_return_val_if_fail(b != NULL && order != NULL && order->duration_s > 0, FALSE);
    expire(b, order->now_us);
    gint64 expires = order->now_us + order->duration_s * G_USEC_PER_SEC;
    ReplayBan *ban = g_hash_table_lookup(b->by_prefix, &order->prefix);
    if (ban && ban->active) {
        if (expires > ban->expires_us)
            activate(b, ban, expires);
        return TRUE;
    }
    if (b->max_bans > 0 && b->n_active >= b->max_bans)
        return FALSE;
    ban = entry_for(b, &order->prefix);
    if (ban->bans++ == 0)
        b->n_banned++;
    activate(b, ban, expires);
    return TRUE;
}

guint
replay_bans_addresses(const ReplayBans *b)
{
    g_return_val_if_fail(b != NULL, 0);
    return b->n_banned;
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
