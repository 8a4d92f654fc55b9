// SPDX-License-Identifier: GPL-2.0-or-later
// What every firewall backend shares: the settings, the names of the kinds, the check of a
// ban's prefix, and the fallback of a timed reconcile.
#include "fw.h"

#include <string.h>

#include "error.h"

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
fw_list_timed(Fw *fw, GArray *out, GError **error)
{
    if (fw->ops->list_timed)
        return fw->ops->list_timed(fw, out, error);
    g_autoptr(GArray) prefixes = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    if (!fw_list(fw, prefixes, error))
        return FALSE;
    for (guint i = 0; i < prefixes->len; i++) {
        FwChange c = {.kind = FW_CHANGE_ADD, .prefix = g_array_index(prefixes, IpPrefix, i)};
        g_array_append_val(out, c);
    }
    return TRUE;
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
    case FW_BACKEND_FAKE:
        return "fake";
    }
    return "?";
}

gboolean
fw_prefix_bannable(const IpPrefix *p, const char *who, const char *op, GError **error)
{
    guint bits = ipaddr_bits(&p->addr);
    if (bits > 0 && p->len >= 1 && p->len <= bits)
        return TRUE;
    char buf[IPADDR_STRLEN];
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                "%s: %s: refusing prefix \"%s\" (length %u): only IPv4 or IPv6 prefixes of "
                "length 1 or more can be banned",
                who, op, bits ? ipprefix_format(p, buf) : "(no address)", p->len);
    return FALSE;
}
