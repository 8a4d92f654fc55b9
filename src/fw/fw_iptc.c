// SPDX-License-Identifier: GPL-2.0-or-later
// The libiptc firewall backend: bans as rules in our own chains of the legacy iptables and
// ip6tables filter tables, changed in one locked init..commit per family and operation. This
// file holds what both families share (settings, the xtables lock, EAGAIN retries, error
// wording), and the ipset backend's rules (fw_ipset_rules.h), which the same code keeps in
// its "set mode"; fw_iptc_family.inc, compiled as fw_iptc4.c and fw_iptc6.c, holds the rest.
#include "fw_backends.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter/ipset/ip_set.h>
#include <netinet/in.h>

#include "error.h"
#include "fw_counters.h"
#include "fw_iptc_family.h"

/* A writer that does not take the xtables lock can slip in between our read and our commit.
 * The kernel then refuses the replace with EAGAIN (the rule count changed), or accepts it and
 * refuses the second step, restoring the counters, with EINVAL. Every operation is idempotent,
 * so both are retried from a fresh read: a retry after a replace that did land finds nothing
 * left to do. A rule the kernel really rejects fails the same way each time and is reported. */
#define COMMIT_ATTEMPTS 8
/* Before retry n (1-based) wait a random 1..2^n ms (n at most 6), so two writers stop
 * colliding: at most about a quarter of a second in all. */
#define RETRY_PAUSE_MIN_US 1000

/* Above this many bans, say once that a linear chain is the wrong tool. */
#define MANY_RULES 200

/* Lock polling: start short, back off to this. */
#define LOCK_POLL_MAX_US 5000

/* What the address rules an iptables backend deleted had counted, per family and table,
 * shared with the counters' reader (fw_counters.h) so the drops of lifted bans stay counted.
 * lock is held from a transaction's read to its commit (and the count's update), and by the
 * reader around its read of the kernel, so that each read sees a rule either alive or
 * retired, never both or neither. */
struct FwIptcRetired {
    gint refs;
    GMutex lock;
    FwIptcCount src[2][FW_IPTC_N_TABLES];
    FwIptcCount dst[2][FW_IPTC_N_TABLES];
};

/* What the iptables backend and the ipset backend's rules both run on. */
typedef struct {
    FwConfig cfg;
    FwIptcRetired *retired; /* the iptables backend's; NULL in set mode and for the reader */
    FwIptcChains tables[FW_IPTC_N_TABLES];
    FwIptcTable primary; /* the table whose source chain list() reads and n_rules counts */
    FwIptcStats last;
    guint rules[2]; /* last known address rules per family */
    gboolean warned_many;
    /* Per family and table: this handle has made or seen our chain (ensure, apply,
     * reconcile), so finding it missing later means someone deleted it. Cleared by flush. */
    gboolean chain_known[2][FW_IPTC_N_TABLES];
    gboolean told_where;     /* the "where to look" line is logged once */
    gboolean warned_missing; /* a missing hook chain was reported (until it appears) */
    gboolean lock_nowait;    /* one try at the lock, ALERTBAN_ERROR_BUSY when it is held */
} Iptc;

typedef struct {
    Fw parent;
    Iptc core;
} FwIptc;

struct FwSetRules {
    Iptc core;
};

static const FwIptcFamily *const families[] = {&fw_iptc_family4, &fw_iptc_family6};

/* ---- the xtables lock ---- */

/* Takes the lock iptables -w, Docker and firewalld take, waiting at most lock_timeout_ms (or,
 * with lock_nowait, trying once and failing with ALERTBAN_ERROR_BUSY). Returns the fd holding
 * it (close to release) or -1. */
static int
lock_acquire(const Iptc *f, gint64 *wait_us, GError **error)
{
    /* Read-only, as iptables opens it: flock() needs no more, and a daemon running as its own
     * user (the unit's User=) can open the root-owned file in /run. */
    int fd = open(f->cfg.lock_file, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                    "opening the xtables lock %s: %s", f->cfg.lock_file, g_strerror(err));
        return -1;
    }
    gint64 start = g_get_monotonic_time();
    gint64 deadline = start + (gint64)f->cfg.lock_timeout_ms * 1000;
    gint64 pause_us = 100;
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        int err = errno;
        gint64 now = g_get_monotonic_time();
        if (err == EINTR)
            continue;
        if (err != EWOULDBLOCK) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "locking %s: %s",
                        f->cfg.lock_file, g_strerror(err));
            close(fd);
            return -1;
        }
        if (f->lock_nowait) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_BUSY,
                        "the xtables lock %s is held by another program (iptables -w, Docker, "
                        "firewalld?)",
                        f->cfg.lock_file);
            close(fd);
            return -1;
        }
        if (now >= deadline) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                        "the xtables lock %s is still held by another program after "
                        "%u ms (iptables -w, Docker, firewalld?)",
                        f->cfg.lock_file, f->cfg.lock_timeout_ms);
            close(fd);
            return -1;
        }
        g_usleep((gulong)MIN(pause_us, deadline - now));
        pause_us = MIN(pause_us * 2, LOCK_POLL_MAX_US);
    }
    *wait_us = g_get_monotonic_time() - start;
    return fd;
}

