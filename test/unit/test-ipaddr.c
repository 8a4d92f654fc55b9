// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for ipaddr: parsing, canonical formatting, prefixes and classes.
#include "ipaddr.h"

#include <arpa/inet.h>
#include <string.h>

#include "error.h"
#include "testutil.h"

typedef struct {
    const char *name;
    const char *input;
    const char *canonical; /* NULL: must be rejected */
} FormatCase;

static const FormatCase format_cases[] = {
    {"v4", "203.0.113.7", "203.0.113.7"},
    {"v4-zero", "0.0.0.0", "0.0.0.0"},
    {"v4-leading-zero", "203.0.113.07", NULL},
    {"v4-short", "203.0.113", NULL},
    {"v4-space", " 203.0.113.7", NULL},
    {"v4-trailing", "203.0.113.7x", NULL},
    {"v4-octet-range", "203.0.113.256", NULL},
    {"v6-expanded", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
    {"v6-upper", "2001:DB8::A", "2001:db8::a"},
    {"v6-single-zero-not-compressed", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    {"v6-longest-run", "2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
    {"v6-first-of-equal-runs", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    {"v6-loopback", "::1", "::1"},
    {"v6-mapped-is-v4", "::ffff:198.51.100.1", "198.51.100.1"},
    {"v6-zone-rejected", "fe80::1%eth0", NULL},
    {"v6-bad", "2001:db8:::1", NULL},
    {"empty", "", NULL},
    {"garbage", "not-an-address", NULL},
};

static void
test_parse_format(gconstpointer data)
{
    const FormatCase *c = data;
    IpAddr a;
    gboolean ok = ipaddr_parse(c->input, &a);
    if (!c->canonical) {
        g_assert_false(ok);
        g_assert_cmpint(a.family, ==, 0);
        return;
    }
    g_assert_true(ok);
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipaddr_format(&a, buf), ==, c->canonical);
    /* The canonical text parses back to the same value. */
    IpAddr b;
    g_assert_true(ipaddr_parse(buf, &b));
    g_assert_true(ipaddr_equal(&a, &b));
    g_assert_cmpuint(ipaddr_hash(&a), ==, ipaddr_hash(&b));
}

static void
test_parse_len_stops_at_len(void)
{
    IpAddr a;
    const char *s = "192.0.2.1:80";
    g_assert_true(ipaddr_parse_len(s, 9, &a));
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipaddr_format(&a, buf), ==, "192.0.2.1");
    g_assert_false(ipaddr_parse_len(s, 12, &a));
    g_assert_false(ipaddr_parse_len("192.0.2.1\0", 10, &a));
}

typedef struct {
    const char *name;
    const char *prefix;
    const char *canonical; /* NULL: rejected */
    const char *inside;
    const char *outside;
} PrefixCase;

static const PrefixCase prefix_cases[] = {
    {"v4-24", "192.0.2.0/24", "192.0.2.0/24", "192.0.2.255", "192.0.3.0"},
    {"v4-host", "192.0.2.9", "192.0.2.9", "192.0.2.9", "192.0.2.10"},
    {"v4-host-32", "192.0.2.9/32", "192.0.2.9", "192.0.2.9", "192.0.2.8"},
    {"v4-odd-len", "198.18.0.0/15", "198.18.0.0/15", "198.19.255.255", "198.20.0.0"},
    {"v4-zero-len", "0.0.0.0/0", "0.0.0.0/0", "203.0.113.1", "2001:db8::1"},
    {"v4-host-bits", "192.0.2.1/24", NULL, NULL, NULL},
    {"v4-len-range", "192.0.2.0/33", NULL, NULL, NULL},
    {"v4-len-junk", "192.0.2.0/2x", NULL, NULL, NULL},
    {"v4-len-empty", "192.0.2.0/", NULL, NULL, NULL},
    {"v4-len-sign", "192.0.2.0/+24", NULL, NULL, NULL},
    {"v6-32", "2001:db8::/32", "2001:db8::/32", "2001:db8:ffff::1", "2001:db9::1"},
    {"v6-odd", "2001:db8:8000::/33", "2001:db8:8000::/33", "2001:db8:ffff::", "2001:db8:7fff::"},
    {"v6-host", "2001:db8::7", "2001:db8::7", "2001:db8::7", "2001:db8::8"},
    {"v6-len-range", "2001:db8::/129", NULL, NULL, NULL},
    {"v6-mapped-net", "::ffff:192.0.2.0/120", "192.0.2.0/24", "192.0.2.1", "192.0.3.1"},
    {"v6-mapped-short", "::ffff:0.0.0.0/95", NULL, NULL, NULL},
};

static void
test_prefix(gconstpointer data)
{
    const PrefixCase *c = data;
    g_autoptr(GError) error = NULL;
    IpPrefix p;
    gboolean ok = ipprefix_parse(c->prefix, &p, &error);
    if (!c->canonical) {
        g_assert_false(ok);
        g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE);
        g_assert_nonnull(strstr(error->message, c->prefix));
        return;
    }
    g_assert_no_error(error);
    g_assert_true(ok);
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipprefix_format(&p, buf), ==, c->canonical);
    g_assert_true(ipprefix_is_valid(&p));
    IpAddr in, out;
    g_assert_true(ipaddr_parse(c->inside, &in));
    g_assert_true(ipaddr_parse(c->outside, &out));
    g_assert_true(ipprefix_contains(&p, &in));
    g_assert_false(ipprefix_contains(&p, &out));
}

