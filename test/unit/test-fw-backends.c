// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the firewall backends' table and what each decides before touching the
// kernel: the kind each handle reports, the configured choice of backend, the shared check of
// a ban's prefix, and the ipset backend's rules half refusing to run without its lock.
#include "fw_backends.h"

#include <string.h>

#include "error.h"
#include "fw_ipset_rules.h"
#include "fw_probe.h"
#include "testutil.h"

/* Settings no call can get past the kernel with: every operation that reached the kernel
 * first takes the xtables lock, which cannot be opened here. */
static void
unreachable_config(FwConfig *cfg)
{
    fw_config_init_defaults(cfg);
    g_strlcpy(cfg->lock_file, "/nonexistent-alertban-dir/xtables.lock", sizeof cfg->lock_file);
}

static const FwBackend real_kinds[] = {FW_BACKEND_IPTABLES, FW_BACKEND_NFTABLES, FW_BACKEND_IPSET};

/* Each constructor's handle says which kind it is, under the name the logs use. */
static void
test_kind(void)
{
    FwConfig cfg;
    unreachable_config(&cfg);
    for (gsize i = 0; i < G_N_ELEMENTS(real_kinds); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Fw) fw = fw_new_backend(real_kinds[i], &cfg, &error);
        g_assert_no_error(error);
        g_assert_nonnull(fw);
        g_assert_cmpint(fw_kind(fw), ==, real_kinds[i]);
        g_assert_cmpstr(fw_name(fw), ==, fw_backend_name(real_kinds[i]));
    }
    g_autoptr(Fw) fake = fw_fake_new();
    g_assert_cmpint(fw_kind(fake), ==, FW_BACKEND_FAKE);
    g_assert_cmpstr(fw_name(fake), ==, "fake");
    g_assert_cmpstr(fw_backend_name(FW_BACKEND_AUTO), ==, "auto");
}

/* A configured backend is built as named, without asking the kernel (caps stay as given). */
static void
test_configured(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(real_kinds); i++) {
        FwConfig cfg;
        unreachable_config(&cfg);
        cfg.backend = real_kinds[i];
        FwKernelCaps caps = {.legacy = TRUE, .nftables = FALSE, .ipset = TRUE};
        char why[64] = "";
        g_autoptr(GError) error = NULL;
        g_autoptr(Fw) fw = fw_new_for_bans(&cfg, 5000, &caps, why, sizeof why, &error);
        g_assert_no_error(error);
        g_assert_nonnull(fw);
        g_assert_cmpint(fw_kind(fw), ==, real_kinds[i]);
        g_assert_cmpstr(why, ==, "configured");
        g_assert_true(caps.legacy && !caps.nftables && caps.ipset);
        g_autofree char *line =
            g_strdup_printf("*firewall backend: %s (configured)*", fw_backend_name(real_kinds[i]));
        test_log_assert(line);

        g_autoptr(Fw) same = fw_new_from_config(&cfg, &error);
        g_assert_no_error(error);
        g_assert_cmpint(fw_kind(same), ==, real_kinds[i]);
        test_log_assert(line);
    }
}

/* Settings a backend refuses fail the choice with the backend's own error. */
static void
test_configured_bad(void)
{
    FwConfig cfg;
    unreachable_config(&cfg);
    cfg.backend = FW_BACKEND_IPTABLES;
    g_strlcpy(cfg.chain, "INPUT", sizeof cfg.chain);
    char why[64];
    g_autoptr(GError) error = NULL;
    g_assert_null(fw_new_for_bans(&cfg, 0, NULL, why, sizeof why, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "built-in chain or target"));
    g_assert_cmpuint(test_log_count("*firewall backend:*"), ==, 0);
}

typedef struct {
    const char *name;
    const char *prefix; /* NULL: an IpPrefix with no family */
    guint8 len;         /* overrides the parsed length when not 0 */
    const char *error;  /* glob the message must match; NULL: bannable */
} BannableCase;

static const BannableCase bannable_cases[] = {
    {"v4-host", "192.0.2.1", 0, NULL},
    {"v4-slash1", "128.0.0.0/1", 0, NULL},
    {"v6-net", "2001:db8::/32", 0, NULL},
    {"v4-all", "0.0.0.0/0", 0,
     "who: op: refusing prefix \"0.0.0.0/0\" (length 0): only IPv4 or IPv6 prefixes of "
     "length 1 or more can be banned"},
    {"v6-all", "::/0", 0, "who: op: refusing prefix \"::/0\" (length 0)*"},
    {"v4-too-long", "192.0.2.1", 33, "who: op: refusing prefix *(length 33)*"},
    {"no-family", NULL, 32, "who: op: refusing prefix \"(no address)\" (length 32)*"},
};

