// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for backend = auto's choice: which backend holds how many bans on which kernel,
// with the hysteresis that keeps a count near the limit from moving the bans back and forth.
#include "fw_probe.h"

#include "testutil.h"

typedef struct {
    const char *name;
    gboolean legacy, nftables, ipset;
    FwBackend current; /* FW_BACKEND_AUTO: at start */
    guint n_bans, max_rules;
    FwBackend want;
    const char *why; /* glob */
} ChooseCase;

#define IPT FW_BACKEND_IPTABLES
#define NFT FW_BACKEND_NFTABLES
#define IPSET FW_BACKEND_IPSET
#define START FW_BACKEND_AUTO

static const ChooseCase choose_cases[] = {
    {"start-empty", TRUE, TRUE, FALSE, START, 0, 200, IPT, "auto: 0 bans, no more than auto_max_rules = 200"},
    {"start-at-limit", TRUE, TRUE, FALSE, START, 200, 200, IPT, "*no more than auto_max_rules = 200"},
    {"start-above-limit", TRUE, TRUE, FALSE, START, 201, 200, NFT, "auto: 201 bans, more than auto_max_rules = 200"},
    {"start-between", TRUE, TRUE, FALSE, START, 150, 200, IPT, "*"},
    {"rules-grow-past", TRUE, TRUE, FALSE, IPT, 201, 200, NFT, "*more than auto_max_rules = 200"},
    {"rules-stay", TRUE, TRUE, FALSE, IPT, 200, 200, IPT, "*"},
    {"sets-stay-above-half", TRUE, TRUE, FALSE, NFT, 101, 200, NFT, "*more than auto_max_rules/2 = 100"},
    {"sets-stay-between", TRUE, TRUE, FALSE, NFT, 150, 200, NFT, "*"},
    {"sets-fall-to-half", TRUE, TRUE, FALSE, NFT, 100, 200, IPT, "*no more than auto_max_rules/2 = 100"},
    {"sets-empty", TRUE, TRUE, FALSE, NFT, 0, 200, IPT, "*"},
    {"max-one-up", TRUE, TRUE, FALSE, IPT, 2, 1, NFT, "*"},
    {"max-one-stays", TRUE, TRUE, FALSE, NFT, 1, 1, NFT, "*more than auto_max_rules/2 = 0"},
    {"max-one-down", TRUE, TRUE, FALSE, NFT, 0, 1, IPT, "*"},
    {"no-legacy-empty", FALSE, TRUE, FALSE, START, 0, 200, NFT, "auto: the kernel has no legacy iptables"},
    {"no-legacy-from-rules", FALSE, TRUE, FALSE, IPT, 3, 200, NFT, "*no legacy iptables"},
    {"no-legacy-no-nft", FALSE, FALSE, FALSE, START, 0, 200, NFT, "*no legacy iptables"},
    {"no-sets-many", TRUE, FALSE, FALSE, START, 100000, 200, IPT,
     "auto: the kernel has neither nftables nor ip_set, so no set backend"},
    {"no-sets-from-nft", TRUE, FALSE, FALSE, NFT, 100000, 200, IPT, "*neither nftables nor ip_set*"},
    {"nft-before-ipset", TRUE, TRUE, TRUE, IPT, 201, 200, NFT, "*more than auto_max_rules = 200"},
    {"ipset-without-nft", TRUE, FALSE, TRUE, IPT, 201, 200, IPSET, "*more than auto_max_rules = 200"},
    {"ipset-start", TRUE, FALSE, TRUE, START, 5000, 200, IPSET, "*"},
    {"ipset-stays", TRUE, TRUE, TRUE, IPSET, 101, 200, IPSET, "*more than auto_max_rules/2 = 100"},
    {"ipset-falls", TRUE, FALSE, TRUE, IPSET, 100, 200, IPT, "*no more than auto_max_rules/2*"},
    {"no-legacy-ipset-useless", FALSE, TRUE, TRUE, START, 5000, 200, NFT, "*no legacy iptables"},
};

static void
test_choose(gconstpointer data)
{
    const ChooseCase *tc = data;
    FwKernelCaps caps = {.legacy = tc->legacy, .nftables = tc->nftables, .ipset = tc->ipset};
    char why[160] = "";
    FwBackend got = fw_auto_choose(&caps, tc->current, tc->n_bans, tc->max_rules, why, sizeof why);
    g_assert_cmpstr(fw_backend_name(got), ==, fw_backend_name(tc->want));
    if (!g_pattern_match_simple(tc->why, why))
        g_error("why is '%s', expected '%s'", why, tc->why);
}

/* A count walking up past the limit and back down switches exactly twice: up just above
 * max_rules, down at max_rules / 2, never in between. */
static void
test_walk(void)
{
    FwKernelCaps caps = {.legacy = TRUE, .nftables = TRUE};
    FwBackend cur = fw_auto_choose(&caps, START, 0, 200, (char[160]){0}, 160);
    guint ups = 0, downs = 0, up_at = 0, down_at = 0;
    char why[160];
    for (guint n = 0; n <= 300; n++) {
        FwBackend next = fw_auto_choose(&caps, cur, n, 200, why, sizeof why);
        if (next != cur) {
            ups++;
            up_at = n;
        }
        cur = next;
    }
    for (guint n = 300; n-- > 0;) {
        FwBackend next = fw_auto_choose(&caps, cur, n, 200, why, sizeof why);
        if (next != cur) {
            downs++;
            down_at = n;
        }
        cur = next;
    }
    g_assert_cmpuint(ups, ==, 1);
    g_assert_cmpuint(up_at, ==, 201);
    g_assert_cmpuint(downs, ==, 1);
    g_assert_cmpuint(down_at, ==, 100);
    g_assert_cmpint(cur, ==, IPT);
}

static void
test_defaults(void)
{
    FwConfig cfg;
    fw_config_init_defaults(&cfg);
    g_assert_cmpint(cfg.backend, ==, FW_BACKEND_AUTO);
    g_assert_cmpuint(cfg.auto_max_rules, ==, 200);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(choose_cases); i++) {
        g_autofree char *path = g_strdup_printf("/fw/auto_choose/%s", choose_cases[i].name);
        g_test_add_data_func(path, &choose_cases[i], test_choose);
    }
    g_test_add_func("/fw/auto_choose/walk", test_walk);
    g_test_add_func("/fw/config/defaults", test_defaults);
    return g_test_run();
}
