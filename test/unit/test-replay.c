// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for replay: year inference from a reference time, the offender shown for every
// verdict, the in-memory ban table (alone and driving the policy: extension, escalation,
// cap), and the exact text and JSON verdict lines.
#include "replay.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#define US G_GINT64_CONSTANT(1000000) /* microseconds per second */

static gint64
iso_us(const char *iso)
{
    GDateTime *dt = g_date_time_new_from_iso8601(iso, NULL);
    g_assert_nonnull(dt);
    gint64 us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
    g_date_time_unref(dt);
    return us;
}

static void
parse_alert(const char *line, Alert *a)
{
    AlertSkipReason r = alert_parse_line(line, strlen(line), a);
    if (r != ALERT_SKIP_NONE)
        g_error("test line not parsed (%s): %s", alert_skip_reason_name(r), line);
}

/* ---- replay_alert_time_us ---- */

typedef struct {
    const char *name;
    const char *line;
    const char *ref;  /* ISO 8601, the log's mtime */
    const char *want; /* ISO 8601 UTC with microseconds, NULL: FALSE expected */
} TimeCase;

#define S2(ts) ts "  [**] [1:1:1] m [**] [Priority: 1] {TCP} 203.0.113.1:1 -> 192.0.2.1:2"

static const TimeCase time_cases[] = {
    {"no-year/same-year", S2("11/22-10:00:00.000001"), "2026-11-23T00:00:00Z",
     "2026-11-22T10:00:00.000001Z"},
    {"no-year/december-log-rotated-in-january", S2("12/31-23:59:59.500000"), "2026-01-01T00:10:00Z",
     "2025-12-31T23:59:59.500000Z"},
    {"no-year/january-same-year", S2("01/01-00:05:00.000000"), "2026-01-01T00:10:00Z",
     "2026-01-01T00:05:00.000000Z"},
    {"no-year/after-mtime-within-slack", S2("11/23-12:00:00.000000"), "2026-11-23T00:00:00Z",
     "2026-11-23T12:00:00.000000Z"},
    {"no-year/exactly-one-day-after", S2("11/24-00:00:00.000000"), "2026-11-23T00:00:00Z",
     "2026-11-24T00:00:00.000000Z"},
    {"no-year/just-past-slack", S2("11/24-00:00:00.000001"), "2026-11-23T00:00:00Z",
     "2025-11-24T00:00:00.000001Z"},
    {"no-year/feb-29-after-leap-year", S2("02/29-12:00:00.000000"), "2025-01-05T00:00:00Z",
     "2024-02-29T12:00:00.000000Z"},
    {"no-year/feb-29-in-leap-year", S2("02/29-12:00:00.000000"), "2024-03-01T00:00:00Z",
     "2024-02-29T12:00:00.000000Z"},
    {"no-year/feb-29-no-leap-year-near", S2("02/29-12:00:00.000000"), "2027-03-01T00:00:00Z", NULL},
    {"snort2-short-year/kept-in-future", S2("11/22/30-10:00:00.000001"), "2026-01-01T00:00:00Z",
     "2030-11-22T10:00:00.000001Z"},
    {"suricata-long-year/kept-in-future",
     "11/22/2030-10:00:00.000001  [**] [1:1:1] m [**] [Classification: (null)] [Priority: 1] "
     "{TCP} 203.0.113.1:1 -> 192.0.2.1:2",
     "2026-01-01T00:00:00Z", "2030-11-22T10:00:00.000001Z"},
    {"suricata-long-year/past",
     "12/31/2025-23:00:00.000000  [**] [1:1:1] m [**] [Classification: (null)] [Priority: 1] "
     "{TCP} 203.0.113.1:1 -> 192.0.2.1:2",
     "2026-06-01T00:00:00Z", "2025-12-31T23:00:00.000000Z"},
    {"snort3-yy-mm-dd",
     "26/11/22-10:00:00.000001 [**] [1:1:1] \"m\" [**] [Priority: 1] {TCP} 203.0.113.1:1 -> "
     "192.0.2.1:2",
     "2027-01-01T00:00:00Z", "2026-11-22T10:00:00.000001Z"},
};