/* ---- set mode: the kernel's index of a set ---- */

/* The index the kernel gives the set called name (what an xt_set match refers to), through
 * the ip_set getsockopt interface; IPSET_INVALID_ID when there is no such set. FALSE with
 * error when the kernel has no ip_set support or refuses. */
static gboolean
set_index_lookup(const char *name, guint16 *index, GError **error)
{
    *index = IPSET_INVALID_ID;
    int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                    "opening a socket to look up ipset %s: %s", name, g_strerror(err));
        return FALSE;
    }
    struct ip_set_req_version ver = {.op = IP_SET_OP_VERSION};
    socklen_t len = sizeof ver;
    if (getsockopt(fd, SOL_IP, SO_IP_SET, &ver, &len) < 0) {
        int err = errno;
        close(fd);
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                    "looking up ipset %s: the kernel answers %s (no ip_set support?)", name,
                    g_strerror(err));
        return FALSE;
    }
    struct ip_set_req_get_set req = {.op = IP_SET_OP_GET_BYNAME, .version = ver.version};
    g_strlcpy(req.set.name, name, sizeof req.set.name);
    len = sizeof req;
    int rc = getsockopt(fd, SOL_IP, SO_IP_SET, &req, &len);
    int err = errno;
    close(fd);
    if (rc < 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "looking up ipset %s: %s",
                    name, g_strerror(err));
        return FALSE;
    }
    *index = req.set.index;
    return TRUE;
}

/* ---- running one operation over both families ---- */

static const char *
op_name(FwIptcOp op)
{
    switch (op) {
    case FW_IPTC_OP_ENSURE:
        return "ensure";
    case FW_IPTC_OP_APPLY:
        return "apply";
    case FW_IPTC_OP_LIST:
        return "list";
    case FW_IPTC_OP_RECONCILE:
        return "reconcile";
    case FW_IPTC_OP_FLUSH:
        return "flush";
    case FW_IPTC_OP_COUNT:
        return "count";
    }
    return "?";
}

/* A failed iptc_init with these means the kernel has no legacy tables at all (only
 * nf_tables): say that rather than libiptc's "Table does not exist". */
static void
explain_init_error(const FwIptcFamily *fam, const char *table, int err, GError **error)
{
    if (err != ENOPROTOOPT && err != ENOENT)
        return;
    g_clear_error(error);
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                "the kernel offers no legacy %s %s table (%s): this backend needs the "
                "legacy %s and %s%s modules (the ipset backend too); on a kernel with nf_tables "
                "only, use backend = nftables",
                fam->name, table, g_strerror(err), fam->af == AF_INET ? "ip_tables" : "ip6_tables",
                fam->af == AF_INET ? "iptable_" : "ip6table_", table);
}

typedef struct {
    FwIptcOp op;
    const FwChange *changes;
    gsize n_changes;
    const IpPrefix *desired;
    gsize n_desired;
    GArray *list_out;
    FwReconcileStats stats;
    guint missing_hooks;
    char missing_hook[FW_CHAIN_MAX];
    const char *missing_family;
} Request;

/* Whether the kernel has made this legacy table in this network namespace. Reading the list
 * rather than asking for the table matters: asking makes it (and registers its hooks, a cost
 * on every packet) where no one uses it. */
static gboolean
table_exists(const FwIptcFamily *fam, const char *table)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(fam->names_file, &text, NULL, NULL))
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    return g_strv_contains((const char *const *)lines, table);
}

/* Runs one family's transaction on one table, retrying EAGAIN and EINVAL from the commit.
 * op is rq->op, or FW_IPTC_OP_FLUSH to clear a table the configuration does not use. */
