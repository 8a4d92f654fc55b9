// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's side of sharing: the Share built from [share], this node's decisions put in
// the outbox, and the peers' decisions applied through the checks a manual ban passes.
#include "daemon_private.h"

#include <string.h>

#include "error.h"
#include "json.h"
#include "log.h"

/* A peer's decision, well-formed (share_entry.c checked it); what this node makes of it. */
static gboolean
on_shared_entry(const ShareEntry *e, gboolean bulk, gpointer user_data)
{
    Daemon *d = user_data;
    char text[IPADDR_STRLEN];
    ipprefix_format(&e->prefix, text);
    if (e->op == SHARE_OP_UNBAN) {
        /* Lifted here too, whoever decided the ban; never published again (no echo). */
        if (!bans_remove(d->bans, &e->prefix, "shared"))
            return FALSE;
        g_message("share: unban addr=%s node=%s", text, e->node);
        return TRUE;
    }
    gint64 now_us = g_get_real_time();
    gint64 now_s = now_us / G_USEC_PER_SEC;
    switch (share_entry_check_time(e, now_s, (gint64)d->cfg->policy.max_ban_time_s)) {
    case SHARE_TIME_OK:
        break;
    case SHARE_TIME_EXPIRED:
        return FALSE; /* over already: nothing to enforce */
    case SHARE_TIME_PAST:
        d->share_implausible++;
        g_warning("share: ban addr=%s node=%s ended %" G_GINT64_FORMAT " s ago, more than the"
                  " %d s of clock skew tolerated: is that node's clock right? Not applied",
                  text, e->node, now_s - e->expires_s, SHARE_CLOCK_SKEW_S);
        return FALSE;
    case SHARE_TIME_FAR:
        d->share_implausible++;
        g_warning("share: ban addr=%s node=%s ends in %" G_GINT64_FORMAT " s, past max_ban_time"
                  " plus %d s of clock skew: is that node's clock right? Applied as sent",
                  text, e->node, e->expires_s - now_s, SHARE_CLOCK_SKEW_S);
        break;
    }
    IpAddr hit;
    IpPrefix matched = {0};
    PolicyReason r = daemon_check_prefix(d, &e->prefix, &hit, &matched);
    if (r != POLICY_REASON_N) {
        char hit_text[IPADDR_STRLEN];
        d->share_refused++;
        g_message("share: refused ban addr=%s node=%s: never banned here (%s: %s)", text,
                  e->node, policy_reason_name(r), ipaddr_format(&hit, hit_text));
        return FALSE;
    }
    /* The ban ends at the peer's absolute time, rounded up to this node's next second. */
    gint64 left_us = e->expires_s * G_USEC_PER_SEC - now_us;
    gint64 left_s = MAX(1, (left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
    BanRequest br = {
        .prefix = e->prefix,
        .source = BAN_SOURCE_SHARED,
        .permanent = e->expires_s == 0,
        .duration_s = e->expires_s == 0 ? 0 : left_s,
        .gid = e->gid,
        .sid = e->sid,
        .rev = e->rev,
        .msg = e->msg,
        .reason = e->reason[0] ? e->reason : "shared",
        .origin = e->node,
        .quiet = bulk,
    };
    if (bans_add(d->bans, &br, NULL) != BANS_REFUSED)
        return TRUE;
    d->share_refused++;
    return FALSE;
}

static void
on_shared_batch(gpointer user_data)
{
    daemon_request_turn(user_data);
}

gboolean
daemon_share_start(Daemon *d, GError **error)
{
    const Config *cfg = d->cfg;
    if (!cfg->share.redis || !cfg->share.redis[0])
        return TRUE;
    g_autofree char *node = share_node_default(cfg->share.node, error);
    if (!node)
        return FALSE;
    ShareOptions o;
    share_options_init(&o);
    o.redis = cfg->share.redis;
    o.user = cfg->share.user;
    o.password_file = cfg->share.password_file;
    o.node = node;
    o.prefix = cfg->share.prefix;
    o.publish = cfg->share.publish;
    o.receive = cfg->share.receive;
    o.stream_max_len = cfg->share.stream_max_len;
    if (cfg->daemon.dry_run && o.publish) {
        /* A dry run's bans must never be enforced, here or anywhere. */
        g_message("share: dry_run: this node's decisions are not published");
        o.publish = FALSE;
    }
    d->share = share_new(&o, d->store, d->ctx, on_shared_entry, on_shared_batch, d, error);
    return d->share != NULL;
}

void
daemon_share_publish_ban(Daemon *d, const Ban *ban)
{
    if (!d->share)
        return;
    ShareEntry e = {
        .op = SHARE_OP_BAN,
        .prefix = ban->prefix,
        /* Rounded up: a peer never ends it before this node does. */
        .expires_s = ban->expires_us == BAN_EXPIRES_NEVER
                         ? 0
                         : (ban->expires_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC,
        .gid = ban->gid,
        .sid = ban->sid,
        .rev = ban->rev,
    };
    g_strlcpy(e.msg, ban->msg, sizeof e.msg);
    g_strlcpy(e.reason, ban->reason, sizeof e.reason);
    share_publish(d->share, &e, g_get_real_time());
}

void
daemon_share_publish_unban(Daemon *d, const IpPrefix *prefix)
{
    if (!d->share)
        return;
    ShareEntry e = {.op = SHARE_OP_UNBAN, .prefix = *prefix};
    g_strlcpy(e.reason, "manual", sizeof e.reason);
    share_publish(d->share, &e, g_get_real_time());
}

void
daemon_share_status(Daemon *d, JsonWriter *w)
{
    json_object_begin(w, "share");
    json_add_bool(w, "enabled", d->share != NULL);
    if (d->share) {
        ShareStatus st;
        share_status(d->share, &st);
        json_add_string(w, "redis", d->cfg->share.redis);
        json_add_string(w, "publish", st.publish_link);
        json_add_string(w, "receive", st.receive_link);
        json_add_int(w, "outbox", (gint64)st.outbox);
        json_add_int(w, "publish_lag_ms", st.publish_lag_ms);
        json_add_int(w, "receive_lag_ms", st.receive_lag_ms);
        json_add_string(w, "position", st.position);
        json_add_string(w, "snapshot", st.snapshot);
        json_add_int(w, "snapshot_bans", st.snapshot_bans);
        json_add_int(w, "snapshot_applied", st.snapshot_applied);
        json_add_int(w, "published", (gint64)st.published);
        json_add_int(w, "received", (gint64)st.received);
        json_add_int(w, "applied", (gint64)st.applied);
        json_add_int(w, "malformed", (gint64)st.refused);
        json_add_int(w, "refused", (gint64)d->share_refused);
        json_add_int(w, "implausible", (gint64)d->share_implausible);
        json_add_int(w, "own", (gint64)st.own);
    }
    json_object_end(w);
}
