// SPDX-License-Identifier: GPL-2.0-or-later
// The decision for each alert: who the offender is, whether they may be banned, whether they
// crossed their threshold, and for how long they are banned. Pure: `now` is passed in.
#pragma once

#include <glib.h>

#include "alert.h"
#include "config.h"
#include "ipaddr.h"
#include "ownaddr.h"

/* What the caller must do with a verdict. */
typedef enum {
    VERDICT_NONE,   /* nothing: counted, filtered or never banned (see the reason) */
    VERDICT_BAN,    /* ban offender until expires_us */
    VERDICT_EXTEND, /* the offender is banned: move its expiry to expires_us (never earlier) */
} VerdictAction;

/* Why. The names (policy_reason_name) are stable: logs, the tracker and `replay --json`
 * use them. Order is the order of the checks after the rule-level ones. */
typedef enum {
    POLICY_REASON_THRESHOLD,           /* "threshold": crossed its threshold: BAN */
    POLICY_REASON_EXTENDED,            /* "extended": violation while banned: EXTEND */
    POLICY_REASON_BELOW_THRESHOLD,     /* "below_threshold": counted, no ban yet */
    POLICY_REASON_ALREADY_BANNED,      /* "already_banned": banned, nothing to extend (manual,
                                          permanent, extend = 0 or already at the cap) */
    POLICY_REASON_HELD,                /* "held": a ban held back by max_bans_per_minute */
    POLICY_REASON_REFUSED,             /* "refused": a ban the ban table refused: it holds
                                          max_bans (set by policy_apply_verdict()) */
    POLICY_REASON_NO_OFFENDER,         /* "no_offender": the offender's address is missing */
    POLICY_REASON_RULE_IGNORED,        /* "rule_ignored": [rule] ignore = yes */
    POLICY_REASON_WHITELISTED_RULE,    /* "whitelisted_rule" */
    POLICY_REASON_PRIORITY,            /* "priority_filtered": priority not in `priorities` */
    POLICY_REASON_OUTSIDE_HOME_NET,    /* "outside_home_net": the other end is not in home_net */
    POLICY_REASON_OWN_ADDRESS,         /* "own_address": one of the host's addresses */
    POLICY_REASON_GATEWAY,             /* "gateway": a default gateway of the host */
    POLICY_REASON_PROTECTED,           /* "protected": inside a `protect` network */
    POLICY_REASON_WHITELISTED_ADDRESS, /* "whitelisted_address" */
    POLICY_REASON_UNSPECIFIED,         /* "unspecified" */
    POLICY_REASON_LOOPBACK,            /* "loopback" */
    POLICY_REASON_MULTICAST,           /* "multicast" */
    POLICY_REASON_BROADCAST,           /* "broadcast" */
    POLICY_REASON_LINK_LOCAL,          /* "link_local" */
    POLICY_REASON_SENSOR_ACTION,       /* "sensor_action": [policy] sensor_action leaves the
                                          alert out (checked right after the priority; last
                                          here so the older numbers stay) */
    POLICY_REASON_N
} PolicyReason;

const char *policy_reason_name(PolicyReason reason);
/* The reason for a stable name, or POLICY_REASON_N when unknown. */
PolicyReason policy_reason_from_name(const char *name);
const char *verdict_action_name(VerdictAction action); /* "none", "ban", "extend" */

/* The decision for one alert. */
typedef struct {
    VerdictAction action;
    PolicyReason reason;
    IpAddr offender;          /* family 0 when there is none */
    gboolean offender_is_dst; /* chosen by the swap marker or track = dst */
    guint32 gid, sid, rev;
    guint alerts;        /* alerts in the window, this one included (when counted) */
    Threshold threshold; /* the threshold that applied */
    guint offenses;      /* BAN: earlier bans of offender (the escalation exponent) */
    gint64 duration_us;  /* BAN: the ban's length; EXTEND: time added */
    gint64 expires_us;   /* BAN/EXTEND: new absolute expiry (real time, microseconds) */
    IpPrefix matched;    /* PROTECTED/WHITELISTED_ADDRESS: the network that matched */
    IpPrefix banned;     /* EXTEND/ALREADY_BANNED: the ban in force that covers offender (its
                            host prefix, or a network an operator banned) */
} Verdict;

/* What the ban table knows about an address, as the policy needs it. */
typedef struct {
    gboolean banned;   /* a ban is in force at now_us */
    gboolean manual;   /* set by an operator: the policy never extends or shortens it */
    gint64 expires_us; /* absolute expiry; 0 = permanent */
    guint offenses;    /* earlier policy bans of this address, expired ones included */
    IpPrefix prefix;   /* the ban in force that covers the address, most specific first (a
                          network an operator banned, say); family 0: the address's own */
} PolicyBanInfo;

/* Fills out for a (out is zeroed before the call). The ban table implements this. */
typedef void (*PolicyBanLookupFunc)(const IpAddr *a, gint64 now_us, PolicyBanInfo *out,
                                    gpointer user_data);

typedef struct {
    guint64 alerts;                   /* alerts recorded */
    guint64 reasons[POLICY_REASON_N]; /* verdicts by reason */
    guint64 bans, extensions;         /* BAN and EXTEND verdicts */
    guint64 evicted;                  /* tracked entries evicted by the max_tracked cap */
    guint tracked;                    /* entries tracked now */
    guint tracked_peak;
    gboolean valve_active; /* max_bans_per_minute reached: bans are held */
    guint64 valve_trips;   /* times the valve closed */
} PolicyStats;

typedef struct Policy Policy;