static gboolean
run_family(Iptc *f, guint fi, FwIptcTable ti, FwIptcOp op, Request *rq, GArray *changes,
           GArray *desired, FwIptcStats *st, GError **error)
{
    const FwIptcFamily *fam = families[fi];
    const FwIptcChains *ch = &f->tables[ti];
    for (guint attempt = 1;; attempt++) {
        FwIptcTxn txn = {
            .cfg = &f->cfg,
            .chains = ch,
            .op = op,
            .changes = (const FwChange *)changes->data,
            .n_changes = changes->len,
            .desired = (const IpPrefix *)desired->data,
            .n_desired = desired->len,
            .list_out = rq->list_out,
            .set_index = IPSET_INVALID_ID,
        };
        if (ch->set_mode) {
            /* Looked up on each attempt: a set re-created by hand gets a new index. */
            GError *lerr = NULL;
            if (!set_index_lookup(ch->set[fi], &txn.set_index, &lerr) && op == FW_IPTC_OP_FLUSH) {
                /* No ip_set in the kernel: no rule can match a set, nothing of ours is there. */
                g_clear_error(&lerr);
                txn.set_index = IPSET_INVALID_ID;
            } else if (lerr) {
                g_propagate_prefixed_error(error, lerr, "fw-iptc: %s: ", op_name(rq->op));
                return FALSE;
            }
            if (txn.set_index == IPSET_INVALID_ID && op != FW_IPTC_OP_FLUSH) {
                g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                            "fw-iptc: %s: ipset %s does not exist (destroyed by hand?), so no "
                            "rule can match it",
                            op_name(rq->op), ch->set[fi]);
                return FALSE;
            }
        }
        g_autoptr(GError) err = NULL;
        gboolean ok = fam->run(&txn, &err);
        st->commit_us += txn.commit_us;
        if (ok && f->retired && op == FW_IPTC_OP_FLUSH) {
            /* Everything of ours is gone, and what it counted with it, in every backend. */
            memset(&f->retired->src[fi][ti], 0, sizeof f->retired->src[fi][ti]);
            memset(&f->retired->dst[fi][ti], 0, sizeof f->retired->dst[fi][ti]);
        } else if (txn.committed && f->retired) {
            FwIptcCount *to[2] = {&f->retired->src[fi][ti], &f->retired->dst[fi][ti]};
            const FwIptcCount *from[2] = {&txn.retired_src, &txn.retired_dst};
            for (guint k = 0; k < 2; k++) {
                to[k]->packets += from[k]->packets;
                to[k]->bytes += from[k]->bytes;
            }
        }
        if (ok) {
            st->commits += txn.committed ? 1 : 0;
            if (ti == f->primary)
                f->rules[fi] = op != FW_IPTC_OP_FLUSH ? txn.n_rules : 0;
            rq->stats.added += txn.stats.added;
            rq->stats.removed += txn.stats.removed;
            rq->stats.duplicates += txn.stats.duplicates;
            rq->stats.hooks_fixed += txn.stats.hooks_fixed;
            if (op == FW_IPTC_OP_FLUSH && rq->op != FW_IPTC_OP_FLUSH && txn.committed)
                rq->stats.hooks_fixed++; /* a table this configuration leaves, cleared */
            if (txn.missing_hooks && rq->missing_hooks++ == 0) {
                g_strlcpy(rq->missing_hook, txn.missing_hook, sizeof rq->missing_hook);
                rq->missing_family = fam->name;
            }
            gboolean known = f->chain_known[fi][ti];
            f->chain_known[fi][ti] = op != FW_IPTC_OP_FLUSH && (op != FW_IPTC_OP_LIST || known);
            if (op == FW_IPTC_OP_APPLY && txn.src_created && known) {
                /* Someone deleted our chain, and the bans in it: the batch is in, but only a
                 * reconcile can bring the rest back, and callers reconcile after an error. */
                g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                            "fw-iptc: apply: chain %s was missing from the %s %s table "
                            "(deleted by hand?); re-created with this batch, a reconcile must "
                            "restore the other bans",
                            ch->src, fam->name, ch->table);
                return FALSE;
            }
            return TRUE;
        }
        if ((txn.commit_errno == EAGAIN || txn.commit_errno == EINVAL) &&
            attempt < COMMIT_ATTEMPTS) {
            st->retries++;
            g_debug("fw-iptc: %s %s commit met a concurrent change (%s); retrying", fam->name,
                    ch->table, g_strerror(txn.commit_errno));
            g_usleep((gulong)g_random_int_range(RETRY_PAUSE_MIN_US,
                                                RETRY_PAUSE_MIN_US << MIN(attempt, 6u)));
            continue;
        }
        if (txn.init_errno)
            explain_init_error(fam, ch->table, txn.init_errno, &err);
        if (txn.commit_errno)
            g_prefix_error(&err, "after %u attempts: ", attempt);
        g_propagate_prefixed_error(error, g_steal_pointer(&err), "fw-iptc: %s: ", op_name(rq->op));
        return FALSE;
    }
}

