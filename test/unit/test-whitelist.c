// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for whitelist: built-in classes, protected and whitelisted networks with
// longest-prefix matches, rule wildcards, and correctness and speed at 100,000 entries.
#include "whitelist.h"

#include <stdio.h>
#include <string.h>

#include "testutil.h"

typedef struct {
    const char *name;
    const char *addr;
    WhitelistReason want;
    const char *matched; /* for PROTECTED/ADDRESS: the longest network */
} ClassCase;

/* Looked up in a set holding: protect 192.0.2.0/24, 2001:db8:1::/48; address
 * 198.51.100.0/24, 198.51.100.128/25, 198.51.100.200, 203.0.113.0/28, 2001:db8::/32,
 * 2001:db8:2::/64, 2001:db8:2::7, and 192.0.2.0/25 (also protected: protect wins). */
static const ClassCase class_cases[] = {
    {"v4-unspecified", "0.0.0.0", WHITELIST_UNSPECIFIED, NULL},
    {"v4-this-network", "0.1.2.3", WHITELIST_UNSPECIFIED, NULL},
    {"v6-unspecified", "::", WHITELIST_UNSPECIFIED, NULL},
    {"v4-loopback", "127.0.0.1", WHITELIST_LOOPBACK, NULL},
    {"v4-loopback-net", "127.255.0.9", WHITELIST_LOOPBACK, NULL},
    {"v6-loopback", "::1", WHITELIST_LOOPBACK, NULL},
    {"v4-multicast", "224.0.0.1", WHITELIST_MULTICAST, NULL},
    {"v4-multicast-top", "239.255.255.250", WHITELIST_MULTICAST, NULL},
    {"v6-multicast", "ff02::1", WHITELIST_MULTICAST, NULL},
    {"v4-broadcast", "255.255.255.255", WHITELIST_BROADCAST, NULL},
    {"v4-link-local", "169.254.10.20", WHITELIST_LINK_LOCAL, NULL},
    {"v6-link-local", "fe80::1", WHITELIST_LINK_LOCAL, NULL},
    {"v6-link-local-top", "febf::1", WHITELIST_LINK_LOCAL, NULL},
    {"v6-mapped-loopback", "::ffff:127.0.0.1", WHITELIST_LOOPBACK, NULL},
    {"v4-protected", "192.0.2.200", WHITELIST_PROTECTED, "192.0.2.0/24"},
    {"v4-protect-wins", "192.0.2.5", WHITELIST_PROTECTED, "192.0.2.0/24"},
    {"v6-protected", "2001:db8:1:ffff::1", WHITELIST_PROTECTED, "2001:db8:1::/48"},
    {"v4-address-net", "198.51.100.7", WHITELIST_ADDRESS, "198.51.100.0/24"},
    {"v4-address-longer", "198.51.100.129", WHITELIST_ADDRESS, "198.51.100.128/25"},
    {"v4-address-host", "198.51.100.200", WHITELIST_ADDRESS, "198.51.100.200"},
    {"v4-address-28-edge-in", "203.0.113.15", WHITELIST_ADDRESS, "203.0.113.0/28"},
    {"v4-address-28-edge-out", "203.0.113.16", WHITELIST_NONE, NULL},
    {"v6-address-net", "2001:db8:ffff::1", WHITELIST_ADDRESS, "2001:db8::/32"},
    {"v6-address-64", "2001:db8:2::1", WHITELIST_ADDRESS, "2001:db8:2::/64"},
    {"v6-address-host", "2001:db8:2::7", WHITELIST_ADDRESS, "2001:db8:2::7"},
    {"v6-mapped-v4-address", "::ffff:198.51.100.7", WHITELIST_ADDRESS, "198.51.100.0/24"},
    {"v4-normal", "198.51.101.1", WHITELIST_NONE, NULL},
    {"v6-normal", "2001:db9::1", WHITELIST_NONE, NULL},
    {"v6-v4-bits-not-v4", "c633:6407::", WHITELIST_NONE, NULL}, /* 198.51.100.7 as v6 bits */
    {"v4-not-multicast-240", "240.0.0.1", WHITELIST_NONE, NULL},
};

