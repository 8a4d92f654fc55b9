// SPDX-License-Identifier: GPL-2.0-or-later
// The ban table: which prefixes are banned until when, one timer for the next expiry, and the
// order of effects (store first, then one firewall commit per main-loop turn).
#pragma once

#include <glib.h>

#include "cut.h"
#include "fw.h"
#include "ipaddr.h"
#include "store.h"

typedef struct {
    guint max_bans;         /* ceiling on the table; new bans above it are refused and counted */
    guint expire_batch_max; /* most bans one expiry pass removes; the rest follow at once */
    guint retry_min_ms;     /* first retry of a failed commit or firewall change */
    guint retry_max_ms;     /* the retry delay doubles up to this */
    guint busy_retry_ms;    /* retry while the firewall is busy (xtables lock held elsewhere) */
    guint busy_warn_ms;     /* warn when it has been busy this long (the lock_timeout) */
} BansOptions;

/* Defaults: 100000 bans, 10000 per expiry pass, retries from 1 s doubling to 60 s; while the
 * firewall is busy, every 100 ms with a warning after 5 s. */
void bans_options_init(BansOptions *opts);

/* Where the table reads time. real_us is the wall clock that persisted expiries are in;
 * mono_us is the clock expiry is scheduled on. Defaults: g_get_real_time() and
 * g_get_monotonic_time(). Tests pass their own. */
typedef struct {
    gint64 (*real_us)(gpointer user_data);
    gint64 (*mono_us)(gpointer user_data);
    gpointer user_data;
} BansClock;

typedef enum {
    BANS_ADDED,     /* a new ban */
    BANS_EXTENDED,  /* an existing ban now ends later (or was changed by an operator) */
    BANS_UNCHANGED, /* an existing ban already lasts at least that long; counts updated */
    BANS_REFUSED,   /* the table is full (max_bans) */
} BansResult;

/* What to ban, from the policy or an operator. */
typedef struct {
    IpPrefix prefix;
    BanSource source;
    gboolean permanent;
    gint64 duration_s;     /* > 0 unless permanent */
    guint32 gid, sid, rev; /* the rule that triggered it; 0:0:0 for a manual ban */
    const char *msg;       /* the rule's msg (untrusted), or NULL */
    const char *reason;    /* short word for logs and the store: "threshold", "manual", ... */
    guint alerts;          /* alerts this request counts into the ban (0 for a manual ban) */
    guint window_s;        /* the policy window those alerts fell in, for the log line */
    gint64 first_seen_us;  /* real time of the first of those alerts; 0: now */
    const char *origin;    /* BAN_SOURCE_SHARED: the node it came from */
    gboolean quiet;        /* one of a bulk load (a joined snapshot): no line of its own, the
                            * caller logs a summary; its connections are cut all the same */
} BanRequest;

typedef struct {
    guint total, v4, v6, policy, manual, shared, permanent;
    guint64 refused;        /* requests refused because the table was full */
    guint64 fw_failures;    /* firewall applies or reconciles that failed */
    guint64 store_failures; /* commits that failed */
    guint fw_pending;       /* prefixes changed in the table and not yet sent to the firewall */
    /* For the metrics: bans in force per family (0: IPv4, 1: IPv6) and BanSource, and the
     * bans added and extended per BanSource since the table was made (bans_load() does not
     * count; what a restart restores is the caller's to add). */
    guint by_family_source[2][3];
    guint64 added[3], extended[3];
} BansCounts;

typedef struct {
    guint restored; /* bans in force, loaded */
    guint expired;  /* bans that ended while the daemon was down, removed */
    guint skipped;  /* invalid stored rows */
} BansLoadStats;

typedef struct Bans Bans;

/* A table over store and fw, both borrowed and outliving it. opts and clock may be NULL for
 * the defaults. Nothing is scheduled until bans_attach(). */
Bans *bans_new(Store *store, Fw *fw, const BansOptions *opts, const BansClock *clock);
void bans_free(Bans *bans);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Bans, bans_free)

/* Runs the table's sources in ctx (NULL: the global default context): the single expiry
 * timer, the idle that commits a turn's changes, and the retry timer. Without it the caller
 * drives bans_expire_due(), bans_commit() and bans_retry() (bans_internal.h) itself. */
void bans_attach(Bans *bans, GMainContext *ctx);

/* At start: loads the stored bans. Those still in force keep their original expiry; those
 * that ended while the daemon was down are logged, deleted from the store and appended to
 * expired (Ban, may be NULL). Commits. FALSE when the store fails (the loaded part stays). */
gboolean bans_load(Bans *bans, GArray *expired, BansLoadStats *stats, GError **error);

/* Makes the firewall's entries equal to the table (adds missing, removes strays and
 * duplicates). stats may be NULL. On failure a retry is scheduled; the error is logged. */
gboolean bans_reconcile(Bans *bans, FwReconcileStats *stats, GError **error);

/* bans_reconcile() for the periodic check of the kernel: when another program holds the
 * xtables lock it fails with ALERTBAN_ERROR_BUSY and leaves the table as it was (no retry is
 * scheduled), so the caller tries again and counts what it repairs itself. */
gboolean bans_verify(Bans *bans, FwReconcileStats *stats, GError **error);

/* Adds or extends a ban. The policy never shortens a ban, never changes a manual ban's source
 * and never turns a permanent ban into a timed one; an operator's (manual) request sets the
 * expiry it asks for. out (may be NULL) is filled with the ban as it now stands (left as it
 * was when refused). Queued for the turn's commit. */
