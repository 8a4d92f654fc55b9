// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for policy: offender choice, never-ban classes, filters, sliding windows,
// escalation, extension, eviction and the safety valve, with `now` advanced by the tests.
#include "policy.h"

#include <stdio.h>
#include <string.h>

#include "replay.h"
#include "testutil.h"

#define T0 (G_GINT64_CONSTANT(1700000000) * G_USEC_PER_SEC)
#define S(x) ((gint64)(x)*G_USEC_PER_SEC)
#define STEP .on = TRUE
#define MAX_STEPS 16

typedef struct {
    gboolean on;
    gint64 t_us;      /* since T0 */
    guint32 gid, sid; /* 0:0 means 1:100 */
    const char *msg;
    const char *prio;      /* NULL: 2 */
    const char *src, *dst; /* NULL: absent */
    VerdictAction action;
    PolicyReason reason;
    const char *offender;        /* NULL: not checked */
    gint64 dur_s;                /* BAN/EXTEND: exact duration; 0: not checked */
    gint64 dur_min_s, dur_max_s; /* EXTEND: range, when dur_max_s > 0 */
    const char *matched;         /* PROTECTED/WHITELISTED: the network */
    guint alerts;                /* counted alerts, when not 0 */
} Step;

typedef struct {
    const char *name;
    const char *conf;
    Step steps[MAX_STEPS];
} Scenario;

/* Every scenario runs with own addresses 192.0.2.1 and 2001:db8::1, and default gateways
 * 192.0.2.254 and 2001:db8::fffe. */
