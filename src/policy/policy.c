// SPDX-License-Identifier: GPL-2.0-or-later
// The decision for each alert: who the offender is, whether they may be banned, whether they
// crossed their threshold, and for how long they are banned. Pure: `now` is passed in.
#include "policy.h"

#include <string.h>

#include "whitelist.h"

/*
 * The tracker holds, per offender (and per rule when a [rule] section overrides the
 * threshold), the times of its most recent alerts: a ring of at most N timestamps for a
 * threshold of N alerts within T. An alert drops the timestamps that left the window
 * (now - t >= T), adds its own, and crosses the threshold when the ring then holds N: a true
 * sliding window, so N alerts spread over a bucket boundary still count. Crossing removes the
 * entry and yields one BAN; from then on the ban table (through the lookup) says the address
 * is banned, and further alerts extend instead.
 *
 * Every entry is also on an LRU queue ordered by its last alert. The table never holds more
 * than max_tracked entries: inserting past the cap evicts the least recently seen entry, and
 * each record also drops up to two entries at the old end whose window has passed. Keys carry
 * a hash keyed with a per-policy random value, so an attacker choosing addresses cannot aim
 * for one hash chain.
 *
 * The safety valve is a ring of the times of the last max_bans_per_minute bans. A ban that
 * finds the ring full of bans from the last 60 s is held (the entry stays tracked, so the next
 * alert after the valve reopens bans), and the valve's closing is warned about once.
 */

#define LRU_PRUNE_PER_RECORD 2

typedef struct {
    IpAddr addr;
    gboolean per_rule;
    RulePattern rule;
    guint hash;
} TrackKey;

/* A ring of the newest n of at most cap timestamps, oldest at head. */
typedef struct {
    gint64 *ts;
    guint cap, n, head;
} TimeRing;

typedef struct {
    TrackKey key;
    GList link; /* in Policy.lru; link.data points here */
    gint64 last_us;
    guint window_s;
    TimeRing ring; /* the alerts in the window */
} Track;

struct Policy {
    const Config *cfg;
    Whitelist *wl;
    const OwnAddr *own;
    PolicyBanLookupFunc lookup;
    gpointer lookup_data;
    PolicyOffensesFunc offenses;
    gpointer offenses_data;
    PolicyBanFunc ban;
    gpointer ban_data;
    GRand *rand;
    guint64 hash_key;
    GHashTable *tracks; /* TrackKey* -> Track* (the key lives in the value) */
    GQueue lru;         /* Track, least recently seen at the head */
    TimeRing bans;      /* times of recent bans, for the valve */
    PolicyStats stats;
};

static const char *const reason_names[POLICY_REASON_N] = {
    [POLICY_REASON_THRESHOLD] = "threshold",
    [POLICY_REASON_EXTENDED] = "extended",
    [POLICY_REASON_BELOW_THRESHOLD] = "below_threshold",
    [POLICY_REASON_ALREADY_BANNED] = "already_banned",
    [POLICY_REASON_HELD] = "held",
    [POLICY_REASON_REFUSED] = "refused",
    [POLICY_REASON_NO_OFFENDER] = "no_offender",
    [POLICY_REASON_RULE_IGNORED] = "rule_ignored",
    [POLICY_REASON_WHITELISTED_RULE] = "whitelisted_rule",
    [POLICY_REASON_PRIORITY] = "priority_filtered",
    [POLICY_REASON_OUTSIDE_HOME_NET] = "outside_home_net",
    [POLICY_REASON_OWN_ADDRESS] = "own_address",
    [POLICY_REASON_GATEWAY] = "gateway",
    [POLICY_REASON_PROTECTED] = "protected",
    [POLICY_REASON_WHITELISTED_ADDRESS] = "whitelisted_address",
    [POLICY_REASON_UNSPECIFIED] = "unspecified",
    [POLICY_REASON_LOOPBACK] = "loopback",
    [POLICY_REASON_MULTICAST] = "multicast",
    [POLICY_REASON_BROADCAST] = "broadcast",
    [POLICY_REASON_LINK_LOCAL] = "link_local",
    [POLICY_REASON_SENSOR_ACTION] = "sensor_action",
};

