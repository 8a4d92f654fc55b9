// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel probe and the auto choice of backend; each backend answers for itself whether
// the kernel has what it needs (fw_backends.h).
#include "fw_probe.h"

#include "fw_backends.h"

void
fw_probe_kernel(const FwConfig *cfg, FwKernelCaps *out)
{
    out->legacy = fw_iptc_available();
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
        g_snprintf(why, why_len,
                   "auto: the kernel has neither nftables nor ip_set, so no set "
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
        g_snprintf(why, why_len, "auto: %u bans, more than auto_max_rules = %u", n_bans, max_rules);
        return sets;
    }
    g_snprintf(why, why_len, "auto: %u bans, no more than auto_max_rules = %u", n_bans, max_rules);
    return FW_BACKEND_IPTABLES;
}

Fw *
fw_new_for_bans(const FwConfig *cfg, guint n_bans, FwKernelCaps *caps, char *why, gsize why_len,
                GError **error)
{
    FwBackend chosen = cfg->backend;
    if (chosen == FW_BACKEND_AUTO) {
        FwKernelCaps probed;
        fw_probe_kernel(cfg, &probed);
        if (caps)
            *caps = probed;
        chosen =
            fw_auto_choose(&probed, FW_BACKEND_AUTO, n_bans, cfg->auto_max_rules, why, why_len);
    } else {
        g_strlcpy(why, "configured", why_len);
    }
    Fw *fw = fw_new_backend(chosen, cfg, error);
    if (fw)
        g_message("firewall backend: %s (%s)", fw_backend_name(chosen), why);
    return fw;
}

Fw *
fw_new_from_config(const FwConfig *cfg, GError **error)
{
    char why[128];
    return fw_new_for_bans(cfg, 0, NULL, why, sizeof why, error);
}