static void
test_alert_time(gconstpointer data)
{
    const TimeCase *c = data;
    Alert a;
    parse_alert(c->line, &a);
    gint64 got = 0;
    gboolean ok = replay_alert_time_us(&a, iso_us(c->ref), &got);
    if (!c->want) {
        g_assert_false(ok);
        return;
    }
    g_assert_true(ok);
    g_assert_cmpint(got, ==, iso_us(c->want));
}

static void
test_alert_time_invalid(void)
{
    Alert a;
    memset(&a, 0, sizeof a);
    gint64 got = 42;
    g_strlcpy(a.timestamp, "13/40-25:00:00.000000", sizeof a.timestamp);
    g_assert_false(replay_alert_time_us(&a, iso_us("2026-01-01T00:00:00Z"), &got));
    a.timestamp[0] = '\0';
    g_assert_false(replay_alert_time_us(&a, iso_us("2026-01-01T00:00:00Z"), &got));
    g_assert_cmpint(got, ==, 42);
}

/* ---- policy_offender, as replay shows it ---- */

static const char offender_conf[] = "[policy]\n"
                                    "swap_marker = BLOCKED DESTINATION\n"
                                    "[rule 1:100]\n"
                                    "track = dst\n"
                                    "[rule 1:200]\n"
                                    "track = src\n";

typedef struct {
    const char *name;
    const char *line;
    const char *want; /* NULL: no address */
    gboolean want_dst;
} OffenderCase;

#define FAST(sid, msg, src, dst)                                                                   \
    "11/22-10:00:00.000001  [**] [1:" sid ":1] " msg " [**] [Priority: 1] {TCP} " src " -> " dst

static const OffenderCase offender_cases[] = {
    {"source", FAST("1", "plain", "203.0.113.1:1", "192.0.2.1:2"), "203.0.113.1", FALSE},
    {"swap-marker", FAST("1", "BLOCKED DESTINATION auth failed", "192.0.2.1:25", "203.0.113.2:9"),
     "203.0.113.2", TRUE},
    {"track-dst", FAST("100", "plain", "192.0.2.1:1", "2001:db8::5:2"), "2001:db8::5", TRUE},
    {"track-src-beats-marker", FAST("200", "BLOCKED DESTINATION x", "203.0.113.3:1", "192.0.2.1:2"),
     "203.0.113.3", FALSE},
    {"no-address", "[**] [100:1:1] spp_portscan: PORTSCAN DETECTED [**]\n", NULL, FALSE},
};

static void
test_offender(gconstpointer data)
{
    const OffenderCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = config_load_string(offender_conf, "/etc/t.conf", &error);
    g_assert_no_error(error);
    Alert a;
    if (c->want) {
        parse_alert(c->line, &a);
    } else {
        memset(&a, 0, sizeof a);
        a.gid = 100;
        a.sid = 1;
    }
    IpAddr got;
    gboolean dst = !c->want_dst;
    gboolean ok = policy_offender(cfg, &a, &got, &dst);
    if (!c->want) {
        g_assert_false(ok);
        g_assert_cmpint(got.family, ==, 0);
        return;
    }
    g_assert_true(ok);
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipaddr_format(&got, buf), ==, c->want);
    g_assert_cmpint(dst, ==, c->want_dst);
}

/* ---- ReplayBans ---- */

static IpAddr
addr(const char *text)
{
    IpAddr a;
    g_assert_true(ipaddr_parse(text, &a));
    return a;
}

static IpPrefix
prefix(const char *text)
{
    IpPrefix p;
    g_autoptr(GError) error = NULL;
    g_assert_true(ipprefix_parse(text, &p, &error));
    return p;
}

/* An order as policy_apply_verdict() makes them: duration in seconds from now_us. */
static gboolean
order(ReplayBans *b, const char *pfx, gint64 now_us, gint64 duration_s)
{
    PolicyBanOrder o = {.now_us = now_us, .prefix = prefix(pfx), .duration_s = duration_s};
    return replay_bans_apply(&o, b);
}