/* What one operation does to table ti: the operation itself where the configuration uses
 * the table; where it does not, a flush (by ensure, reconcile and flush) when the kernel has
 * the table, so a hook dropped from the configuration leaves nothing behind; else nothing
 * (returns FALSE). list reads the primary table only. */
static gboolean
table_op(const Iptc *f, guint fi, FwIptcTable ti, FwIptcOp op, FwIptcOp *out)
{
    const FwIptcChains *ch = &f->tables[ti];
    *out = op;
    switch (op) {
    case FW_IPTC_OP_COUNT: /* fw_iptc_counters_read() runs it on its own */
        return FALSE;
    case FW_IPTC_OP_LIST:
        return ti == f->primary;
    case FW_IPTC_OP_APPLY:
        return ch->used;
    case FW_IPTC_OP_ENSURE:
    case FW_IPTC_OP_RECONCILE:
    case FW_IPTC_OP_FLUSH:
        if (ch->used)
            return TRUE;
        *out = FW_IPTC_OP_FLUSH;
        return table_exists(families[fi], ch->table);
    }
    return FALSE;
}

/* Splits the request by family, takes the lock (not for list), runs each family and table
 * that has something to do, and records the cost. Every family is tried even when one fails,
 * so a broken IPv6 table does not hold IPv4 bans back; the error names every failure. */
static gboolean
run_request(Iptc *f, Request *rq, GError **error)
{
    gint64 start = g_get_monotonic_time();
    FwIptcStats st = {0};
    g_autoptr(GArray) changes4 = g_array_new(FALSE, FALSE, sizeof(FwChange));
    g_autoptr(GArray) changes6 = g_array_new(FALSE, FALSE, sizeof(FwChange));
    g_autoptr(GArray) desired4 = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    g_autoptr(GArray) desired6 = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    GArray *changes[2] = {changes4, changes6};
    GArray *desired[2] = {desired4, desired6};
    for (gsize i = 0; i < rq->n_changes; i++) {
        const FwChange *c = &rq->changes[i];
        if (!fw_prefix_bannable(&c->prefix, "fw-iptc", op_name(rq->op), error))
            return FALSE;
        g_array_append_val(changes[c->prefix.addr.family == AF_INET6], *c);
    }
    for (gsize i = 0; i < rq->n_desired; i++) {
        const IpPrefix *p = &rq->desired[i];
        if (!fw_prefix_bannable(p, "fw-iptc", op_name(rq->op), error))
            return FALSE;
        g_array_append_val(desired[p->addr.family == AF_INET6], *p);
    }

    int lock = -1;
    if (rq->op != FW_IPTC_OP_LIST) {
        gboolean any = rq->op != FW_IPTC_OP_APPLY || changes[0]->len + changes[1]->len > 0;
        if (!any) {
            f->last = st;
            return TRUE;
        }
        lock = lock_acquire(f, &st.lock_wait_us, error);
        if (lock < 0) {
            g_prefix_error(error, "fw-iptc: %s: ", op_name(rq->op));
            return FALSE;
        }
    }
    GError *first = NULL;
    /* Taken after the xtables lock, which the reader never takes: no deadlock. A reader
     * holds it for one read of the tables (doc/PERFORMANCE.md). */
    if (f->retired && rq->op != FW_IPTC_OP_LIST)
        g_mutex_lock(&f->retired->lock);
    for (guint fi = 0; fi < G_N_ELEMENTS(families); fi++) {
        if (rq->op == FW_IPTC_OP_APPLY && changes[fi]->len == 0)
            continue;
        for (guint ti = 0; ti < FW_IPTC_N_TABLES; ti++) {
            FwIptcOp op;
            if (!table_op(f, fi, ti, rq->op, &op))
                continue;
            GError *err = NULL;
            if (run_family(f, fi, ti, op, rq, changes[fi], desired[fi], &st, &err))
                continue;
            if (first) {
                /* More than one failed: one error that says each. */
                GError *both = g_error_new(ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "%s; and %s",
                                           first->message, err->message);
                g_error_free(err);
                g_error_free(first);
                err = both;
            }
            first = err;
        }
    }
    if (f->retired && rq->op != FW_IPTC_OP_LIST)
        g_mutex_unlock(&f->retired->lock);
    gboolean ok = first == NULL;
    if (first)
        g_propagate_error(error, first);
    if (lock >= 0)
        close(lock);

    st.rules = f->rules[0] + f->rules[1];
    st.duration_us = g_get_monotonic_time() - start;
    f->last = st;
    gboolean full = rq->op == FW_IPTC_OP_ENSURE || rq->op == FW_IPTC_OP_RECONCILE;
    if (ok && full && rq->missing_hooks > 0 && !f->warned_missing) {
        f->warned_missing = TRUE;
        g_warning("fw-iptc: hook chain %s does not exist in the legacy %s filter table: bans do "
                  "not apply to its traffic until it does (its owner, such as Docker, makes "
                  "it; the next batch or check after that hooks it; a Docker on iptables-nft "
                  "keeps it in nftables: use backend = nftables there)",
                  rq->missing_hook, rq->missing_family);
    } else if (ok && full && rq->missing_hooks == 0 && f->warned_missing) {
        f->warned_missing = FALSE;
        g_message("fw-iptc: every hook chain exists now, and jumps to ours");
    }
    if (ok && !f->told_where && !f->tables[0].set_mode && full) {
        f->told_where = TRUE;
        /* Where the nf_tables iptables is the default (Debian 12), plain "iptables -S" does
         * not show rules in the legacy tables. */
        const char *raw = f->tables[FW_IPTC_TABLE_RAW].used ? " -t raw" : "";
        g_message("fw-iptc: chain %s ready in the legacy %s tables; see them with "
                  "\"%s%s -S %s\" and \"%s%s -S %s\"",
                  f->cfg.chain, f->tables[f->primary].table, families[0]->tool,
                  f->primary == FW_IPTC_TABLE_RAW ? raw : "", f->cfg.chain, families[1]->tool,
                  f->primary == FW_IPTC_TABLE_RAW ? raw : "", f->cfg.chain);
    }
    if (ok && st.rules > MANY_RULES && !f->warned_many) {
        f->warned_many = TRUE;
        g_warning("fw-iptc: %u bans in chain %s: every packet through a hook walks the chain, "
                  "about 3.3 ns per rule; backend = ipset or nftables costs the same for any "
                  "number",
                  st.rules, f->cfg.chain);
    }
    return ok;
}

