// SPDX-License-Identifier: GPL-2.0-or-later
// The reply objects the daemon's list and show handlers send (BAN, EVENT; see ctl_proto.h),
// built from the ban table's and the store's records, so the CLI can build the same replies
// from the store when the daemon is not running.
#include "ctl_reply.h"

#include <string.h>

static gint64
to_unix_s(gint64 us)
{
    return us / G_USEC_PER_SEC;
}

void
ctl_reply_add_ban(JsonWriter *w, const char *key, const Ban *ban)
{
    char addr[IPADDR_STRLEN], rule[40];
    ipprefix_format(&ban->prefix, addr);
    g_snprintf(rule, sizeof rule, "%u:%u:%u", ban->gid, ban->sid, ban->rev);
    gboolean permanent = ban->expires_us == BAN_EXPIRES_NEVER;
    json_object_begin(w, key);
    json_add_string(w, "addr", addr);
    json_add_int(w, "created", to_unix_s(ban->created_us));
    if (permanent)
        json_add_null(w, "expires");
    else
        json_add_int(w, "expires", to_unix_s(ban->expires_us));
    json_add_bool(w, "permanent", permanent);
    json_add_string(w, "source", ban_source_name(ban->source));
    json_add_int(w, "violations", ban->violations);
    json_add_int(w, "prior_bans", ban->prior_bans);
    json_add_int(w, "first_seen", to_unix_s(ban->first_seen_us));
    json_add_int(w, "last_seen", to_unix_s(ban->last_seen_us));
    json_add_string(w, "rule", rule);
    json_add_string(w, "msg", ban->msg);
    json_add_string(w, "reason", ban->reason);
    if (ban->origin[0])
        json_add_string(w, "origin", ban->origin);
    json_object_end(w);
}

static void
add_port(JsonWriter *w, const char *key, gint32 port)
{
    if (port < 0)
        json_add_null(w, key);
    else
        json_add_int(w, key, port);
}

static void
add_addr(JsonWriter *w, const char *key, const IpAddr *a)
{
    char buf[IPADDR_STRLEN];
    if (a->family == 0)
        json_add_null(w, key);
    else
        json_add_string(w, key, ipaddr_format(a, buf));
}

/* Writes one EVENT object for a tracker row. */
static void
add_event(JsonWriter *w, const char *key, const StoreViolation *v)
{
    char rule[40];
    g_snprintf(rule, sizeof rule, "%u:%u:%u", v->gid, v->sid, v->rev);
    /* The tracker keys rows by offender; the event shows the alert's own direction. */
    const IpAddr *src = v->swapped ? &v->peer : &v->addr;
    const IpAddr *dst = v->swapped ? &v->addr : &v->peer;
    json_object_begin(w, key);
    json_add_int(w, "time", to_unix_s(v->time_us));
    json_add_string(w, "rule", rule);
    json_add_string(w, "msg", v->msg);
    if (v->priority < 0)
        json_add_null(w, "priority");
    else
        json_add_int(w, "priority", v->priority);
    json_add_string(w, "proto", v->proto);
    add_addr(w, "src", src);
    add_port(w, "sport", v->src_port);
    add_addr(w, "dst", dst);
    add_port(w, "dport", v->dst_port);
    json_add_bool(w, "swapped", v->swapped);
    json_add_string(w, "verdict", v->verdict);
    /* More than 1 when further alerts of the address were folded into this row. */
    json_add_int(w, "alerts", MAX(v->repeats, 1));
    json_object_end(w);
}

static int
compare_i64(gint64 a, gint64 b)
{
    return (a > b) - (a < b);
}

gint
ctl_reply_list_compare(const BanCore *a, const BanCore *b, CtlSort sort)
{
    int c = 0;
    switch (sort) {
    case CTL_SORT_EXPIRES:
        c = compare_i64(a->expires_us, b->expires_us); /* BAN_EXPIRES_NEVER sorts last */
        break;
    case CTL_SORT_VIOLATIONS:
        c = compare_i64(b->violations, a->violations); /* most first */
        break;
    case CTL_SORT_CREATED:
        c = compare_i64(b->created_us, a->created_us); /* newest first */
        break;
    case CTL_SORT_ADDR:
        break;
    }
    if (c != 0)
        return c;
    c = ipaddr_compare(&a->prefix.addr, &b->prefix.addr);
    return c != 0 ? c : (int)a->prefix.len - (int)b->prefix.len;
}