typedef struct {
    const char *name;
    const char *addr;
    IpAddrClass cls;
} ClassCase;

static const ClassCase class_cases[] = {
    {"v4-doc", "203.0.113.1", IPADDR_CLASS_NORMAL},
    {"v4-unspecified", "0.0.0.0", IPADDR_CLASS_UNSPECIFIED},
    {"v4-this-net", "0.1.2.3", IPADDR_CLASS_UNSPECIFIED},
    {"v4-loopback", "127.0.0.1", IPADDR_CLASS_LOOPBACK},
    {"v4-loopback-any", "127.200.0.9", IPADDR_CLASS_LOOPBACK},
    {"v4-multicast", "224.0.0.251", IPADDR_CLASS_MULTICAST},
    {"v4-multicast-top", "239.255.255.255", IPADDR_CLASS_MULTICAST},
    {"v4-not-multicast", "240.0.0.1", IPADDR_CLASS_NORMAL},
    {"v4-broadcast", "255.255.255.255", IPADDR_CLASS_BROADCAST},
    {"v4-link-local", "169.254.10.1", IPADDR_CLASS_LINK_LOCAL},
    {"v6-doc", "2001:db8::1", IPADDR_CLASS_NORMAL},
    {"v6-unspecified", "::", IPADDR_CLASS_UNSPECIFIED},
    {"v6-loopback", "::1", IPADDR_CLASS_LOOPBACK},
    {"v6-multicast", "ff02::1", IPADDR_CLASS_MULTICAST},
    {"v6-link-local", "fe80::1", IPADDR_CLASS_LINK_LOCAL},
    {"v6-link-local-top", "febf::1", IPADDR_CLASS_LINK_LOCAL},
    {"v6-site-local-not-ll", "fec0::1", IPADDR_CLASS_NORMAL},
};

static void
test_classify(gconstpointer data)
{
    const ClassCase *c = data;
    IpAddr a;
    g_assert_true(ipaddr_parse(c->addr, &a));
    g_assert_cmpint(ipaddr_classify(&a), ==, c->cls);
}

static void
test_prefix_invalid(void)
{
    IpPrefix p;
    g_assert_true(ipprefix_parse("192.0.2.0/24", &p, NULL));
    p.len = 22; /* the 2 of 192.0.2.0 is bit 22, past a /22 */
    g_assert_false(ipprefix_is_valid(&p));
    p.len = 33;
    g_assert_false(ipprefix_is_valid(&p));
    g_assert_true(ipprefix_parse("2001:db8::/32", &p, NULL));
    p.len = 129;
    g_assert_false(ipprefix_is_valid(&p));
    p.len = 0; /* 2001:db8:: has bits set past /0 */
    g_assert_false(ipprefix_is_valid(&p));
    IpPrefix none = {0};
    g_assert_false(ipprefix_is_valid(&none));
}

static void
test_compare(void)
{
    IpAddr a, b, c;
    g_assert_true(ipaddr_parse("198.51.100.2", &a));
    g_assert_true(ipaddr_parse("198.51.100.10", &b));
    g_assert_true(ipaddr_parse("2001:db8::1", &c));
    g_assert_cmpint(ipaddr_compare(&a, &b), <, 0);
    g_assert_cmpint(ipaddr_compare(&b, &a), >, 0);
    g_assert_cmpint(ipaddr_compare(&b, &c), <, 0);
    g_assert_cmpint(ipaddr_compare(&a, &a), ==, 0);
    g_assert_false(ipaddr_equal(&a, &b));
}

