// SPDX-License-Identifier: GPL-2.0-or-later
// The firewall backend interface the ban table drives, and the settings every backend reads.
// The backends' constructors are in fw_backends.h, the kernel probe and the auto choice in
// fw_probe.h.
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
    FW_BACKEND_FAKE,     /* the in-memory fake of the tests and dry runs; never configured */
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
    FwBackend kind;   /* never FW_BACKEND_AUTO */
    const char *name; /* fw_backend_name(kind), for logs */
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
    /* Optional (backends that take the xtables lock): see fw_set_lock_nowait(). */
    void (*set_lock_nowait)(Fw *fw, gboolean nowait);
    /* Optional (set backends): like list, each entry an FW_CHANGE_ADD with the time the
     * kernel has left on it (0: none). NULL: fw_list_timed() falls back to list. */
    gboolean (*list_timed)(Fw *fw, GArray *out, GError **error);
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

/* With nowait, an operation that finds the xtables lock held by another program fails at once
 * with ALERTBAN_ERROR_BUSY instead of waiting up to lock_timeout: the daemon's main loop must
 * not block, and retries on a timer. Backends without the lock ignore it. */
static inline void
fw_set_lock_nowait(Fw *fw, gboolean nowait)
{
    if (fw->ops->set_lock_nowait)
        fw->ops->set_lock_nowait(fw, nowait);
}

/* Which backend fw is (never FW_BACKEND_AUTO). */
static inline FwBackend
fw_kind(const Fw *fw)
{
    return fw->ops->kind;
}

/* Its name for logs and `alertban status`: "iptables", "nftables", "ipset" or "fake". */
static inline const char *
fw_name(const Fw *fw)
{
    return fw->ops->name;
}

/* Appends every installed entry to out (an array of FwChange, kind FW_CHANGE_ADD) with its
 * remaining time where the backend keeps one (set backends), else 0. */
gboolean fw_list_timed(Fw *fw, GArray *out, GError **error);

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

/* "iptables", "nftables", "ipset", "auto" or "fake". */
const char *fw_backend_name(FwBackend backend);

/* For the backends: TRUE when p can be a ban (IPv4 or IPv6, length 1 or more: a /0 would
 * ban everyone), else FALSE with an ALERTBAN_ERROR_FIREWALL error "WHO: OP: refusing ...". */
gboolean fw_prefix_bannable(const IpPrefix *p, const char *who, const char *op, GError **error);
