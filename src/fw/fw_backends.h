// SPDX-License-Identifier: GPL-2.0-or-later
// The firewall backends behind fw.h: each one's constructor, cost figures and kernel check,
// and the table that builds or clears them by kind.
#pragma once

#include <glib.h>

#include "fw.h"

/* The in-memory fake (fw_fake.c) for unit tests of the ban table, and for dry runs. */
Fw *fw_fake_new(void);
/* Makes the next n apply/reconcile calls fail, to test retry paths. */
void fw_fake_fail_next(Fw *fw, guint n);
/* Number of apply calls that succeeded (each is one "commit"). */
guint fw_fake_commits(Fw *fw);
/* Installs an entry behind the owner's back (as a hand-made rule would be). */
void fw_fake_inject(Fw *fw, const IpPrefix *prefix);

/* The libiptc backend (fw_iptc.c): legacy iptables and ip6tables, filter table, chains
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

/* The settings of a backend from fw_iptc_new(), fw_nft_new() or fw_ipset_new() (the
 * counters' reader copies them). */
const FwConfig *fw_iptc_config(Fw *fw);
const FwConfig *fw_nft_config(Fw *fw);
const FwConfig *fw_ipset_config(Fw *fw);

/* What the address rules of an iptables backend deleted (unbans, repairs) had counted, kept
 * by the handle and shared with its counters' reader, so what lifted bans dropped stays
 * counted; a flush clears it. get: a new reference from a backend of fw_iptc_new(); unref
 * takes NULL. */
typedef struct FwIptcRetired FwIptcRetired;
FwIptcRetired *fw_iptc_retired_get(Fw *fw);
FwIptcRetired *fw_iptc_retired_ref(FwIptcRetired *retired);
void fw_iptc_retired_unref(FwIptcRetired *retired);

/* The counters' readers behind fw_counters_read() (fw_counters.h), each with handles or
 * sockets of its own, so they may run in any thread beside the backend's handle: they append
 * FwDropCount entries to out. fw_iptc_counters_read() reads the iptables backend's address
 * rules (set4 and set6 NULL) or, with the set names, the ipset backend's set matches; it takes
 * no lock but retired's (NULL for the ipset backend), whose counts it adds.
 * fw_nft_counters_read() reads the counters of the nftables table's match rules. */
gboolean fw_iptc_counters_read(const FwConfig *cfg, const char *set4, const char *set6,
                               FwIptcRetired *retired, GArray *out, GError **error);
gboolean fw_nft_counters_read(const FwConfig *cfg, GArray *out, GError **error);

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

/* The nftables backend (fw_nft.c): an inet table named after cfg->chain in lower case,
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
    gint64 duration_us;      /* the whole last call */
    guint messages;          /* netlink messages in its batch (0: nothing sent) */
    guint elements;          /* set elements it added or removed */
    gboolean destroy_elem;   /* the kernel deletes absent elements quietly (Linux 6.3+) */
    gboolean update_timeout; /* adding an element again sets its timeout (Linux 6.12+) */
} FwNftStats;

void fw_nft_last_stats(Fw *fw, FwNftStats *out);

/* The ipset backend (fw_ipset.c): hash:net sets named after cfg->chain with a 4 or 6
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

/* TRUE when the kernel answers for the legacy IPv4 filter table (what the iptables backend,
 * and the ipset backend's rules, need). Touches nothing. */
gboolean fw_iptc_available(void);
/* TRUE when the kernel answers nftables requests (nf_tables is there). */
gboolean fw_nft_available(const FwConfig *cfg);
/* TRUE when the kernel answers ip_set requests. */
gboolean fw_ipset_available(const FwConfig *cfg);

/* The backend kind (iptables, nftables or ipset; not auto or fake), built from cfg. */
Fw *fw_new_backend(FwBackend kind, const FwConfig *cfg, GError **error);

/* Removes everything every other backend (of iptables, nftables and ipset, those current is
 * not) has in the kernel, so that after a switch of backend, and a reconcile of current with
 * every active ban, each ban is installed once. The iptables and ipset backends keep apart
 * names (chains ALERTBAN, -DST, -ACT; sets ALERTBAN4/6 and chain -SET), so neither's flush
 * touches the other's objects. Nothing there is no error. */
gboolean fw_flush_others(const FwConfig *cfg, Fw *current, GError **error);