static Whitelist *
make_set(void)
{
    Whitelist *wl = whitelist_new();
    const char *protect[] = {"192.0.2.0/24", "2001:db8:1::/48"};
    const char *address[] = {"198.51.100.0/24", "198.51.100.128/25", "198.51.100.200",
                             "203.0.113.0/28",  "2001:db8::/32",     "2001:db8:2::/64",
                             "2001:db8:2::7",   "192.0.2.0/25"};
    for (gsize i = 0; i < G_N_ELEMENTS(protect); i++) {
        IpPrefix p;
        g_assert_true(ipprefix_parse(protect[i], &p, NULL));
        whitelist_add_protected(wl, &p);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(address); i++) {
        IpPrefix p;
        g_assert_true(ipprefix_parse(address[i], &p, NULL));
        whitelist_add_address(wl, &p);
    }
    return wl;
}

static void
test_class(gconstpointer data)
{
    const ClassCase *c = data;
    g_autoptr(Whitelist) wl = make_set();
    IpAddr a;
    g_assert_true(ipaddr_parse(c->addr, &a));
    IpPrefix m;
    memset(&m, 0, sizeof m);
    WhitelistReason r = whitelist_contains(wl, &a, &m);
    g_assert_cmpstr(whitelist_reason_name(r), ==, whitelist_reason_name(c->want));
    if (c->matched) {
        char buf[IPADDR_STRLEN];
        g_assert_cmpstr(ipprefix_format(&m, buf), ==, c->matched);
    }
    /* The built-in classes hold in an empty set too. */
    g_autoptr(Whitelist) empty = whitelist_new();
    WhitelistReason r0 = whitelist_contains(empty, &a, NULL);
    if (c->want <= WHITELIST_LINK_LOCAL)
        g_assert_cmpint(r0, ==, c->want);
    else
        g_assert_cmpint(r0, ==, WHITELIST_NONE);
}

static void
test_no_address(void)
{
    g_autoptr(Whitelist) wl = whitelist_new();
    IpAddr none;
    memset(&none, 0, sizeof none);
    g_assert_cmpint(whitelist_contains(wl, &none, NULL), ==, WHITELIST_UNSPECIFIED);
}

static void
test_default_route_prefix(void)
{
    g_autoptr(Whitelist) wl = whitelist_new();
    IpPrefix p;
    g_assert_true(ipprefix_parse("0.0.0.0/0", &p, NULL));
    whitelist_add_address(wl, &p);
    IpAddr a;
    g_assert_true(ipaddr_parse("203.0.113.1", &a));
    g_assert_cmpint(whitelist_contains(wl, &a, NULL), ==, WHITELIST_ADDRESS);
    g_assert_true(ipaddr_parse("2001:db8::1", &a));
    g_assert_cmpint(whitelist_contains(wl, &a, NULL), ==, WHITELIST_NONE);
    /* Adding after a lookup re-sorts before the next one. */
    g_assert_true(ipprefix_parse("::/0", &p, NULL));
    whitelist_add_address(wl, &p);
    g_assert_cmpint(whitelist_contains(wl, &a, NULL), ==, WHITELIST_ADDRESS);
    g_assert_cmpuint(whitelist_size(wl), ==, 2);
}

/* whitelist_overlaps(): a network is refused when any entry or class overlaps it, entries
 * inside it included, and the entry that matched is named (issue 15). */
typedef struct {
    const char *name;
    const char *net;
    WhitelistReason want;
    const char *matched; /* NULL: not checked (a built-in class found by its address) */
} OverlapCase;