static const Scenario scenarios[] = {
    {"offender/source-by-default",
     "",
     {{STEP, .src = "203.0.113.5", .dst = "198.51.100.1", .action = VERDICT_BAN,
       .reason = POLICY_REASON_THRESHOLD, .offender = "203.0.113.5", .dur_s = 3600}}},
    {"offender/swap-marker",
     "",
     {{STEP, .msg = "SMTP 535 Authentication failed BLOCKED DESTINATION", .src = "198.51.100.1",
       .dst = "203.0.113.5", .action = VERDICT_BAN, .offender = "203.0.113.5"}}},
    {"offender/swap-marker-is-case-sensitive",
     "",
     {{STEP, .msg = "blocked destination", .src = "203.0.113.5", .dst = "198.51.100.1",
       .action = VERDICT_BAN, .offender = "203.0.113.5"}}},
    {"offender/swap-marker-custom",
     "[policy]\nswap_marker = REVERSED\n",
     {{STEP, .msg = "BLOCKED DESTINATION", .src = "203.0.113.5", .dst = "198.51.100.1",
       .action = VERDICT_BAN, .offender = "203.0.113.5"},
      {STEP, .msg = "x REVERSED y", .src = "198.51.100.1", .dst = "203.0.113.6",
       .action = VERDICT_BAN, .offender = "203.0.113.6"}}},
    {"offender/swap-marker-empty-disables",
     "[policy]\nswap_marker =\n",
     {{STEP, .msg = "BLOCKED DESTINATION", .src = "203.0.113.5", .dst = "198.51.100.1",
       .action = VERDICT_BAN, .offender = "203.0.113.5"}}},
    {"offender/track-dst",
     "[rule 1:100]\ntrack = dst\n",
     {{STEP, .msg = "plain", .src = "198.51.100.1", .dst = "203.0.113.5", .action = VERDICT_BAN,
       .offender = "203.0.113.5"},
      {STEP, .sid = 101, .msg = "plain", .src = "203.0.113.7", .dst = "198.51.100.1",
       .action = VERDICT_BAN, .offender = "203.0.113.7"}}},
    {"offender/track-src-overrides-marker",
     "[rule 1:*]\ntrack = src\n",
     {{STEP, .msg = "BLOCKED DESTINATION", .src = "203.0.113.5", .dst = "198.51.100.1",
       .action = VERDICT_BAN, .offender = "203.0.113.5"},
      {STEP, .gid = 3, .sid = 1, .msg = "BLOCKED DESTINATION", .src = "198.51.100.1",
       .dst = "203.0.113.9", .action = VERDICT_BAN, .offender = "203.0.113.9"}}},
    {"offender/track-dst-v6",
     "[rule *:100]\ntrack = dst\n",
     {{STEP, .src = "2001:db8:5::1", .dst = "2001:db8:6::7", .action = VERDICT_BAN,
       .offender = "2001:db8:6::7"}}},
    {"offender/missing",
     "[rule 1:200]\ntrack = dst\n",
     {{STEP, .dst = "198.51.100.1", .action = VERDICT_NONE, .reason = POLICY_REASON_NO_OFFENDER},
      {STEP, .msg = "BLOCKED DESTINATION", .src = "203.0.113.5",
       .reason = POLICY_REASON_NO_OFFENDER},
      {STEP, .sid = 200, .src = "203.0.113.5", .reason = POLICY_REASON_NO_OFFENDER},
      {STEP, .sid = 200, .src = "203.0.113.5", .dst = "203.0.113.6", .action = VERDICT_BAN,
       .offender = "203.0.113.6"}}},

    {"never/v4",
     "[policy]\nprotect = 198.51.100.0/24\n[whitelist]\naddress = 203.0.113.64/26\n",
     {{STEP, .src = "192.0.2.1", .reason = POLICY_REASON_OWN_ADDRESS},
      {STEP, .src = "192.0.2.254", .reason = POLICY_REASON_GATEWAY},
      {STEP, .src = "0.0.0.0", .reason = POLICY_REASON_UNSPECIFIED},
      {STEP, .src = "127.0.0.1", .reason = POLICY_REASON_LOOPBACK},
      {STEP, .src = "224.0.0.5", .reason = POLICY_REASON_MULTICAST},
      {STEP, .src = "255.255.255.255", .reason = POLICY_REASON_BROADCAST},
      {STEP, .src = "169.254.3.3", .reason = POLICY_REASON_LINK_LOCAL},
      {STEP, .src = "198.51.100.77", .reason = POLICY_REASON_PROTECTED,
       .matched = "198.51.100.0/24"},
      {STEP, .src = "203.0.113.100", .reason = POLICY_REASON_WHITELISTED_ADDRESS,
       .matched = "203.0.113.64/26"},
      {STEP, .src = "203.0.113.63", .action = VERDICT_BAN, .offender = "203.0.113.63"},
      {STEP, .msg = "BLOCKED DESTINATION", .src = "203.0.113.8", .dst = "192.0.2.1",
       .reason = POLICY_REASON_OWN_ADDRESS}}},
    {"never/v6",
     "[policy]\nprotect = 2001:db8:1::/48\n[whitelist]\naddress = 2001:db8:2::/48\n",
     {{STEP, .src = "2001:db8::1", .reason = POLICY_REASON_OWN_ADDRESS},
      {STEP, .src = "2001:db8::fffe", .reason = POLICY_REASON_GATEWAY},
      {STEP, .src = "::", .reason = POLICY_REASON_UNSPECIFIED},
      {STEP, .src = "::1", .reason = POLICY_REASON_LOOPBACK},
      {STEP, .src = "ff02::1", .reason = POLICY_REASON_MULTICAST},
      {STEP, .src = "fe80::5", .reason = POLICY_REASON_LINK_LOCAL},
      {STEP, .src = "2001:db8:1:2::3", .reason = POLICY_REASON_PROTECTED,
       .matched = "2001:db8:1::/48"},
      {STEP, .src = "2001:db8:2:ffff::9", .reason = POLICY_REASON_WHITELISTED_ADDRESS,
       .matched = "2001:db8:2::/48"},
      {STEP, .src = "2001:db8:3::9", .action = VERDICT_BAN, .offender = "2001:db8:3::9"}}},

    {"filter/rule-whitelist",
     "[whitelist]\nrule = 1:2000\nrule = 129:*, *:3000\n",
     {{STEP, .gid = 1, .sid = 2000, .src = "203.0.113.5", .reason = POLICY_REASON_WHITELISTED_RULE},
      {STEP, .gid = 129, .sid = 4, .src = "203.0.113.5", .reason = POLICY_REASON_WHITELISTED_RULE},
      {STEP, .gid = 7, .sid = 3000, .src = "203.0.113.5", .reason = POLICY_REASON_WHITELISTED_RULE},
      {STEP, .gid = 1, .sid = 2001, .src = "203.0.113.5", .action = VERDICT_BAN}}},
    {"filter/rule-whitelist-before-offender",
     "[whitelist]\nrule = 1:100\n",
     {{STEP, .reason = POLICY_REASON_WHITELISTED_RULE}}},
    {"filter/priority-list",
     "[policy]\npriorities = 1 2\n",
     {{STEP, .prio = "3", .src = "203.0.113.5", .reason = POLICY_REASON_PRIORITY},
      {STEP, .prio = "0", .src = "203.0.113.5", .reason = POLICY_REASON_PRIORITY},
      {STEP, .prio = "-1", .src = "203.0.113.5", .reason = POLICY_REASON_PRIORITY},
      {STEP, .prio = "1", .src = "203.0.113.5", .action = VERDICT_BAN}}},
    {"filter/priority-range",
     "[policy]\npriorities = 0-1, 4\n",
     {{STEP, .prio = "2", .src = "203.0.113.5", .reason = POLICY_REASON_PRIORITY},
      {STEP, .prio = "5", .src = "203.0.113.5", .reason = POLICY_REASON_PRIORITY},
      {STEP, .prio = "-1", .src = "203.0.113.5", .action = VERDICT_BAN},
      {STEP, .prio = "4", .src = "203.0.113.6", .action = VERDICT_BAN},
      {STEP, .prio = "0", .src = "203.0.113.7", .action = VERDICT_BAN}}},
    {"filter/priority-empty-is-all",
     "",
     {{STEP, .prio = "200", .src = "203.0.113.5", .action = VERDICT_BAN}}},
    {"filter/home-net",
     "[policy]\nhome_net = 198.51.100.0/24 2001:db8:9::/48\n",
     {{STEP, .src = "203.0.113.5", .dst = "203.0.113.200",
       .reason = POLICY_REASON_OUTSIDE_HOME_NET},
      {STEP, .src = "203.0.113.5", .reason = POLICY_REASON_OUTSIDE_HOME_NET},
      {STEP, .src = "203.0.113.5", .dst = "198.51.100.9", .action = VERDICT_BAN},
      {STEP, .msg = "BLOCKED DESTINATION", .src = "198.51.100.9", .dst = "203.0.113.6",
       .action = VERDICT_BAN, .offender = "203.0.113.6"},
      {STEP, .msg = "BLOCKED DESTINATION", .src = "203.0.113.1", .dst = "203.0.113.7",
       .reason = POLICY_REASON_OUTSIDE_HOME_NET},
      {STEP, .src = "2001:db8:5::1", .dst = "2001:db8:9::1", .action = VERDICT_BAN}}},
    {"filter/ignore",
     "[rule 1:*]\nignore = yes\n[rule 1:7]\nignore = no\n",
     {{STEP, .src = "203.0.113.5", .reason = POLICY_REASON_RULE_IGNORED},
      {STEP, .sid = 7, .src = "203.0.113.5", .action = VERDICT_BAN},
      {STEP, .gid = 2, .sid = 100, .src = "203.0.113.6", .action = VERDICT_BAN}}},

    {"threshold/edge-inside",
     "[policy]\nthreshold = 3/60s\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD, .alerts = 1},
      {STEP, .t_us = S(30), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD,
       .alerts = 2},
      {STEP, .t_us = S(60) - 1, .src = "203.0.113.5", .action = VERDICT_BAN, .alerts = 3}}},
    {"threshold/edge-outside",
     "[policy]\nthreshold = 3/60s\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(30), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(60), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD,
       .alerts = 2},
      {STEP, .t_us = S(89) + 999999, .src = "203.0.113.5", .action = VERDICT_BAN, .alerts = 3}}},
    {"threshold/sliding-not-bucket",
     "[policy]\nthreshold = 3/60s\n",
     {{STEP, .t_us = S(50), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(70), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(100), .src = "203.0.113.5", .action = VERDICT_BAN}}},
    {"threshold/slow-trickle-never-bans",
     "[policy]\nthreshold = 2/10s\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(10), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(20), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(30), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(39), .src = "203.0.113.5", .action = VERDICT_BAN}}},
    {"threshold/per-offender",
     "[policy]\nthreshold = 2/60s\n",
     {{STEP, .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .src = "203.0.113.6", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .src = "2001:db8:5::1", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .src = "203.0.113.6", .action = VERDICT_BAN, .offender = "203.0.113.6"},
      {STEP, .src = "2001:db8:5::1", .action = VERDICT_BAN, .offender = "2001:db8:5::1"}}},
    {"threshold/bans-once",
     "[policy]\nthreshold = 3/60s\nextend = 0\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(1), .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD},
      {STEP, .t_us = S(2), .src = "203.0.113.5", .action = VERDICT_BAN},
      {STEP, .t_us = S(3), .src = "203.0.113.5", .reason = POLICY_REASON_ALREADY_BANNED},
      {STEP, .t_us = S(4), .src = "203.0.113.5", .reason = POLICY_REASON_ALREADY_BANNED},
      {STEP, .t_us = S(5), .src = "203.0.113.5", .reason = POLICY_REASON_ALREADY_BANNED}}},
    {"threshold/per-rule",
     "[policy]\nthreshold = 3/60s\n[rule 1:500]\nthreshold = 2/60s\n",
     {{STEP, .sid = 1, .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD, .alerts = 1},
      {STEP, .sid = 500, .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD,
       .alerts = 1},
      {STEP, .sid = 2, .src = "203.0.113.5", .reason = POLICY_REASON_BELOW_THRESHOLD, .alerts = 2},
      {STEP, .sid = 500, .src = "203.0.113.5", .action = VERDICT_BAN, .alerts = 2}}},
    {"threshold/per-rule-ban-time",
     "[rule 1:600]\nban_time = 2h\n",
     {{STEP, .sid = 600, .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 7200},
      {STEP, .sid = 601, .src = "203.0.113.6", .action = VERDICT_BAN, .dur_s = 3600}}},

    {"ban-time/escalation",
     "[policy]\nban_time = 1h\nescalate = 2\nmax_ban_time = 5h\nextend = 0\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 3600},
      {STEP, .t_us = S(3599), .src = "203.0.113.5", .reason = POLICY_REASON_ALREADY_BANNED},
      {STEP, .t_us = S(3600), .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 7200},
      {STEP, .t_us = S(3600 + 7200), .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 14400},
      {STEP, .t_us = S(3600 + 7200 + 14400), .src = "203.0.113.5", .action = VERDICT_BAN,
       .dur_s = 18000},
      {STEP, .t_us = S(3600 + 7200 + 14400 + 18000), .src = "203.0.113.5", .action = VERDICT_BAN,
       .dur_s = 18000},
      {STEP, .t_us = S(3600 + 7200 + 14400 + 18000), .src = "203.0.113.6", .action = VERDICT_BAN,
       .dur_s = 3600}}},
    {"ban-time/escalation-fraction",
     "[policy]\nban_time = 100s\nescalate = 1.5\nextend = 0\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 100},
      {STEP, .t_us = S(100), .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 150},
      {STEP, .t_us = S(250), .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 225}}},
    {"ban-time/escalate-one-is-flat",
     "[policy]\nban_time = 1h\nescalate = 1\nextend = 0\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 3600},
      {STEP, .t_us = S(3600), .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 3600}}},
    {"ban-time/extension",
     "[policy]\nban_time = 1h\nextend = 10m-30m\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 3600},
      {STEP, .t_us = S(10), .src = "203.0.113.5", .action = VERDICT_EXTEND,
       .reason = POLICY_REASON_EXTENDED, .dur_min_s = 600, .dur_max_s = 1800},
      {STEP, .t_us = S(20), .src = "203.0.113.5", .action = VERDICT_EXTEND,
       .reason = POLICY_REASON_EXTENDED, .dur_min_s = 600, .dur_max_s = 1800}}},
    {"ban-time/extension-fixed",
     "[policy]\nban_time = 1h\nextend = 5m\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 3600},
      {STEP, .t_us = S(10), .src = "203.0.113.5", .action = VERDICT_EXTEND,
       .reason = POLICY_REASON_EXTENDED, .dur_s = 300}}},
    {"ban-time/extension-capped",
     "[policy]\nban_time = 1h\nmax_ban_time = 1h\nextend = 10m\n",
     {{STEP, .t_us = 0, .src = "203.0.113.5", .action = VERDICT_BAN, .dur_s = 3600},
      {STEP, .t_us = S(5), .src = "203.0.113.5", .action = VERDICT_EXTEND,
       .reason = POLICY_REASON_EXTENDED, .dur_s = 5},
      {STEP, .t_us = S(5), .src = "203.0.113.5", .reason = POLICY_REASON_ALREADY_BANNED},
      {STEP, .t_us = S(700), .src = "203.0.113.5", .action = VERDICT_EXTEND, .dur_s = 600}}},
};