static void
test_bannable(gconstpointer data)
{
    const BannableCase *tc = data;
    IpPrefix p = {0};
    if (tc->prefix)
        g_assert_true(ipprefix_parse(tc->prefix, &p, NULL));
    if (tc->len)
        p.len = tc->len;
    g_autoptr(GError) error = NULL;
    gboolean ok = fw_prefix_bannable(&p, "who", "op", &error);
    if (!tc->error) {
        g_assert_no_error(error);
        g_assert_true(ok);
        return;
    }
    g_assert_false(ok);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL);
    if (!g_pattern_match_simple(tc->error, error->message))
        g_error("error \"%s\" does not match \"%s\"", error->message, tc->error);
}

/* The ipset backend refuses a bad prefix in apply and reconcile before it talks to the kernel
 * (which here would fail on the lock or with no ip_set, with another message). */
static void
test_ipset_bad_prefix(void)
{
    FwConfig cfg;
    unreachable_config(&cfg);
    g_autoptr(Fw) fw = fw_ipset_new(&cfg, NULL);
    g_assert_nonnull(fw);
    FwChange changes[2] = {{.kind = FW_CHANGE_ADD}, {.kind = FW_CHANGE_ADD}};
    g_assert_true(ipprefix_parse("192.0.2.1", &changes[0].prefix, NULL));
    g_assert_true(ipprefix_parse("::/0", &changes[1].prefix, NULL));
    g_autoptr(GError) error = NULL;
    g_assert_false(fw_apply(fw, changes, 2, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL);
    g_assert_true(g_str_has_prefix(error->message, "fw-ipset: apply: refusing prefix \"::/0\""));
    g_clear_error(&error);
    g_assert_false(fw_reconcile(fw, &changes[1].prefix, 1, NULL, &error));
    g_assert_true(g_str_has_prefix(error->message, "fw-ipset: reconcile: refusing prefix"));
}

/* The rules half checks its settings as the iptables backend does, and every call that would
 * change the kernel takes the xtables lock first; a batch with nothing in it does nothing. */
static void
test_set_rules(void)
{
    FwConfig cfg;
    unreachable_config(&cfg);
    g_autoptr(GError) error = NULL;
    g_strlcpy(cfg.chain, "DROP", sizeof cfg.chain);
    g_assert_null(fw_set_rules_new(&cfg, "DROP4", "DROP6", &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    g_clear_error(&error);

    unreachable_config(&cfg);
    g_strlcpy(cfg.hooks[1], "ALERTBAN-SET", sizeof cfg.hooks[1]);
    cfg.n_hooks = 2;
    g_assert_null(fw_set_rules_new(&cfg, "ALERTBAN4", "ALERTBAN6", &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "one of our own chains"));
    g_clear_error(&error);

    unreachable_config(&cfg);
    g_autoptr(FwSetRules) rules = fw_set_rules_new(&cfg, "ALERTBAN4", "ALERTBAN6", &error);
    g_assert_no_error(error);
    g_assert_nonnull(rules);
    g_assert_true(fw_set_rules_restore(rules, NULL, 0, &error));
    g_assert_no_error(error);

    guint fixed = 99;
    g_assert_false(fw_set_rules_repair(rules, &fixed, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL);
    g_assert_nonnull(strstr(error->message, "opening the xtables lock /nonexistent-alertban-dir"));
    g_assert_cmpuint(fixed, ==, 0);
    g_clear_error(&error);

    FwChange c = {.kind = FW_CHANGE_ADD};
    g_assert_true(ipprefix_parse("2001:db8::1", &c.prefix, NULL));
    g_assert_false(fw_set_rules_restore(rules, &c, 1, &error));
    g_assert_nonnull(strstr(error->message, "opening the xtables lock"));
    g_clear_error(&error);
    g_assert_false(fw_set_rules_remove(rules, &error));
    g_assert_nonnull(strstr(error->message, "opening the xtables lock"));
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    g_test_add_func("/fw-backends/kind", test_kind);
    g_test_add_func("/fw-backends/configured", test_configured);
    g_test_add_func("/fw-backends/configured-bad", test_configured_bad);
    for (gsize i = 0; i < G_N_ELEMENTS(bannable_cases); i++) {
        g_autofree char *path = g_strdup_printf("/fw-backends/bannable/%s", bannable_cases[i].name);
        g_test_add_data_func(path, &bannable_cases[i], test_bannable);
    }
    g_test_add_func("/fw-backends/ipset-bad-prefix", test_ipset_bad_prefix);
    g_test_add_func("/fw-backends/set-rules", test_set_rules);
    return g_test_run();
}