const char *
policy_reason_name(PolicyReason reason)
{
    return (guint)reason < POLICY_REASON_N ? reason_names[reason] : "unknown";
}

PolicyReason
policy_reason_from_name(const char *name)
{
    for (guint i = 0; i < POLICY_REASON_N; i++) {
        if (g_strcmp0(name, reason_names[i]) == 0)
            return (PolicyReason)i;
    }
    return POLICY_REASON_N;
}

const char *
verdict_action_name(VerdictAction action)
{
    switch (action) {
    case VERDICT_NONE:
        return "none";
    case VERDICT_BAN:
        return "ban";
    case VERDICT_EXTEND:
        return "extend";
    }
    return "unknown";
}

/* ---- tracker ---- */

static guint64
mix(guint64 h, guint64 w)
{
    h ^= w;
    h *= 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 31);
}

static void
track_key_init(TrackKey *k, guint64 hash_key, const IpAddr *a, const RulePattern *rule)
{
    memset(k, 0, sizeof *k);
    k->addr = *a;
    guint64 w0 = 0, w1 = 0;
    memcpy(&w0, a->bytes, 8);
    memcpy(&w1, a->bytes + 8, 8);
    guint64 h = mix(mix(mix(hash_key, w0), w1), a->family);
    if (rule) {
        k->per_rule = TRUE;
        k->rule = *rule;
        h = mix(h, (guint64)rule->gid << 32 | rule->sid);
        h = mix(h, (guint64)rule->any_gid << 1 | (guint64)rule->any_sid);
    }
    k->hash = (guint)(h ^ (h >> 32));
}

static guint
track_key_hash(gconstpointer p)
{
    return ((const TrackKey *)p)->hash;
}

static gboolean
track_key_equal(gconstpointer pa, gconstpointer pb)
{
    const TrackKey *a = pa, *b = pb;
    if (a->hash != b->hash || !ipaddr_equal(&a->addr, &b->addr) || a->per_rule != b->per_rule)
        return FALSE;
    if (!a->per_rule)
        return TRUE;
    return a->rule.gid == b->rule.gid && a->rule.sid == b->rule.sid &&
           a->rule.any_gid == b->rule.any_gid && a->rule.any_sid == b->rule.any_sid;
}

static void
track_free(gpointer p)
{
    Track *t = p;
    g_free(t->ring.ts);
    g_free(t);
}

/* Keeps the newest min(n, cap) timestamps in a ring of the new capacity (0: none). */
static void
ring_resize(TimeRing *r, guint cap)
{
    if (r->cap == cap)
        return;
    gint64 *ts = cap ? g_new(gint64, cap) : NULL;
    guint keep = MIN(r->n, cap);
    for (guint i = 0; i < keep; i++)
        ts[i] = r->ts[(r->head + r->n - keep + i) % r->cap];
    g_free(r->ts);
    r->ts = ts;
    r->cap = cap;
    r->n = keep;
    r->head = 0;
}

/* Forgets the timestamps at least age_us older than now_us. */
static void
ring_expire(TimeRing *r, gint64 now_us, gint64 age_us)
{
    while (r->n > 0 && now_us - r->ts[r->head] >= age_us) {
        r->head = (r->head + 1) % r->cap;
        r->n--;
    }
}

/* Appends now_us, forgetting the oldest timestamp when the ring is full (cap > 0). */
static void
ring_push(TimeRing *r, gint64 now_us)
{
    if (r->n == r->cap) {
        r->head = (r->head + 1) % r->cap;
        r->n--;
    }
    r->ts[(r->head + r->n) % r->cap] = now_us;
    r->n++;
}

