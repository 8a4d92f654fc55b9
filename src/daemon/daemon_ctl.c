// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's side of the control socket: list, show, ban, unban, reload and the status
// report, each answering one request from the table, the store and the daemon's counters.
#include "daemon_private.h"

#include <unistd.h>

#include "ctl_reply.h"
#include "error.h"
#include "json.h"

static gboolean
list_wants(const BanCore *ban, gpointer data)
{
    return ctl_reply_list_wants(data, ban);
}

static gint
list_compare(const BanCore *a, const BanCore *b, gpointer data)
{
    return ctl_reply_list_compare(a, b, ((const CtlRequest *)data)->sort);
}

/* One page of the list (see ctl_proto.h): the table is walked once and only the page's bans
 * are copied, so a list of 100,000 bans is 20 short requests, not one 30 MB reply. */
static gboolean
handle_list(const CtlRequest *req, const CtlPeer *peer, JsonWriter *reply, gpointer user_data,
            GError **error)
{
    (void)peer;
    (void)error;
    Daemon *d = user_data;
    g_autoptr(GArray) page = g_array_new(FALSE, FALSE, sizeof(Ban));
    gboolean more = FALSE;
    bans_list_page(d->bans, list_wants, list_compare, (gpointer)req, ctl_reply_list_page_max(req),
                   page, &more);
    /* A dry run's bans are recorded, never enforced: every view says so. */
    if (d->cfg->daemon.dry_run)
        json_add_bool(reply, "dry_run", TRUE);
    ctl_reply_list(reply, req, page, more, g_get_real_time());
    return TRUE;
}

static gboolean
handle_show(const CtlRequest *req, const CtlPeer *peer, JsonWriter *reply, gpointer user_data,
            GError **error)
{
    (void)peer;
    Daemon *d = user_data;
    const IpAddr *a = &req->addr.addr;
    g_autoptr(GArray) history = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    guint limit = req->limit ? req->limit : CTL_REPLY_SHOW_LIMIT_DEFAULT;
    Ban ban;
    gboolean banned;
    if (req->addr.len < ipaddr_bits(a)) {
        /* A network: the ban on exactly it, else one covering all of it. History is kept
         * per address, so a network has none of its own. */
        banned = bans_lookup_addr(d->bans, a, &ban) && ban.prefix.len <= req->addr.len;
        g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(Ban));
        bans_list(d->bans, all);
        for (guint i = 0; i < all->len; i++) {
            if (ipprefix_equal(&g_array_index(all, Ban, i).prefix, &req->addr)) {
                ban = g_array_index(all, Ban, i);
                banned = TRUE;
                break;
            }
        }
        char text[IPADDR_STRLEN];
        json_add_string(reply, "network", ipprefix_format(&req->addr, text));
    } else {
        if (!store_load_history(d->store, a, limit, history, error))
            return FALSE;
        banned = bans_lookup_addr(d->bans, a, &ban);
    }
    if (d->cfg->daemon.dry_run)
        json_add_bool(reply, "dry_run", TRUE);
    ctl_reply_show(reply, a, banned ? &ban : NULL, history, g_get_real_time());
    return TRUE;
}

/* Ends the turn that carries an operator's ban or unban (what, of whom) at once, so the reply
 * tells what happened: TRUE when the store committed it and the firewall has it. Otherwise
 * error is ALERTBAN_ERROR_STORE (not stored: gone at a restart) or ALERTBAN_ERROR_PENDING
 * (stored; the firewall change waits for the xtables lock or failed, and is retried). */
static gboolean
end_change_turn(Daemon *d, const char *what, const char *whom, GError **error)
{
    g_autoptr(GError) err = NULL;
    if (daemon_end_turn(d, &err))
        return TRUE;
    if (g_error_matches(err, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE,
                    "%s %s failed: the store could not commit it (%s)%s", what, whom,
                    err->message,
                    g_str_equal(what, "ban") ? "; nothing was banned"
                                             : "; it is out of the firewall, but would come back"
                                               " at a restart unless the retried commit succeeds");
    } else if (g_error_matches(err, ALERTBAN_ERROR, ALERTBAN_ERROR_BUSY)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PENDING,
                    "%s %s stored; the firewall is waiting for the xtables lock (%s); it is "
                    "applied as soon as the lock is free",
                    what, whom, err->message);
    } else {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PENDING,
                    "%s %s stored; the firewall change failed and is retried: %s", what, whom,
                    err->message);
    }
    return FALSE;
}

/* Why a manual ban of p would hit what must never be banned, or POLICY_REASON_N: its network
 * address, every protected or whitelisted entry and built-in class overlapping p (matched
 * gets it), and every own address and gateway inside p (hit gets it). */
