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
    FW_IPTC_OP_COUNT,     /* read only: the counters of our address rules or set matches */
} FwIptcOp;

/* What the kernel counted on some of our rules. */
typedef struct {
    guint64 packets;
    guint64 bytes;
} FwIptcCount;

/* The tables the backend may hook, in the order each operation visits them. */
typedef enum {
    FW_IPTC_TABLE_FILTER, /* INPUT, FORWARD, OUTPUT, DOCKER-USER and other filter chains */
    FW_IPTC_TABLE_RAW,    /* PREROUTING: before connection tracking and destination NAT */
    FW_IPTC_N_TABLES,
} FwIptcTable;

#define FW_IPTC_TABLE_HOOKS_MAX (FW_HOOKS_MAX + 2)

/* The chains the backend owns in one table of each family, and the hooks that lead to them.
 * In set mode (the ipset backend's rules) there are no address chains: each hook holds one
 * rule matching the family's set by source (and one by destination with direction = both),
 * whose target is the verdict chain; only ENSURE, APPLY (hooks only) and FLUSH are used
 * (fw_ipset_rules.h). The same names are used in every table (chains are per table). */
typedef struct {
    const char *table;      /* "filter" or "raw" */
    char src[FW_CHAIN_MAX]; /* cfg->chain: one "-s ADDR" rule per banned prefix ("" in set mode) */
    char dst[FW_CHAIN_MAX]; /* cfg->chain + "-DST": "-d ADDR" rules, when direction = both */
    char act[FW_CHAIN_MAX]; /* cfg->chain + "-ACT" ("-SET" in set mode): LOG and/or REJECT */
    gboolean used;          /* this table holds something of ours in this configuration */
    gboolean use_src;       /* the source side (chain, or set rules) is hooked here */
    gboolean use_dst;
    gboolean use_act;
    gboolean set_mode;
    FwAction action; /* of the verdict chain: DROP in raw, where REJECT is not allowed */
    /* reject with direction = both: the source jumps skip packets arriving on the loopback
     * interface, which from a banned address can only be the reset our own REJECT sent a
     * local socket (it loops back through PREROUTING and INPUT). */
    gboolean skip_loopback;
    char src_hooks[FW_IPTC_TABLE_HOOKS_MAX][FW_CHAIN_MAX]; /* chains that jump to src */
    guint n_src_hooks;
    char dst_hooks[FW_IPTC_TABLE_HOOKS_MAX][FW_CHAIN_MAX]; /* chains that jump to dst */
    guint n_dst_hooks;
    char set[2][FW_IPSET_NAME_MAX]; /* set mode: the IPv4 and IPv6 set names */
} FwIptcChains;

/* One init..commit of one table of one family. The caller holds the xtables lock (except for
 * LIST) and passes only this family's changes or desired prefixes. */
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
    guint moved_jumps;      /* ENSURE, RECONCILE: jumps found below another rule and moved up */
    guint missing_hooks;    /* hooks (user chains such as DOCKER-USER) that do not exist */
    gboolean committed;     /* iptc_commit was called and succeeded */
    gint64 commit_us;       /* time spent in iptc_commit */
    int init_errno;         /* errno of a failed iptc_init, else 0 */
    int commit_errno;       /* errno of a failed iptc_commit, else 0 */
    gboolean src_created;   /* APPLY found the source chain missing and created it */
    /* the first missing hook */
    char missing_hook[FW_CHAIN_MAX];
    /* COUNT: the address rules of the source and destination chains in [0]; in set mode,
     * the set matches by source of chains->src_hooks[i] in src_count[i], by destination of
     * chains->dst_hooks[i] in dst_count[i]. */
    FwIptcCount src_count[FW_IPTC_TABLE_HOOKS_MAX];
    FwIptcCount dst_count[FW_IPTC_TABLE_HOOKS_MAX];
    /* What the address rules this transaction deletes (unbans, strays, duplicates; not a
     * flush, which ends the counts) had counted, as read at its start, from the source and
     * destination chains. */
    FwIptcCount retired_src;
    FwIptcCount retired_dst;
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
    /* The file listing the legacy tables the kernel has made in this network namespace. */
    const char *names_file;
} FwIptcFamily;

extern const FwIptcFamily fw_iptc_family4;
extern const FwIptcFamily fw_iptc_family6;