static OwnAddr *
make_own(void)
{
    OwnAddr *own = ownaddr_new();
    const char *local[] = {"192.0.2.1", "2001:db8::1"};
    const char *gw[] = {"192.0.2.254", "2001:db8::fffe"};
    IpAddr a;
    for (gsize i = 0; i < G_N_ELEMENTS(local); i++) {
        g_assert_true(ipaddr_parse(local[i], &a));
        ownaddr_add(own, OWNADDR_LOCAL, &a);
        g_assert_true(ipaddr_parse(gw[i], &a));
        ownaddr_add(own, OWNADDR_GATEWAY, &a);
    }
    return own;
}

static void
make_alert(Alert *a, guint32 gid, guint32 sid, const char *msg, gint32 prio, const char *src,
           const char *dst)
{
    memset(a, 0, sizeof *a);
    a->producer = ALERT_PRODUCER_SNORT2;
    a->gid = gid;
    a->sid = sid;
    a->rev = 1;
    g_strlcpy(a->msg, msg ? msg : "test alert", sizeof a->msg);
    a->priority = prio;
    if (src)
        g_assert_true(ipaddr_parse(src, &a->src));
    if (dst)
        g_assert_true(ipaddr_parse(dst, &a->dst));
    a->src_port = a->dst_port = -1;
}

/* The policy wired to a ban table the way `alertban replay` wires it: every BAN and EXTEND
 * verdict is applied before the next alert. Bans the test puts in by hand (manual, permanent,
 * or longer than the cap) are looked up first and never change. */
#define RUN_HAND_MAX 4

typedef struct {
    Policy *policy;
    ReplayBans *bans;
    IpAddr hand_addr[RUN_HAND_MAX];
    PolicyBanInfo hand[RUN_HAND_MAX];
    guint n_hand;
} Run;

static void
run_lookup(Run *r, const IpAddr *a, gint64 now_us, PolicyBanInfo *out)
{
    memset(out, 0, sizeof *out);
    for (guint i = 0; i < r->n_hand; i++) {
        if (ipaddr_equal(a, &r->hand_addr[i])) {
            *out = r->hand[i];
            out->banned = out->expires_us == 0 || now_us < out->expires_us;
            return;
        }
    }
    replay_bans_lookup(a, now_us, out, r->bans);
}

static void
run_lookup_cb(const IpAddr *a, gint64 now_us, PolicyBanInfo *out, gpointer user_data)
{
    run_lookup(user_data, a, now_us, out);
}

static Run *
run_new(const Config *cfg, const OwnAddr *own, guint32 seed)
{
    Run *r = g_new0(Run, 1);
    r->policy = policy_new(cfg, seed);
    r->bans = replay_bans_new(0);
    policy_set_ownaddr(r->policy, own);
    policy_set_ban_lookup(r->policy, run_lookup_cb, r);
    policy_set_ban_func(r->policy, replay_bans_apply, r->bans);
    return r;
}

static void
run_free(Run *r)
{
    policy_free(r->policy);
    replay_bans_free(r->bans);
    g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Run, run_free)

static VerdictAction
run_feed(Run *r, const Alert *a, gint64 now_us, Verdict *v)
{
    VerdictAction act = policy_record_alert(r->policy, a, now_us, v);
    policy_apply_verdict(r->policy, a, now_us, v);
    return act;
}

/* expires_us 0 is permanent; offenses is the earlier-ban count used for escalation. */
static void
run_add_ban(Run *r, const IpAddr *a, gint64 expires_us, gboolean manual, guint offenses)
{
    g_assert_cmpuint(r->n_hand, <, RUN_HAND_MAX);
    r->hand_addr[r->n_hand] = *a;
    r->hand[r->n_hand] =
        (PolicyBanInfo){.manual = manual, .expires_us = expires_us, .offenses = offenses};
    r->n_hand++;
}