static const OverlapCase overlap_cases[] = {
    /* 198.51.0.0/16 covers the whitelisted 198.51.100.0/24 (and its /25 and host). */
    {"v4-covers-entry", "198.51.0.0/16", WHITELIST_ADDRESS, "198.51.100.200/32"},
    {"v4-covers-protect", "192.0.0.0/16", WHITELIST_PROTECTED, "192.0.2.0/24"},
    {"v4-inside-entry", "203.0.113.8/29", WHITELIST_ADDRESS, "203.0.113.0/28"},
    {"v4-host-in-entry", "203.0.113.5/32", WHITELIST_ADDRESS, "203.0.113.0/28"},
    {"v4-next-to-entry", "203.0.113.16/28", WHITELIST_NONE, NULL},
    {"v4-just-below", "198.51.99.0/24", WHITELIST_NONE, NULL},
    {"v4-covers-loopback", "96.0.0.0/3", WHITELIST_LOOPBACK, "127.0.0.0/8"},
    {"v4-covers-link-local", "169.0.0.0/8", WHITELIST_LINK_LOCAL, "169.254.0.0/16"},
    {"v6-covers-protect", "2001:d00::/24", WHITELIST_PROTECTED, "2001:db8:1::/48"},
    {"v6-inside-entry", "2001:db8:5::/48", WHITELIST_ADDRESS, "2001:db8::/32"},
    {"v6-covers-link-local", "fe00::/8", WHITELIST_LINK_LOCAL, "fe80::/10"},
    {"v6-elsewhere", "2001:db9::/32", WHITELIST_NONE, NULL},
};

static void
test_overlaps(gconstpointer data)
{
    const OverlapCase *c = data;
    g_autoptr(Whitelist) wl = make_set();
    IpPrefix net, matched = {0};
    g_assert_true(ipprefix_parse(c->net, &net, NULL));
    g_assert_cmpint(whitelist_overlaps(wl, &net, &matched), ==, c->want);
    if (c->matched) {
        char buf[IPADDR_STRLEN];
        ipprefix_format(&matched, buf);
        g_autofree char *with_len = strchr(buf, '/') ? g_strdup(buf)
                                                     : g_strdup_printf("%s/%u", buf, matched.len);
        g_assert_cmpstr(with_len, ==, c->matched);
    }
}

typedef struct {
    const char *name;
    guint32 gid, sid;
    gboolean want;
} RuleCase;

/* Against rules 1:2000, 129:*, *:3000. */
static const RuleCase rule_cases[] = {
    {"exact", 1, 2000, TRUE},
    {"exact-other-sid", 1, 2001, FALSE},
    {"exact-other-gid", 3, 2000, FALSE},
    {"gid-wildcard", 129, 5, TRUE},
    {"gid-wildcard-max", 129, G_MAXUINT32, TRUE},
    {"gid-wildcard-other", 128, 5, FALSE},
    {"sid-wildcard", 7, 3000, TRUE},
    {"sid-wildcard-gid0", 0, 3000, TRUE},
    {"nothing", 1, 1, FALSE},
    {"big-gid-no-alias", 1u << 31, 2000, FALSE},
};

static void
test_rule(gconstpointer data)
{
    const RuleCase *c = data;
    g_autoptr(Whitelist) wl = whitelist_new();
    const char *rules[] = {"1:2000", "129:*", "*:3000"};
    for (gsize i = 0; i < G_N_ELEMENTS(rules); i++) {
        RulePattern p;
        g_assert_true(rule_pattern_parse(rules[i], &p, NULL));
        whitelist_add_rule(wl, &p);
    }
    g_assert_cmpint(whitelist_contains_rule(wl, c->gid, c->sid), ==, c->want);
    RulePattern any;
    g_assert_true(rule_pattern_parse("*:*", &any, NULL));
    whitelist_add_rule(wl, &any);
    g_assert_true(whitelist_contains_rule(wl, c->gid, c->sid));
}

