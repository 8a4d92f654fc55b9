// SPDX-License-Identifier: GPL-2.0-or-later
// The firewall backend interface the ban table drives, and the settings every backend reads.
#pragma once

#include <glib.h>

#include "ipaddr.h"

#define FW_CHAIN_MAX 29 /* iptables chain names are at most 28 characters */
/* Longest configurable chain name: room is left for the "-DST" and "-ACT" chains beside it. */
#define FW_CHAIN_NAME_MAX 24
#define FW_HOOKS_MAX 4
#define FW_LOG_PREFIX_MAX 30 /* the LOG target's prefix is at most 29 characters */

typedef enum {
    FW_ACTION_DROP,
    FW_ACTION_REJECT, /* TCP: tcp-reset; everything else: icmp(6) port-unreachable */
} FwAction;

typedef enum {
    FW_DIRECTION_IN,   /* packets from the banned address */
    FW_DIRECTION_BOTH, /* and packets to it (OUTPUT, or FORWARD on a gateway) */
} FwDirection;

typedef enum {
    FW_BACKEND_IPTABLES, /* one rule per ban in chains of our own (libiptc, legacy iptables) */
    FW_BACKEND_NFTABLES, /* timeout sets in an inet table of our own (libnftnl) */
    FW_BACKEND_AUTO,     /* iptables while bans are few and the legacy tables exist, else sets */
    FW_BACKEND_IPSET,    /* hash:net timeout sets (libipset) matched by xt_set rules (libiptc) */
} FwBackend;

/* The default of auto_max_rules: where one rule per ban starts to cost every packet more
 * than a set lookup (about 3.3 ns per rule against a constant 0.1-0.2 us). */
#define FW_AUTO_MAX_RULES_DEFAULT 200

/* The [firewall] section of the configuration. */
typedef struct {
    FwBackend backend;                       /* default FW_BACKEND_AUTO */
    guint auto_max_rules;                    /* auto: most bans kept as iptables rules */
    char chain[FW_CHAIN_MAX];                /* default "ALERTBAN" */
    char hooks[FW_HOOKS_MAX][FW_CHAIN_MAX];  /* built-in chains that jump to ours: "INPUT", ... */
    guint n_hooks;
    FwAction action;
    FwDirection direction;
    gboolean log;                            /* add a rate-limited LOG rule before the verdict */
    char log_prefix[FW_LOG_PREFIX_MAX];
    char lock_file[256];                     /* the xtables lock, default /run/xtables.lock */
    guint lock_timeout_ms;
    guint verify_interval_s;                 /* the daemon's check of the kernel; 0: never */
    gboolean cut; /* a new ban also ends the prefix's open connections (sockets, conntrack) */
} FwConfig;

/* Fills cfg with the defaults: backend auto (200 rules at most), chain ALERTBAN, hook INPUT,
 * drop, direction in, no log, /run/xtables.lock (or $XTABLES_LOCKFILE when set), 5 s lock
 * timeout, a check of the kernel every 60 s, cut on. */
void fw_config_init_defaults(FwConfig *cfg);

typedef enum {
    FW_CHANGE_ADD,
    FW_CHANGE_REMOVE,
} FwChangeKind;

/* One change in a batch. timeout_s is the ban's remaining time for backends that expire
 * entries in the kernel (0: no timeout); per-rule backends ignore it. */
typedef struct {
    FwChangeKind kind;
    IpPrefix prefix;
    guint32 timeout_s;
} FwChange;

/* What a reconcile found and repaired. */
typedef struct {
    guint added;      /* desired but missing */
    guint removed;    /* installed but not desired */
    guint duplicates; /* extra copies of a desired entry, removed */
    guint hooks_fixed;
    guint updated;    /* present with the wrong remaining time (set backends), re-added */
} FwReconcileStats;

typedef struct Fw Fw;

/* A backend: each function reports failure with a GError in ALERTBAN_ERROR_FIREWALL naming the
 * operation, and leaves the kernel as it was when the commit itself failed. */
typedef struct {
    const char *name;
    /* Creates the chain(s) and the jumps from the hooks when missing; idempotent. */
    gboolean (*ensure)(Fw *fw, GError **error);
    /* Applies all changes in one commit per table and family. Adding an address already
     * installed or removing one that is not is not an error (and changes nothing). */
    gboolean (*apply)(Fw *fw, const FwChange *changes, gsize n_changes, GError **error);
    /* Appends every installed entry to out (an array of IpPrefix), duplicates included. */
    gboolean (*list)(Fw *fw, GArray *out, GError **error);
    /* Makes the installed set equal to desired (n entries): adds what is missing, removes
     * strays and duplicates, restores the jumps. stats may be NULL. */
    gboolean (*reconcile)(Fw *fw, const IpPrefix *desired, gsize n, FwReconcileStats *stats,
                          GError **error);
    /* Removes every rule, jump and chain the backend owns. */
    gboolean (*flush)(Fw *fw, GError **error);
    void (*free)(Fw *fw);
    /* Optional (set backends): reconcile where each desired entry is an FW_CHANGE_ADD with
     * its remaining time, so missing members get the right timeout and members whose
     * timeout is off are refreshed. NULL: fw_reconcile_timed() falls back to reconcile. */
    gboolean (*reconcile_timed)(Fw *fw, const FwChange *desired, gsize n,
                                FwReconcileStats *stats, GError **error);
} FwOps;