/* ---- FwOps ---- */

static const FwOps iptc_ops;

static Iptc *
core_of(Fw *fw)
{
    g_assert(fw->ops == &iptc_ops);
    return &((FwIptc *)fw)->core;
}

static gboolean
iptc_ensure(Fw *fw, GError **error)
{
    Request rq = {.op = FW_IPTC_OP_ENSURE};
    return run_request(core_of(fw), &rq, error);
}

static gboolean
iptc_apply(Fw *fw, const FwChange *changes, gsize n_changes, GError **error)
{
    Request rq = {.op = FW_IPTC_OP_APPLY, .changes = changes, .n_changes = n_changes};
    return run_request(core_of(fw), &rq, error);
}

static gboolean
iptc_list(Fw *fw, GArray *out, GError **error)
{
    g_return_val_if_fail(g_array_get_element_size(out) == sizeof(IpPrefix), FALSE);
    Request rq = {.op = FW_IPTC_OP_LIST, .list_out = out};
    return run_request(core_of(fw), &rq, error);
}

static gboolean
iptc_reconcile(Fw *fw, const IpPrefix *desired, gsize n, FwReconcileStats *stats, GError **error)
{
    Request rq = {.op = FW_IPTC_OP_RECONCILE, .desired = desired, .n_desired = n};
    gboolean ok = run_request(core_of(fw), &rq, error);
    if (stats)
        *stats = rq.stats;
    return ok;
}

static gboolean
iptc_flush(Fw *fw, GError **error)
{
    Request rq = {.op = FW_IPTC_OP_FLUSH};
    return run_request(core_of(fw), &rq, error);
}

static void
iptc_free(Fw *fw)
{
    fw_iptc_retired_unref(core_of(fw)->retired);
    g_free(fw);
}

static void
iptc_set_lock_nowait(Fw *fw, gboolean nowait)
{
    core_of(fw)->lock_nowait = nowait;
}

static const FwOps iptc_ops = {
    .kind = FW_BACKEND_IPTABLES,
    .name = "iptables",
    .ensure = iptc_ensure,
    .apply = iptc_apply,
    .list = iptc_list,
    .reconcile = iptc_reconcile,
    .flush = iptc_flush,
    .free = iptc_free,
    .set_lock_nowait = iptc_set_lock_nowait,
};

/* ---- construction ---- */

