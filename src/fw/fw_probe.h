// SPDX-License-Identifier: GPL-2.0-or-later
// What the kernel offers the firewall backends, and the choice of backend = auto: which one
// should hold the bans, given that and how many there are.
#pragma once

#include <glib.h>

#include "fw.h"

/* What the kernel offers the backends. */
typedef struct {
    gboolean legacy;   /* legacy iptables: the IPv4 filter table answers */
    gboolean nftables; /* nf_tables answers */
    gboolean ipset;    /* ip_set answers (and legacy, which the ipset backend's rules need) */
} FwKernelCaps;

/* Asks the kernel (touches nothing). */
void fw_probe_kernel(const FwConfig *cfg, FwKernelCaps *out);

/* backend = auto: the backend that should hold n_bans bans, given what the kernel offers and
 * the backend holding them now (current, FW_BACKEND_AUTO when none does yet, at start).
 * Without legacy iptables: nftables. Otherwise iptables rules up to max_rules bans; above
 * that a set backend (nftables; ipset when the kernel has no nftables), kept until the bans
 * fall to max_rules / 2, so that a count hovering around the limit does not move every ban
 * back and forth. why (why_len bytes) gets the reason in words, for the log and
 * `alertban status`. */
FwBackend fw_auto_choose(const FwKernelCaps *caps, FwBackend current, guint n_bans, guint max_rules,
                         char *why, gsize why_len);

/* The backend cfg->backend names, logging the choice. With auto: the one fw_auto_choose()
 * picks for n_bans bans, the kernel's offer going to caps when it is not NULL (left alone
 * otherwise); why (why_len bytes) gets the reason, "configured" unless auto. */
Fw *fw_new_for_bans(const FwConfig *cfg, guint n_bans, FwKernelCaps *caps, char *why, gsize why_len,
                    GError **error);

/* fw_new_for_bans() with no bans yet. */
Fw *fw_new_from_config(const FwConfig *cfg, GError **error);