static void
test_from_config(void)
{
    g_autoptr(Config) cfg = config_load_string("[policy]\nprotect = 192.0.2.0/24\n"
                                               "[whitelist]\naddress = 2001:db8::/32\nrule = 1:5\n",
                                               "/etc/t.conf", NULL);
    g_assert_nonnull(cfg);
    g_autoptr(Whitelist) wl = whitelist_new_from_config(cfg);
    IpAddr a;
    g_assert_true(ipaddr_parse("192.0.2.9", &a));
    g_assert_cmpint(whitelist_contains(wl, &a, NULL), ==, WHITELIST_PROTECTED);
    g_assert_true(ipaddr_parse("2001:db8::9", &a));
    g_assert_cmpint(whitelist_contains(wl, &a, NULL), ==, WHITELIST_ADDRESS);
    g_assert_true(whitelist_contains_rule(wl, 1, 5));
    g_assert_false(whitelist_contains_rule(wl, 1, 6));
}

/* ---- 100,000 entries ---- */

#define BIG_HOSTS 90000
#define BIG_NETS 10000

static void
random_addr(GRand *r, gboolean v6, IpAddr *a)
{
    memset(a, 0, sizeof *a);
    if (!v6) {
        /* 198.18.0.0/15: benchmark addresses. */
        guint32 x = 0xc6120000u | (g_rand_int(r) & 0x1ffff);
        a->family = AF_INET;
        a->bytes[0] = x >> 24;
        a->bytes[1] = (x >> 16) & 0xff;
        a->bytes[2] = (x >> 8) & 0xff;
        a->bytes[3] = x & 0xff;
    } else {
        /* 2001:db8::/32, with few distinct upper bits so that networks and hosts overlap. */
        a->family = AF_INET6;
        a->bytes[0] = 0x20;
        a->bytes[1] = 0x01;
        a->bytes[2] = 0x0d;
        a->bytes[3] = 0xb8;
        a->bytes[4] = (guint8)g_rand_int_range(r, 0, 4);
        a->bytes[7] = (guint8)g_rand_int_range(r, 0, 64);
        a->bytes[15] = (guint8)g_rand_int(r);
        a->bytes[14] = (guint8)g_rand_int_range(r, 0, 4);
    }
}

static void
mask_prefix(IpPrefix *p)
{
    guint bits = ipaddr_bits(&p->addr);
    for (guint b = p->len; b < bits; b++)
        p->addr.bytes[b / 8] &= (guint8) ~(0x80 >> (b % 8));
}

typedef struct {
    Whitelist *wl;
    GHashTable *hosts; /* IpAddr* set */
    GArray *nets;      /* IpPrefix */
} Big;

static void
big_build(Big *b, guint32 seed)
{
    GRand *r = g_rand_new_with_seed(seed);
    b->wl = whitelist_new();
    b->hosts = g_hash_table_new_full(ipaddr_hash_func, ipaddr_equal_func, g_free, NULL);
    b->nets = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    for (guint i = 0; i < BIG_HOSTS; i++) {
        IpPrefix p;
        random_addr(r, i % 3 == 0, &p.addr);
        p.len = (guint8)ipaddr_bits(&p.addr);
        whitelist_add_address(b->wl, &p);
        g_hash_table_add(b->hosts, g_memdup2(&p.addr, sizeof p.addr));
    }
    for (guint i = 0; i < BIG_NETS; i++) {
        IpPrefix p;
        gboolean v6 = i % 2 == 0;
        random_addr(r, v6, &p.addr);
        p.len = (guint8)(v6 ? g_rand_int_range(r, 114, 128) : g_rand_int_range(r, 26, 32));
        mask_prefix(&p);
        whitelist_add_address(b->wl, &p);
        g_array_append_val(b->nets, p);
    }
    g_rand_free(r);
}

static void
big_free(Big *b)
{
    whitelist_free(b->wl);
    g_hash_table_unref(b->hosts);
    g_array_unref(b->nets);
}