static void
test_scenario(gconstpointer data)
{
    const Scenario *sc = data;
    g_autoptr(GError) error = NULL;
    /* These cases assume that every priority counts and one alert bans, unless they say. */
    g_autofree char *text = test_config_with_old_policy(sc->conf);
    g_autoptr(Config) cfg = config_load_string(text, "/etc/t.conf", &error);
    g_assert_no_error(error);
    g_autoptr(OwnAddr) own = make_own();
    g_autoptr(Run) r = run_new(cfg, own, 1234);
    guint64 want_reasons[POLICY_REASON_N] = {0};
    guint n = 0;
    for (guint i = 0; i < MAX_STEPS && sc->steps[i].on; i++, n++) {
        const Step *st = &sc->steps[i];
        Alert a;
        gint32 prio = 2;
        if (st->prio)
            prio = (gint32)g_ascii_strtoll(st->prio, NULL, 10);
        make_alert(&a, st->gid || st->sid ? (st->gid ? st->gid : 1) : 1, st->sid ? st->sid : 100,
                   st->msg, prio, st->src, st->dst);
        Verdict v;
        VerdictAction act = run_feed(r, &a, T0 + st->t_us, &v);
        g_test_message("step %u: %s %s", i, verdict_action_name(act), policy_reason_name(v.reason));
        g_assert_cmpstr(verdict_action_name(act), ==, verdict_action_name(st->action));
        g_assert_cmpint(v.action, ==, act);
        PolicyReason want_reason = st->reason;
        if (st->action == VERDICT_EXTEND)
            want_reason = POLICY_REASON_EXTENDED;
        g_assert_cmpstr(policy_reason_name(v.reason), ==, policy_reason_name(want_reason));
        want_reasons[want_reason]++;
        char buf[IPADDR_STRLEN];
        if (st->offender)
            g_assert_cmpstr(ipaddr_format(&v.offender, buf), ==, st->offender);
        if (st->matched)
            g_assert_cmpstr(ipprefix_format(&v.matched, buf), ==, st->matched);
        if (st->alerts)
            g_assert_cmpuint(v.alerts, ==, st->alerts);
        if (st->dur_s)
            g_assert_cmpint(v.duration_us, ==, S(st->dur_s));
        if (st->dur_max_s) {
            g_assert_cmpint(v.duration_us, >=, S(st->dur_min_s));
            g_assert_cmpint(v.duration_us, <=, S(st->dur_max_s));
        }
        if (act == VERDICT_BAN)
            g_assert_cmpint(v.expires_us, ==, T0 + st->t_us + v.duration_us);
        if (act != VERDICT_NONE) {
            PolicyBanInfo info;
            run_lookup(r, &v.offender, T0 + st->t_us, &info);
            g_assert_true(info.banned);
            g_assert_cmpint(info.expires_us, ==, v.expires_us);
        }
    }
    const PolicyStats *stats = policy_stats(r->policy);
    g_assert_cmpuint(stats->alerts, ==, n);
    for (guint i = 0; i < POLICY_REASON_N; i++)
        g_assert_cmpuint(stats->reasons[i], ==, want_reasons[i]);
}

/* ---- single cases that need more than a table ---- */

static Config *
load(const char *text)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *full = test_config_with_old_policy(text);
    Config *cfg = config_load_string(full, "/etc/t.conf", &error);
    g_assert_no_error(error);
    return cfg;
}

static VerdictAction
feed(Run *r, const char *src, gint64 now_us, Verdict *v)
{
    Alert a;
    make_alert(&a, 1, 100, NULL, 2, src, "198.51.100.1");
    return run_feed(r, &a, now_us, v);
}

static guint offenses_calls;

static guint
three_offenses(const IpAddr *a, gpointer user_data)
{
    (void)a;
    (void)user_data;
    offenses_calls++;
    return 3;
}

/* ---- policy_apply_verdict: the one way from a verdict to the ban table ---- */

typedef struct {
    guint n;
    PolicyBanOrder last;
    char prefix[IPADDR_STRLEN];
    gboolean refuse;
    /* A fixed view of the table for the lookup: a ban in force on `covering`, when set. */
    IpPrefix covering;
    gboolean covering_manual;
} Table;

static gboolean
table_ban(const PolicyBanOrder *order, gpointer user_data)
{
    Table *t = user_data;
    t->n++;
    t->last = *order;
    ipprefix_format(&order->prefix, t->prefix);
    return !t->refuse;
}

static void
table_lookup(const IpAddr *a, gint64 now_us, PolicyBanInfo *out, gpointer user_data)
{
    (void)now_us;
    Table *t = user_data;
    if (t->covering.addr.family && ipprefix_contains(&t->covering, a)) {
        out->banned = TRUE;
        out->manual = t->covering_manual;
        out->expires_us = 2000 * G_USEC_PER_SEC;
        out->prefix = t->covering;
    }
}

/* A BAN orders the offender's address for the ban time with the alerts of the window; a
 * refused one turns the verdict into NONE/refused, and the counts follow. */
static void
test_apply_ban_and_refused(void)
{
    g_autoptr(Config) cfg = load("[policy]\nthreshold = 2/60s\nban_time = 1h\n");
    g_autoptr(Policy) p = policy_new(cfg, 1);
    Table t = {0};
    policy_set_ban_lookup(p, table_lookup, &t);
    policy_set_ban_func(p, table_ban, &t);
    Alert a;
    make_alert(&a, 1, 100, NULL, 2, "203.0.113.9", "198.51.100.1");
    gint64 now = 1000 * G_USEC_PER_SEC;
    Verdict v;
    policy_record_alert(p, &a, now, &v);
    g_assert_false(policy_apply_verdict(p, &a, now, &v));
    g_assert_cmpuint(t.n, ==, 0); /* below the threshold: nothing asked */
    g_assert_cmpstr(policy_verdict_word(&v), ==, "below_threshold");
    policy_record_alert(p, &a, now + 1, &v);
    g_assert_true(policy_apply_verdict(p, &a, now + 1, &v));
    g_assert_cmpuint(t.n, ==, 1);
    g_assert_cmpstr(t.prefix, ==, "203.0.113.9");
    g_assert_cmpint(t.last.duration_s, ==, 3600);
    g_assert_cmpuint(t.last.alerts, ==, 2);
    g_assert_cmpstr(t.last.reason, ==, "threshold");
    g_assert_cmpint(t.last.now_us, ==, now + 1);
    g_assert_cmpstr(policy_verdict_word(&v), ==, "ban");

    t.refuse = TRUE;
    make_alert(&a, 1, 100, NULL, 2, "203.0.113.10", "198.51.100.1");
    policy_record_alert(p, &a, now + 2, &v);
    policy_record_alert(p, &a, now + 3, &v);
    g_assert_cmpint(v.action, ==, VERDICT_BAN);
    g_assert_false(policy_apply_verdict(p, &a, now + 3, &v));
    g_assert_cmpint(v.action, ==, VERDICT_NONE);
    g_assert_cmpint(v.reason, ==, POLICY_REASON_REFUSED);
    g_assert_cmpstr(policy_verdict_word(&v), ==, "refused");
    const PolicyStats *st = policy_stats(p);
    g_assert_cmpuint(st->bans, ==, 1);
    g_assert_cmpuint(st->reasons[POLICY_REASON_THRESHOLD], ==, 1);
    g_assert_cmpuint(st->reasons[POLICY_REASON_REFUSED], ==, 1);
}