static void
track_remove(Policy *p, Track *t)
{
    g_queue_unlink(&p->lru, &t->link);
    g_hash_table_remove(p->tracks, &t->key); /* frees t */
    p->stats.tracked = g_hash_table_size(p->tracks);
}

static gboolean
track_stale(const Track *t, gint64 now_us)
{
    return now_us - t->last_us >= (gint64)t->window_s * G_USEC_PER_SEC;
}

/* Records an alert at now_us against threshold thr; returns the alerts now in the window. */
static guint
track_record(Policy *p, const IpAddr *a, const RulePattern *rule, Threshold thr, gint64 now_us,
             Track **out)
{
    TrackKey key;
    track_key_init(&key, p->hash_key, a, rule);
    Track *t = g_hash_table_lookup(p->tracks, &key);
    if (!t) {
        t = g_new0(Track, 1);
        t->key = key;
        t->link.data = t;
        ring_resize(&t->ring, thr.count);
        t->last_us = now_us;
        g_hash_table_insert(p->tracks, &t->key, t);
        g_queue_push_tail_link(&p->lru, &t->link);
        guint size = g_hash_table_size(p->tracks);
        while (size > p->cfg->policy.max_tracked) {
            Track *old = p->lru.head->data;
            g_assert(old != t);
            track_remove(p, old);
            p->stats.evicted++;
            size--;
        }
        p->stats.tracked = size;
        p->stats.tracked_peak = MAX(p->stats.tracked_peak, size);
    } else {
        g_queue_unlink(&p->lru, &t->link);
        g_queue_push_tail_link(&p->lru, &t->link);
        ring_resize(&t->ring, thr.count);
    }
    /* Out-of-order times (replays, clock steps) count as the newest time seen. */
    if (t->ring.n > 0 && now_us < t->last_us)
        now_us = t->last_us;
    t->last_us = now_us;
    t->window_s = thr.window_s;

    ring_expire(&t->ring, now_us, (gint64)thr.window_s * G_USEC_PER_SEC);
    ring_push(&t->ring, now_us);
    *out = t;
    return t->ring.n;
}

/* Drops up to max stale entries from the old end of the LRU queue. */
static guint
prune_head(Policy *p, gint64 now_us, guint max)
{
    guint n = 0;
    while (n < max && p->lru.head) {
        Track *t = p->lru.head->data;
        if (!track_stale(t, now_us))
            break;
        track_remove(p, t);
        n++;
    }
    return n;
}

guint
policy_prune(Policy *p, gint64 now_us)
{
    g_return_val_if_fail(p != NULL, 0);
    guint n = 0;
    GList *l = p->lru.head;
    while (l) {
        GList *next = l->next;
        Track *t = l->data;
        if (track_stale(t, now_us)) {
            track_remove(p, t);
            n++;
        }
        l = next;
    }
    return n;
}

/* ---- safety valve ---- */

/* Forgets bans older than a minute and reopens the valve when there is room again. */
static void
valve_refresh(Policy *p, gint64 now_us)
{
    TimeRing *r = &p->bans;
    ring_expire(r, now_us, 60 * G_USEC_PER_SEC);
    if (p->stats.valve_active && (r->cap == 0 || r->n < r->cap)) {
        p->stats.valve_active = FALSE;
        g_message("policy: ban rate back under max_bans_per_minute=%u; banning again (held "
                  "%" G_GUINT64_FORMAT " so far)",
                  r->cap, p->stats.reasons[POLICY_REASON_HELD]);
    }
}

/* TRUE when a new ban may be issued now (and records it); FALSE when it must be held. */
static gboolean
valve_admit(Policy *p, gint64 now_us)
{
    TimeRing *r = &p->bans;
    if (r->cap == 0)
        return TRUE;
    valve_refresh(p, now_us);
    if (r->n == r->cap) {
        if (!p->stats.valve_active) {
            p->stats.valve_active = TRUE;
            p->stats.valve_trips++;
            g_warning("policy: more than max_bans_per_minute=%u new bans in a minute; holding "
                      "further bans until the rate drops",
                      r->cap);
        }
        return FALSE;
    }
    ring_push(r, now_us);
    return TRUE;
}