PolicyReason
daemon_check_prefix(Daemon *d, const IpPrefix *p, IpAddr *hit, IpPrefix *matched)
{
    *hit = p->addr;
    PolicyReason r = policy_check_prefix(d->policy, p, matched);
    if (r != POLICY_REASON_N)
        return r;
    if (p->len == 0)
        return POLICY_REASON_OWN_ADDRESS; /* a whole family holds the host's addresses */
    switch (d->own ? ownaddr_inside(d->own, p, hit) : OWNADDR_NONE) {
    case OWNADDR_LOCAL:
        return POLICY_REASON_OWN_ADDRESS;
    case OWNADDR_GATEWAY:
        return POLICY_REASON_GATEWAY;
    case OWNADDR_NONE:
        break;
    }
    return POLICY_REASON_N;
}

static gboolean
handle_ban(const CtlRequest *req, const CtlPeer *peer, JsonWriter *reply, gpointer user_data,
           GError **error)
{
    Daemon *d = user_data;
    char text[IPADDR_STRLEN], hit_text[IPADDR_STRLEN];
    ipprefix_format(&req->addr, text);
    g_message("control: ban request addr=%s force=%d uid=%u pid=%d", text, req->force,
              (guint)peer->uid, (int)peer->pid);
    /* A zero-length prefix (0.0.0.0/0, ::/0, ::ffff:0.0.0.0/96) bans everyone, this host and
     * its gateway included, and no iptables or ipset backend can hold it: never, --force or
     * not. fw_prefix_bannable() is the check every backend makes. */
    if (!fw_prefix_bannable(&req->addr, "control", "ban", NULL)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "%s is refused, even with --force: a zero-length prefix bans every "
                    "address, the host's own and its gateway's included",
                    text);
        return FALSE;
    }
    gboolean v6 = req->addr.addr.family == AF_INET6;
    guint min_len = v6 ? d->cfg->policy.min_prefix6 : d->cfg->policy.min_prefix4;
    if (!req->force && req->addr.len < min_len) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "%s is wider than min_prefix%c = %u ([policy]); use --force to ban it anyway",
                    text, v6 ? '6' : '4', min_len);
        return FALSE;
    }
    if (!req->force) {
        IpAddr hit;
        IpPrefix matched = {0};
        PolicyReason r = daemon_check_prefix(d, &req->addr, &hit, &matched);
        if (r != POLICY_REASON_N) {
            /* Name what matched: the whitelist's or protect's entry (the /28, not the
             * address asked for), else the address (own, gateway, built-in class). */
            if (matched.addr.family != 0)
                ipprefix_format(&matched, hit_text);
            else
                ipaddr_format(&hit, hit_text);
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                        "%s is never banned (%s: %s); use --force to ban it anyway", text,
                        policy_reason_name(r), hit_text);
            return FALSE;
        }
    }
    BanRequest br = {
        .prefix = req->addr,
        .source = BAN_SOURCE_MANUAL,
        .permanent = req->permanent,
        .duration_s = req->for_s > 0 ? req->for_s : (gint64)d->cfg->policy.ban_time_s,
        .reason = req->reason[0] ? req->reason : "manual",
        .msg = req->reason[0] ? req->reason : "",
    };
    Ban ban;
    BansResult res = bans_add(d->bans, &br, &ban);
    if (res == BANS_REFUSED) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "the ban table is full (max_bans=%u)", d->cfg->daemon.max_bans);
        return FALSE;
    }
    daemon_share_publish_ban(d, &ban);
    g_autoptr(GError) err = NULL;
    if (!end_change_turn(d, "ban", text, &err)) {
        /* A new ban the store could not keep would vanish at the next restart: take it
         * back, so that what the operator was told (not banned) is what holds. */
        if (g_error_matches(err, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE) && res == BANS_ADDED) {
            bans_remove(d->bans, &req->addr, "not-stored");
            daemon_end_turn(d, NULL);
        }
        g_propagate_error(error, g_steal_pointer(&err));
        return FALSE;
    }
    json_add_int(reply, "now", g_get_real_time() / G_USEC_PER_SEC);
    ctl_reply_add_ban(reply, "ban", &ban);
    return TRUE;
}