/* A violation inside a network an operator banned is counted into that network's ban (one
 * second, which never shortens it); an extension goes to the covering ban too. */
static void
test_apply_covering(void)
{
    g_autoptr(Config) cfg = load("[policy]\nban_time = 1h\nextend = 5m\n");
    g_autoptr(Policy) p = policy_new(cfg, 1);
    Table t = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(ipprefix_parse("203.0.113.0/24", &t.covering, &error));
    t.covering_manual = TRUE;
    policy_set_ban_lookup(p, table_lookup, &t);
    policy_set_ban_func(p, table_ban, &t);
    Alert a;
    make_alert(&a, 1, 100, "scan", 2, "203.0.113.50", "198.51.100.1");
    gint64 now = 1000 * G_USEC_PER_SEC;
    Verdict v;
    policy_record_alert(p, &a, now, &v);
    g_assert_cmpint(v.reason, ==, POLICY_REASON_ALREADY_BANNED);
    g_assert_true(policy_apply_verdict(p, &a, now, &v));
    g_assert_cmpstr(t.prefix, ==, "203.0.113.0/24");
    g_assert_cmpint(t.last.duration_s, ==, 1);
    g_assert_cmpuint(t.last.alerts, ==, 1);
    g_assert_cmpstr(t.last.reason, ==, "already_banned");
    g_assert_cmpstr(t.last.msg, ==, "scan");
    g_assert_cmpstr(policy_verdict_word(&v), ==, "already_banned");

    /* Not manual: the covering ban is extended, on its own prefix. */
    t.covering_manual = FALSE;
    policy_record_alert(p, &a, now, &v);
    g_assert_cmpint(v.action, ==, VERDICT_EXTEND);
    g_assert_true(policy_apply_verdict(p, &a, now, &v));
    g_assert_cmpstr(t.prefix, ==, "203.0.113.0/24");
    g_assert_cmpint(t.last.duration_s, ==, (v.expires_us - now) / G_USEC_PER_SEC);
    g_assert_cmpstr(policy_verdict_word(&v), ==, "extend");

    /* Without a ban func nothing is asked and nothing changes. */
    policy_set_ban_func(p, NULL, NULL);
    guint before = t.n;
    policy_record_alert(p, &a, now, &v);
    g_assert_false(policy_apply_verdict(p, &a, now, &v));
    g_assert_cmpuint(t.n, ==, before);
}

/* The count of earlier bans is asked for only when an alert is about to ban, and it sets the
 * escalated ban time. */
static void
test_offenses_lookup_only_on_ban(void)
{
    g_autoptr(Config) cfg =
        load("[policy]\nthreshold = 3/60s\nban_time = 1h\nescalate = 2\nmax_ban_time = 7d\n");
    g_autoptr(Policy) p = policy_new(cfg, 1);
    policy_set_offenses_lookup(p, three_offenses, NULL);
    offenses_calls = 0;
    Alert a;
    make_alert(&a, 1, 100, NULL, 2, "203.0.113.9", "198.51.100.1");
    Verdict v;
    gint64 t = 1000 * G_USEC_PER_SEC;
    g_assert_cmpint(policy_record_alert(p, &a, t, &v), ==, VERDICT_NONE);
    g_assert_cmpint(policy_record_alert(p, &a, t + 1, &v), ==, VERDICT_NONE);
    g_assert_cmpuint(offenses_calls, ==, 0);
    g_assert_cmpint(policy_record_alert(p, &a, t + 2, &v), ==, VERDICT_BAN);
    g_assert_cmpuint(offenses_calls, ==, 1);
    g_assert_cmpuint(v.offenses, ==, 3);
    g_assert_cmpint(v.duration_us, ==, (gint64)8 * 3600 * G_USEC_PER_SEC);
}

static void
test_manual_never_touched(void)
{
    g_autoptr(Config) cfg = load("[policy]\nmax_ban_time = 1h\nextend = 10m\n");
    g_autoptr(Run) r = run_new(cfg, NULL, 1);
    IpAddr a, b;
    g_assert_true(ipaddr_parse("203.0.113.5", &a));
    g_assert_true(ipaddr_parse("203.0.113.6", &b));
    /* A manual ban longer than max_ban_time, and a permanent one. */
    run_add_ban(r, &a, T0 + S(86400 * 30), TRUE, 0);
    run_add_ban(r, &b, 0, FALSE, 3);
    Verdict v;
    for (int i = 0; i < 5; i++) {
        g_assert_cmpint(feed(r, "203.0.113.5", T0 + S(i), &v), ==, VERDICT_NONE);
        g_assert_cmpint(v.reason, ==, POLICY_REASON_ALREADY_BANNED);
        g_assert_cmpint(v.expires_us, ==, T0 + S(86400 * 30));
        g_assert_cmpint(feed(r, "203.0.113.6", T0 + S(i), &v), ==, VERDICT_NONE);
        g_assert_cmpint(v.reason, ==, POLICY_REASON_ALREADY_BANNED);
    }
    PolicyBanInfo info;
    run_lookup(r, &a, T0 + S(10), &info);
    g_assert_cmpint(info.expires_us, ==, T0 + S(86400 * 30));
    /* A policy ban longer than the cap (the cap was lowered by a reload) is not shortened. */
    IpAddr c;
    g_assert_true(ipaddr_parse("203.0.113.7", &c));
    run_add_ban(r, &c, T0 + S(7200), FALSE, 1);
    g_assert_cmpint(feed(r, "203.0.113.7", T0, &v), ==, VERDICT_NONE);
    g_assert_cmpint(v.reason, ==, POLICY_REASON_ALREADY_BANNED);
    run_lookup(r, &c, T0, &info);
    g_assert_cmpint(info.expires_us, ==, T0 + S(7200));
}

