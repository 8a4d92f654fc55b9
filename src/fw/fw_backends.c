// SPDX-License-Identifier: GPL-2.0-or-later
// The table of real firewall backends by kind: building one, and clearing out the others
// after a switch.
#include "fw_backends.h"

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
    case FW_BACKEND_FAKE:
        break;
    }
    g_return_val_if_reached(NULL);
}

/* FALSE when the kernel cannot hold anything of kind's, so there is nothing to flush. The
 * iptables and ipset backends keep their rules in the legacy tables (the ipset backend makes
 * its sets only beside its rules), and without ip_set no set of the ipset backend can be.
 * *legacy caches the legacy check (-1: not asked yet). */
static gboolean
kernel_may_hold(FwBackend kind, const FwConfig *cfg, int *legacy)
{
    if (kind == FW_BACKEND_NFTABLES)
        return fw_nft_available(cfg);
    if (*legacy == -1)
        *legacy = fw_iptc_available();
    return *legacy && (kind != FW_BACKEND_IPSET || fw_ipset_available(cfg));
}

gboolean
fw_flush_others(const FwConfig *cfg, Fw *current, GError **error)
{
    static const FwBackend all[] = {FW_BACKEND_IPTABLES, FW_BACKEND_NFTABLES, FW_BACKEND_IPSET};
    int legacy = -1;
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++) {
        if (all[i] == fw_kind(current) || !kernel_may_hold(all[i], cfg, &legacy))
            continue;
        g_autoptr(Fw) other = fw_new_backend(all[i], cfg, error);
        if (!other)
            return FALSE;
        if (!fw_flush(other, error)) {
            g_prefix_error(error, "removing the %s backend's bans after the switch to %s: ",
                           fw_name(other), fw_name(current));
            return FALSE;
        }
    }
    return TRUE;
}