static gboolean
handle_unban(const CtlRequest *req, const CtlPeer *peer, JsonWriter *reply, gpointer user_data,
             GError **error)
{
    Daemon *d = user_data;
    guint removed = 0;
    char text[IPADDR_STRLEN];
    g_message("control: unban request addr=%s uid=%u pid=%d",
              req->all ? "all" : ipprefix_format(&req->addr, text), (guint)peer->uid,
              (int)peer->pid);
    if (req->all) {
        g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(Ban));
        bans_list(d->bans, all);
        for (guint i = 0; i < all->len; i++) {
            const IpPrefix *p = &g_array_index(all, Ban, i).prefix;
            if (bans_remove(d->bans, p, "manual")) {
                removed++;
                daemon_share_publish_unban(d, p);
            }
        }
    } else {
        removed = bans_remove(d->bans, &req->addr, "manual");
        /* Published even when this node had no ban: the operator's word goes to every node. */
        daemon_share_publish_unban(d, &req->addr);
    }
    if (removed > 0 && !end_change_turn(d, "unban", req->all ? "all" : text, error))
        return FALSE;
    json_add_int(reply, "removed", removed);
    return TRUE;
}

static gboolean
handle_reload(const CtlRequest *req, const CtlPeer *peer, JsonWriter *reply, gpointer user_data,
              GError **error)
{
    (void)peer;
    (void)req;
    Daemon *d = user_data;
    g_autoptr(GPtrArray) applied = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) restart = g_ptr_array_new_with_free_func(g_free);
    if (!daemon_reload_report(d, "control socket", applied, restart, error))
        return FALSE;
    json_add_bool(reply, "reloaded", TRUE);
    /* What differs from the configuration at start: in force now, or waiting for a restart.
     * A reply that only said "reloaded" would hide that a new firewall action is not in force
     * yet. */
    json_array_begin(reply, "applied");
    for (guint i = 0; i < applied->len; i++)
        json_add_string(reply, NULL, applied->pdata[i]);
    json_array_end(reply);
    json_array_begin(reply, "restart_required");
    for (guint i = 0; i < restart->len; i++)
        json_add_string(reply, NULL, restart->pdata[i]);
    json_array_end(reply);
    return TRUE;
}

/* Alerts parsed (open readers and closed ones), acted on and skipped. */
static void
status_alerts(Daemon *d, JsonWriter *w)
{
    AlertStats as;
    daemon_alert_stats(d, &as);
    json_object_begin(w, "alerts");
    json_add_int(w, "parsed", (gint64)as.parsed);
    json_add_int(w, "acted_on", (gint64)d->acted_on);
    json_add_int(w, "no_offender", (gint64)d->no_offender);
    json_object_begin(w, "skipped");
    for (guint i = ALERT_SKIP_NONE + 1; i < ALERT_SKIP_N_REASONS; i++)
        json_add_int(w, alert_skip_reason_name(i), (gint64)as.skipped[i]);
    json_object_end(w);
    json_object_end(w);
}

static void
status_policy(Daemon *d, JsonWriter *w)
{
    const PolicyStats *ps = policy_stats(d->policy);
    json_object_begin(w, "verdicts");
    for (guint i = 0; i < POLICY_REASON_N; i++)
        json_add_int(w, policy_reason_name(i), (gint64)ps->reasons[i]);
    json_object_end(w);
    json_object_begin(w, "policy");
    json_add_int(w, "tracked", ps->tracked);
    json_add_int(w, "tracked_peak", ps->tracked_peak);
    json_add_int(w, "evicted", (gint64)ps->evicted);
    json_add_bool(w, "valve_active", ps->valve_active);
    json_add_int(w, "valve_trips", (gint64)ps->valve_trips);
    json_object_end(w);
}

static void
status_bans_store(Daemon *d, const BansCounts *bc, JsonWriter *w)
{
    json_object_begin(w, "bans");
    json_add_int(w, "total", bc->total);
    json_add_int(w, "ipv4", bc->v4);
    json_add_int(w, "ipv6", bc->v6);
    json_add_int(w, "policy", bc->policy);
    json_add_int(w, "manual", bc->manual);
    json_add_int(w, "shared", bc->shared);
    json_add_int(w, "permanent", bc->permanent);
    json_add_int(w, "refused", (gint64)bc->refused);
    json_object_end(w);

    json_object_begin(w, "store");
    json_add_string(w, "path", store_path(d->store));
    json_add_int(w, "commits", (gint64)d->commits);
    json_add_int(w, "last_commit", d->last_commit_real_us / G_USEC_PER_SEC);
    json_add_int(w, "last_commit_us", d->last_commit_duration_us);
    json_add_int(w, "failures", (gint64)bc->store_failures);
    json_add_int(w, "dropped_violations", (gint64)store_dropped_violations(d->store));
    json_add_int(w, "pending", store_pending(d->store));
    /* Set when a damaged database was moved aside at start: the state was lost. */
    json_add_string(w, "set_aside",
                    store_set_aside_path(d->store) ? store_set_aside_path(d->store) : "");
    json_add_int(w, "adopted", d->adopted);
    json_object_end(w);
}