static void
test_bans_table(void)
{
    g_autoptr(ReplayBans) b = replay_bans_new(0);
    IpAddr a = addr("203.0.113.7"), other = addr("2001:db8::7");
    PolicyBanInfo info = {0};
    replay_bans_lookup(&a, 1000, &info, b);
    g_assert_false(info.banned);
    g_assert_cmpuint(info.offenses, ==, 0);
    g_assert_cmpuint(replay_bans_addresses(b), ==, 0);

    g_assert_true(order(b, "203.0.113.7", 0, 5));
    g_assert_cmpuint(replay_bans_addresses(b), ==, 1);
    memset(&info, 0, sizeof info);
    replay_bans_lookup(&a, 5 * US - 1, &info, b);
    g_assert_true(info.banned);
    g_assert_false(info.manual);
    g_assert_cmpint(info.expires_us, ==, 5 * US);
    g_assert_cmpuint(info.offenses, ==, 1);
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipprefix_format(&info.prefix, buf), ==, "203.0.113.7");

    /* An order on a ban in force moves its expiry later, never earlier. */
    g_assert_true(order(b, "203.0.113.7", 1 * US, 5));
    g_assert_true(order(b, "203.0.113.7", 2 * US, 1));
    memset(&info, 0, sizeof info);
    replay_bans_lookup(&a, 6 * US - 1, &info, b);
    g_assert_true(info.banned);
    g_assert_cmpint(info.expires_us, ==, 6 * US);
    g_assert_cmpuint(info.offenses, ==, 1);

    /* Expired at its expiry time; the offense stays counted. */
    memset(&info, 0, sizeof info);
    replay_bans_lookup(&a, 6 * US, &info, b);
    g_assert_false(info.banned);
    g_assert_cmpint(info.expires_us, ==, 0);
    g_assert_cmpuint(info.offenses, ==, 1);

    g_assert_true(order(b, "203.0.113.7", 7 * US, 2));
    memset(&info, 0, sizeof info);
    replay_bans_lookup(&a, 8 * US, &info, b);
    g_assert_true(info.banned);
    g_assert_cmpuint(info.offenses, ==, 2);

    memset(&info, 0, sizeof info);
    replay_bans_lookup(&other, 8 * US, &info, b);
    g_assert_false(info.banned);
    g_assert_cmpuint(info.offenses, ==, 0);
    g_assert_cmpuint(replay_bans_addresses(b), ==, 1);
}

/* max_bans counts the bans in force, manual ones included: a new one is refused while the
 * table is full, an order on a ban in force is not, and an expiry makes room. */
static void
test_bans_full(void)
{
    g_autoptr(ReplayBans) t = replay_bans_new(3);
    IpPrefix net = prefix("198.51.100.0/24");
    replay_bans_add_manual(t, &net, 0);
    g_assert_true(order(t, "203.0.113.1", 0, 10));
    g_assert_true(order(t, "203.0.113.2", 0, 20));
    g_assert_false(order(t, "203.0.113.3", 1 * US, 10));
    g_assert_true(order(t, "203.0.113.1", 2 * US, 30)); /* in force: extended, not refused */
    g_assert_false(order(t, "203.0.113.3", 19 * US, 10));
    g_assert_true(order(t, "203.0.113.3", 20 * US, 10)); /* 203.0.113.2 ended at 20 s */
    g_assert_false(order(t, "203.0.113.4", 21 * US, 10));
    g_assert_cmpuint(replay_bans_addresses(t), ==, 3);
}

/* An operator's network ban covers its addresses: the most specific ban in force wins, it is
 * manual, and the lookup names its prefix (where policy_apply_verdict() counts violations). */