static gboolean
chain_name_valid(const char *name, gsize max, GError **error)
{
    static const char *const reserved[] = {"INPUT",       "OUTPUT", "FORWARD", "PREROUTING",
                                           "POSTROUTING", "ACCEPT", "DROP",    "RETURN",
                                           "QUEUE",       "REJECT", "LOG"};
    gsize len = strlen(name);
    if (len == 0 || len > max) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "fw-iptc: chain name \"%s\" must be 1 to %" G_GSIZE_FORMAT
                    " characters (room for the -DST and -ACT companions)",
                    name, max);
        return FALSE;
    }
    if (name[0] == '-' || name[0] == '!') {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "fw-iptc: chain name \"%s\" must not start with - or !", name);
        return FALSE;
    }
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isgraph(*p)) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "fw-iptc: chain name \"%s\" contains a space or control character", name);
            return FALSE;
        }
    }
    for (guint i = 0; i < G_N_ELEMENTS(reserved); i++) {
        if (strcmp(name, reserved[i]) == 0) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "fw-iptc: chain name \"%s\" is a built-in chain or target", name);
            return FALSE;
        }
    }
    return TRUE;
}

static void
hook_add(char (*hooks)[FW_CHAIN_MAX], guint *n, const char *hook)
{
    for (guint i = 0; i < *n; i++) {
        if (strcmp(hooks[i], hook) == 0)
            return;
    }
    g_assert(*n < FW_IPTC_TABLE_HOOKS_MAX);
    g_strlcpy(hooks[(*n)++], hook, FW_CHAIN_MAX);
}

/* Which table holds what. "PREROUTING" names raw PREROUTING: the earliest point a packet
 * meets, before connection tracking and destination NAT, so a ban there also covers ports
 * forwarded to containers and inner hosts, and no conntrack entry is made for a banned
 * packet. REJECT is refused outside the filter table, so there the verdict is DROP whatever
 * the action. Every other hook is a chain of the filter table (built-in, or a user chain
 * such as DOCKER-USER that another program owns and jumps to). With direction = both the
 * destination side always stays in the filter table (OUTPUT, each filter hook but INPUT, and
 * FORWARD when PREROUTING stands in for it), so the host and inner servers talking to a
 * banned address get their reset from REJECT. */
static void
plan_tables(Iptc *core, const char *set4, const char *set6)
{
    const FwConfig *cfg = &core->cfg;
    gboolean both = cfg->direction == FW_DIRECTION_BOTH;
    gboolean raw_hook = FALSE;
    for (guint ti = 0; ti < FW_IPTC_N_TABLES; ti++) {
        FwIptcChains *ch = &core->tables[ti];
        memset(ch, 0, sizeof *ch);
        ch->table = ti == FW_IPTC_TABLE_RAW ? "raw" : "filter";
        ch->action = ti == FW_IPTC_TABLE_RAW ? FW_ACTION_DROP : cfg->action;
        ch->skip_loopback = both && cfg->action == FW_ACTION_REJECT;
        if (set4) {
            /* Names of its own, so that the iptables backend's flush after a switch (or this
             * one's) never takes the other's rules. */
            ch->set_mode = TRUE;
            g_snprintf(ch->act, sizeof ch->act, "%s-SET", cfg->chain);
            g_strlcpy(ch->set[0], set4, sizeof ch->set[0]);
            g_strlcpy(ch->set[1], set6, sizeof ch->set[1]);
        } else {
            g_strlcpy(ch->src, cfg->chain, sizeof ch->src);
            g_snprintf(ch->dst, sizeof ch->dst, "%s-DST", cfg->chain);
            g_snprintf(ch->act, sizeof ch->act, "%s-ACT", cfg->chain);
        }
    }
    FwIptcChains *filter = &core->tables[FW_IPTC_TABLE_FILTER];
    FwIptcChains *raw = &core->tables[FW_IPTC_TABLE_RAW];
    for (guint i = 0; i < cfg->n_hooks; i++) {
        const char *hook = cfg->hooks[i];
        if (strcmp(hook, "PREROUTING") == 0) {
            raw_hook = TRUE;
            hook_add(raw->src_hooks, &raw->n_src_hooks, hook);
            continue;
        }
        hook_add(filter->src_hooks, &filter->n_src_hooks, hook);
        if (both && strcmp(hook, "INPUT") != 0)
            hook_add(filter->dst_hooks, &filter->n_dst_hooks, hook);
    }
    if (both) {
        hook_add(filter->dst_hooks, &filter->n_dst_hooks, "OUTPUT");
        if (raw_hook)
            hook_add(filter->dst_hooks, &filter->n_dst_hooks, "FORWARD");
    }
    for (guint ti = 0; ti < FW_IPTC_N_TABLES; ti++) {
        FwIptcChains *ch = &core->tables[ti];
        ch->use_src = ch->n_src_hooks > 0;
        ch->use_dst = ch->n_dst_hooks > 0;
        ch->used = ch->use_src || ch->use_dst;
        ch->use_act = ch->used && (ch->action == FW_ACTION_REJECT || cfg->log);
    }
    core->primary = filter->use_src ? FW_IPTC_TABLE_FILTER : FW_IPTC_TABLE_RAW;
}