/* A policy for cfg (borrowed: it must outlive the policy or the next policy_set_config()).
 * seed seeds the random extension, so tests can fix it. */
Policy *policy_new(const Config *cfg, guint32 seed);

/* Reload: switches to cfg (borrowed, as above) and rebuilds the whitelist. Tracked windows
 * are kept; a window whose threshold count changed keeps its newest alerts. */
void policy_set_config(Policy *p, const Config *cfg);

/* The host's own addresses (borrowed; NULL: none). */
void policy_set_ownaddr(Policy *p, const OwnAddr *own);

/* How the policy learns about existing bans (NULL: nobody is banned, no earlier bans). The
 * caller applies every BAN/EXTEND verdict to its ban table before recording the next alert,
 * so the lookup sees it; that is what makes a crossing ban once and not N times. */
void policy_set_ban_lookup(Policy *p, PolicyBanLookupFunc func, gpointer user_data);

/* Earlier bans of a, asked for only when a verdict is about to ban it (the daemon's count is a
 * store read, which the lookup above, made for every alert, should not pay). */
typedef guint (*PolicyOffensesFunc)(const IpAddr *a, gpointer user_data);

/* When set, the count of earlier bans comes from func instead of PolicyBanInfo.offenses. */
void policy_set_offenses_lookup(Policy *p, PolicyOffensesFunc func, gpointer user_data);

/* The offender of alert under cfg: its destination when the rule is configured track = dst,
 * or (track unset) its msg holds the swap marker (default "BLOCKED DESTINATION"); its source
 * otherwise. *out_is_dst (may be NULL) says which. FALSE (out zeroed) when that address is
 * absent. policy_record_alert() chooses with this; `replay` shows it for every verdict. */
gboolean policy_offender(const Config *cfg, const Alert *alert, IpAddr *out, gboolean *out_is_dst);

/* Decides one alert at now_us (real time, microseconds) and fills out. Alerts should come in
 * time order; an earlier now_us than the offender's newest alert counts as that newest time. */
VerdictAction policy_record_alert(Policy *p, const Alert *alert, gint64 now_us, Verdict *out);

/* ---- acting on a verdict ----
 *
 * The daemon and `alertban replay` turn verdicts into bans through one function,
 * policy_apply_verdict(), each on its own ban table (the daemon's persisted one, replay's in
 * memory) behind this small interface, so that both count a violation into the same ban and
 * both meet a full table the same way. */

/* A change the policy asks of a ban table. */
typedef struct {
    gint64 now_us;         /* the verdict's time (real time, microseconds) */
    IpPrefix prefix;       /* the offender's address, or the ban in force that covers it */
    gint64 duration_s;     /* from now: the ban lasts at least this long (never shortened) */
    const char *reason;    /* "threshold", "extended" or "already_banned" */
    guint alerts;          /* alerts this counts into the ban */
    guint window_s;        /* the window they fell in, for the log line */
    guint32 gid, sid, rev; /* the rule */
    const char *msg;       /* the rule's msg (untrusted) */
} PolicyBanOrder;

/* Adds or extends the ban order asks for; FALSE when the table refused a new ban (full). */
typedef gboolean (*PolicyBanFunc)(const PolicyBanOrder *order, gpointer user_data);

/* The ban table that policy_apply_verdict() changes (NULL: none, verdicts change nothing). */
void policy_set_ban_func(Policy *p, PolicyBanFunc func, gpointer user_data);

/* What a policy ban of a covers: a itself, or with [policy] ipv6_prefix below 128 an IPv6
 * address's network of that length, unless that network holds an address never banned (own,
 * gateway, whitelisted, protected), when a alone. Thresholds still count per address. */
void policy_ban_prefix(Policy *p, const IpAddr *a, IpPrefix *out);

/* Carries out v, decided by policy_record_alert() for alert at now_us, on the ban table: a
 * BAN bans the offender's address (its network: policy_ban_prefix()) for the verdict's
 * duration; an EXTEND moves the covering
 * ban's expiry; a violation while banned (ALREADY_BANNED) is counted into the ban that covers
 * the offender, which may be a network an operator banned, without changing its expiry. When
 * the table refuses a new ban (max_bans), v becomes NONE with POLICY_REASON_REFUSED (the
 * statistics follow). TRUE when a ban was made or touched. */
gboolean policy_apply_verdict(Policy *p, const Alert *alert, gint64 now_us, Verdict *v);

/* The word the tracker stores for v: "ban", "extend", or the reason's name. */
const char *policy_verdict_word(const Verdict *v);

/* Why a must never be banned (own address, gateway, protected, whitelisted, built-in class),
 * or POLICY_REASON_N when it may be; matched as in Verdict. For the manual ban command. */
PolicyReason policy_check_address(Policy *p, const IpAddr *a, IpPrefix *matched);

/* The same for every address of network net: its network address, and every protected or
 * whitelisted entry and built-in class that overlaps it (matched gets that entry). The
 * host's own addresses and gateways inside net are the caller's to check (ownaddr_list()). */
PolicyReason policy_check_prefix(Policy *p, const IpPrefix *net, IpPrefix *matched);

/* The ban length for an address with `offenses` earlier bans under rule (NULL: the global
 * ban_time): ban_time * escalate^offenses, capped at max_ban_time. */
gint64 policy_ban_duration_us(const Config *cfg, const ConfigRule *rule, guint offenses);

/* Forgets tracked windows with no alert within their window before now_us; returns how many. */
guint policy_prune(Policy *p, gint64 now_us);

const PolicyStats *policy_stats(const Policy *p);

void policy_free(Policy *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Policy, policy_free)