BansResult bans_add(Bans *bans, const BanRequest *req, Ban *out);

/* Removes the ban on exactly prefix, logging reason ("manual", ...). FALSE when none. */
gboolean bans_remove(Bans *bans, const IpPrefix *prefix, const char *reason);

/* Whether a ban covers addr (a host ban or a wider prefix); out (may be NULL) is then filled
 * with the most specific one. */
gboolean bans_lookup_addr(Bans *bans, const IpAddr *addr, Ban *out);

/* How many bans prefix had before its current one, or, when not banned, before the next one:
 * the count escalation multiplies by. It survives expiry and restarts (in the store). */
guint32 bans_prior_bans(Bans *bans, const IpPrefix *prefix);

/* Every ban, soonest expiry first and permanent ones last, appended to out (Ban). */
void bans_list(Bans *bans, GArray *out);

/* One page of a sorted list: of the bans wants() accepts, the first max in cmp's order are
 * appended to out (Ban) in that order, and *more tells whether others were accepted. Only
 * the chosen bans are copied out, so a page costs one pass over the table, never a copy of
 * all of it. */
typedef gboolean (*BansWantFunc)(const BanCore *ban, gpointer data);
typedef gint (*BansCompareFunc)(const BanCore *a, const BanCore *b, gpointer data);
void bans_list_page(Bans *bans, BansWantFunc wants, BansCompareFunc cmp, gpointer data, guint max,
                    GArray *out, gboolean *more);

void bans_counts(Bans *bans, BansCounts *out);

/* Calls func with the fields of every ban in force (no texts, in no order): one pass over
 * the table for a count, without copying it as bans_list() does. func must not change it. */
typedef void (*BansCoreFunc)(const BanCore *core, gpointer user_data);
void bans_foreach_core(Bans *bans, BansCoreFunc func, gpointer user_data);
/* The bans lifted since the table was made, per reason ("expired", "manual", "whitelisted",
 * "shared", a never-ban reason, ...): char * -> guint64 * (borrowed, valid until the next
 * change of the table). */
GHashTable *bans_lifted(Bans *bans);

/* What one bans_commit() did, for the metrics: the store's commit (rows queued, time, success)
 * and the firewall's change (entries, time, success). A part with nothing to do has 0 rows or
 * changes and time 0. */
typedef struct {
    guint store_rows;
    gint64 store_us;
    gboolean store_ok;
    guint fw_changes;
    gint64 fw_us;
    gboolean fw_ok;
} BansCommitTiming;

/* Called at the end of every bans_commit() that had store rows or firewall changes. */
typedef void (*BansCommitFunc)(Bans *bans, const BansCommitTiming *timing, gpointer user_data);
void bans_set_commit_func(Bans *bans, BansCommitFunc func, gpointer user_data);

/* Ends the turn: commits the store (everything queued in it, by any module), then applies
 * the table's queued changes in one firewall commit (a turn with many of both runs the store's
 * commit in a thread while the firewall is changed; either way it returns when both are done). A failure is logged, counted and retried
 * with backoff (the firewall through a reconcile); the error is for callers that want it. */
gboolean bans_commit(Bans *bans, GError **error);

/* TRUE while a failed commit or firewall change waits for a retry. */
gboolean bans_degraded(Bans *bans);

/* TRUE while the firewall's changes wait for a lock another program holds (the last try
 * failed with ALERTBAN_ERROR_BUSY); *since_us (may be NULL) gets the monotonic time of the
 * first failed try. */
gboolean bans_fw_busy(Bans *bans, gint64 *since_us);

/* Called once per turn that changes the firewall, after the store commit and before the
 * turn's changes go to the firewall, with the number of bans the table now holds. It may
 * move the table to another backend with bans_move_to_fw(); the turn's changes then need no
 * apply of their own. */
typedef void (*BansTurnFunc)(Bans *bans, guint n_bans, gpointer user_data);
void bans_set_turn_func(Bans *bans, BansTurnFunc func, gpointer user_data);

/* Called once per turn with new bans, right after the turn's firewall change, with their
 * prefixes and their log lines (n > 0). The function takes each lines[i] (not the array): it
 * writes it, followed by " cut_conntrack=N cut_sockets=M" with what was cut for prefixes[i],
 * once that cut is done (in this turn or a later one), then frees it; lines[i] is NULL for a
 * quiet ban (BanRequest.quiet), cut without a line. Without a cut function a new ban's line
 * is written when the ban is added. */
typedef void (*BansCutFunc)(Bans *bans, const IpPrefix *prefixes, char **lines, guint n,
                            gpointer user_data);
void bans_set_cut_func(Bans *bans, BansCutFunc func, gpointer user_data);

/* Hands the table to fw (borrowed, outliving the table or the next switch) without touching
 * the kernel: for the choice of backend at start, before the first reconcile. */
void bans_set_fw(Bans *bans, Fw *fw);

/* Moves every ban to fw: creates its chains or sets, installs every ban there with its
 * remaining time, and from then on changes only fw. The backend used before is left as it
 * is (the caller removes what it holds, once fw has every ban: nothing is unbanned in
 * between). On failure the table stays with its backend and fw may hold part of the bans. */
gboolean bans_move_to_fw(Bans *bans, Fw *fw, FwReconcileStats *stats, GError **error);

/* Removes every entry, rule and chain the firewall backend owns (on_exit = flush, --flush);
 * the table and the store keep the bans, so the next start puts them back. */
gboolean bans_fw_flush(Bans *bans, GError **error);