/* The same seed gives the same extensions; another seed (almost surely) other ones. */
static void
test_extension_seed(void)
{
    g_autoptr(Config) cfg = load("[policy]\nextend = 1s-1d\nmax_ban_time = 3650d\n");
    gint64 runs[3][20];
    guint32 seeds[3] = {99, 99, 100};
    for (int s = 0; s < 3; s++) {
        g_autoptr(Run) r = run_new(cfg, NULL, seeds[s]);
        Verdict v;
        g_assert_cmpint(feed(r, "203.0.113.5", T0, &v), ==, VERDICT_BAN);
        for (int i = 0; i < 20; i++) {
            g_assert_cmpint(feed(r, "203.0.113.5", T0 + S(i + 1), &v), ==, VERDICT_EXTEND);
            g_assert_cmpint(v.duration_us, >=, S(1));
            g_assert_cmpint(v.duration_us, <=, S(86400));
            runs[s][i] = v.duration_us;
        }
    }
    g_assert_cmpmem(runs[0], sizeof runs[0], runs[1], sizeof runs[1]);
    g_assert_true(memcmp(runs[0], runs[2], sizeof runs[0]) != 0);
    /* The values spread over the range instead of sticking to one end. */
    gint64 lo = G_MAXINT64, hi = 0;
    for (int i = 0; i < 20; i++) {
        lo = MIN(lo, runs[0][i]);
        hi = MAX(hi, runs[0][i]);
    }
    g_assert_cmpint(hi - lo, >, S(3600));
}

/* 1,000,000 distinct addresses: the table never holds more than max_tracked. */
static void
test_spray(void)
{
    g_autoptr(Config) cfg = load("[policy]\nthreshold = 5/60s\nmax_tracked = 10000\n");
    g_autoptr(Policy) p = policy_new(cfg, 5);
    const PolicyStats *st = policy_stats(p);
    Alert a;
    make_alert(&a, 1, 100, NULL, 2, "2001:db8::", "198.51.100.1");
    enum { N = 1000000 };
    for (guint i = 0; i < N; i++) {
        /* 2001:db8:0:0:0:0:XXXX:XXXX with i spread over the last 32 bits. */
        a.src.bytes[12] = (guint8)(i >> 24);
        a.src.bytes[13] = (guint8)(i >> 16);
        a.src.bytes[14] = (guint8)(i >> 8);
        a.src.bytes[15] = (guint8)i;
        Verdict v;
        g_assert_cmpint(policy_record_alert(p, &a, T0 + i, &v), ==, VERDICT_NONE);
        if (G_UNLIKELY(st->tracked > 10000))
            g_error("tracked %u > 10000 after %u alerts", st->tracked, i + 1);
    }
    g_assert_cmpuint(st->tracked, ==, 10000);
    g_assert_cmpuint(st->tracked_peak, ==, 10000);
    g_assert_cmpuint(st->evicted, ==, N - 10000);
    g_assert_cmpuint(st->reasons[POLICY_REASON_BELOW_THRESHOLD], ==, N);
    g_assert_cmpuint(st->bans, ==, 0);

    /* The most recent addresses are still counted; an evicted one starts again from 1. */
    Verdict v;
    static const guint8 last[4] = {0x00, 0x0f, 0x42, 0x3f}; /* i = N - 1 = 999999 */
    memcpy(a.src.bytes + 12, last, 4);
    policy_record_alert(p, &a, T0 + N, &v);
    g_assert_cmpuint(v.alerts, ==, 2);
    memset(a.src.bytes + 12, 0, 4);
    policy_record_alert(p, &a, T0 + N, &v);
    g_assert_cmpuint(v.alerts, ==, 1);
    g_assert_cmpuint(st->tracked, ==, 10000);
}

/* Run with -m perf: alerts per second through policy_record_alert() with 100,000 offenders
 * below their threshold (scripts/bench policy). */
static void
test_perf(void)
{
    if (!g_test_perf()) {
        g_test_skip("run with -m perf");
        return;
    }
    const char *n_env = g_getenv("AB_BENCH_N");
    const guint N = n_env ? (guint)g_ascii_strtoull(n_env, NULL, 10) : 2000000;
    g_autoptr(Config) cfg = load("[policy]\nthreshold = 1000/1d\nmax_tracked = 100000\n"
                                 "protect = 192.0.2.0/24\n[whitelist]\naddress = 203.0.113.0/24\n");
    g_autoptr(Policy) p = policy_new(cfg, 5);
    Alert a;
    make_alert(&a, 1, 100, NULL, 2, "198.18.0.0", "192.0.2.1");
    Verdict v;
    g_test_timer_start();
    for (guint i = 0; i < N; i++) {
        guint x = (i * 2654435761u) % 100000; /* 100,000 addresses in 198.18.0.0/15 */
        a.src.bytes[1] = (guint8)(18 + (x >> 16));
        a.src.bytes[2] = (guint8)(x >> 8);
        a.src.bytes[3] = (guint8)x;
        policy_record_alert(p, &a, T0 + i, &v);
    }
    double s = g_test_timer_elapsed();
    g_assert_cmpuint(policy_stats(p)->tracked, ==, 100000);
    g_test_minimized_result(s, "%.0f alerts per second", N / s);
    printf("policy_alerts_per_second %.0f tracked %u\n", N / s, policy_stats(p)->tracked);
}

static void
test_valve(void)
{
    g_autoptr(Config) cfg = load("[policy]\nmax_bans_per_minute = 3\n");
    g_autoptr(Run) r = run_new(cfg, NULL, 1);
    const PolicyStats *st = policy_stats(r->policy);
    Verdict v;
    test_log_clear();
    g_assert_cmpint(feed(r, "203.0.113.1", T0 + S(0), &v), ==, VERDICT_BAN);
    g_assert_cmpint(feed(r, "203.0.113.2", T0 + S(1), &v), ==, VERDICT_BAN);
    g_assert_cmpint(feed(r, "203.0.113.3", T0 + S(2), &v), ==, VERDICT_BAN);
    g_assert_false(st->valve_active);
    g_assert_cmpint(feed(r, "203.0.113.4", T0 + S(3), &v), ==, VERDICT_NONE);
    g_assert_cmpint(v.reason, ==, POLICY_REASON_HELD);
    g_assert_true(st->valve_active);
    g_assert_cmpint(feed(r, "203.0.113.5", T0 + S(4), &v), ==, VERDICT_NONE);
    g_assert_cmpint(v.reason, ==, POLICY_REASON_HELD);
    g_assert_cmpint(feed(r, "203.0.113.4", T0 + S(59), &v), ==, VERDICT_NONE);
    g_assert_cmpint(v.reason, ==, POLICY_REASON_HELD);
    /* Warned once, not per held ban. */
    g_assert_cmpuint(test_log_count("*more than max_bans_per_minute=3 new bans*"), ==, 1);
    g_assert_cmpuint(st->valve_trips, ==, 1);
    g_assert_cmpuint(st->reasons[POLICY_REASON_HELD], ==, 3);
    /* A minute after the first ban there is room again: a held address is banned at its next
     * alert (it stayed tracked). */
    g_assert_cmpint(feed(r, "203.0.113.4", T0 + S(60), &v), ==, VERDICT_BAN);
    g_assert_false(st->valve_active);
    test_log_assert("*ban rate back under max_bans_per_minute=3*");
    g_assert_cmpuint(st->bans, ==, 4);
    /* Extensions are not new bans and never held. */
    g_assert_cmpint(feed(r, "203.0.113.2", T0 + S(61), &v), ==, VERDICT_EXTEND);
    g_assert_cmpint(feed(r, "203.0.113.2", T0 + S(61), &v), ==, VERDICT_EXTEND);
    /* Zero turns the valve off. */
    g_autoptr(Config) off = load("[policy]\nmax_bans_per_minute = 0\n");
    g_autoptr(Run) r2 = run_new(off, NULL, 1);
    for (int i = 0; i < 2000; i++) {
        Alert a;
        make_alert(&a, 1, 100, NULL, 2, "198.18.0.0", "198.51.100.1");
        a.src.bytes[2] = (guint8)(i >> 8);
        a.src.bytes[3] = (guint8)i;
        g_assert_cmpint(run_feed(r2, &a, T0, &v), ==, VERDICT_BAN);
    }
}

