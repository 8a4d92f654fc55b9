// SPDX-License-Identifier: GPL-2.0-or-later
// Durable state in SQLite (bans, per-address ban counts, the violation tracker, where the
// tailer stopped in each file): every SQL statement of the project lives behind this interface.
#pragma once

#include <glib.h>

#include "alert.h"
#include "ban.h"
#include "ipaddr.h"

/* The schema version this build writes (PRAGMA user_version). Older files are migrated
 * forward on a read-write open; newer ones are refused. */
#define STORE_SCHEMA_VERSION 4

/* The database file's name inside the state directory. */
#define STORE_DB_NAME "alertban.db"
/* The state of a daemon with dry_run = yes, kept apart so that its bans are never enforced. */
#define STORE_DRY_RUN_DB_NAME "dry-run.db"

/* Tracker retention (history_days) when the configuration does not say, and how many rows
 * one store_purge_history() call removes, so a purge never holds the loop for long. */
#define STORE_HISTORY_DAYS_DEFAULT 90
#define STORE_PURGE_BATCH 1000

#define STORE_VERDICT_MAX 32
#define STORE_PATH_MAX 4096
#define STORE_FINGERPRINT_MAX 64

/* One tracker row: a violation attributed to an address, with what was decided about it. */
typedef struct {
    gint64 time_us; /* real time the alert was handled */
    IpAddr addr;    /* the offender */
    IpAddr peer;    /* the other end, family 0 when unknown */
    guint32 gid, sid, rev;
    gint32 priority; /* -1 when absent */
    char proto[ALERT_PROTO_MAX];
    gint32 src_port, dst_port;       /* -1 when absent */
    gboolean swapped;                /* the offender is the alert's destination */
    char verdict[STORE_VERDICT_MAX]; /* "ban", "extend", "count", ... */
    char msg[ALERT_MSG_MAX];
    guint32 repeats; /* alerts the row stands for: 1, more when folded (store_fold_violation()) */
} StoreViolation;

/* Fills out from an alert: the offender is the destination when swapped, else the source. */
void store_violation_from_alert(const Alert *alert, gboolean swapped, gint64 time_us,
                                const char *verdict, StoreViolation *out);

/* Where the tailer stopped in one followed file. */
typedef struct {
    char path[STORE_PATH_MAX]; /* the key: the configured log path */
    guint64 dev, ino, offset;
    guint8 fingerprint[STORE_FINGERPRINT_MAX]; /* bytes identifying the content before offset */
    guint fingerprint_len;
} StoreTailPosition;

typedef struct {
    gboolean read_only;           /* for the CLI: never creates, migrates or writes */
    const char *db_name;          /* the file in state_dir; NULL: STORE_DB_NAME */
    guint busy_timeout_ms;        /* how long a statement waits for another writer */
    guint max_pending_violations; /* tracker rows held while commits fail; more are dropped */
    /* Read-write only: when SQLite finds the file is not a database or is damaged (in the
     * header, the schema, or the bans, ban counts and tail positions a start reads), move it
     * (and its WAL) aside to NAME.corrupt-<UTC time> and start on a fresh one rather than
     * fail; store_set_aside_path() then says where it went. */
    gboolean set_aside_corrupt;
} StoreOptions;

/* Defaults: read-write, 5000 ms busy timeout, 20000 pending tracker rows. */
void store_options_init(StoreOptions *opts);

typedef struct Store Store;

/* Opens (read-write: creating state_dir with mode 0700 and the database with mode 0600, and
 * migrating it to STORE_SCHEMA_VERSION) the database in state_dir. opts may be NULL for the
 * defaults. ALERTBAN_ERROR_STORE names the file and SQLite's message. Refused with a message
 * saying why: a state_dir with a symbolic link in its path (naming the link and the real path),
 * and, read-write, a state_dir every user may write or owned by another user than the
 * process's (root's is accepted). */
Store *store_open(const char *state_dir, const StoreOptions *opts, GError **error);
void store_free(Store *store);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Store, store_free)

/* The database file's path (borrowed). */
const char *store_path(const Store *store);

/* Where store_open() moved a damaged file (borrowed), or NULL when it did not. */
const char *store_set_aside_path(const Store *store);

/* --- Writes: queued in memory, made durable together by store_commit() ---
 *
 * A main-loop turn queues what it did (tracker rows, ban changes, per-address ban counts,
 * tail positions) and ends with one store_commit(), one SQLite transaction. Queued ban and
 * tail position changes are coalesced per key (the last one wins). */

/* Queues an insert-or-replace of the ban keyed by ban->prefix. */
void store_put_ban(Store *store, const Ban *ban);
/* Queues the removal of the ban on prefix (absent is not an error). */
void store_delete_ban(Store *store, const IpPrefix *prefix);
/* Queues the number of times prefix has been banned (kept after its bans end). */
void store_put_ban_count(Store *store, const IpPrefix *prefix, guint32 count, gint64 last_ban_us);
/* Queues one tracker row. FALSE (and the row is counted as dropped) when the last commit
 * failed and max_pending_violations rows already wait for the retry. */
gboolean store_add_violation(Store *store, const StoreViolation *v);
/* Like store_add_violation(), except that an alert of an address and verdict that already
 * has a row in the same minute (of time_us) adds its v->repeats to that row's instead of
 * writing a row of its own; that row keeps its first alert's rule, ports and message. For the
 * alerts whose rows only make history (a banned or never-banned source the sensor keeps
 * reporting): a flood of any rate then costs one row per address and verdict a minute, at
 * most 1440 a day, while `show` still says when, and how much, the address was active. */