/* ---- decisions ---- */

gint64
policy_ban_duration_us(const Config *cfg, const ConfigRule *rule, guint offenses)
{
    guint64 base = rule && rule->has_ban_time ? rule->ban_time_s : cfg->policy.ban_time_s;
    double cap = (double)cfg->policy.max_ban_time_s;
    double d = (double)base;
    for (guint i = 0; i < offenses && d < cap; i++)
        d *= cfg->policy.escalate;
    if (d > cap)
        d = cap;
    return (gint64)d * G_USEC_PER_SEC;
}

static PolicyReason
reason_of(WhitelistReason r)
{
    switch (r) {
    case WHITELIST_NONE:
        return POLICY_REASON_N;
    case WHITELIST_UNSPECIFIED:
        return POLICY_REASON_UNSPECIFIED;
    case WHITELIST_LOOPBACK:
        return POLICY_REASON_LOOPBACK;
    case WHITELIST_MULTICAST:
        return POLICY_REASON_MULTICAST;
    case WHITELIST_BROADCAST:
        return POLICY_REASON_BROADCAST;
    case WHITELIST_LINK_LOCAL:
        return POLICY_REASON_LINK_LOCAL;
    case WHITELIST_PROTECTED:
        return POLICY_REASON_PROTECTED;
    case WHITELIST_ADDRESS:
        return POLICY_REASON_WHITELISTED_ADDRESS;
    }
    return POLICY_REASON_N;
}

PolicyReason
policy_check_address(Policy *p, const IpAddr *a, IpPrefix *matched)
{
    g_return_val_if_fail(p != NULL && a != NULL, POLICY_REASON_N);
    if (a->family != AF_INET && a->family != AF_INET6)
        return POLICY_REASON_UNSPECIFIED;
    if (p->own) {
        OwnAddrKind k = ownaddr_lookup(p->own, a);
        if (k == OWNADDR_LOCAL)
            return POLICY_REASON_OWN_ADDRESS;
        if (k == OWNADDR_GATEWAY)
            return POLICY_REASON_GATEWAY;
    }
    return reason_of(whitelist_contains(p->wl, a, matched));
}

PolicyReason
policy_check_prefix(Policy *p, const IpPrefix *net, IpPrefix *matched)
{
    g_return_val_if_fail(p != NULL && net != NULL, POLICY_REASON_N);
    PolicyReason r = policy_check_address(p, &net->addr, matched);
    if (r != POLICY_REASON_N || net->len == ipaddr_bits(&net->addr))
        return r; /* one address: nothing more to cover than what was checked */
    return reason_of(whitelist_overlaps(p->wl, net, matched));
}

static gboolean
in_home_net(const Config *cfg, const IpAddr *a)
{
    for (guint i = 0; i < cfg->policy.home_net->len; i++) {
        if (ipprefix_contains(&g_array_index(cfg->policy.home_net, IpPrefix, i), a))
            return TRUE;
    }
    return FALSE;
}

static VerdictAction
finish(Policy *p, Verdict *v, VerdictAction action, PolicyReason reason)
{
    v->action = action;
    v->reason = reason;
    p->stats.reasons[reason]++;
    if (action == VERDICT_BAN)
        p->stats.bans++;
    else if (action == VERDICT_EXTEND)
        p->stats.extensions++;
    return action;
}