static void
test_out_of_order(void)
{
    g_autoptr(Config) cfg = load("[policy]\nthreshold = 2/10s\n");
    g_autoptr(Policy) p = policy_new(cfg, 1);
    Alert a;
    make_alert(&a, 1, 100, NULL, 2, "203.0.113.5", NULL);
    Verdict v;
    g_assert_cmpint(policy_record_alert(p, &a, T0 + S(100), &v), ==, VERDICT_NONE);
    /* An older time counts as the newest seen, so the window is not stretched backwards. */
    g_assert_cmpint(policy_record_alert(p, &a, T0 + S(50), &v), ==, VERDICT_BAN);
    g_assert_cmpint(v.expires_us, ==, T0 + S(50) + S(3600));
}

static void
test_prune(void)
{
    g_autoptr(Config) cfg = load("[policy]\nthreshold = 5/60s\n[rule 1:7]\nthreshold = 5/10m\n");
    g_autoptr(Policy) p = policy_new(cfg, 1);
    Alert a;
    Verdict v;
    make_alert(&a, 1, 100, NULL, 2, "203.0.113.5", NULL);
    policy_record_alert(p, &a, T0, &v);
    make_alert(&a, 1, 7, NULL, 2, "203.0.113.6", NULL);
    policy_record_alert(p, &a, T0, &v);
    g_assert_cmpuint(policy_stats(p)->tracked, ==, 2);
    g_assert_cmpuint(policy_prune(p, T0 + S(59)), ==, 0);
    g_assert_cmpuint(policy_prune(p, T0 + S(60)), ==, 1);
    g_assert_cmpuint(policy_stats(p)->tracked, ==, 1);
    g_assert_cmpuint(policy_prune(p, T0 + S(600)), ==, 1);
    g_assert_cmpuint(policy_stats(p)->tracked, ==, 0);
}

/* A reload keeps the windows: a smaller threshold applies to the alerts already counted. */
static void
test_reload(void)
{
    g_autoptr(Config) a = load("[policy]\nthreshold = 5/60s\n");
    g_autoptr(Config) b = load("[policy]\nthreshold = 3/60s\nprotect = 203.0.113.9\n");
    g_autoptr(Policy) p = policy_new(a, 1);
    Alert al;
    Verdict v;
    make_alert(&al, 1, 100, NULL, 2, "203.0.113.5", NULL);
    for (int i = 0; i < 2; i++)
        g_assert_cmpint(policy_record_alert(p, &al, T0 + S(i), &v), ==, VERDICT_NONE);
    policy_set_config(p, b);
    g_assert_cmpint(policy_record_alert(p, &al, T0 + S(2), &v), ==, VERDICT_BAN);
    make_alert(&al, 1, 100, NULL, 2, "203.0.113.9", NULL);
    g_assert_cmpint(policy_record_alert(p, &al, T0 + S(3), &v), ==, VERDICT_NONE);
    g_assert_cmpint(v.reason, ==, POLICY_REASON_PROTECTED);
    /* Counted under 3, then 5: the ring grows, keeping what it had. */
    make_alert(&al, 1, 100, NULL, 2, "203.0.113.6", NULL);
    for (int i = 0; i < 2; i++)
        g_assert_cmpint(policy_record_alert(p, &al, T0 + S(10 + i), &v), ==, VERDICT_NONE);
    policy_set_config(p, a);
    g_assert_cmpint(policy_record_alert(p, &al, T0 + S(20), &v), ==, VERDICT_NONE);
    g_assert_cmpuint(v.alerts, ==, 3);
    g_assert_cmpuint(v.threshold.count, ==, 5);
}

static void
test_check_address(void)
{
    g_autoptr(Config) cfg = load("[whitelist]\naddress = 203.0.113.0/24\n");
    g_autoptr(OwnAddr) own = make_own();
    g_autoptr(Policy) p = policy_new(cfg, 1);
    IpAddr a;
    g_assert_true(ipaddr_parse("192.0.2.1", &a));
    g_assert_cmpint(policy_check_address(p, &a, NULL), ==, POLICY_REASON_N);
    policy_set_ownaddr(p, own);
    g_assert_cmpint(policy_check_address(p, &a, NULL), ==, POLICY_REASON_OWN_ADDRESS);
    /* A change to the own-address set is seen at once (DHCP moved us). */
    ownaddr_remove(own, OWNADDR_LOCAL, &a);
    g_assert_cmpint(policy_check_address(p, &a, NULL), ==, POLICY_REASON_N);
    g_assert_true(ipaddr_parse("203.0.113.77", &a));
    IpPrefix m;
    g_assert_cmpint(policy_check_address(p, &a, &m), ==, POLICY_REASON_WHITELISTED_ADDRESS);
    g_assert_cmpuint(m.len, ==, 24);
}

static void
test_names(void)
{
    for (guint i = 0; i < POLICY_REASON_N; i++) {
        const char *n = policy_reason_name(i);
        g_assert_nonnull(n);
        g_assert_cmpstr(n, !=, "unknown");
        g_assert_cmpint(policy_reason_from_name(n), ==, i);
    }
    g_assert_cmpstr(policy_reason_name(POLICY_REASON_THRESHOLD), ==, "threshold");
    g_assert_cmpstr(policy_reason_name(POLICY_REASON_WHITELISTED_ADDRESS), ==,
                    "whitelisted_address");
    g_assert_cmpint(policy_reason_from_name("nope"), ==, POLICY_REASON_N);
}

static void
test_duration(void)
{
    g_autoptr(Config) cfg = load("[policy]\nban_time = 1h\nescalate = 3\nmax_ban_time = 1d\n"
                                 "[rule 1:5]\nban_time = 10m\n");
    g_assert_cmpint(policy_ban_duration_us(cfg, NULL, 0), ==, S(3600));
    g_assert_cmpint(policy_ban_duration_us(cfg, NULL, 1), ==, S(10800));
    g_assert_cmpint(policy_ban_duration_us(cfg, NULL, 2), ==, S(32400));
    g_assert_cmpint(policy_ban_duration_us(cfg, NULL, 3), ==, S(86400));
    g_assert_cmpint(policy_ban_duration_us(cfg, NULL, G_MAXUINT), ==, S(86400));
    const ConfigRule *rule = config_find_rule(cfg, 1, 5);
    g_assert_cmpint(policy_ban_duration_us(cfg, rule, 0), ==, S(600));
    g_assert_cmpint(policy_ban_duration_us(cfg, rule, 2), ==, S(5400));
}

