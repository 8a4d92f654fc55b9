// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for what the libiptc backend decides before touching the kernel: which settings
// it accepts. Its behaviour against the kernel is tested in test/integration/fw-*.sh.
#include "fw_backends.h"

#include <string.h>

#include "error.h"
#include "testutil.h"

typedef struct {
    const char *name;
    const char *chain;
    const char *hooks; /* comma-separated; NULL: the default */
    const char *lock_file;
    const char *error; /* glob the error must match; NULL: accepted */
} NewCase;

static const NewCase new_cases[] = {
    {"default", NULL, NULL, NULL, NULL},
    {"gateway-hooks", "BANS", "INPUT,FORWARD,DOCKER-USER", NULL, NULL},
    {"longest-chain", "ABCDEFGHIJKLMNOPQRSTUVWX", NULL, NULL, NULL},
    {"chain-too-long", "ABCDEFGHIJKLMNOPQRSTUVWXY", NULL, NULL, "*must be 1 to 24 characters*"},
    {"chain-empty", "", NULL, NULL, "*must be 1 to 24*"},
    {"chain-builtin", "INPUT", NULL, NULL, "*built-in chain or target*"},
    {"chain-target", "DROP", NULL, NULL, "*built-in chain or target*"},
    {"chain-dash", "-X", NULL, NULL, "*must not start with*"},
    {"chain-space", "A B", NULL, NULL, "*space or control*"},
    {"no-hooks", NULL, "", NULL, "*between 1 and 4 hooks*"},
    {"hook-is-ours", NULL, "INPUT,ALERTBAN-DST", NULL, "*one of our own chains*"},
    {"no-lock-file", NULL, NULL, "", "*no xtables lock file*"},
};

static void
test_new(gconstpointer data)
{
    const NewCase *tc = data;
    FwConfig cfg;
    fw_config_init_defaults(&cfg);
    if (tc->chain)
        g_strlcpy(cfg.chain, tc->chain, sizeof cfg.chain);
    if (tc->hooks) {
        g_auto(GStrv) hooks = g_strsplit(tc->hooks, ",", -1);
        cfg.n_hooks = 0;
        for (guint i = 0; hooks[i] && hooks[i][0]; i++)
            g_strlcpy(cfg.hooks[cfg.n_hooks++], hooks[i], sizeof cfg.hooks[0]);
    }
    if (tc->lock_file)
        g_strlcpy(cfg.lock_file, tc->lock_file, sizeof cfg.lock_file);

    g_autoptr(GError) error = NULL;
    g_autoptr(Fw) fw = fw_iptc_new(&cfg, &error);
    if (!tc->error) {
        g_assert_no_error(error);
        g_assert_nonnull(fw);
        g_assert_cmpstr(fw->ops->name, ==, "iptables");
        g_assert_cmpint(fw_kind(fw), ==, FW_BACKEND_IPTABLES);
        FwIptcStats st;
        fw_iptc_last_stats(fw, &st);
        g_assert_cmpuint(st.commits, ==, 0); /* nothing ran yet */
        return;
    }
    g_assert_null(fw);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    if (!g_pattern_match_simple(tc->error, error->message))
        g_error("error \"%s\" does not match \"%s\"", error->message, tc->error);
}

/* A backend whose lock file cannot be opened: any call that reached the kernel would fail. */
static Fw *
new_unreachable(void)
{
    FwConfig cfg;
    fw_config_init_defaults(&cfg);
    g_strlcpy(cfg.lock_file, "/nonexistent-alertban-dir/xtables.lock", sizeof cfg.lock_file);
    Fw *fw = fw_iptc_new(&cfg, NULL);
    g_assert_nonnull(fw);
    return fw;
}

typedef struct {
    const char *name;
    const char *prefix; /* NULL: an IpPrefix with no family */
    guint8 len;         /* overrides the parsed length when prefix is NULL */
} BadPrefixCase;

static const BadPrefixCase bad_prefix_cases[] = {
    {"v4-all", "0.0.0.0/0", 0},
    {"v6-all", "::/0", 0},
    {"no-family", NULL, 32},
};

static void
test_apply_bad_prefix(gconstpointer data)
{
    const BadPrefixCase *tc = data;
    g_autoptr(Fw) fw = new_unreachable();
    IpPrefix bad = {0};
    if (tc->prefix)
        g_assert_true(ipprefix_parse(tc->prefix, &bad, NULL));
    else
        bad.len = tc->len;
    FwChange changes[2] = {{FW_CHANGE_ADD, {{0}, 0}, 0}, {FW_CHANGE_ADD, bad, 0}};
    g_assert_true(ipprefix_parse("192.0.2.1", &changes[0].prefix, NULL));
    g_autoptr(GError) error = NULL;
    g_assert_false(fw_apply(fw, changes, 2, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL);
    g_assert_nonnull(strstr(error->message, "apply: refusing prefix"));
    g_clear_error(&error);
    g_assert_false(fw_reconcile(fw, &bad, 1, NULL, &error));
    g_assert_nonnull(strstr(error->message, "reconcile: refusing prefix"));
}

static void
test_apply_empty(void)
{
    g_autoptr(Fw) fw = new_unreachable();
    g_autoptr(GError) error = NULL;
    /* Nothing to do: no lock, no kernel, no commit. */
    g_assert_true(fw_apply(fw, NULL, 0, &error));
    g_assert_no_error(error);
    FwIptcStats st;
    fw_iptc_last_stats(fw, &st);
    g_assert_cmpuint(st.commits, ==, 0);
    /* Anything else needs the lock, whose failure names the file. */
    g_assert_false(fw_ensure(fw, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL);
    g_assert_nonnull(strstr(error->message, "ensure: opening the xtables lock "
                                            "/nonexistent-alertban-dir/xtables.lock"));
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (guint i = 0; i < G_N_ELEMENTS(new_cases); i++) {
        g_autofree char *path = g_strdup_printf("/fw-iptc/new/%s", new_cases[i].name);
        g_test_add_data_func(path, &new_cases[i], test_new);
    }
    for (guint i = 0; i < G_N_ELEMENTS(bad_prefix_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/fw-iptc/apply/bad-prefix/%s", bad_prefix_cases[i].name);
        g_test_add_data_func(path, &bad_prefix_cases[i], test_apply_bad_prefix);
    }
    g_test_add_func("/fw-iptc/apply/empty", test_apply_empty);
    return g_test_run();
}