/* Every backend's handle starts with this header. */
struct Fw {
    const FwOps *ops;
};

static inline gboolean
fw_ensure(Fw *fw, GError **error)
{
    return fw->ops->ensure(fw, error);
}

static inline gboolean
fw_apply(Fw *fw, const FwChange *changes, gsize n_changes, GError **error)
{
    return fw->ops->apply(fw, changes, n_changes, error);
}

static inline gboolean
fw_list(Fw *fw, GArray *out, GError **error)
{
    return fw->ops->list(fw, out, error);
}

static inline gboolean
fw_reconcile(Fw *fw, const IpPrefix *desired, gsize n, FwReconcileStats *stats, GError **error)
{
    return fw->ops->reconcile(fw, desired, n, stats, error);
}

static inline gboolean
fw_flush(Fw *fw, GError **error)
{
    return fw->ops->flush(fw, error);
}

/* Like fw_reconcile(), with each ban's remaining time (desired[i].kind is ignored). */
gboolean fw_reconcile_timed(Fw *fw, const FwChange *desired, gsize n, FwReconcileStats *stats,
                            GError **error);

static inline void
fw_free(Fw *fw)
{
    if (fw)
        fw->ops->free(fw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Fw, fw_free)

/* The in-memory fake (src/fw_fake.c) for unit tests of the ban table. */
Fw *fw_fake_new(void);
/* Makes the next n apply/reconcile calls fail, to test retry paths. */
void fw_fake_fail_next(Fw *fw, guint n);
/* Number of apply calls that succeeded (each is one "commit"). */
guint fw_fake_commits(Fw *fw);
/* Installs an entry behind the owner's back (as a hand-made rule would be). */
void fw_fake_inject(Fw *fw, const IpPrefix *prefix);

/* The libiptc backend (src/fw_iptc.c): legacy iptables and ip6tables, filter table, chains
 * cfg->chain, cfg->chain-DST (direction = both) and cfg->chain-ACT (log or reject). cfg is
 * copied. Fails with ALERTBAN_ERROR_CONFIG when the settings cannot work (a chain name too long
 * for its -DST/-ACT companions, a built-in name, no hook); touches the kernel only when an
 * operation is called. Every operation but list holds the xtables lock (cfg->lock_file).
 * apply and reconcile refuse a batch holding a /0 or family-less prefix before touching
 * anything. IPv4 and IPv6 commit separately: when one fails the other may have been applied,
 * and the next reconcile repairs it. An apply that finds the chain gone that this handle made
 * or saw before (deleted by hand, bans and all) re-creates it, commits the batch, and still
 * fails, so the caller reconciles. Call from one thread only. */
Fw *fw_iptc_new(const FwConfig *cfg, GError **error);

/* What the last operation of a libiptc backend cost, for logs and benchmarks. */
typedef struct {
    gint64 duration_us;  /* the whole call, lock wait included */
    gint64 lock_wait_us; /* waiting for the xtables lock */
    gint64 commit_us;    /* inside iptc_commit, both families together */
    guint commits;       /* successful iptc_commit calls: 0 (nothing to change), 1 or 2 */
    guint retries;       /* commits retried after EAGAIN/EINVAL (a writer ignoring the lock) */
    guint rules;         /* address rules in the source chain afterwards, both families, as far
                          * as the operation saw them (apply sees only the families it changed) */
} FwIptcStats;

/* Copies the cost of the last operation of fw (a backend from fw_iptc_new()) into out. */
void fw_iptc_last_stats(Fw *fw, FwIptcStats *out);

/* The nftables backend (src/fw_nft.c): an inet table named after cfg->chain in lower case,
 * holding timeout sets ban4/ban6 (addresses, hashed) and net4/net6 (networks, intervals),
 * a base chain per hook at priority filter - 10 matching them, and a chain "verdict" with
 * the optional rate-limited log and the drop or reject. Every operation is one netlink
 * batch; bans expire in the kernel after FwChange.timeout_s. Plain fw_reconcile() adds
 * missing bans without a timeout and leaves present timeouts alone; fw_reconcile_timed()
 * sets them from the remaining times. cfg is copied; fails with ALERTBAN_ERROR_CONFIG for
 * settings that cannot work; touches the kernel only when an operation is called. */
Fw *fw_nft_new(const FwConfig *cfg, GError **error);

/* What the nftables backend found out about the kernel and what its last call cost. */
typedef struct {
    gint64 duration_us;    /* the whole last call */
    guint messages;        /* netlink messages in its batch (0: nothing sent) */
    guint elements;        /* set elements it added or removed */
    gboolean destroy_elem;   /* the kernel deletes absent elements quietly (Linux 6.3+) */
    gboolean update_timeout; /* adding an element again sets its timeout (Linux 6.12+) */
} FwNftStats;

void fw_nft_last_stats(Fw *fw, FwNftStats *out);

/* The ipset backend (src/fw_ipset.c): hash:net sets named after cfg->chain with a 4 or 6
 * appended (ALERTBAN4, ALERTBAN6), created with "timeout 0" so each member carries its own
 * timeout (FwChange.timeout_s; 0 or more than the kernel's cap of 2147483 s: permanent, the
 * daemon removes it), kept through libipset; and one rule per family and hook in the legacy
 * filter tables (libiptc) matching the set by source, and by destination on OUTPUT and the
 * non-INPUT hooks with direction = both, whose target is DROP or, with log or reject, the
 * verdict chain cfg->chain + "-SET". Every change of an apply goes out in aggregated netlink
 * messages; adding a member again sets its timeout, removing an absent one is no error.
 * list and reconcile read each set in one dump. Plain fw_reconcile() adds missing bans
 * without a timeout and leaves present timeouts alone; fw_reconcile_timed() sets them from
 * the remaining times. Operations on the rules hold the xtables lock. cfg is copied; fails
 * with ALERTBAN_ERROR_CONFIG for settings that cannot work; touches the kernel only when an
 * operation is called. A set of that name with another type or family is an error naming
 * it. */
Fw *fw_ipset_new(const FwConfig *cfg, GError **error);

/* What the last call of the ipset backend cost and saw. */
typedef struct {
    gint64 duration_us; /* the whole last call */
    gint64 dump_us;     /* reconcile: reading both sets */
    gint64 rules_us;    /* apply: checking the hook rules (libiptc, lock included) */
    guint elements;     /* members added or removed */
    guint members;      /* list and reconcile: members read from the kernel */
} FwIpsetStats;

void fw_ipset_last_stats(Fw *fw, FwIpsetStats *out);


/* TRUE when the kernel answers nftables requests (nf_tables is there). */
gboolean fw_nft_available(const FwConfig *cfg);
/* TRUE when the kernel answers ip_set requests. */
gboolean fw_ipset_available(const FwConfig *cfg);

/* What the kernel offers the backends. */
typedef struct {
    gboolean legacy;   /* legacy iptables: iptc_init("filter") answers */
    gboolean nftables; /* nf_tables answers */
    gboolean ipset;    /* ip_set answers */
} FwKernelCaps;

/* Asks the kernel (touches nothing). */
void fw_probe_kernel(const FwConfig *cfg, FwKernelCaps *out);

/* backend = auto: the backend that should hold n_bans bans, given what the kernel offers and
 * the backend holding them now (current, FW_BACKEND_AUTO when none does yet, at start).
 * Without legacy iptables: nftables. Otherwise iptables rules up to max_rules bans; above
 * that a set backend (nftables; ipset when the kernel has no nftables), kept until the bans fall to max_rules / 2, so that a count hovering
 * around the limit does not move every ban back and forth. why (why_len bytes) gets the
 * reason in words, for the log and `alertban status`. */
FwBackend fw_auto_choose(const FwKernelCaps *caps, FwBackend current, guint n_bans,
                         guint max_rules, char *why, gsize why_len);

/* The backend kind (iptables, nftables or ipset; not auto), built from cfg. */
Fw *fw_new_backend(FwBackend kind, const FwConfig *cfg, GError **error);

/* Which backend kind fw is (iptables, nftables or ipset). */
FwBackend fw_kind(const Fw *fw);

/* The backend cfg->backend names (auto: as fw_auto_choose() with no bans), logging the
 * choice. */
Fw *fw_new_from_config(const FwConfig *cfg, GError **error);

/* Removes everything every other backend (of iptables, nftables and ipset, those current is
 * not) has in the kernel, so that after a switch of backend, and a reconcile of current with
 * every active ban, each ban is installed once. The iptables and ipset backends keep apart
 * names (chains ALERTBAN, -DST, -ACT; sets ALERTBAN4/6 and chain -SET), so neither's flush
 * touches the other's objects. Nothing there is no error. */
gboolean fw_flush_others(const FwConfig *cfg, Fw *current, GError **error);

/* "iptables", "nftables", "ipset" or "auto". */
const char *fw_backend_name(FwBackend backend);