/* The built-in defaults (no [policy] keys at all): priority 1 bans on its first alert,
 * priority 2 on the 5th within 10 minutes (not on 4, nor on 5 spread wider), priority 3 and
 * 0 never, unless the rule has a [rule] section with a threshold of its own. */
static void
test_shipped_defaults(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg =
        config_load_string("[rule 116:444]\nthreshold = 2/60s\n", "/etc/t.conf", &error);
    g_assert_no_error(error);
    g_autoptr(Run) r = run_new(cfg, NULL, 1);
    Alert a;
    Verdict v;
    make_alert(&a, 1, 100, NULL, 1, "203.0.113.1", "198.51.100.1");
    g_assert_cmpint(run_feed(r, &a, T0, &v), ==, VERDICT_BAN);

    make_alert(&a, 1, 200, NULL, 2, "203.0.113.2", "198.51.100.1");
    for (int i = 0; i < 4; i++) {
        g_assert_cmpint(run_feed(r, &a, T0 + S(i * 120), &v), ==, VERDICT_NONE);
        g_assert_cmpint(v.reason, ==, POLICY_REASON_BELOW_THRESHOLD);
    }
    g_assert_cmpint(run_feed(r, &a, T0 + S(4 * 120), &v), ==, VERDICT_BAN);
    g_assert_cmpuint(v.threshold.count, ==, 5);
    g_assert_cmpuint(v.threshold.window_s, ==, 600);
    make_alert(&a, 1, 200, NULL, 2, "203.0.113.3", "198.51.100.1");
    for (int i = 0; i < 5; i++) /* 5 alerts, 11 minutes apart: never 5 in 10 minutes */
        g_assert_cmpint(run_feed(r, &a, T0 + S(i * 660), &v), ==, VERDICT_NONE);

    for (gint32 prio = 0; prio <= 4; prio += 3) { /* 0 and 3 */
        make_alert(&a, 116, 253, NULL, prio, "192.0.2.50", "198.51.100.1");
        for (int i = 0; i < 50; i++) {
            g_assert_cmpint(run_feed(r, &a, T0 + S(i), &v), ==, VERDICT_NONE);
            g_assert_cmpint(v.reason, ==, POLICY_REASON_PRIORITY);
        }
    }
    /* A priority 3 rule named in a [rule] section with a threshold counts. */
    make_alert(&a, 116, 444, NULL, 3, "192.0.2.51", "198.51.100.1");
    g_assert_cmpint(run_feed(r, &a, T0, &v), ==, VERDICT_NONE);
    g_assert_cmpint(v.reason, ==, POLICY_REASON_BELOW_THRESHOLD);
    g_assert_cmpint(run_feed(r, &a, T0 + S(1), &v), ==, VERDICT_BAN);
}

/* [policy] sensor_action: blocked counts only what the sensor dropped, allowed only the rest;
 * what is left out gets the sensor_action reason and is counted like the other reasons. */
static void
test_sensor_action(void)
{
    static const struct {
        const char *setting;
        const char *action;
        gboolean counts;
    } cases[] = {
        {"any", "", TRUE},
        {"any", "drop", TRUE},
        {"blocked", "", FALSE},
        {"blocked", "wdrop", FALSE},
        {"blocked", "would_drop", FALSE},
        {"blocked", "allowed", FALSE},
        {"blocked", "drop", TRUE},
        {"blocked", "blocked", TRUE},
        {"blocked", "block", TRUE},
        {"blocked", "reject", TRUE},
        {"allowed", "", TRUE},
        {"allowed", "allowed", TRUE},
        {"allowed", "would_drop", TRUE},
        {"allowed", "drop", FALSE},
        {"allowed", "blocked", FALSE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text =
            g_strdup_printf("[policy]\nsensor_action = %s\nthreshold = 1/60s\n", cases[i].setting);
        g_autoptr(GError) error = NULL;
        g_autoptr(Config) cfg = config_load_string(text, "/etc/t.conf", &error);
        g_assert_no_error(error);
        g_autoptr(Run) r = run_new(cfg, NULL, 1);
        Alert a;
        Verdict v;
        make_alert(&a, 1, 100, NULL, 1, "203.0.113.1", "198.51.100.1");
        g_strlcpy(a.action, cases[i].action, sizeof a.action);
        VerdictAction got = run_feed(r, &a, T0, &v);
        if (cases[i].counts) {
            g_assert_cmpint(got, ==, VERDICT_BAN);
        } else {
            g_assert_cmpint(got, ==, VERDICT_NONE);
            g_assert_cmpint(v.reason, ==, POLICY_REASON_SENSOR_ACTION);
            g_assert_cmpuint(policy_stats(r->policy)->reasons[POLICY_REASON_SENSOR_ACTION], ==, 1);
        }
    }
    g_assert_cmpstr(policy_reason_name(POLICY_REASON_SENSOR_ACTION), ==, "sensor_action");
    g_assert_cmpint(policy_reason_from_name("sensor_action"), ==, POLICY_REASON_SENSOR_ACTION);
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) bad =
        config_load_string("[policy]\nsensor_action = dropped\n", "/etc/t.conf", &error);
    g_assert_null(bad);
    g_assert_nonnull(error);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(scenarios); i++) {
        g_autofree char *path = g_strdup_printf("/policy/record_alert/%s", scenarios[i].name);
        g_test_add_data_func(path, &scenarios[i], test_scenario);
    }
    g_test_add_func("/policy/record_alert/manual-and-longer-bans-untouched",
                    test_manual_never_touched);
    g_test_add_func("/policy/record_alert/extension-seed", test_extension_seed);
    g_test_add_func("/policy/record_alert/shipped-defaults", test_shipped_defaults);
    g_test_add_func("/policy/record_alert/offenses-asked-only-on-ban",
                    test_offenses_lookup_only_on_ban);
    g_test_add_func("/policy/record_alert/spray-1m-bounded", test_spray);
    g_test_add_func("/policy/record_alert/safety-valve", test_valve);
    g_test_add_func("/policy/record_alert/perf", test_perf);
    g_test_add_func("/policy/record_alert/out-of-order", test_out_of_order);
    g_test_add_func("/policy/prune/stale", test_prune);
    g_test_add_func("/policy/set_config/keeps-windows", test_reload);
    g_test_add_func("/policy/check_address/own-and-whitelist", test_check_address);
    g_test_add_func("/policy/reason_name/stable", test_names);
    g_test_add_func("/policy/ban_duration/escalation-cap", test_duration);
    g_test_add_func("/policy/apply_verdict/ban-and-refused", test_apply_ban_and_refused);
    g_test_add_func("/policy/sensor_action", test_sensor_action);
    g_test_add_func("/policy/apply_verdict/covering-network", test_apply_covering);
    return g_test_run();
}
