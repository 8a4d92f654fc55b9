// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the fake firewall backend: it must honour the same contract as the real one,
// since the ban table's tests trust it.
#include "fw_backends.h"

#include "error.h"
#include "testutil.h"

static IpPrefix
pfx(const char *text)
{
    IpPrefix p;
    g_autoptr(GError) error = NULL;
    g_assert_true(ipprefix_parse(text, &p, &error));
    return p;
}

static guint
installed(Fw *fw)
{
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    g_assert_true(fw_list(fw, out, NULL));
    return out->len;
}

static void
test_apply_idempotent(void)
{
    g_autoptr(Fw) fw = fw_fake_new();
    FwChange c[] = {
        {FW_CHANGE_ADD, pfx("203.0.113.1"), 0},
        {FW_CHANGE_ADD, pfx("203.0.113.1"), 0},
        {FW_CHANGE_ADD, pfx("2001:db8::1"), 0},
        {FW_CHANGE_REMOVE, pfx("198.51.100.1"), 0},
    };
    g_assert_true(fw_apply(fw, c, G_N_ELEMENTS(c), NULL));
    g_assert_cmpuint(installed(fw), ==, 2);
    g_assert_cmpuint(fw_fake_commits(fw), ==, 1);
}

static void
test_fail_next(void)
{
    g_autoptr(Fw) fw = fw_fake_new();
    g_autoptr(GError) error = NULL;
    FwChange c = {FW_CHANGE_ADD, pfx("203.0.113.1"), 0};
    fw_fake_fail_next(fw, 1);
    g_assert_false(fw_apply(fw, &c, 1, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL);
    g_assert_cmpuint(installed(fw), ==, 0);
    g_assert_true(fw_apply(fw, &c, 1, NULL));
    g_assert_cmpuint(installed(fw), ==, 1);
}

static void
test_reconcile(void)
{
    g_autoptr(Fw) fw = fw_fake_new();
    IpPrefix a = pfx("203.0.113.1"), b = pfx("203.0.113.2"), stray = pfx("198.51.100.9");
    fw_fake_inject(fw, &a);
    fw_fake_inject(fw, &a);
    fw_fake_inject(fw, &stray);
    IpPrefix desired[] = {a, b};
    FwReconcileStats s;
    g_assert_true(fw_reconcile(fw, desired, 2, &s, NULL));
    g_assert_cmpuint(s.added, ==, 1);
    g_assert_cmpuint(s.removed, ==, 1);
    g_assert_cmpuint(s.duplicates, ==, 1);
    g_assert_cmpuint(installed(fw), ==, 2);
    g_assert_true(fw_reconcile(fw, desired, 2, &s, NULL));
    g_assert_cmpuint(s.added + s.removed + s.duplicates, ==, 0);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    g_test_add_func("/fw-fake/apply/idempotent", test_apply_idempotent);
    g_test_add_func("/fw-fake/apply/fail-next", test_fail_next);
    g_test_add_func("/fw-fake/reconcile", test_reconcile);
    return g_test_run();
}