/* A table keyed by prefixes tells the same network with another length apart, and finds an
 * equal prefix parsed from other text. */
static void
test_prefix_hash_table(void)
{
    g_autoptr(GHashTable) t = g_hash_table_new(ipprefix_hash_func, ipprefix_equal_func);
    IpPrefix p24, p25, p6, q;
    g_assert_true(ipprefix_parse("198.51.100.0/24", &p24, NULL));
    g_assert_true(ipprefix_parse("198.51.100.0/25", &p25, NULL));
    g_assert_true(ipprefix_parse("2001:db8::/32", &p6, NULL));
    g_hash_table_add(t, &p24);
    g_hash_table_add(t, &p25);
    g_hash_table_add(t, &p6);
    g_assert_cmpuint(g_hash_table_size(t), ==, 3);
    g_assert_true(ipprefix_parse("2001:0db8:0::/32", &q, NULL));
    g_assert_true(g_hash_table_lookup(t, &q) == &p6);
    g_assert_true(ipprefix_parse("198.51.100.0/24", &q, NULL));
    g_assert_true(g_hash_table_lookup(t, &q) == &p24);
    g_assert_true(ipprefix_parse("198.51.100.0/23", &q, NULL));
    g_assert_null(g_hash_table_lookup(t, &q));
}

/* ---- the readers and the writer against libc's inet_pton() and inet_ntop() ---- */

/* What ipaddr_parse_len() must do with text: inet_pton() for IPv4, then for IPv6 with the
 * IPv4-mapped form folded to IPv4. */
static gboolean
ref_parse(const char *text, gsize len, IpAddr *out)
{
    char buf[64];
    memset(out, 0, sizeof *out);
    if (len >= sizeof buf || memchr(text, '\0', len))
        return FALSE;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, out->bytes) == 1) {
        out->family = AF_INET;
        return TRUE;
    }
    if (inet_pton(AF_INET6, buf, out->bytes) != 1) {
        memset(out, 0, sizeof *out);
        return FALSE;
    }
    static const guint8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    out->family = AF_INET6;
    if (memcmp(out->bytes, mapped, 12) == 0) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
        out->family = AF_INET;
    }
    return TRUE;
}

/* Parses text of exactly len bytes (an exact-size heap copy, so a read past the end is an
 * ASan error) both ways and requires the same answer and the same bytes. */
static void
check_parse_same(const char *text, gsize len)
{
    char *copy = g_memdup2(text, len ? len : 1);
    IpAddr ref, got;
    gboolean want = ref_parse(copy, len, &ref);
    gboolean ok = ipaddr_parse_len(copy, len, &got);
    if (ok != want || memcmp(&ref, &got, sizeof ref) != 0)
        g_error("'%.*s': ipaddr_parse_len %d, inet_pton %d", (int)len, text, ok, want);
    g_free(copy);
}

static const char *const addr_texts[] = {
    "192.0.2.1",
    "198.18.0.100",
    "10.20.30.40",
    "1.2.3.4",
    "192.0.2.01",
    "192.0.2.256",
    "192.0.2",
    "192.0.2.1.5",
    "1.2.3.4x",
    "01.2.3.4",
    "1..2.3",
    "0.0.0.0",
    "255.255.255.255",
    "1.2.3.",
    ".1.2.3",
    "::",
    "::1",
    "1::",
    "2001:db8::",
    "2001:db8::1",
    "2001:0db8:0000:0000:0000:0000:0000:0001",
    "2001:DB8:0:0:1:0:0:1",
    "2001:db8:0:1:1:1:1:1",
    "fe80::1:2:3:4",
    "::ffff:192.0.2.1",
    "::ffff:c000:201",
    "0:0:0:0:0:ffff:c000:0201",
    "::1.2.3.4",
    "::102:304",
    "::0.0.1.2",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7::",
    "::2:3:4:5:6:7:8",
    "1:2::7:8",
    "1::8",
    "a:b:c:d::e",
    "abcd::ef01:2345:6789",
    "1:2:3:4:5::8",
    "1:2:3:4:5:6::8",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7::8",
    "1:::2",
    ":1::2",
    "1::2:",
    "12345::",
    "g::1",
    "1:2:3:4:5:6:7",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:db8:0:0:0:0:2:1",
    "2001:db8::2:1:0:0",
    "0000:0000:0000:0000:0000:0000:0000:0000",
    "2001:0db8:0001:0000:0000:0000:0000:0060",
    "fe80:0000:0000:0000:1d0d:9237:b17c:aafd",
    "",
    /* a dotted quad in IPv6 */
    "1:2:3:4:5:6:1.2.3.4",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1:2:3:4:5::1.2.3.4",
    "1:2:3:4::1.2.3.4",
    "::1:2:3:4:5:1.2.3.4",
    "::1:2:3:4:5:6:1.2.3.4",
    "1::1.2.3.4",
    "::ffff:1.2.3.4.5",
    "::ffff:1.2.3",
    "::ffff:01.2.3.4",
    "::ffff:1.2.3.256",
    "::1.2.3.4:1",
    "::1.2.3.4::",
    "::12.1.2.3",
    "::1234.1.2.3",
    "::ab.1.2.3",
    "::.1.2.3.4",
    "1.2.3.4::",
    ":1.2.3.4",
    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
    "0:0:0:0:0:ffff:0.0.0.0",
    "::ffff:0:1.2.3.4",
    "64:ff9b::192.0.2.33",
    /* zones, spaces, signs */
    "fe80::1%eth0",
    " ::1",
    "::1 ",
    "+1.2.3.4",
    "1.2.3.4 ",
    "2001:db8::1/64",
};