gboolean store_fold_violation(Store *store, const StoreViolation *v);
/* Alerts folded into an earlier row since the store was opened. */
guint64 store_folded_violations(const Store *store);

/* Queues a tail position, replacing the one with the same path. */
void store_put_tail_position(Store *store, const StoreTailPosition *cp);
/* Queues the removal of path's tail position (absent is not an error), replacing a queued
 * put of it: for a followed file that is gone for good. */
void store_delete_tail_position(Store *store, const char *path);

/* Number of queued writes (after coalescing). */
guint store_pending(const Store *store);
/* Tracker rows dropped since the store was opened because the queue was full. */
guint64 store_dropped_violations(const Store *store);

/* Writes everything queued in one transaction. On failure (disk full, I/O error, another
 * writer holding the lock past the busy timeout) the transaction is rolled back, nothing of
 * it is visible, the queue is kept intact and the caller retries later. */
gboolean store_commit(Store *store, GError **error);

/* The same, for a change made beside the daemon (alertban unban while it is down): once the
 * transaction holds the write lock, check runs (it may read the store and queue more writes);
 * FALSE from it rolls back with its error, and the queue is kept. Until the commit, a daemon
 * starting meanwhile waits in its first transaction (up to its busy timeout), so it loads
 * the state as this commit leaves it. Also runs when nothing is queued. */
typedef gboolean (*StoreCheckFunc)(Store *store, gpointer user_data, GError **error);
gboolean store_commit_checked(Store *store, StoreCheckFunc check, gpointer user_data,
                              GError **error);

/* Deletes at most max_rows tracker rows older than before_us, and per-address ban counts
 * last bumped before before_us whose address is not banned now, in one transaction.
 * *n_deleted (may be NULL) gets the number of rows removed; call again while it equals
 * max_rows. */
gboolean store_purge_history(Store *store, gint64 before_us, guint max_rows, guint *n_deleted,
                             GError **error);

/* --- Reads (each sees committed data only, except store_get_ban_count()) --- */

/* Appends every valid stored ban to active (expiry > now_us or permanent) or to expired
 * (both GArrays of Ban; expired may be NULL to ignore them). Invalid rows are skipped,
 * counted into *n_skipped (may be NULL) and warned about once per call. */
gboolean store_load_bans(Store *store, gint64 now_us, GArray *active, GArray *expired,
                         guint *n_skipped, GError **error);

/* Calls func for every valid stored ban, in the store's order, without holding them all in
 * memory (the Ban is valid during the call only). Invalid rows are skipped as above. */
typedef void (*StoreBanFunc)(const Ban *ban, gpointer user_data);
gboolean store_foreach_ban(Store *store, StoreBanFunc func, gpointer user_data, guint *n_skipped,
                           GError **error);

/* Appends every valid tail position (StoreTailPosition) to out; invalid rows as above. */
gboolean store_load_tail_positions(Store *store, GArray *out, guint *n_skipped, GError **error);

/* Appends the tracker rows of addr (StoreViolation), newest first, at most limit. */
gboolean store_load_history(Store *store, const IpAddr *addr, guint limit, GArray *out,
                            GError **error);

/* How many times prefix has been banned (0 when never), queued writes included, and when
 * the last of those bans started (0 when never). last_ban_us may be NULL. */
gboolean store_get_ban_count(Store *store, const IpPrefix *prefix, guint32 *count,
                             gint64 *last_ban_us, GError **error);

/* Appends the newest tracker rows (at most limit) at or after since_us whose verdict is
 * verdict, oldest first, for every address: what a restarted daemon replays to refill the
 * policy's threshold windows. */
gboolean store_load_recent_violations(Store *store, gint64 since_us, const char *verdict,
                                      guint limit, GArray *out, GError **error);

/* --- The share outbox: decisions waiting for Redis, and named keys --- */

/* The largest outbox entry the store accepts (bytes). */
#define STORE_OUTBOX_ENTRY_MAX 4096

/* Queues entry (opaque bytes, 1..STORE_OUTBOX_ENTRY_MAX, referenced) for the outbox, written
 * by the next store_commit() in the same transaction as the ban it describes. */
void store_outbox_add(Store *store, gint64 time_us, GBytes *entry);

/* Calls func for the committed outbox entries with id > after_id, oldest first, at most
 * limit. The data is valid during the call only. */
typedef void (*StoreOutboxFunc)(gint64 id, gint64 time_us, gconstpointer data, gsize len,
                                gpointer user_data);
gboolean store_outbox_load(Store *store, gint64 after_id, guint limit, StoreOutboxFunc func,
                           gpointer user_data, GError **error);

/* Deletes the outbox entries with id <= up_to_id at once, in a transaction of its own (the
 * queue's transaction never outlives store_commit()): Redis has acknowledged them. */
gboolean store_outbox_remove(Store *store, gint64 up_to_id, GError **error);

/* How many entries the outbox holds, and when the oldest was made (0 when empty; may be
 * NULL). */
gboolean store_outbox_stats(Store *store, guint64 *count, gint64 *oldest_us, GError **error);

/* Queues a named value (the last applied stream entry, ...), written by the next commit. */
void store_put_key(Store *store, const char *name, const char *value);

/* The value of name (queued or committed; caller frees), *value NULL when unset. */
gboolean store_get_key(Store *store, const char *name, char **value, GError **error);