/* A violation by an address that is banned now. */
static VerdictAction
decide_banned(Policy *p, const PolicyBanInfo *info, gint64 now_us, Verdict *v)
{
    const Config *cfg = p->cfg;
    v->expires_us = info->expires_us;
    if (info->manual || info->expires_us == 0 || cfg->policy.extend_max_s == 0)
        return finish(p, v, VERDICT_NONE, POLICY_REASON_ALREADY_BANNED);
    guint64 span = cfg->policy.extend_max_s - cfg->policy.extend_min_s;
    guint64 add_s = cfg->policy.extend_min_s;
    if (span > 0)
        add_s += (guint64)g_rand_int_range(p->rand, 0, (gint32)(span + 1));
    gint64 cap = now_us + (gint64)cfg->policy.max_ban_time_s * G_USEC_PER_SEC;
    gint64 expires = info->expires_us + (gint64)add_s * G_USEC_PER_SEC;
    if (expires > cap)
        expires = cap;
    if (expires <= info->expires_us) /* at the cap already: never shorten */
        return finish(p, v, VERDICT_NONE, POLICY_REASON_ALREADY_BANNED);
    v->duration_us = expires - info->expires_us;
    v->expires_us = expires;
    return finish(p, v, VERDICT_EXTEND, POLICY_REASON_EXTENDED);
}

gboolean
policy_offender(const Config *cfg, const Alert *alert, IpAddr *out, gboolean *out_is_dst)
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

/* [policy] sensor_action: an inline sensor that already dropped the packet may not need a
 * ban (blocked: act only where it did; allowed: only where it did not). */
static gboolean
sensor_action_counts(const Config *cfg, const Alert *alert)
{
    switch (cfg->policy.sensor_action) {
    case CONFIG_SENSOR_ACTION_BLOCKED:
        return alert_sensor_blocked(alert);
    case CONFIG_SENSOR_ACTION_ALLOWED:
        return !alert_sensor_blocked(alert);
    case CONFIG_SENSOR_ACTION_ANY:
        break;
    }
    return TRUE;
}

VerdictAction
policy_record_alert(Policy *p, const Alert *alert, gint64 now_us, Verdict *out)
{
    g_return_val_if_fail(p != NULL && alert != NULL && out != NULL, VERDICT_NONE);
    const Config *cfg = p->cfg;
    memset(out, 0, sizeof *out);
    out->gid = alert->gid;
    out->sid = alert->sid;
    out->rev = alert->rev;
    p->stats.alerts++;
    prune_head(p, now_us, LRU_PRUNE_PER_RECORD);
    if (p->bans.cap)
        valve_refresh(p, now_us);

    const ConfigRule *rule = config_find_rule(cfg, alert->gid, alert->sid);
    if (rule && rule->ignore)
        return finish(p, out, VERDICT_NONE, POLICY_REASON_RULE_IGNORED);
    if (whitelist_contains_rule(p->wl, alert->gid, alert->sid))
        return finish(p, out, VERDICT_NONE, POLICY_REASON_WHITELISTED_RULE);
    /* A rule given its own threshold counts whatever its priority: naming it is how an
     * operator acts on a rule that `priorities` leaves out. */
    if (!config_priority_counts(cfg, alert->priority) && !(rule && rule->has_threshold))
        return finish(p, out, VERDICT_NONE, POLICY_REASON_PRIORITY);
    if (!sensor_action_counts(cfg, alert))
        return finish(p, out, VERDICT_NONE, POLICY_REASON_SENSOR_ACTION);

    if (!policy_offender(cfg, alert, &out->offender, &out->offender_is_dst))
        return finish(p, out, VERDICT_NONE, POLICY_REASON_NO_OFFENDER);
    const IpAddr *offender = &out->offender;
    const IpAddr *other = out->offender_is_dst ? &alert->src : &alert->dst;

    if (cfg->policy.home_net->len > 0 && !in_home_net(cfg, other))
        return finish(p, out, VERDICT_NONE, POLICY_REASON_OUTSIDE_HOME_NET);
    PolicyReason never = policy_check_address(p, offender, &out->matched);
    if (never != POLICY_REASON_N)
        return finish(p, out, VERDICT_NONE, never);

    PolicyBanInfo info = {0};
    if (p->lookup)
        p->lookup(offender, now_us, &info, p->lookup_data);
    if (info.banned) {
        if (info.prefix.addr.family)
            out->banned = info.prefix;
        else
            ipprefix_from_addr(offender, &out->banned);
        return decide_banned(p, &info, now_us, out);
    }

    gboolean per_rule = rule && rule->has_threshold;
    Threshold thr = per_rule ? rule->threshold : config_priority_threshold(cfg, alert->priority);
    out->threshold = thr;
    Track *t = NULL;
    out->alerts = track_record(p, offender, per_rule ? &rule->pattern : NULL, thr, now_us, &t);
    if (out->alerts < thr.count)
        return finish(p, out, VERDICT_NONE, POLICY_REASON_BELOW_THRESHOLD);
    if (!valve_admit(p, now_us))
        return finish(p, out, VERDICT_NONE, POLICY_REASON_HELD);

    track_remove(p, t);
    out->offenses = p->offenses ? p->offenses(offender, p->offenses_data) : info.offenses;
    out->duration_us = policy_ban_duration_us(cfg, rule, out->offenses);
    out->expires_us = now_us + out->duration_us;
    return finish(p, out, VERDICT_BAN, POLICY_REASON_THRESHOLD);
}