static void
test_parse_like_inet_pton(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(addr_texts); i++)
        check_parse_same(addr_texts[i], strlen(addr_texts[i]));
    /* A NUL inside the text is not an address. */
    check_parse_same("::1\0", 4);
    check_parse_same("1.2.3.4\0", 8);
}

/* Every text of up to six bytes from the characters that matter, and random longer ones built
 * from address pieces. */
static void
test_parse_like_inet_pton_generated(void)
{
    static const char alphabet[] = "01f:.9";
    const gsize k = sizeof alphabet - 1;
    char t[64];
    for (gsize len = 0; len <= 6; len++) {
        gsize total = 1;
        for (gsize i = 0; i < len; i++)
            total *= k;
        for (gsize n = 0; n < total; n++) {
            gsize v = n;
            for (gsize i = 0; i < len; i++, v /= k)
                t[i] = alphabet[v % k];
            check_parse_same(t, len);
        }
    }
    static const char *const pieces[] = {"0",    "1",   "ff", "FFFF", "12345", "255",     "256",
                                         "01",   "db8", ":",  "::",   ".",     "1.2.3.4", "0.0",
                                         "10.1", ":::", "g",  "%",    "ffff"};
    GRand *rand = g_rand_new_with_seed(5952);
    for (int round = 0; round < 200000; round++) {
        gsize len = 0;
        int parts = g_rand_int_range(rand, 1, 16);
        for (int i = 0; i < parts; i++) {
            const char *p = pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))];
            gsize n = strlen(p);
            if (len + n > 50)
                break;
            memcpy(t + len, p, n);
            len += n;
        }
        check_parse_same(t, len);
    }
    g_rand_free(rand);
}

/* ipaddr_format() writes what inet_ntop() writes, and ipaddr_write() the same without a NUL. */
static void
check_format_same(const IpAddr *a)
{
    char want[INET6_ADDRSTRLEN], got[IPADDR_STRLEN], cursor[IPADDR_STRLEN + 1];
    g_assert_nonnull(inet_ntop(a->family, a->bytes, want, sizeof want));
    g_assert_cmpstr(ipaddr_format(a, got), ==, want);
    memset(cursor, 'x', sizeof cursor);
    char *end = ipaddr_write(cursor, a);
    g_assert_cmpuint((gsize)(end - cursor), ==, strlen(want));
    g_assert_cmpuint((gsize)(end - cursor), <=, IPADDR_TEXT_MAX);
    g_assert_true(memcmp(cursor, want, strlen(want)) == 0);
    g_assert_cmpint(*end, ==, 'x');
}