/* The reference: the longest of the host match and every containing network. */
static int
reference_longest(const Big *b, const IpAddr *a)
{
    if (g_hash_table_contains(b->hosts, a))
        return (int)ipaddr_bits(a);
    int best = -1;
    for (guint i = 0; i < b->nets->len; i++) {
        const IpPrefix *p = &g_array_index(b->nets, IpPrefix, i);
        if (p->len > best && ipprefix_contains(p, a))
            best = p->len;
    }
    return best;
}

static void
test_big_correct(void)
{
    Big b;
    big_build(&b, 4242);
    g_assert_cmpuint(whitelist_size(b.wl), ==, BIG_HOSTS + BIG_NETS);
    GRand *r = g_rand_new_with_seed(7);
    guint hits = 0, misses = 0;
    for (guint i = 0; i < 4000; i++) {
        IpAddr a;
        random_addr(r, i % 2 == 0, &a);
        IpPrefix m;
        WhitelistReason got = whitelist_contains(b.wl, &a, &m);
        int want = reference_longest(&b, &a);
        if (want < 0) {
            g_assert_cmpint(got, ==, WHITELIST_NONE);
            misses++;
        } else {
            g_assert_cmpint(got, ==, WHITELIST_ADDRESS);
            g_assert_cmpint(m.len, ==, want);
            g_assert_true(ipprefix_contains(&m, &a));
            hits++;
        }
    }
    /* Both outcomes were exercised, so the comparison means something. */
    g_assert_cmpuint(hits, >, 500);
    g_assert_cmpuint(misses, >, 500);
    g_rand_free(r);
    big_free(&b);
}

/* Run with -m perf: lookups per second at 100,000 entries (scripts/bench whitelist). */
static void
test_big_perf(void)
{
    if (!g_test_perf()) {
        g_test_skip("run with -m perf");
        return;
    }
    Big b;
    big_build(&b, 4242);
    /* AB_BENCH_N changes the count, e.g. for instruction counts under callgrind. */
    const char *n_env = g_getenv("AB_BENCH_N");
    const guint N = n_env ? (guint)g_ascii_strtoull(n_env, NULL, 10) : 2000000;
    IpAddr *q = g_new(IpAddr, 4096);
    GRand *r = g_rand_new_with_seed(11);
    for (guint i = 0; i < 4096; i++)
        random_addr(r, i % 2 == 0, &q[i]);
    whitelist_contains(b.wl, &q[0], NULL); /* the one-time sort is not part of the rate */
    guint found = 0;
    g_test_timer_start();
    for (guint i = 0; i < N; i++)
        found += whitelist_contains(b.wl, &q[i & 4095], NULL) != WHITELIST_NONE;
    double s = g_test_timer_elapsed();
    g_test_minimized_result(s, "lookups: %.0f per second at %u entries (%u found)", N / s,
                            BIG_HOSTS + BIG_NETS, found);
    printf("whitelist_lookups_per_second %.0f entries %u\n", N / s, BIG_HOSTS + BIG_NETS);
    g_rand_free(r);
    g_free(q);
    big_free(&b);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(class_cases); i++) {
        g_autofree char *path = g_strdup_printf("/whitelist/contains/%s", class_cases[i].name);
        g_test_add_data_func(path, &class_cases[i], test_class);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(rule_cases); i++) {
        g_autofree char *path = g_strdup_printf("/whitelist/contains_rule/%s", rule_cases[i].name);
        g_test_add_data_func(path, &rule_cases[i], test_rule);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(overlap_cases); i++) {
        g_autofree char *path = g_strdup_printf("/whitelist/overlaps/%s", overlap_cases[i].name);
        g_test_add_data_func(path, &overlap_cases[i], test_overlaps);
    }
    g_test_add_func("/whitelist/contains/no-address", test_no_address);
    g_test_add_func("/whitelist/contains/zero-length-prefix", test_default_route_prefix);
    g_test_add_func("/whitelist/new_from_config/sets", test_from_config);
    g_test_add_func("/whitelist/contains/100k-correct", test_big_correct);
    g_test_add_func("/whitelist/contains/100k-perf", test_big_perf);
    return g_test_run();
}
