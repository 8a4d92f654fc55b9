// SPDX-License-Identifier: GPL-2.0-or-later
// The private seam between the family-neutral libiptc backend (fw_iptc.c: locking, retries,
// errors, the Fw handle) and its IPv4 and IPv6 halves (fw_iptc4.c, fw_iptc6.c), which are one
// template (fw_iptc_family.inc) compiled twice because libiptc.h and libip6tc.h clash.
#pragma once

#include <glib.h>

#include "fw.h"
#include "fw_ipset_rules.h"

typedef enum {
    FW_IPTC_OP_ENSURE,    /* chains, verdict chain and hooks; nothing else */
    FW_IPTC_OP_APPLY,     /* a batch of changes, re-creating missing chains and jumps */
    FW_IPTC_OP_LIST,      /* read only: the address rules of the source chain */
    FW_IPTC_OP_RECONCILE, /* ENSURE, then make the address rules equal to desired */
    FW_IPTC_OP_FLUSH,     /* remove every jump, rule and chain of ours */
} FwIptcOp;

/* The chains the backend owns in each family's filter table. In set mode (the ipset
 * backend's rules) there are no address chains: each hook holds one rule matching the
 * family's set by source (and one by destination with direction = both), whose target is the
 * verdict chain; only ENSURE, APPLY (hooks only) and FLUSH are used (fw_ipset_rules.h). */
typedef struct {
    char src[FW_CHAIN_MAX]; /* cfg->chain: one "-s ADDR" rule per banned prefix ("" in set mode) */
    char dst[FW_CHAIN_MAX]; /* cfg->chain + "-DST": "-d ADDR" rules, when direction = both */
    char act[FW_CHAIN_MAX]; /* cfg->chain + "-ACT" ("-SET" in set mode): LOG and/or REJECT */
    gboolean use_dst;
    gboolean use_act;
    gboolean set_mode;
    char set[2][FW_IPSET_NAME_MAX]; /* set mode: the IPv4 and IPv6 set names */
} FwIptcChains;

/* One init..commit of one family. The caller holds the xtables lock (except for LIST) and
 * passes only this family's changes or desired prefixes. */
typedef struct {
    /* in */
    const FwConfig *cfg;
    const FwIptcChains *chains;
    FwIptcOp op;
    const FwChange *changes;
    gsize n_changes;
    const IpPrefix *desired;
    gsize n_desired;
    GArray *list_out; /* IpPrefix, LIST only */
    guint16 set_index; /* set mode: the kernel's index of this family's set (65535: none) */
    /* out */
    FwReconcileStats stats; /* RECONCILE (hooks_fixed also for ENSURE and APPLY) */
    guint n_rules;          /* address rules in the source chain afterwards (not for FLUSH) */
    gboolean committed;     /* iptc_commit was called and succeeded */
    gint64 commit_us;       /* time spent in iptc_commit */
    int init_errno;         /* errno of a failed iptc_init, else 0 */
    int commit_errno;       /* errno of a failed iptc_commit, else 0 */
    gboolean src_created;   /* APPLY found the source chain missing and created it */
} FwIptcTxn;

typedef struct {
    int af;           /* AF_INET or AF_INET6 */
    const char *name; /* "IPv4" */
    const char *tool; /* the command that shows these rules: "iptables-legacy" */
    /* Runs the transaction: init, read, modify, commit (when something changed), free. On
     * failure sets error (naming the operation, chain and iptc_strerror) and the errno
     * fields. */
    gboolean (*run)(FwIptcTxn *txn, GError **error);
    /* TRUE when the kernel answers for this family's legacy filter table. */
    gboolean (*present)(void);
} FwIptcFamily;

extern const FwIptcFamily fw_iptc_family4;
extern const FwIptcFamily fw_iptc_family6;