static void
test_format_like_inet_ntop(void)
{
    /* every IPv6 shape of zero runs, with non-zero groups short and long */
    for (guint mask = 0; mask < 256; mask++) {
        for (guint value = 0; value < 3; value++) {
            IpAddr a = {.family = AF_INET6};
            for (int g = 0; g < 8; g++) {
                guint w = (mask >> g & 1) ? (value == 0   ? (guint)g + 1
                                             : value == 1 ? 0xab0
                                                          : 0xffff)
                                          : 0;
                a.bytes[2 * g] = (guint8)(w >> 8);
                a.bytes[2 * g + 1] = (guint8)w;
            }
            check_format_same(&a);
        }
    }
    /* the IPv4-compatible and IPv4-mapped forms inet_ntop() prints with a dotted quad, and
     * their neighbours that it does not */
    static const char *const v6[] = {"::1.2.3.4",      "::ffff:1.2.3.4", "::0.0.1.2",  "::ffff:0:0",
                                     "::fffe:1.2.3.4", "::1:0:1.2.3.4",  "1::1.2.3.4", "::1"};
    for (gsize i = 0; i < G_N_ELEMENTS(v6); i++) {
        IpAddr a = {.family = AF_INET6};
        g_assert_cmpint(inet_pton(AF_INET6, v6[i], a.bytes), ==, 1);
        check_format_same(&a);
    }
    GRand *rand = g_rand_new_with_seed(4291);
    for (int round = 0; round < 100000; round++) {
        IpAddr a = {.family = round % 2 ? AF_INET6 : AF_INET};
        for (int i = 0; i < (a.family == AF_INET ? 4 : 16); i++) {
            /* mostly zeros, so zero runs of every length turn up */
            a.bytes[i] = g_rand_int_range(rand, 0, 3) ? 0 : (guint8)g_rand_int_range(rand, 0, 256);
        }
        check_format_same(&a);
    }
    g_rand_free(rand);
    IpAddr none = {0};
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipaddr_format(&none, buf), ==, "");
}

/* The scanners stop at the byte after the address, for callers that split "ADDR:PORT". */
static void
test_scan_stops_at_terminator(void)
{
    IpAddr a;
    char buf[IPADDR_STRLEN];
    g_assert_cmpuint(ipaddr_scan_ipv4("192.0.2.1:80", &a), ==, 9);
    g_assert_cmpstr(ipaddr_format(&a, buf), ==, "192.0.2.1");
    g_assert_cmpuint(ipaddr_scan_ipv4("192.0.2.1.5", &a), ==, 0);
    g_assert_cmpuint(ipaddr_scan_ipv4("192.0.2.1234", &a), ==, 0);
    guint groups;
    gboolean compressed;
    const char *s = "2001:db8::1:80";
    g_assert_true(ipaddr_scan_ipv6(s, 11, &a, &groups, &compressed));
    g_assert_cmpstr(ipaddr_format(&a, buf), ==, "2001:db8::1");
    g_assert_cmpuint(groups, ==, 3);
    g_assert_true(compressed);
    s = "2001:0db8:0001:0000:0000:0000:0000:0060:443";
    g_assert_true(ipaddr_scan_ipv6(s, 39, &a, &groups, &compressed));
    g_assert_cmpstr(ipaddr_format(&a, buf), ==, "2001:db8:1::60");
    g_assert_cmpuint(groups, ==, 8);
    g_assert_false(compressed);
    g_assert_true(ipaddr_scan_ipv6("::ffff:192.0.2.1", 16, &a, &groups, &compressed));
    g_assert_cmpint(a.family, ==, AF_INET);
    g_assert_cmpuint(groups, ==, 3);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(format_cases); i++) {
        g_autofree char *path = g_strdup_printf("/ipaddr/parse-format/%s", format_cases[i].name);
        g_test_add_data_func(path, &format_cases[i], test_parse_format);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(prefix_cases); i++) {
        g_autofree char *path = g_strdup_printf("/ipprefix/parse/%s", prefix_cases[i].name);
        g_test_add_data_func(path, &prefix_cases[i], test_prefix);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(class_cases); i++) {
        g_autofree char *path = g_strdup_printf("/ipaddr/classify/%s", class_cases[i].name);
        g_test_add_data_func(path, &class_cases[i], test_classify);
    }
    g_test_add_func("/ipaddr/parse-len/stops-at-len", test_parse_len_stops_at_len);
    g_test_add_func("/ipaddr/compare", test_compare);
    g_test_add_func("/ipprefix/is-valid/invalid", test_prefix_invalid);
    g_test_add_func("/ipaddr/prefix_hash_func/table", test_prefix_hash_table);
    g_test_add_func("/ipaddr/parse-len/like-inet-pton", test_parse_like_inet_pton);
    g_test_add_func("/ipaddr/parse-len/like-inet-pton-generated",
                    test_parse_like_inet_pton_generated);
    g_test_add_func("/ipaddr/format/like-inet-ntop", test_format_like_inet_ntop);
    g_test_add_func("/ipaddr/scan/stops-at-terminator", test_scan_stops_at_terminator);
    return g_test_run();
}