/* The sort key a cursor carries for ban. */
static gint64
sort_key(const BanCore *ban, CtlSort sort)
{
    switch (sort) {
    case CTL_SORT_EXPIRES:
        return ban->expires_us;
    case CTL_SORT_VIOLATIONS:
        return ban->violations;
    case CTL_SORT_CREATED:
        return ban->created_us;
    case CTL_SORT_ADDR:
        break;
    }
    return 0;
}

/* A list filter matches the bans inside it (and a host filter the bans covering it). */
static gboolean
filter_matches(const CtlRequest *req, const BanCore *ban)
{
    if (!req->has_addr)
        return TRUE;
    if (ban->prefix.addr.family != req->addr.addr.family)
        return FALSE;
    if (ban->prefix.len >= req->addr.len)
        return ipprefix_contains(&req->addr, &ban->prefix.addr);
    return ipprefix_contains(&ban->prefix, &req->addr.addr);
}

gboolean
ctl_reply_list_wants(const CtlRequest *req, const BanCore *ban)
{
    if (!filter_matches(req, ban))
        return FALSE;
    if (!req->after.set)
        return TRUE;
    /* The cursor as a ban: its key in the sort's field, its prefix. */
    BanCore at = {.prefix = req->after.prefix};
    switch (req->sort) {
    case CTL_SORT_EXPIRES:
        at.expires_us = req->after.key;
        break;
    case CTL_SORT_VIOLATIONS:
        at.violations = (guint32)CLAMP(req->after.key, 0, G_MAXUINT32);
        break;
    case CTL_SORT_CREATED:
        at.created_us = req->after.key;
        break;
    case CTL_SORT_ADDR:
        break;
    }
    return ctl_reply_list_compare(ban, &at, req->sort) > 0;
}

guint
ctl_reply_list_page_max(const CtlRequest *req)
{
    return req->limit > 0 && req->limit < CTL_LIST_PAGE_MAX ? req->limit : CTL_LIST_PAGE_MAX;
}

void
ctl_reply_list(JsonWriter *w, const CtlRequest *req, const GArray *page, gboolean more,
               gint64 now_us)
{
    json_add_int(w, "now", to_unix_s(now_us));
    json_array_begin(w, "bans");
    gsize start = w->out->len;
    guint max = MIN(page->len, ctl_reply_list_page_max(req));
    guint n = 0;
    while (n < max && w->out->len - start < CTL_LIST_PAGE_BYTES)
        ctl_reply_add_ban(w, NULL, &g_array_index(page, Ban, n++));
    json_array_end(w);
    if (n > 0 && (more || n < page->len)) {
        const Ban *last = &g_array_index(page, Ban, n - 1);
        CtlListCursor next = {
            .set = TRUE, .key = sort_key(&last->core, req->sort), .prefix = last->prefix};
        char buf[CTL_CURSOR_STRLEN];
        json_add_string(w, "next", ctl_list_cursor_format(req->sort, &next, buf));
    }
}

void
ctl_reply_show(JsonWriter *w, const IpAddr *addr, const Ban *ban, GArray *history, gint64 now_us)
{
    char buf[IPADDR_STRLEN];
    json_add_int(w, "now", to_unix_s(now_us));
    json_add_string(w, "addr", ipaddr_format(addr, buf));
    if (ban)
        ctl_reply_add_ban(w, "ban", ban);
    else
        json_add_null(w, "ban");
    gint64 alerts = 0;
    json_array_begin(w, "history");
    for (guint i = 0; history && i < history->len; i++) {
        const StoreViolation *v = &g_array_index(history, StoreViolation, i);
        add_event(w, NULL, v);
        alerts += MAX(v->repeats, 1);
    }
    json_array_end(w);
    /* The alerts those history entries stand for. */
    json_add_int(w, "alerts", alerts);
}