/* ---- acting on a verdict ---- */

static gint64
ceil_s(gint64 us)
{
    return us <= 0 ? 1 : (us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

/* A new ban the table refused: the verdict and the counts say so, not "threshold". */
static void
refuse(Policy *p, Verdict *v)
{
    p->stats.bans--;
    p->stats.reasons[v->reason]--;
    v->action = VERDICT_NONE;
    v->reason = POLICY_REASON_REFUSED;
    p->stats.reasons[v->reason]++;
}

void
policy_ban_prefix(Policy *p, const IpAddr *a, IpPrefix *out)
{
    ipprefix_from_addr(a, out);
    guint len = p->cfg->policy.ipv6_prefix;
    if (a->family != AF_INET6 || len == 0 || len >= 128)
        return;
    IpPrefix net = *out;
    net.len = (guint8)len;
    for (guint i = len / 8u; i < 16; i++)
        net.addr.bytes[i] &= i == len / 8u ? (guint8)(0xff00u >> (len % 8u)) : 0;
    /* What must never be banned: around the network's first address (whitelist, protected
     * networks, built-in ranges), and inside it (own addresses, gateways, whitelisted and
     * protected networks). */
    IpAddr hit = net.addr;
    IpPrefix matched;
    PolicyReason r = policy_check_address(p, &net.addr, &matched);
    if (r == POLICY_REASON_N && p->own) {
        OwnAddrKind k = ownaddr_inside(p->own, &net, &hit);
        if (k != OWNADDR_NONE)
            r = k == OWNADDR_LOCAL ? POLICY_REASON_OWN_ADDRESS : POLICY_REASON_GATEWAY;
    }
    const Config *cfg = p->cfg;
    const GArray *lists[] = {cfg->whitelist.addresses, cfg->whitelist.file_addresses,
                             cfg->policy.protect};
    const PolicyReason why[] = {POLICY_REASON_WHITELISTED_ADDRESS,
                                POLICY_REASON_WHITELISTED_ADDRESS, POLICY_REASON_PROTECTED};
    for (guint l = 0; r == POLICY_REASON_N && l < G_N_ELEMENTS(lists); l++) {
        for (guint i = 0; lists[l] && i < lists[l]->len && r == POLICY_REASON_N; i++) {
            const IpPrefix *w = &g_array_index(lists[l], IpPrefix, i);
            if (ipprefix_contains(&net, &w->addr)) {
                hit = w->addr;
                r = why[l];
            }
        }
    }
    if (r != POLICY_REASON_N) {
        char text[IPADDR_STRLEN], hit_text[IPADDR_STRLEN];
        g_info("policy: %s would cover %s (%s): banning the address alone",
               ipprefix_format(&net, text), ipaddr_format(&hit, hit_text), policy_reason_name(r));
        return;
    }
    *out = net;
}

gboolean
policy_apply_verdict(Policy *p, const Alert *alert, gint64 now_us, Verdict *v)
{
    g_return_val_if_fail(p != NULL && alert != NULL && v != NULL, FALSE);
    PolicyBanOrder order = {
        .now_us = now_us,
        .gid = v->gid,
        .sid = v->sid,
        .rev = v->rev,
        .msg = alert->msg,
        .alerts = 1,
        .window_s = v->threshold.window_s,
        .reason = policy_reason_name(v->reason),
    };
    switch (v->action) {
    case VERDICT_BAN:
        policy_ban_prefix(p, &v->offender, &order.prefix);
        order.duration_s = ceil_s(v->duration_us);
        order.alerts = MAX(v->alerts, 1);
        break;
    case VERDICT_EXTEND:
        order.prefix = v->banned;
        order.duration_s = ceil_s(v->expires_us - now_us);
        break;
    case VERDICT_NONE:
        if (v->reason != POLICY_REASON_ALREADY_BANNED || !v->banned.addr.family)
            return FALSE;
        /* Counted into the ban; one second, because a policy request never shortens it. */
        order.prefix = v->banned;
        order.duration_s = 1;
        break;
    }
    if (!p->ban)
        return FALSE;
    if (!p->ban(&order, p->ban_data)) {
        if (v->action == VERDICT_BAN)
            refuse(p, v);
        return FALSE;
    }
    return TRUE;
}

const char *
policy_verdict_word(const Verdict *v)
{
    return v->action == VERDICT_NONE ? policy_reason_name(v->reason)
                                     : verdict_action_name(v->action);
}

/* ---- lifecycle ---- */

Policy *
policy_new(const Config *cfg, guint32 seed)
{
    g_return_val_if_fail(cfg != NULL, NULL);
    Policy *p = g_new0(Policy, 1);
    p->rand = g_rand_new_with_seed(seed);
    p->hash_key = (guint64)g_rand_int(p->rand) << 32 | g_rand_int(p->rand);
    p->tracks = g_hash_table_new_full(track_key_hash, track_key_equal, NULL, track_free);
    g_queue_init(&p->lru);
    policy_set_config(p, cfg);
    return p;
}

void
policy_set_config(Policy *p, const Config *cfg)
{
    g_return_if_fail(p != NULL && cfg != NULL);
    p->cfg = cfg;
    g_clear_pointer(&p->wl, whitelist_free);
    p->wl = whitelist_new_from_config(cfg);
    ring_resize(&p->bans, cfg->policy.max_bans_per_minute);
    if (p->stats.valve_active && (p->bans.cap == 0 || p->bans.n < p->bans.cap))
        p->stats.valve_active = FALSE;
    while (g_hash_table_size(p->tracks) > cfg->policy.max_tracked) {
        track_remove(p, p->lru.head->data);
        p->stats.evicted++;
    }
}

void
policy_set_ownaddr(Policy *p, const OwnAddr *own)
{
    g_return_if_fail(p != NULL);
    p->own = own;
}

void
policy_set_ban_lookup(Policy *p, PolicyBanLookupFunc func, gpointer user_data)
{
    g_return_if_fail(p != NULL);
    p->lookup = func;
    p->lookup_data = user_data;
}

void
policy_set_offenses_lookup(Policy *p, PolicyOffensesFunc func, gpointer user_data)
{
    g_return_if_fail(p != NULL);
    p->offenses = func;
    p->offenses_data = user_data;
}

void
policy_set_ban_func(Policy *p, PolicyBanFunc func, gpointer user_data)
{
    g_return_if_fail(p != NULL);
    p->ban = func;
    p->ban_data = user_data;
}

const PolicyStats *
policy_stats(const Policy *p)
{
    return &p->stats;
}

void
policy_free(Policy *p)
{
    if (!p)
        return;
    g_hash_table_unref(p->tracks); /* frees every Track; the queue links lived inside them */
    whitelist_free(p->wl);
    g_rand_free(p->rand);
    g_free(p->bans.ts);
    g_free(p);
}
