// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for ownaddr: the reference-counted set, and (inside a private network namespace,
// from test/integration/ownaddr.sh) the live netlink watch following `ip` changes.
#include "ownaddr.h"

#include <string.h>

#include "testutil.h"

static IpAddr
addr(const char *text)
{
    IpAddr a;
    g_assert_true(ipaddr_parse(text, &a));
    return a;
}

static void
test_refs(void)
{
    g_autoptr(OwnAddr) oa = ownaddr_new();
    IpAddr a = addr("192.0.2.1"), g = addr("2001:db8::fffe");
    g_assert_cmpint(ownaddr_lookup(oa, &a), ==, OWNADDR_NONE);
    ownaddr_add(oa, OWNADDR_LOCAL, &a);
    ownaddr_add(oa, OWNADDR_LOCAL, &a); /* on a second interface */
    ownaddr_add(oa, OWNADDR_GATEWAY, &g);
    g_assert_cmpint(ownaddr_lookup(oa, &a), ==, OWNADDR_LOCAL);
    g_assert_cmpint(ownaddr_lookup(oa, &g), ==, OWNADDR_GATEWAY);
    ownaddr_remove(oa, OWNADDR_LOCAL, &a);
    g_assert_cmpint(ownaddr_lookup(oa, &a), ==, OWNADDR_LOCAL);
    ownaddr_remove(oa, OWNADDR_LOCAL, &a);
    g_assert_cmpint(ownaddr_lookup(oa, &a), ==, OWNADDR_NONE);
    ownaddr_remove(oa, OWNADDR_LOCAL, &a); /* one too many: ignored */
    g_assert_cmpint(ownaddr_lookup(oa, &a), ==, OWNADDR_NONE);
    /* An address that is both: local wins. */
    ownaddr_add(oa, OWNADDR_LOCAL, &g);
    g_assert_cmpint(ownaddr_lookup(oa, &g), ==, OWNADDR_LOCAL);
    ownaddr_remove(oa, OWNADDR_LOCAL, &g);
    g_assert_cmpint(ownaddr_lookup(oa, &g), ==, OWNADDR_GATEWAY);
    g_autoptr(GArray) gws = ownaddr_list(oa, OWNADDR_GATEWAY);
    g_assert_cmpuint(gws->len, ==, 1);
    g_assert_true(ipaddr_equal(&g_array_index(gws, IpAddr, 0), &g));
    g_assert_cmpstr(ownaddr_kind_name(OWNADDR_GATEWAY), ==, "gateway");
}

static IpPrefix
prefix(const char *text)
{
    IpPrefix p;
    g_assert_true(ipprefix_parse(text, &p, NULL));
    return p;
}

/* Which own address a prefix holds: one address by its own entry, a network by the lowest
 * local address inside it before any gateway, nothing outside. */
static void
test_inside(void)
{
    g_autoptr(OwnAddr) oa = ownaddr_new();
    IpAddr l1 = addr("198.51.100.20"), l2 = addr("198.51.100.9"), gw = addr("198.51.100.1");
    ownaddr_add(oa, OWNADDR_GATEWAY, &gw);
    ownaddr_add(oa, OWNADDR_LOCAL, &l1);
    ownaddr_add(oa, OWNADDR_LOCAL, &l2);
    IpAddr hit = {0};
    IpPrefix p = prefix("198.51.100.0/24");
    g_assert_cmpint(ownaddr_inside(oa, &p, &hit), ==, OWNADDR_LOCAL);
    g_assert_true(ipaddr_equal(&hit, &l2));
    p = prefix("198.51.100.0/29");
    g_assert_cmpint(ownaddr_inside(oa, &p, &hit), ==, OWNADDR_GATEWAY);
    g_assert_true(ipaddr_equal(&hit, &gw));
    p = prefix("198.51.100.20/32");
    g_assert_cmpint(ownaddr_inside(oa, &p, &hit), ==, OWNADDR_LOCAL);
    g_assert_true(ipaddr_equal(&hit, &l1));
    p = prefix("198.51.100.21/32");
    g_assert_cmpint(ownaddr_inside(oa, &p, NULL), ==, OWNADDR_NONE);
    p = prefix("203.0.113.0/24");
    g_assert_cmpint(ownaddr_inside(oa, &p, NULL), ==, OWNADDR_NONE);
    p = prefix("2001:db8::/32");
    g_assert_cmpint(ownaddr_inside(oa, &p, NULL), ==, OWNADDR_NONE);
}

/* Read-only: the watch loads the current namespace's addresses. Every Linux host has a
 * loopback interface; when it is up, 127.0.0.1 is one of our addresses. */
static void
test_watch_loads(void)
{
    g_autoptr(OwnAddr) oa = ownaddr_new();
    g_autoptr(GError) error = NULL;
    g_assert_true(ownaddr_watch(oa, NULL, &error));
    g_assert_no_error(error);
    g_autoptr(GArray) local = ownaddr_list(oa, OWNADDR_LOCAL);
    IpAddr lo = addr("127.0.0.1");
    gboolean lo_up = FALSE;
    g_autofree char *flags = NULL;
    if (g_file_get_contents("/sys/class/net/lo/flags", &flags, NULL, NULL))
        lo_up = (g_ascii_strtoull(flags, NULL, 16) & 1) != 0;
    if (lo_up) {
        g_assert_cmpint(ownaddr_lookup(oa, &lo), ==, OWNADDR_LOCAL);
        gboolean listed = FALSE;
        for (guint i = 0; i < local->len; i++)
            listed |= ipaddr_equal(&g_array_index(local, IpAddr, i), &lo);
        g_assert_true(listed);
    } else
        g_test_message("lo is down here; only checked that the dump finished");
}

