// SPDX-License-Identifier: GPL-2.0-or-later
// Settings shared by every firewall backend.
#include "fw.h"

#include <string.h>

#include <libiptc/libiptc.h>

void
fw_config_init_defaults(FwConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->backend = FW_BACKEND_AUTO;
    cfg->auto_max_rules = FW_AUTO_MAX_RULES_DEFAULT;
    g_strlcpy(cfg->chain, "ALERTBAN", sizeof cfg->chain);
    g_strlcpy(cfg->hooks[0], "INPUT", sizeof cfg->hooks[0]);
    cfg->n_hooks = 1;
    cfg->action = FW_ACTION_DROP;
    cfg->direction = FW_DIRECTION_IN;
    cfg->log = FALSE;
    g_strlcpy(cfg->log_prefix, "alertban: ", sizeof cfg->log_prefix);
    const char *lock = g_getenv("XTABLES_LOCKFILE");
    g_strlcpy(cfg->lock_file, lock && *lock ? lock : "/run/xtables.lock", sizeof cfg->lock_file);
    cfg->lock_timeout_ms = 5000;
    cfg->verify_interval_s = 60;
    cfg->cut = TRUE;
}

gboolean
fw_reconcile_timed(Fw *fw, const FwChange *desired, gsize n, FwReconcileStats *stats,
                   GError **error)
{
    if (fw->ops->reconcile_timed)
        return fw->ops->reconcile_timed(fw, desired, n, stats, error);
    g_autoptr(GArray) prefixes = g_array_sized_new(FALSE, FALSE, sizeof(IpPrefix), (guint)n);
    for (gsize i = 0; i < n; i++)
        g_array_append_val(prefixes, desired[i].prefix);
    return fw->ops->reconcile(fw, (const IpPrefix *)prefixes->data, n, stats, error);
}

const char *
fw_backend_name(FwBackend backend)
{
    switch (backend) {
    case FW_BACKEND_IPTABLES:
        return "iptables";
    case FW_BACKEND_NFTABLES:
        return "nftables";
    case FW_BACKEND_AUTO:
        return "auto";
    case FW_BACKEND_IPSET:
        return "ipset";
    }
    return "?";
}

/* TRUE when the kernel answers for the legacy IPv4 filter table. */
static gboolean
legacy_iptables_present(void)
{
    struct xtc_handle *h = iptc_init("filter");
    if (!h)
        return FALSE;
    iptc_free(h);
    return TRUE;
}

void
fw_probe_kernel(const FwConfig *cfg, FwKernelCaps *out)
{
    out->legacy = legacy_iptables_present();
    out->nftables = fw_nft_available(cfg);
    out->ipset = out->legacy && fw_ipset_available(cfg);
}

FwBackend
fw_auto_choose(const FwKernelCaps *caps, FwBackend current, guint n_bans, guint max_rules,
               char *why, gsize why_len)
{
    if (!caps->legacy) {
        g_snprintf(why, why_len, "auto: the kernel has no legacy iptables");
        return FW_BACKEND_NFTABLES;
    }
    FwBackend sets = caps->nftables ? FW_BACKEND_NFTABLES
                     : caps->ipset  ? FW_BACKEND_IPSET
                                    : FW_BACKEND_IPTABLES;
    if (sets == FW_BACKEND_IPTABLES) {
        g_snprintf(why, why_len, "auto: the kernel has neither nftables nor ip_set, so no set "
                                 "backend");
        return FW_BACKEND_IPTABLES;
    }
    if (current == FW_BACKEND_NFTABLES || current == FW_BACKEND_IPSET) {
        if (n_bans > max_rules / 2) {
            g_snprintf(why, why_len, "auto: %u bans, more than auto_max_rules/2 = %u", n_bans,
                       max_rules / 2);
            return current;
        }
        g_snprintf(why, why_len, "auto: %u bans, no more than auto_max_rules/2 = %u", n_bans,
                   max_rules / 2);
        return FW_BACKEND_IPTABLES;
    }
    if (n_bans > max_rules) {
        g_snprintf(why, why_len, "auto: %u bans, more than auto_max_rules = %u", n_bans,
                   max_rules);
        return sets;
    }
    g_snprintf(why, why_len, "auto: %u bans, no more than auto_max_rules = %u", n_bans,
               max_rules);
    return FW_BACKEND_IPTABLES;
}

Fw *
fw_new_backend(FwBackend kind, const FwConfig *cfg, GError **error)
{
    switch (kind) {
    case FW_BACKEND_IPTABLES:
        return fw_iptc_new(cfg, error);
    case FW_BACKEND_NFTABLES:
        return fw_nft_new(cfg, error);
    case FW_BACKEND_IPSET:
        return fw_ipset_new(cfg, error);
    case FW_BACKEND_AUTO:
        break;
    }
    g_return_val_if_reached(NULL);
}

FwBackend
fw_kind(const Fw *fw)
{
    static const FwBackend kinds[] = {FW_BACKEND_NFTABLES, FW_BACKEND_IPSET};
    for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
        if (strcmp(fw->ops->name, fw_backend_name(kinds[i])) == 0)
            return kinds[i];
    }
    return FW_BACKEND_IPTABLES;
}

Fw *
fw_new_from_config(const FwConfig *cfg, GError **error)
{
    FwBackend chosen = cfg->backend;
    char why[128] = "configured";
    if (chosen == FW_BACKEND_AUTO) {
        FwKernelCaps caps;
        fw_probe_kernel(cfg, &caps);
        chosen = fw_auto_choose(&caps, FW_BACKEND_AUTO, 0, cfg->auto_max_rules, why, sizeof why);
    }
    Fw *fw = fw_new_backend(chosen, cfg, error);
    if (fw)
        g_message("firewall backend: %s (%s)", fw_backend_name(chosen), why);
    return fw;
}

gboolean
fw_flush_others(const FwConfig *cfg, Fw *current, GError **error)
{
    static const FwBackend all[] = {FW_BACKEND_IPTABLES, FW_BACKEND_NFTABLES, FW_BACKEND_IPSET};
    int legacy = -1; /* not asked yet */
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++) {
        const char *name = fw_backend_name(all[i]);
        if (strcmp(current->ops->name, name) == 0)
            continue;
        g_autoptr(Fw) other = NULL;
        if (all[i] == FW_BACKEND_NFTABLES) {
            /* A kernel without nf_tables holds nothing of the nftables backend's. */
            if (!fw_nft_available(cfg))
                continue;
            other = fw_nft_new(cfg, error);
        } else {
            /* Both keep their rules in the legacy tables: without them nothing of theirs
             * can be there (the ipset backend makes its sets only beside its rules), and
             * without ip_set no set of the ipset backend can be. */
            if (legacy == -1)
                legacy = legacy_iptables_present();
            if (!legacy || (all[i] == FW_BACKEND_IPSET && !fw_ipset_available(cfg)))
                continue;
            other = all[i] == FW_BACKEND_IPSET ? fw_ipset_new(cfg, error)
                                               : fw_iptc_new(cfg, error);
        }
        if (!other)
            return FALSE;
        if (!fw_flush(other, error)) {
            g_prefix_error(error, "removing the %s backend's bans after the switch to %s: ",
                           other->ops->name, current->ops->name);
            return FALSE;
        }
    }
    return TRUE;
}
