// SPDX-License-Identifier: GPL-2.0-or-later
// Settings shared by every firewall backend.
#include "fw.h"

#include <string.h>

#include <libiptc/libiptc.h>

void
fw_config_init_defaults(FwConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
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

Fw *
fw_new_from_config(const FwConfig *cfg, GError **error)
{
    FwBackend chosen = cfg->backend;
    const char *why = "configured";
    if (chosen == FW_BACKEND_AUTO) {
        if (legacy_iptables_present()) {
            chosen = FW_BACKEND_IPTABLES;
            why = "auto: the kernel has legacy iptables";
        } else {
            chosen = FW_BACKEND_NFTABLES;
            why = "auto: the kernel has no legacy iptables";
        }
    }
    Fw *fw;
    switch (chosen) {
    case FW_BACKEND_NFTABLES:
        fw = fw_nft_new(cfg, error);
        break;
    case FW_BACKEND_IPSET:
        fw = fw_ipset_new(cfg, error);
        break;
    default:
        fw = fw_iptc_new(cfg, error);
        break;
    }
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
            other = fw_nft_new(cfg, error);
        } else {
            /* Both keep their rules in the legacy tables: without them nothing of theirs
             * can be there (the ipset backend makes its sets only beside its rules). */
            if (legacy == -1)
                legacy = legacy_iptables_present();
            if (!legacy)
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