/* ---- live, in a private network namespace ---- */

static void
ip(const char *cmdline)
{
    g_auto(GStrv) argv = g_strsplit(cmdline, " ", -1);
    g_autofree char *out = NULL, *err = NULL;
    int status = 0;
    g_autoptr(GError) error = NULL;
    g_autofree char *prog = g_find_program_in_path("ip");
    g_assert_nonnull(prog);
    g_free(argv[0]);
    argv[0] = g_strdup(prog);
    g_assert_true(
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("'%s' failed: %s", cmdline, err);
}

/* Runs the main context until a is of kind, or fails after 5 s. */
static void
wait_for(OwnAddr *oa, const char *text, OwnAddrKind kind)
{
    IpAddr a = addr(text);
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (ownaddr_lookup(oa, &a) != kind) {
        if (g_get_monotonic_time() > deadline)
            g_error("%s did not become '%s' within 5 s (is '%s')", text, ownaddr_kind_name(kind),
                    ownaddr_kind_name(ownaddr_lookup(oa, &a)));
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
}

typedef struct {
    guint added, removed;
} Changes;

static void
on_changed(OwnAddr *oa, OwnAddrKind kind, const IpAddr *a, gboolean added, gpointer data)
{
    (void)oa;
    (void)kind;
    (void)a;
    Changes *c = data;
    if (added)
        c->added++;
    else
        c->removed++;
}

static void
test_watch_live(void)
{
    if (!g_getenv("ALERTBAN_OWNADDR_LIVE")) {
        g_test_skip("changes addresses and routes: runs from test/integration/ownaddr.sh in a "
                    "private network namespace");
        return;
    }
    /* Present before the watch starts: found by the initial dump. */
    ip("ip link add ab0 type veth peer name ab1");
    ip("ip link set ab0 up");
    ip("ip link set ab1 up");
    ip("ip addr add 203.0.113.10/32 dev ab1");

    g_autoptr(OwnAddr) oa = ownaddr_new();
    Changes changes = {0, 0};
    ownaddr_set_changed_func(oa, on_changed, &changes);
    g_autoptr(GError) error = NULL;
    g_assert_true(ownaddr_watch(oa, NULL, &error));
    g_assert_no_error(error);
    IpAddr pre = addr("203.0.113.10");
    g_assert_cmpint(ownaddr_lookup(oa, &pre), ==, OWNADDR_LOCAL);
    IpAddr lo = addr("127.0.0.1");
    g_assert_cmpint(ownaddr_lookup(oa, &lo), ==, OWNADDR_LOCAL);

    /* Live: addresses. */
    ip("ip addr add 192.0.2.10/24 dev ab0");
    wait_for(oa, "192.0.2.10", OWNADDR_LOCAL);
    ip("ip -6 addr add 2001:db8:1::10/64 dev ab0 nodad");
    wait_for(oa, "2001:db8:1::10", OWNADDR_LOCAL);

    /* Live: default routes. */
    ip("ip route add default via 192.0.2.1 dev ab0");
    wait_for(oa, "192.0.2.1", OWNADDR_GATEWAY);
    ip("ip -6 route add default via 2001:db8:1::1 dev ab0");
    wait_for(oa, "2001:db8:1::1", OWNADDR_GATEWAY);

    /* A DHCP renewal that moves us: new address and gateway, old ones gone. */
    ip("ip addr add 198.51.100.20/24 dev ab0");
    ip("ip route replace default via 198.51.100.1 dev ab0");
    wait_for(oa, "198.51.100.20", OWNADDR_LOCAL);
    wait_for(oa, "198.51.100.1", OWNADDR_GATEWAY);
    wait_for(oa, "192.0.2.1", OWNADDR_NONE);
    ip("ip addr del 192.0.2.10/24 dev ab0");
    wait_for(oa, "192.0.2.10", OWNADDR_NONE);

    /* Removal of the rest. */
    ip("ip -6 route del default via 2001:db8:1::1 dev ab0");
    wait_for(oa, "2001:db8:1::1", OWNADDR_NONE);
    ip("ip route del default");
    wait_for(oa, "198.51.100.1", OWNADDR_NONE);
    ip("ip -6 addr del 2001:db8:1::10/64 dev ab0");
    wait_for(oa, "2001:db8:1::10", OWNADDR_NONE);

    /* Deleting the link takes its addresses with it. */
    ip("ip link del ab0");
    wait_for(oa, "203.0.113.10", OWNADDR_NONE);
    wait_for(oa, "198.51.100.20", OWNADDR_NONE);
    g_assert_cmpuint(changes.added, >=, 6);
    g_assert_cmpuint(changes.removed, >=, 7);
    g_assert_cmpint(ownaddr_lookup(oa, &lo), ==, OWNADDR_LOCAL);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    g_test_add_func("/ownaddr/add/refcounts", test_refs);
    g_test_add_func("/ownaddr/inside", test_inside);
    g_test_add_func("/ownaddr/watch/initial-dump", test_watch_loads);
    g_test_add_func("/ownaddr/watch/live", test_watch_live);
    return g_test_run();
}