/* Checks cfg and fills core from it. set4/set6 NULL: the iptables backend; else its set mode
 * (the ipset backend's rules). */
static gboolean
core_init(Iptc *core, const FwConfig *cfg, const char *set4, const char *set6, GError **error)
{
    g_return_val_if_fail(cfg != NULL, FALSE);
    const gsize suffix = strlen("-DST");
    if (!chain_name_valid(cfg->chain, FW_CHAIN_MAX - 1 - suffix, error))
        return FALSE;
    if (cfg->n_hooks == 0 || cfg->n_hooks > FW_HOOKS_MAX) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "fw-iptc: between 1 and %d hooks needed, %u given", FW_HOOKS_MAX, cfg->n_hooks);
        return FALSE;
    }
    for (guint i = 0; i < cfg->n_hooks; i++) {
        const char *hook = cfg->hooks[i];
        g_autofree char *dst = g_strconcat(cfg->chain, "-DST", NULL);
        g_autofree char *act = g_strconcat(cfg->chain, "-ACT", NULL);
        g_autofree char *set = g_strconcat(cfg->chain, "-SET", NULL);
        if (hook[0] == '\0' || strcmp(hook, cfg->chain) == 0 || strcmp(hook, dst) == 0 ||
            strcmp(hook, act) == 0 || strcmp(hook, set) == 0) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "fw-iptc: hook \"%s\" is empty or one of our own chains", hook);
            return FALSE;
        }
    }
    if (cfg->lock_file[0] == '\0') {
        g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                            "fw-iptc: no xtables lock file configured");
        return FALSE;
    }
    memset(core, 0, sizeof *core);
    core->cfg = *cfg;
    plan_tables(core, set4, set6);
    return TRUE;
}

Fw *
fw_iptc_new(const FwConfig *cfg, GError **error)
{
    Iptc core;
    if (!core_init(&core, cfg, NULL, NULL, error))
        return NULL;
    FwIptc *f = g_new0(FwIptc, 1);
    f->parent.ops = &iptc_ops;
    f->core = core;
    f->core.retired = g_new0(FwIptcRetired, 1);
    f->core.retired->refs = 1;
    g_mutex_init(&f->core.retired->lock);
    return &f->parent;
}

const FwConfig *
fw_iptc_config(Fw *fw)
{
    return &core_of(fw)->cfg;
}

FwIptcRetired *
fw_iptc_retired_get(Fw *fw)
{
    return fw_iptc_retired_ref(core_of(fw)->retired);
}

FwIptcRetired *
fw_iptc_retired_ref(FwIptcRetired *r)
{
    g_atomic_int_inc(&r->refs);
    return r;
}

void
fw_iptc_retired_unref(FwIptcRetired *r)
{
    if (r && g_atomic_int_dec_and_test(&r->refs)) {
        g_mutex_clear(&r->lock);
        g_free(r);
    }
}

void
fw_iptc_last_stats(Fw *fw, FwIptcStats *out)
{
    g_return_if_fail(fw != NULL && fw->ops == &iptc_ops);
    *out = ((FwIptc *)fw)->core.last;
}

gboolean
fw_iptc_available(void)
{
    return families[0]->present();
}

/* ---- set mode: the ipset backend's rules ---- */

FwSetRules *
fw_set_rules_new(const FwConfig *cfg, const char *set4, const char *set6, GError **error)
{
    g_return_val_if_fail(set4 != NULL && set6 != NULL, NULL);
    Iptc core;
    if (!core_init(&core, cfg, set4, set6, error))
        return NULL;
    FwSetRules *r = g_new0(FwSetRules, 1);
    r->core = core;
    return r;
}

gboolean
fw_set_rules_repair(FwSetRules *r, guint *hooks_fixed, GError **error)
{
    Request rq = {.op = FW_IPTC_OP_ENSURE};
    gboolean ok = run_request(&r->core, &rq, error);
    if (hooks_fixed)
        *hooks_fixed = rq.stats.hooks_fixed;
    return ok;
}

gboolean
fw_set_rules_restore(FwSetRules *r, const FwChange *changes, gsize n, GError **error)
{
    Request rq = {.op = FW_IPTC_OP_APPLY, .changes = changes, .n_changes = n};
    return run_request(&r->core, &rq, error);
}

gboolean
fw_set_rules_remove(FwSetRules *r, GError **error)
{
    Request rq = {.op = FW_IPTC_OP_FLUSH};
    return run_request(&r->core, &rq, error);
}

void
fw_set_rules_set_lock_nowait(FwSetRules *r, gboolean nowait)
{
    r->core.lock_nowait = nowait;
}