static void
test_bans_covering(void)
{
    g_autoptr(ReplayBans) b = replay_bans_new(0);
    IpPrefix wide = prefix("203.0.113.0/24"), narrow = prefix("203.0.113.0/28");
    replay_bans_add_manual(b, &wide, 0);
    replay_bans_add_manual(b, &narrow, 100 * US);
    char buf[IPADDR_STRLEN];
    IpAddr in_narrow = addr("203.0.113.5"), in_wide = addr("203.0.113.77");
    PolicyBanInfo info = {0};
    replay_bans_lookup(&in_narrow, 0, &info, b);
    g_assert_true(info.banned && info.manual);
    g_assert_cmpint(info.expires_us, ==, 100 * US);
    g_assert_cmpstr(ipprefix_format(&info.prefix, buf), ==, "203.0.113.0/28");
    memset(&info, 0, sizeof info);
    replay_bans_lookup(&in_wide, 0, &info, b);
    g_assert_true(info.banned && info.manual);
    g_assert_cmpint(info.expires_us, ==, 0); /* permanent */
    g_assert_cmpstr(ipprefix_format(&info.prefix, buf), ==, "203.0.113.0/24");
    /* The narrow one ends; the wide one still covers. */
    memset(&info, 0, sizeof info);
    replay_bans_lookup(&in_narrow, 100 * US, &info, b);
    g_assert_cmpstr(ipprefix_format(&info.prefix, buf), ==, "203.0.113.0/24");
    /* A policy ban of the address itself is more specific. */
    g_assert_true(order(b, "203.0.113.5", 100 * US, 60));
    memset(&info, 0, sizeof info);
    replay_bans_lookup(&in_narrow, 101 * US, &info, b);
    g_assert_true(info.banned);
    g_assert_false(info.manual);
    g_assert_cmpstr(ipprefix_format(&info.prefix, buf), ==, "203.0.113.5");
    IpAddr outside = addr("198.51.100.1");
    memset(&info, 0, sizeof info);
    replay_bans_lookup(&outside, 0, &info, b);
    g_assert_false(info.banned);
}

/* The policy driven over the table as replay drives it: one alert per ban (threshold 1),
 * alerts while banned extend by exactly 5 min, each later ban doubles up to the 3 h cap. */
static void
test_bans_policy(void)
{
    static const char conf[] = "[policy]\n"
                               "threshold = 1/60s\n"
                               "ban_time = 1h\n"
                               "extend = 5m\n"
                               "escalate = 2\n"
                               "max_ban_time = 3h\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = config_load_string(conf, "/etc/t.conf", &error);
    g_assert_no_error(error);
    g_autoptr(Policy) p = policy_new(cfg, 1);
    g_autoptr(ReplayBans) b = replay_bans_new(0);
    policy_set_ban_lookup(p, replay_bans_lookup, b);
    policy_set_ban_func(p, replay_bans_apply, b);
    Alert a;
    parse_alert(FAST("1", "x", "203.0.113.7:1", "192.0.2.1:2"), &a);

    const gint64 h = 3600 * US, m = 60 * US;
    struct {
        gint64 at;
        VerdictAction action;
        gint64 duration, expires;
        guint offenses;
    } steps[] = {
        {0, VERDICT_BAN, h, h, 0},
        {10 * m, VERDICT_EXTEND, 5 * m, h + 5 * m, 0},
        {h + 5 * m, VERDICT_BAN, 2 * h, 3 * h + 5 * m, 1}, /* the first ban just expired */
        {4 * h, VERDICT_BAN, 3 * h, 7 * h, 2},             /* 4 h capped at 3 h */
        {8 * h, VERDICT_BAN, 3 * h, 11 * h, 3},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
        Verdict v;
        policy_record_alert(p, &a, steps[i].at, &v);
        policy_apply_verdict(p, &a, steps[i].at, &v);
        g_assert_cmpint(v.action, ==, steps[i].action);
        g_assert_cmpint(v.duration_us, ==, steps[i].duration);
        g_assert_cmpint(v.expires_us, ==, steps[i].expires);
        if (v.action == VERDICT_BAN)
            g_assert_cmpuint(v.offenses, ==, steps[i].offenses);
    }
    g_assert_cmpuint(replay_bans_addresses(b), ==, 1);
}

/* ---- output ---- */