static void
status_firewall(Daemon *d, const BansCounts *bc, JsonWriter *w)
{
    json_object_begin(w, "firewall");
    json_add_string(w, "backend", fw_name(daemon_fw_get(d->fw)));
    json_add_string(w, "configured", fw_backend_name(d->cfg->firewall.backend));
    json_add_string(w, "reason", daemon_fw_reason(d->fw));
    json_add_int(w, "switches", (gint64)daemon_fw_switches(d->fw));
    json_add_int(w, "verify_interval", d->cfg->firewall.verify_interval_s);
    json_add_int(w, "verifies", (gint64)d->verifies);
    json_add_int(w, "last_verify", d->last_verify_real_us / G_USEC_PER_SEC);
    json_add_int(w, "verify_repairs", (gint64)d->verify_repairs);
    json_add_string(w, "chain", d->cfg->firewall.chain);
    json_add_int(w, "failures", (gint64)bc->fw_failures);
    json_add_bool(w, "degraded", bans_degraded(d->bans));
    gint64 busy_since = 0;
    gboolean busy = bans_fw_busy(d->bans, &busy_since);
    json_add_bool(w, "waiting_for_lock", busy);
    json_add_int(w, "waiting_ms", busy ? (g_get_monotonic_time() - busy_since) / 1000 : 0);
    json_add_int(w, "pending", bc->fw_pending);
    json_add_bool(w, "cut", d->cut != NULL);
    json_add_int(w, "cut_conntrack", (gint64)d->cut_conntrack);
    json_add_int(w, "cut_sockets", (gint64)d->cut_sockets);
    json_add_int(w, "cut_failures", (gint64)d->cut_failures);
    json_add_int(w, "cut_pending", daemon_cut_pending(d));
    json_object_end(w);
}

/* The followed logs and the tailer's counters. */
static void
status_inputs(Daemon *d, JsonWriter *w)
{
    json_array_begin(w, "inputs");
    if (d->tail) {
        g_autoptr(GArray) st = tail_get_status(d->tail);
        for (guint i = 0; i < st->len; i++) {
            const TailInputStatus *s = &g_array_index(st, TailInputStatus, i);
            json_object_begin(w, NULL);
            json_add_string(w, "path", s->path);
            json_add_bool(w, "open", s->open);
            json_add_int(w, "offset", (gint64)s->offset);
            json_add_int(w, "size", (gint64)s->size);
            json_add_int(w, "lag_bytes", (gint64)s->lag_bytes);
            json_object_end(w);
        }
    }
    json_array_end(w);
    if (d->tail) {
        const TailStats *ts = tail_get_stats(d->tail);
        json_object_begin(w, "tail");
        json_add_int(w, "lines", (gint64)ts->lines);
        json_add_int(w, "bytes", (gint64)ts->bytes);
        json_add_int(w, "dropped_too_long", (gint64)ts->dropped_too_long);
        json_add_int(w, "rotations", (gint64)ts->rotations);
        json_add_int(w, "truncations", (gint64)ts->truncations);
        json_add_int(w, "overflows", (gint64)ts->overflows);
        json_add_int(w, "resumed", (gint64)ts->resumed);
        json_object_end(w);
    }
}

static gboolean
handle_status(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer user_data,
              GError **error)
{
    (void)peer;
    (void)req;
    (void)error;
    Daemon *d = user_data;
    json_add_string(w, "version", ALERTBAN_VERSION);
    json_add_string(w, "config", d->config_path);
    json_add_int(w, "pid", getpid());
    json_add_int(w, "started", d->started_real_us / G_USEC_PER_SEC);
    json_add_int(w, "uptime_s", (g_get_monotonic_time() - d->started_mono_us) / G_USEC_PER_SEC);
    json_add_bool(w, "dry_run", d->cfg->daemon.dry_run);
    json_add_string(w, "enforcement",
                    d->cfg->daemon.dry_run ? "not enforced (dry run): bans are recorded, the "
                                             "firewall is never changed"
                                           : "enforced");
    json_add_string(w, "on_exit",
                    d->cfg->daemon.on_exit == CONFIG_ON_EXIT_FLUSH ? "flush" : "keep");
    status_alerts(d, w);
    status_policy(d, w);
    BansCounts bc;
    bans_counts(d->bans, &bc);
    status_bans_store(d, &bc, w);
    status_firewall(d, &bc, w);
    status_inputs(d, w);
    daemon_share_status(d, w);
    daemon_metrics_status(d, w);
    json_object_begin(w, "reloads");
    json_add_int(w, "ok", (gint64)d->reloads);
    json_add_int(w, "rejected", (gint64)d->reload_failures);
    json_object_end(w);
    return TRUE;
}

const CtlHandlers daemon_ctl_handlers = {handle_list,     handle_show,   handle_ban,
                                         handle_unban,    handle_status, handle_reload,
                                         daemon_ctl_stats};