void
fw_set_rules_free(FwSetRules *r)
{
    g_free(r);
}

/* ---- the counters (fw_counters.h) ---- */

/* The lower-case names of hooks joined with "+": what one shared chain's counters cover. */
static void
hook_label(char *out, gsize size, const char (*hooks)[FW_CHAIN_MAX], guint n)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint i = 0; i < n; i++) {
        g_autofree char *lower = g_ascii_strdown(hooks[i], -1);
        g_string_append_printf(s, "%s%s", i ? "+" : "", lower);
    }
    g_strlcpy(out, s->str, size);
}

/* Adds to the entry of that family and hook in out, or appends one. */
static void
count_put(GArray *out, int af, const char *hook, const FwIptcCount *n)
{
    for (guint i = 0; i < out->len; i++) {
        FwDropCount *d = &g_array_index(out, FwDropCount, i);
        if (d->family == af && strcmp(d->hook, hook) == 0) {
            d->packets += n->packets;
            d->bytes += n->bytes;
            return;
        }
    }
    FwDropCount d = {.family = af, .packets = n->packets, .bytes = n->bytes};
    g_strlcpy(d.hook, hook, sizeof d.hook);
    g_array_append_val(out, d);
}

static gboolean
counters_read(const Iptc *f, const FwIptcRetired *retired, GArray *out, GError **error)
{
    for (guint fi = 0; fi < G_N_ELEMENTS(families); fi++) {
        const FwIptcFamily *fam = families[fi];
        for (guint ti = 0; ti < FW_IPTC_N_TABLES; ti++) {
            const FwIptcChains *ch = &f->tables[ti];
            if (!ch->used)
                continue;
            FwIptcTxn txn = {
                .cfg = &f->cfg,
                .chains = ch,
                .op = FW_IPTC_OP_COUNT,
                .set_index = IPSET_INVALID_ID,
            };
            /* A table the kernel has not made holds nothing of ours, and asking for it would
             * make it. Neither does a missing set: no rule can match it. */
            gboolean read = table_exists(fam, ch->table);
            if (read && ch->set_mode) {
                if (!set_index_lookup(ch->set[fi], &txn.set_index, error)) {
                    g_prefix_error(error, "fw-iptc: count: ");
                    return FALSE;
                }
                read = txn.set_index != IPSET_INVALID_ID;
            }
            g_autoptr(GError) err = NULL;
            if (read && !fam->run(&txn, &err)) {
                if (txn.init_errno)
                    explain_init_error(fam, ch->table, txn.init_errno, &err);
                g_propagate_prefixed_error(error, g_steal_pointer(&err), "fw-iptc: count: ");
                return FALSE;
            }
            char hook[FW_DROP_HOOK_MAX];
            if (retired) {
                const FwIptcCount *gone[2] = {&retired->src[fi][ti], &retired->dst[fi][ti]};
                FwIptcCount *to[2] = {&txn.src_count[0], &txn.dst_count[0]};
                for (guint k = 0; k < 2; k++) {
                    to[k]->packets += gone[k]->packets;
                    to[k]->bytes += gone[k]->bytes;
                }
            }
            if (!ch->set_mode) {
                if (ch->use_src) {
                    hook_label(hook, sizeof hook, ch->src_hooks, ch->n_src_hooks);
                    count_put(out, fam->af, hook, &txn.src_count[0]);
                }
                if (ch->use_dst) {
                    hook_label(hook, sizeof hook, ch->dst_hooks, ch->n_dst_hooks);
                    count_put(out, fam->af, hook, &txn.dst_count[0]);
                }
                continue;
            }
            for (guint i = 0; i < ch->n_src_hooks; i++) {
                hook_label(hook, sizeof hook, &ch->src_hooks[i], 1);
                count_put(out, fam->af, hook, &txn.src_count[i]);
            }
            for (guint i = 0; i < ch->n_dst_hooks; i++) {
                hook_label(hook, sizeof hook, &ch->dst_hooks[i], 1);
                count_put(out, fam->af, hook, &txn.dst_count[i]);
            }
        }
    }
    return TRUE;
}

gboolean
fw_iptc_counters_read(const FwConfig *cfg, const char *set4, const char *set6,
                      FwIptcRetired *retired, GArray *out, GError **error)
{
    g_return_val_if_fail(g_array_get_element_size(out) == sizeof(FwDropCount), FALSE);
    Iptc core;
    if (!core_init(&core, cfg, set4, set6, error))
        return FALSE;
    if (retired)
        g_mutex_lock(&retired->lock);
    gboolean ok = counters_read(&core, retired, out, error);
    if (retired)
        g_mutex_unlock(&retired->lock);
    return ok;
}