typedef struct {
    const char *name;
    Verdict v;
    gboolean show_dst;
    const char *text;
    const char *json;
} OutCase;

#define T0 G_GINT64_CONSTANT(1767218440000003) /* 2025-12-31T22:00:40.000003Z */

static const OutCase out_cases[] = {
    {"ban",
     {.action = VERDICT_BAN,
      .reason = POLICY_REASON_THRESHOLD,
      .gid = 1,
      .sid = 2000001,
      .rev = 2,
      .alerts = 3,
      .threshold = {3, 60},
      .offenses = 1,
      .duration_us = 7200 * US,
      .expires_us = T0 + 7200 * US},
     FALSE,
     "2025-12-31T22:00:40Z 203.0.113.7 ban reason=threshold rule=1:2000001:2 alerts=3/3 "
     "window_s=60 offenses=1 duration_s=7200 expires=2026-01-01T00:00:40Z msg=\"say \\\"hi\\\"\"\n",
     "{\"time\":\"2025-12-31T22:00:40Z\",\"time_us\":1767218440000003,\"timestamp\":\"12/31-22:00:"
     "40.000003\",\"address\":\"203.0.113.7\",\"side\":\"src\",\"action\":\"ban\",\"reason\":"
     "\"threshold\",\"gid\":1,\"sid\":2000001,\"rev\":2,\"msg\":\"say \\\"hi\\\"\",\"alerts\":3,"
     "\"threshold_count\":3,\"threshold_window_s\":60,\"offenses\":1,\"duration_s\":7200,"
     "\"expires\":\"2026-01-01T00:00:40Z\",\"expires_us\":1767225640000003,\"matched\":null}"},
    {"extend-dst",
     {.action = VERDICT_EXTEND,
      .reason = POLICY_REASON_EXTENDED,
      .gid = 1,
      .sid = 5,
      .rev = 1,
      .duration_us = 300 * US,
      .expires_us = T0 + 600 * US},
     TRUE,
     "2025-12-31T22:00:40Z 203.0.113.7 extend reason=extended rule=1:5:1 duration_s=300 "
     "expires=2025-12-31T22:10:40Z dst msg=\"say \\\"hi\\\"\"\n",
     "{\"time\":\"2025-12-31T22:00:40Z\",\"time_us\":1767218440000003,\"timestamp\":\"12/31-22:00:"
     "40.000003\",\"address\":\"203.0.113.7\",\"side\":\"dst\",\"action\":\"extend\",\"reason\":"
     "\"extended\",\"gid\":1,\"sid\":5,\"rev\":1,\"msg\":\"say \\\"hi\\\"\",\"alerts\":null,"
     "\"threshold_count\":null,\"threshold_window_s\":null,\"offenses\":null,\"duration_s\":300,"
     "\"expires\":\"2025-12-31T22:10:40Z\",\"expires_us\":1767219040000003,\"matched\":null}"},
    {"below-threshold",
     {.action = VERDICT_NONE,
      .reason = POLICY_REASON_BELOW_THRESHOLD,
      .gid = 1,
      .sid = 5,
      .rev = 1,
      .alerts = 1,
      .threshold = {3, 60}},
     FALSE,
     "2025-12-31T22:00:40Z 203.0.113.7 none reason=below_threshold rule=1:5:1 alerts=1/3 "
     "window_s=60 msg=\"say \\\"hi\\\"\"\n",
     "{\"time\":\"2025-12-31T22:00:40Z\",\"time_us\":1767218440000003,\"timestamp\":\"12/31-22:00:"
     "40.000003\",\"address\":\"203.0.113.7\",\"side\":\"src\",\"action\":\"none\",\"reason\":"
     "\"below_threshold\",\"gid\":1,\"sid\":5,\"rev\":1,\"msg\":\"say \\\"hi\\\"\",\"alerts\":1,"
     "\"threshold_count\":3,\"threshold_window_s\":60,\"offenses\":null,\"duration_s\":null,"
     "\"expires\":null,\"expires_us\":null,\"matched\":null}"},
};

static void
test_output(gconstpointer data)
{
    const OutCase *c = data;
    Alert a;
    parse_alert("12/31-22:00:40.000003  [**] [1:2000001:2] say \"hi\" [**] [Priority: 1] {TCP} "
                "203.0.113.7:1 -> 192.0.2.1:2",
                &a);
    IpAddr shown = addr("203.0.113.7");
    g_autoptr(GString) s = g_string_new(NULL);
    replay_append_text(s, &a, T0, &c->v, &shown, c->show_dst);
    g_assert_cmpstr(s->str, ==, c->text);
    g_string_truncate(s, 0);
    replay_append_json(s, &a, T0, &c->v, &shown, c->show_dst);
    g_assert_cmpstr(s->str, ==, c->json);
}

/* A whitelisted network shows what matched; no address shows "-" and null. */
static void
test_output_matched_and_absent(void)
{
    Alert a;
    parse_alert(FAST("1", "m", "192.0.2.50:1", "192.0.2.1:2"), &a);
    Verdict v = {.action = VERDICT_NONE,
                 .reason = POLICY_REASON_WHITELISTED_ADDRESS,
                 .gid = 1,
                 .sid = 1,
                 .rev = 1};
    g_autoptr(GError) error = NULL;
    g_assert_true(ipprefix_parse("192.0.2.0/24", &v.matched, &error));
    IpAddr shown = addr("192.0.2.50");
    g_autoptr(GString) s = g_string_new(NULL);
    replay_append_text(s, &a, T0, &v, &shown, FALSE);
    g_assert_cmpstr(s->str, ==,
                    "2025-12-31T22:00:40Z 192.0.2.50 none reason=whitelisted_address rule=1:1:1 "
                    "matched=192.0.2.0/24 msg=\"m\"\n");
    g_string_truncate(s, 0);
    replay_append_json(s, &a, T0, &v, &shown, FALSE);
    g_assert_nonnull(strstr(s->str, ",\"matched\":\"192.0.2.0/24\"}"));

    Verdict none = {
        .action = VERDICT_NONE, .reason = POLICY_REASON_NO_OFFENDER, .gid = 1, .sid = 1, .rev = 1};
    IpAddr absent = {0};
    g_string_truncate(s, 0);
    replay_append_text(s, &a, T0, &none, &absent, TRUE);
    g_assert_cmpstr(s->str, ==,
                    "2025-12-31T22:00:40Z - none reason=no_offender rule=1:1:1 msg=\"m\"\n");
    g_string_truncate(s, 0);
    replay_append_json(s, &a, T0, &none, &absent, TRUE);
    g_assert_nonnull(strstr(s->str, "\"address\":null,\"side\":null,"));
}

int
main(int argc, char **argv)
{
    /* Timestamps are local time: pin the zone before GLib reads it. */
    g_setenv("TZ", "UTC", TRUE);
    tzset();
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(time_cases); i++) {
        g_autofree char *path = g_strdup_printf("/replay/alert_time_us/%s", time_cases[i].name);
        g_test_add_data_func(path, &time_cases[i], test_alert_time);
    }
    g_test_add_func("/replay/alert_time_us/invalid", test_alert_time_invalid);
    for (gsize i = 0; i < G_N_ELEMENTS(offender_cases); i++) {
        g_autofree char *path = g_strdup_printf("/replay/offender/%s", offender_cases[i].name);
        g_test_add_data_func(path, &offender_cases[i], test_offender);
    }
    g_test_add_func("/replay/bans/table", test_bans_table);
    g_test_add_func("/replay/bans/full", test_bans_full);
    g_test_add_func("/replay/bans/covering", test_bans_covering);
    g_test_add_func("/replay/bans/policy-escalation", test_bans_policy);
    for (gsize i = 0; i < G_N_ELEMENTS(out_cases); i++) {
        g_autofree char *path = g_strdup_printf("/replay/append/%s", out_cases[i].name);
        g_test_add_data_func(path, &out_cases[i], test_output);
    }
    g_test_add_func("/replay/append/matched-and-absent", test_output_matched_and_absent);
    return g_test_run();
}
