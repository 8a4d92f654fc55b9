// SPDX-License-Identifier: GPL-2.0-or-later
// Durable state in SQLite: the only file in the project that speaks SQL.
#include "store.h"
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/*
 * Durability. The database runs in WAL mode with synchronous=NORMAL: a commit appends to the
 * WAL and returns without an fsync; the WAL is synced at each checkpoint. What that buys:
 *  - A crash of the process (kill -9, abort) loses nothing that store_commit() reported
 *    committed: the WAL frames are in the kernel's page cache and are replayed on open.
 *  - A power loss or kernel crash may lose the last few committed transactions, but never
 *    corrupts the file and never splits one: a turn's tracker rows, bans and tail positions
 *    vanish together. The kernel's iptables rules do not survive that event either, and the
 *    rolled-back tail position makes the tailer re-read the same alerts, so the lost turns are
 *    redone once, not twice and not never.
 * synchronous=FULL would add one fsync per main-loop turn (milliseconds on disks, more under
 * a flood) to protect only against the case above, so NORMAL is the right trade here.
 *
 * The write queue. Writes are queued in memory (ban and tail position changes coalesced per key)
 * and store_commit() writes the whole queue in one BEGIN IMMEDIATE ... COMMIT. When any step
 * fails the transaction is rolled back and the queue kept, so a later commit retries exactly
 * the same writes plus whatever was queued since: nothing is lost and nothing half-written.
 * Only the tracker queue can grow without a key to coalesce on; it is capped.
 *
 * WAL checkpoints. SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL
 * past 1000 pages: it copies them into the database and syncs both files before the commit
 * returns, and the daemon changes the firewall only after the commit, so about one ban in a
 * hundred reached the kernel milliseconds later (tens on a busy disk). Run from the main loop
 * after the turn, the same fsyncs still held up whatever alert came next. So a WAL hook only
 * wakes a thread of the store's own, which runs the same checkpoint (PASSIVE: it never waits
 * for, nor blocks, the writer) on a connection of its own. The main loop never syncs: in WAL
 * mode with synchronous=NORMAL a commit only appends to the WAL. The thread is joined, and
 * its connection closed, before the main connection, whose close checkpoints what is left.
 */

#define STORE_WAL_CHECKPOINT_PAGES 1000

/* A ban keeps its rule's msg as whole as the alert had it. */
G_STATIC_ASSERT(BAN_MSG_MAX == ALERT_MSG_MAX);

#define SQL_FAMILY_OK "family IN (4, 6) AND length(addr) = CASE family WHEN 4 THEN 4 ELSE 16 END"

/* Forward-only migrations: migrations[i] takes the schema from version i to i + 1. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: bans, the tracker, tail positions (the table keeps its first name). */
    "CREATE TABLE bans ("
    "  addr BLOB NOT NULL,"
    "  family INTEGER NOT NULL,"
    "  prefix_len INTEGER NOT NULL,"
    "  expires_at INTEGER," /* real-time microseconds; NULL: permanent */
    "  created_at INTEGER NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  violations INTEGER NOT NULL DEFAULT 0 CHECK (violations >= 0),"
    "  prior_bans INTEGER NOT NULL DEFAULT 0 CHECK (prior_bans >= 0),"
    "  gid INTEGER NOT NULL DEFAULT 0,"
    "  sid INTEGER NOT NULL DEFAULT 0,"
    "  rev INTEGER NOT NULL DEFAULT 0,"
    "  msg TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL CHECK (source IN ('policy', 'manual')),"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  CHECK (" SQL_FAMILY_OK "),"
    "  CHECK (prefix_len BETWEEN 0 AND 8 * length(addr)),"
    "  CHECK (expires_at IS NULL OR expires_at > 0),"
    "  PRIMARY KEY (addr, prefix_len)"
    ") WITHOUT ROWID;"
    "CREATE TABLE tracker ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  addr BLOB NOT NULL,"
    "  family INTEGER NOT NULL,"
    "  peer BLOB,"
    "  gid INTEGER NOT NULL,"
    "  sid INTEGER NOT NULL,"
    "  rev INTEGER NOT NULL,"
    "  msg TEXT NOT NULL DEFAULT '',"
    "  priority INTEGER NOT NULL DEFAULT -1,"
    "  proto TEXT NOT NULL DEFAULT '',"
    "  src_port INTEGER NOT NULL DEFAULT -1,"
    "  dst_port INTEGER NOT NULL DEFAULT -1,"
    "  swapped INTEGER NOT NULL DEFAULT 0 CHECK (swapped IN (0, 1)),"
    "  verdict TEXT NOT NULL DEFAULT '',"
    "  CHECK (" SQL_FAMILY_OK ")"
    ");"
    "CREATE INDEX tracker_addr_at ON tracker (addr, at);"
    "CREATE INDEX tracker_at ON tracker (at);"
    "CREATE TABLE checkpoints ("
    "  path TEXT PRIMARY KEY NOT NULL,"
    "  dev INTEGER NOT NULL,"
    "  ino INTEGER NOT NULL,"
    "  off INTEGER NOT NULL CHECK (off >= 0),"
    "  fingerprint BLOB NOT NULL"
    ");",
    /* 1 -> 2: how many times each address was banned, kept after its bans end, so escalation
     * survives expiry and restarts. Seeded from the bans in force. */
    "CREATE TABLE offenders ("
    "  addr BLOB NOT NULL,"
    "  family INTEGER NOT NULL,"
    "  prefix_len INTEGER NOT NULL,"
    "  ban_count INTEGER NOT NULL CHECK (ban_count >= 0),"
    "  last_ban_at INTEGER NOT NULL,"
    "  CHECK (" SQL_FAMILY_OK "),"
    "  PRIMARY KEY (addr, prefix_len)"
    ") WITHOUT ROWID;"
    "CREATE INDEX offenders_last_ban_at ON offenders (last_ban_at);"
    "INSERT INTO offenders (addr, family, prefix_len, ban_count, last_ban_at)"
    "  SELECT addr, family, prefix_len, prior_bans + 1, created_at FROM bans;",
    /* 2 -> 3: sharing bans through Redis. Bans may come from a peer (source 'shared', the
     * peer's name in origin); decisions wait in share_outbox until Redis has them; named
     * values (the last applied stream entry) live in keys. SQLite cannot change a CHECK, so
     * bans is rebuilt. */
    "CREATE TABLE bans_v3 ("
    "  addr BLOB NOT NULL,"
    "  family INTEGER NOT NULL,"
    "  prefix_len INTEGER NOT NULL,"
    "  expires_at INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  violations INTEGER NOT NULL DEFAULT 0 CHECK (violations >= 0),"
    "  prior_bans INTEGER NOT NULL DEFAULT 0 CHECK (prior_bans >= 0),"
    "  gid INTEGER NOT NULL DEFAULT 0,"
    "  sid INTEGER NOT NULL DEFAULT 0,"
    "  rev INTEGER NOT NULL DEFAULT 0,"
    "  msg TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL CHECK (source IN ('policy', 'manual', 'shared')),"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  origin TEXT NOT NULL DEFAULT '',"
    "  CHECK (" SQL_FAMILY_OK "),"
    "  CHECK (prefix_len BETWEEN 0 AND 8 * length(addr)),"
    "  CHECK (expires_at IS NULL OR expires_at > 0),"
    "  PRIMARY KEY (addr, prefix_len)"
    ") WITHOUT ROWID;"
    "INSERT INTO bans_v3 (addr, family, prefix_len, expires_at, created_at, first_seen,"
    "  last_seen, violations, prior_bans, gid, sid, rev, msg, source, reason)"
    "  SELECT addr, family, prefix_len, expires_at, created_at, first_seen, last_seen,"
    "  violations, prior_bans, gid, sid, rev, msg, source, reason FROM bans;"
    "DROP TABLE bans;"
    "ALTER TABLE bans_v3 RENAME TO bans;"
    "CREATE TABLE share_outbox ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL,"
    "  entry BLOB NOT NULL CHECK (length(entry) BETWEEN 1 AND 65536)"
    ");"
    "CREATE TABLE keys ("
    "  name TEXT PRIMARY KEY NOT NULL,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;",
    /* 3 -> 4: a tracker row may stand for several alerts of one address within a minute
     * (store_fold_violation()), so that a banned or never-banned source the sensor keeps
     * reporting costs a row a minute, not a row an alert. */
    "ALTER TABLE tracker ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1 CHECK (repeats >= 1);",
};

typedef enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_BAN_PUT,
    ST_BAN_DELETE,
    ST_COUNT_PUT,
    ST_COUNT_GET,
    ST_VIOLATION_ADD,
    ST_TAIL_POSITION_PUT,
    ST_TAIL_POSITION_DELETE,
    ST_BANS_LOAD,
    ST_BAN_GET,
    ST_VIOLATIONS_SINCE,
    ST_TAIL_POSITIONS_LOAD,
    ST_HISTORY,
    ST_PURGE_TRACKER,
    ST_PURGE_OFFENDERS,
    ST_COUNT_KEYS,
    ST_OUTBOX_ADD,
    ST_OUTBOX_LOAD,
    ST_OUTBOX_REMOVE,
    ST_OUTBOX_STATS,
    ST_KEY_PUT,
    ST_KEY_GET,
    ST_FOLD_UPDATE,
    ST_COUNT
} StmtId;

/* The statements that write STORE_ROWS_PER_INSERT rows at once (see write_rows()). */
typedef enum { MULTI_BAN, MULTI_COUNT_PUT, MULTI_VIOLATION, MULTI_COUNT } MultiId;

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_BAN_PUT] =
        "INSERT INTO bans (addr, family, prefix_len, expires_at, created_at, first_seen,"
        " last_seen, violations, prior_bans, gid, sid, rev, msg, source, reason, origin)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
        " ON CONFLICT (addr, prefix_len) DO UPDATE SET family = excluded.family,"
        " expires_at = excluded.expires_at, created_at = excluded.created_at,"
        " first_seen = excluded.first_seen, last_seen = excluded.last_seen,"
        " violations = excluded.violations, prior_bans = excluded.prior_bans,"
        " gid = excluded.gid, sid = excluded.sid, rev = excluded.rev, msg = excluded.msg,"
        " source = excluded.source, reason = excluded.reason, origin = excluded.origin",
    [ST_BAN_DELETE] = "DELETE FROM bans WHERE addr = ?1 AND prefix_len = ?2",
    [ST_COUNT_PUT] = "INSERT INTO offenders (addr, family, prefix_len, ban_count, last_ban_at)"
                     " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (addr, prefix_len) DO UPDATE SET"
                     " family = excluded.family, ban_count = excluded.ban_count,"
                     " last_ban_at = excluded.last_ban_at",
    [ST_COUNT_GET] = "SELECT ban_count, last_ban_at FROM offenders WHERE addr = ?1 AND"
                     " prefix_len = ?2",
    [ST_VIOLATION_ADD] = "INSERT INTO tracker (at, addr, family, peer, gid, sid, rev, msg,"
                         " priority, proto, src_port, dst_port, swapped, verdict, repeats) VALUES"
                         " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [ST_TAIL_POSITION_PUT] = "INSERT OR REPLACE INTO checkpoints (path, dev, ino, off, fingerprint)"
                             " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_TAIL_POSITION_DELETE] = "DELETE FROM checkpoints WHERE path = ?1",
    [ST_BANS_LOAD] = "SELECT addr, family, prefix_len, expires_at, created_at, first_seen,"
                     " last_seen, violations, prior_bans, gid, sid, rev, msg, source, reason,"
                     " origin FROM bans",
    [ST_BAN_GET] = "SELECT addr, family, prefix_len, expires_at, created_at, first_seen,"
                   " last_seen, violations, prior_bans, gid, sid, rev, msg, source, reason,"
                   " origin FROM bans WHERE addr = ?1 AND prefix_len = ?2",
    [ST_VIOLATIONS_SINCE] =
        "SELECT at, addr, family, peer, gid, sid, rev, msg, priority, proto,"
        " src_port, dst_port, swapped, verdict, repeats FROM tracker WHERE at >= ?1"
        " ORDER BY at, id LIMIT ?2",
    [ST_TAIL_POSITIONS_LOAD] = "SELECT path, dev, ino, off, fingerprint FROM checkpoints",
    [ST_HISTORY] =
        "SELECT at, addr, family, peer, gid, sid, rev, msg, priority, proto, src_port,"
        " dst_port, swapped, verdict, repeats FROM tracker WHERE addr = ?1 AND family = ?2"
        " ORDER BY at DESC, id DESC LIMIT ?3",
    [ST_PURGE_TRACKER] = "DELETE FROM tracker WHERE id IN (SELECT id FROM tracker WHERE at < ?1"
                         " ORDER BY at LIMIT ?2)",
    [ST_PURGE_OFFENDERS] = "DELETE FROM offenders WHERE (addr, prefix_len) IN (SELECT o.addr,"
                           " o.prefix_len FROM offenders o WHERE o.last_ban_at < ?1 AND NOT"
                           " EXISTS (SELECT 1 FROM bans b WHERE b.addr = o.addr AND"
                           " b.prefix_len = o.prefix_len) LIMIT ?2)",
    [ST_COUNT_KEYS] = "SELECT addr, prefix_len FROM offenders",
    [ST_OUTBOX_ADD] = "INSERT INTO share_outbox (at, entry) VALUES (?1, ?2)",
    [ST_OUTBOX_LOAD] = "SELECT id, at, entry FROM share_outbox WHERE id > ?1 ORDER BY id LIMIT ?2",
    [ST_OUTBOX_REMOVE] = "DELETE FROM share_outbox WHERE id <= ?1",
    [ST_OUTBOX_STATS] = "SELECT count(*), min(at) FROM share_outbox",
    [ST_KEY_PUT] = "INSERT OR REPLACE INTO keys (name, value) VALUES (?1, ?2)",
    [ST_KEY_GET] = "SELECT value FROM keys WHERE name = ?1",
    [ST_FOLD_UPDATE] = "UPDATE tracker SET repeats = repeats + ?1 WHERE id = (SELECT id FROM"
                       " tracker WHERE addr = ?2 AND family = ?3 AND at = ?4 AND verdict = ?5"
                       " LIMIT 1)",
};

/* A decision queued for the share outbox: its bytes (owned) and when it was made. */
typedef struct {
    gint64 time_us;
    GBytes *entry;
} OutboxOp;

static void outbox_op_clear(gpointer data);

/* Queued rows hold their texts in Store.queue_strs (deduplicated: a flood repeats a few rule
 * messages), not in a Ban's or a StoreViolation's fixed arrays, so that a turn of tens of
 * thousands of alerts queues a few megabytes rather than tens. */
typedef struct {
    BanCore core; /* first: its prefix is the queue's key */
    gboolean delete;
    const char *msg, *reason, *origin;
} BanOp;

typedef struct {
    gint64 time_us;
    IpAddr addr, peer;
    gboolean swapped;
    guint32 gid, sid, rev;
    gint32 priority, src_port, dst_port;
    guint32 repeats;
    const char *proto, *verdict, *msg;
} ViolationOp;

/* The row an address's alerts of one verdict fold into this minute (store_fold_violation()).
 * Its queue index and pending update are valid while gen equals Store.queue_gen, that is
 * until the next successful commit. */
typedef struct {
    IpAddr addr;
    char verdict[STORE_VERDICT_MAX];
    gint64 minute; /* time_us / 60 s of the row */
    gint64 row_at; /* that row's time, which finds it once committed */
    guint64 gen;
    gint queued; /* its index in Store.violations, or -1: committed before this queue */
    gint update; /* its index in Store.fold_updates, or -1 */
} FoldEntry;

/* Alerts folded into a committed row, added to it at the next commit. */
typedef struct {
    IpAddr addr;
    const char *verdict; /* in Store.queue_strs */
    gint64 row_at;
    guint32 count;
} FoldUpdate;

typedef struct {
    IpPrefix prefix;
    guint32 count;
    gint64 last_ban_us;
} CountOp;

struct Store {
    sqlite3 *db;
    char *path;
    StoreOptions opts;
    sqlite3_stmt *stmts[ST_COUNT];    /* prepared on first use */
    sqlite3_stmt *multi[MULTI_COUNT]; /* prepared on first use */
    /* The write queue (see the block comment above). */
    GHashTable *ban_ops;        /* IpPrefix* (inside the BanOp's core) -> BanOp* */
    GHashTable *count_ops;      /* IpPrefix* -> CountOp* */
    GHashTable *tail_positions; /* path (inside the StoreTailPosition) -> StoreTailPosition* */
    GArray *violations;         /* ViolationOp */
    GArray *outbox;             /* OutboxOp, in the order queued */
    GHashTable *keys;           /* name -> value (both owned) */
    GStringChunk *queue_strs;   /* the queued rows' texts; emptied with the queue */
    guint64 dropped_violations;
    /* The last ban count read from the database, for the policy and the table asking about
     * the same prefix in a row; cleared by every write of counts. */
    gboolean count_memo_valid;
    IpPrefix count_memo_prefix;
    guint32 count_memo;
    gint64 count_memo_last_us;
    /* A Bloom filter of the keys of the ban counts (rows and queued), so that the question
     * for an address never banned, which every new ban asks, is answered without SQLite. Built
     * at the first question; false positives only cost the read. NULL until then, and when it
     * is too full (rebuilt at the next question). It assumes that no other process writes
     * counts while this store is open read-write: the CLI writes only while no daemon runs. */
    guint64 *count_filter;
    guint64 count_filter_bits; /* a power of two */
    guint count_filter_keys;
    gboolean failing;  /* the last commit failed: the tracker queue is capped */
    gboolean dropping; /* rows were dropped since the last successful commit (warned once) */
    /* The WAL checkpoint thread (see the block comment above); NULL when read-only. */
    GThread *ckpt_thread;
    sqlite3 *ckpt_db; /* used by the thread alone */
    GMutex ckpt_lock;
    GCond ckpt_cond;
    gboolean ckpt_wanted, ckpt_quit; /* under ckpt_lock */
    guint ckpt_done;                 /* checkpoints run, under ckpt_lock */
    /* SQLite said the file is not a database or is damaged (see store_open()). */
    gboolean corrupt;
    char *set_aside_path; /* where a damaged file was moved; NULL when none was */
    /* Folding (store_fold_violation()). */
    GHashTable *fold;     /* FoldEntry* (key and value) */
    GArray *fold_updates; /* FoldUpdate, emptied with the queue */
    guint64 queue_gen;    /* bumped by each successful commit */
    gint64 fold_latest_minute, fold_pruned_minute;
    guint64 folded; /* alerts folded into an earlier row since the store was opened */
};

void
store_violation_from_alert(const Alert *alert, gboolean swapped, gint64 time_us,
                           const char *verdict, StoreViolation *out)
{
    memset(out, 0, sizeof *out);
    out->time_us = time_us;
    out->addr = swapped ? alert->dst : alert->src;
    out->peer = swapped ? alert->src : alert->dst;
    out->gid = alert->gid;
    out->sid = alert->sid;
    out->rev = alert->rev;
    out->priority = alert->priority;
    g_strlcpy(out->proto, alert->proto, sizeof out->proto);
    out->src_port = alert->src_port;
    out->dst_port = alert->dst_port;
    out->swapped = swapped;
    g_strlcpy(out->verdict, verdict ? verdict : "", sizeof out->verdict);
    g_strlcpy(out->msg, alert->msg, sizeof out->msg);
    out->repeats = 1;
}

void
store_options_init(StoreOptions *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->read_only = FALSE;
    opts->busy_timeout_ms = 5000;
    opts->max_pending_violations = 20000;
}

/* ---- errors and statements ---- */

static guint fold_hash(gconstpointer key);
static gboolean fold_equal(gconstpointer a, gconstpointer b);

/* Notes a damaged file: SQLITE_CORRUPT and SQLITE_NOTADB are about the bytes on disk, not
 * about this process (permissions, a full disk, a lock), so moving the file aside helps. */
static void
note_corruption(Store *store, int rc)
{
    int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
        store->corrupt = TRUE;
}

static gboolean
set_sql_error(Store *store, GError **error, const char *what)
{
    note_corruption(store, sqlite3_extended_errcode(store->db));
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "%s: %s: %s", store->path, what,
                sqlite3_errmsg(store->db));
    return FALSE;
}

/* Returns the prepared statement id, reset and with its bindings cleared, or NULL. */
static sqlite3_stmt *
stmt_get(Store *store, StmtId id, GError **error)
{
    sqlite3_stmt *st = store->stmts[id];
    if (!st) {
        if (sqlite3_prepare_v3(store->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
            SQLITE_OK) {
            set_sql_error(store, error, "preparing a statement");
            return NULL;
        }
        store->stmts[id] = st;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Runs a statement that returns no rows to completion. */
static gboolean
stmt_run(Store *store, sqlite3_stmt *st, GError **error, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return set_sql_error(store, error, what);
    return TRUE;
}

static gboolean
run_simple(Store *store, StmtId id, GError **error, const char *what)
{
    sqlite3_stmt *st = stmt_get(store, id, error);
    return st && stmt_run(store, st, error, what);
}

static void
rollback(Store *store)
{
    if (!sqlite3_get_autocommit(store->db)) {
        g_autoptr(GError) ignored = NULL;
        if (!run_simple(store, ST_ROLLBACK, &ignored, "rollback"))
            g_debug("store: %s", ignored->message);
    }
}

static int
family_code(const IpAddr *a)
{
    return a->family == AF_INET6 ? 6 : 4;
}

static void
bind_addr(sqlite3_stmt *st, int col, const IpAddr *a)
{
    if (a->family == 0)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_blob(st, col, a->bytes, (int)(ipaddr_bits(a) / 8), SQLITE_STATIC);
}

static void
bind_prefix_key(sqlite3_stmt *st, const IpPrefix *p)
{
    bind_addr(st, 1, &p->addr);
    sqlite3_bind_int(st, 2, p->len);
}

/* Reads an address from a blob column and its family column; FALSE when they disagree. */
static gboolean
column_addr(sqlite3_stmt *st, int col_blob, int col_family, IpAddr *out)
{
    memset(out, 0, sizeof *out);
    if (sqlite3_column_type(st, col_blob) != SQLITE_BLOB ||
        sqlite3_column_type(st, col_family) != SQLITE_INTEGER)
        return FALSE;
    int family = sqlite3_column_int(st, col_family);
    int len = sqlite3_column_bytes(st, col_blob);
    const void *bytes = sqlite3_column_blob(st, col_blob);
    if (!((family == 4 && len == 4) || (family == 6 && len == 16)))
        return FALSE;
    out->family = family == 4 ? AF_INET : AF_INET6;
    memcpy(out->bytes, bytes, (gsize)len);
    return TRUE;
}

/* A peer column: NULL means no address; otherwise 4 or 16 bytes. */
static gboolean
column_peer(sqlite3_stmt *st, int col, IpAddr *out)
{
    memset(out, 0, sizeof *out);
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return TRUE;
    if (sqlite3_column_type(st, col) != SQLITE_BLOB)
        return FALSE;
    int len = sqlite3_column_bytes(st, col);
    if (len != 4 && len != 16)
        return FALSE;
    out->family = len == 4 ? AF_INET : AF_INET6;
    memcpy(out->bytes, sqlite3_column_blob(st, col), (gsize)len);
    return TRUE;
}

static gboolean
column_int64(sqlite3_stmt *st, int col, gint64 min, gint64 max, gint64 *out)
{
    if (sqlite3_column_type(st, col) != SQLITE_INTEGER)
        return FALSE;
    *out = sqlite3_column_int64(st, col);
    return *out >= min && *out <= max;
}

static gboolean
column_u32(sqlite3_stmt *st, int col, guint32 *out)
{
    gint64 v;
    if (!column_int64(st, col, 0, G_MAXUINT32, &v))
        return FALSE;
    *out = (guint32)v;
    return TRUE;
}

static gboolean
column_text(sqlite3_stmt *st, int col, char *buf, gsize size)
{
    if (sqlite3_column_type(st, col) != SQLITE_TEXT)
        return FALSE;
    const unsigned char *text = sqlite3_column_text(st, col);
    int len = sqlite3_column_bytes(st, col);
    if (!text || memchr(text, '\0', (gsize)len))
        return FALSE;
    g_strlcpy(buf, (const char *)text, size); /* truncates over-long text, as the record does */
    return TRUE;
}

/* ---- open, schema ---- */

static gboolean
exec_sql(Store *store, const char *sql, GError **error, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(store->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        note_corruption(store, rc);
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "%s: %s: %s", store->path, what,
                    msg ? msg : sqlite3_errmsg(store->db));
        sqlite3_free(msg);
        return FALSE;
    }
    return TRUE;
}

static gboolean
read_user_version(Store *store, int *version, GError **error)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return set_sql_error(store, error, "reading the schema version");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return set_sql_error(store, error, "reading the schema version");
    return TRUE;
}

/* Runs the migrations from version `from` on, inside the caller's transaction. */
static gboolean
migrate_steps(Store *store, int from, GError **error)
{
    for (int v = from; v < STORE_SCHEMA_VERSION; v++) {
        g_autofree char *what = g_strdup_printf("migrating the schema from version %d", v);
        if (!exec_sql(store, migrations[v], error, what))
            return FALSE;
    }
    /* A PRAGMA cannot take a bound parameter; the value is a compile-time constant. */
    g_autofree char *set = g_strdup_printf("PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
    return exec_sql(store, set, error, "setting the schema version");
}

/* Brings the schema to STORE_SCHEMA_VERSION in one transaction: all steps or none. */
static gboolean
migrate(Store *store, GError **error)
{
    int version = 0;
    if (!exec_sql(store, "BEGIN IMMEDIATE", error, "starting the migration"))
        return FALSE;
    gboolean ok = read_user_version(store, &version, error);
    if (ok && (version > STORE_SCHEMA_VERSION || version < 0)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE,
                    "%s: schema version %d is not one this alertban knows (%d or older)",
                    store->path, version, STORE_SCHEMA_VERSION);
        ok = FALSE;
    }
    if (ok && version == STORE_SCHEMA_VERSION) {
        rollback(store);
        return TRUE;
    }
    ok = ok && migrate_steps(store, version, error) &&
         exec_sql(store, "COMMIT", error, "committing the migration");
    if (!ok) {
        if (!sqlite3_get_autocommit(store->db))
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
        return FALSE;
    }
    if (version > 0)
        g_message("store: migrated %s from schema version %d to %d", store->path, version,
                  STORE_SCHEMA_VERSION);
    return TRUE;
}

static gboolean
check_version_read_only(Store *store, GError **error)
{
    int version = 0;
    if (!read_user_version(store, &version, error))
        return FALSE;
    if (version != STORE_SCHEMA_VERSION) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE,
                    "%s: schema version %d, this alertban reads %d%s", store->path, version,
                    STORE_SCHEMA_VERSION,
                    version < STORE_SCHEMA_VERSION ? " (start alertband once to migrate it)" : "");
        return FALSE;
    }
    return TRUE;
}

/* The database is opened with SQLITE_OPEN_NOFOLLOW, which refuses a symbolic link anywhere
 * in its path (so that nobody who can write a directory on the way swaps the file under the
 * daemon); SQLite then says only "unable to open database file". Name the link, and the real
 * path to configure instead. */
static gboolean
check_no_symlink(const char *state_dir, GError **error)
{
    g_autofree char *abs = g_canonicalize_filename(state_dir, NULL);
    g_autofree char *prefix = NULL;
    g_auto(GStrv) parts = g_strsplit(abs, "/", -1);
    for (guint i = 0; parts[i]; i++) {
        if (!*parts[i])
            continue;
        char *next = g_strconcat(prefix ? prefix : "", "/", parts[i], NULL);
        g_free(prefix);
        prefix = next;
        GStatBuf sb;
        if (g_lstat(prefix, &sb) != 0)
            return TRUE; /* the rest is created below, as directories */
        if (S_ISLNK(sb.st_mode)) {
            char *real = realpath(abs, NULL);
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE,
                        "state_dir %s: %s is a symbolic link, and the database is opened only "
                        "through a path without one; set state_dir to the real path%s%s",
                        state_dir, prefix, real ? " " : "", real ? real : "");
            free(real);
            return FALSE;
        }
    }
    return TRUE;
}

/* A directory someone else can write lets them replace the database (and with it the bans
 * and what the tailer skips): refuse one that every user may write, or that belongs to
 * another user than the daemon's (root's is fine: root can do all of that anyway). */
static gboolean
check_dir_safe(const char *state_dir, GError **error)
{
    GStatBuf sb;
    if (g_stat(state_dir, &sb) != 0) {
        int e = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "state_dir %s: %s", state_dir,
                    g_strerror(e));
        return FALSE;
    }
    if (!S_ISDIR(sb.st_mode)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "state_dir %s: not a directory",
                    state_dir);
        return FALSE;
    }
    if (sb.st_mode & S_IWOTH) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE,
                    "state_dir %s is writable by every user (mode %04o), who could replace the "
                    "database: remove that (chmod o-w) or choose a directory of the daemon's own",
                    state_dir, (unsigned)(sb.st_mode & 07777));
        return FALSE;
    }
    if (sb.st_uid != geteuid() && sb.st_uid != 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE,
                    "state_dir %s belongs to uid %u, not to the user alertband runs as (uid %u) "
                    "nor to root: that user could replace the database; chown it or choose "
                    "another directory",
                    state_dir, (unsigned)sb.st_uid, (unsigned)geteuid());
        return FALSE;
    }
    return TRUE;
}

/* Creates state_dir (0700) when missing and the database file (0600) when missing, and makes
 * sure an existing file is not readable by others: it holds who attacked whom. */
static gboolean
prepare_files(const char *state_dir, const char *path, GError **error)
{
    if (!check_no_symlink(state_dir, error))
        return FALSE;
    if (g_mkdir_with_parents(state_dir, 0700) != 0) {
        int e = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "creating %s: %s", state_dir,
                    g_strerror(e));
        return FALSE;
    }
    if (!check_dir_safe(state_dir, error))
        return FALSE;
    int fd = g_open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "opening %s: %s", path,
                    g_strerror(e));
        return FALSE;
    }
    struct stat sb;
    const char *problem = NULL;
    if (fstat(fd, &sb) != 0)
        problem = g_strerror(errno);
    else if (!S_ISREG(sb.st_mode))
        problem = "not a regular file";
    else if ((sb.st_mode & 077) && fchmod(fd, 0600) != 0)
        problem = g_strerror(errno);
    if (close(fd) != 0 && !problem)
        problem = g_strerror(errno);
    if (problem) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "%s: %s", path, problem);
        return FALSE;
    }
    return TRUE;
}

static gpointer
wal_checkpoint_thread(gpointer data)
{
    Store *store = data;
    g_mutex_lock(&store->ckpt_lock);
    for (;;) {
        while (!store->ckpt_wanted && !store->ckpt_quit)
            g_cond_wait(&store->ckpt_cond, &store->ckpt_lock);
        if (store->ckpt_quit)
            break;
        store->ckpt_wanted = FALSE;
        g_mutex_unlock(&store->ckpt_lock);
        int rc =
            sqlite3_wal_checkpoint_v2(store->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            g_warning("store: checkpointing %s: %s", store->path, sqlite3_errmsg(store->ckpt_db));
        g_mutex_lock(&store->ckpt_lock);
        store->ckpt_done++;
        g_cond_broadcast(&store->ckpt_cond);
    }
    g_mutex_unlock(&store->ckpt_lock);
    return NULL;
}

/* Called by SQLite after each commit with the pages in the WAL (replaces the automatic
 * checkpoint; see the block comment at the top). */
static int
on_wal_commit(void *data, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    Store *store = data;
    if (pages >= STORE_WAL_CHECKPOINT_PAGES) {
        g_mutex_lock(&store->ckpt_lock);
        store->ckpt_wanted = TRUE;
        g_cond_signal(&store->ckpt_cond);
        g_mutex_unlock(&store->ckpt_lock);
    }
    return SQLITE_OK;
}

/* Opens the WAL checkpoint thread's connection and starts it (after the schema is in place). */
static gboolean
start_wal_checkpoint_thread(Store *store, GError **error)
{
    if (sqlite3_open_v2(store->path, &store->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE,
                    "%s: opening the checkpoint connection: %s", store->path,
                    store->ckpt_db ? sqlite3_errmsg(store->ckpt_db) : "out of memory");
        return FALSE;
    }
    sqlite3_busy_timeout(store->ckpt_db, (int)MIN(store->opts.busy_timeout_ms, (guint)G_MAXINT));
    store->ckpt_thread = g_thread_try_new("store-checkpoint", wal_checkpoint_thread, store, error);
    if (!store->ckpt_thread) {
        g_prefix_error(error, "%s: ", store->path);
        return FALSE;
    }
    sqlite3_wal_hook(store->db, on_wal_commit, store);
    return TRUE;
}

guint
store_wal_checkpoints_done(Store *store)
{
    g_return_val_if_fail(store != NULL, 0);
    g_mutex_lock(&store->ckpt_lock);
    guint n = store->ckpt_done;
    g_mutex_unlock(&store->ckpt_lock);
    return n;
}

/* SQLite keeps allocation statistics under a global mutex by default: a lock and an unlock
 * around every one of its mallocs, a few percent of a large commit. Nothing here reads them.
 * This must precede SQLite's initialization; if something initialized it first, the call
 * fails harmlessly and the statistics stay on. */
static void
sqlite_configure_once(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        g_once_init_leave(&done, 1);
    }
}

/* Closes the connections and statements of store (not its queue), so that the file can be
 * moved and opened again. */
static void
close_db(Store *store)
{
    if (store->ckpt_thread) {
        g_mutex_lock(&store->ckpt_lock);
        store->ckpt_quit = TRUE;
        g_cond_signal(&store->ckpt_cond);
        g_mutex_unlock(&store->ckpt_lock);
        g_thread_join(store->ckpt_thread);
        store->ckpt_thread = NULL;
        store->ckpt_quit = FALSE;
    }
    if (store->ckpt_db && sqlite3_close(store->ckpt_db) != SQLITE_OK)
        g_warning("store: closing the checkpoint connection of %s: %s", store->path,
                  sqlite3_errmsg(store->ckpt_db));
    store->ckpt_db = NULL;
    for (guint i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(store->stmts[i]);
        store->stmts[i] = NULL;
    }
    for (guint i = 0; i < MULTI_COUNT; i++) {
        sqlite3_finalize(store->multi[i]);
        store->multi[i] = NULL;
    }
    if (store->db && sqlite3_close(store->db) != SQLITE_OK)
        g_warning("store: closing %s: %s", store->path, sqlite3_errmsg(store->db));
    store->db = NULL;
}

/* Reads every page of the small tables a start reads (bans, ban counts, tail positions), so
 * that damage there shows now, while the file can still be moved aside, rather than as a
 * failed load. The tracker, which may be large, is not read: damage there shows in the
 * commits that touch it. */
static gboolean
probe_tables(Store *store, GError **error)
{
    return exec_sql(store,
                    "SELECT count(*), sum(length(msg)) FROM bans;"
                    " SELECT count(*), sum(ban_count) FROM offenders;"
                    " SELECT count(*), sum(length(fingerprint)) FROM checkpoints",
                    error, "reading the stored bans");
}

/* Opens the file at store->path as the options ask. */
static gboolean
open_db(Store *store, const char *state_dir, GError **error)
{
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
    if (store->opts.read_only) {
        if (!check_no_symlink(state_dir, error))
            return FALSE;
        if (!g_file_test(store->path, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "%s: no such database",
                        store->path);
            return FALSE;
        }
        flags |= SQLITE_OPEN_READONLY;
    } else {
        if (!prepare_files(state_dir, store->path, error))
            return FALSE;
        flags |= SQLITE_OPEN_READWRITE;
    }
    if (sqlite3_open_v2(store->path, &store->db, flags, NULL) != SQLITE_OK) {
        if (!store->db) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "%s: out of memory",
                        store->path);
            return FALSE;
        }
        return set_sql_error(store, error, "opening");
    }
    sqlite3_extended_result_codes(store->db, 1);
    sqlite3_busy_timeout(store->db, (int)MIN(store->opts.busy_timeout_ms, (guint)G_MAXINT));

    if (store->opts.read_only)
        return exec_sql(store, "PRAGMA query_only = ON", error, "setting read-only mode") &&
               check_version_read_only(store, error);

    /* journal_mode answers with the mode in force: anything but "wal" (a file system without
     * shared memory, say) is an error, since the crash-safety argument above assumes WAL. */
    sqlite3_stmt *st = NULL;
    gboolean wal = FALSE;
    if (sqlite3_prepare_v2(store->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        wal = g_ascii_strcasecmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    if (!wal)
        return set_sql_error(store, error, "switching to WAL mode");
    return exec_sql(store,
                    "PRAGMA synchronous = NORMAL; PRAGMA trusted_schema = OFF;"
                    " PRAGMA foreign_keys = OFF",
                    error, "setting pragmas") &&
           migrate(store, error) &&
           (!store->opts.set_aside_corrupt || probe_tables(store, error)) &&
           start_wal_checkpoint_thread(store, error);
}

/* Moves the damaged database (and its WAL, which may hold its last transactions) to
 * NAME.corrupt-<UTC time>, where the operator finds it, and forgets the shared-memory index. */
static gboolean
set_aside(Store *store, GError **error)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
    g_autofree char *aside = g_strdup_printf("%s.corrupt-%s", store->path, stamp);
    /* Two failed starts within one second must not overwrite the first one's file. */
    for (guint i = 1; g_file_test(aside, G_FILE_TEST_EXISTS) && i < 100; i++) {
        g_free(aside);
        aside = g_strdup_printf("%s.corrupt-%s.%u", store->path, stamp, i);
    }
    if (g_rename(store->path, aside) != 0) {
        int e = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "moving %s aside to %s: %s",
                    store->path, aside, g_strerror(e));
        return FALSE;
    }
    g_autofree char *wal = g_strconcat(store->path, "-wal", NULL);
    g_autofree char *wal_aside = g_strconcat(aside, "-wal", NULL);
    if (g_file_test(wal, G_FILE_TEST_EXISTS) && g_rename(wal, wal_aside) != 0)
        (void)g_unlink(wal);
    g_autofree char *shm = g_strconcat(store->path, "-shm", NULL);
    (void)g_unlink(shm);
    store->set_aside_path = g_steal_pointer(&aside);
    return TRUE;
}

Store *
store_open(const char *state_dir, const StoreOptions *opts, GError **error)
{
    g_return_val_if_fail(state_dir != NULL, NULL);
    sqlite_configure_once();
    g_autoptr(Store) store = g_new0(Store, 1);
    g_mutex_init(&store->ckpt_lock);
    g_cond_init(&store->ckpt_cond);
    if (opts)
        store->opts = *opts;
    else
        store_options_init(&store->opts);
    store->path =
        g_build_filename(state_dir, opts && opts->db_name ? opts->db_name : STORE_DB_NAME, NULL);
    store->ban_ops = g_hash_table_new_full(ipprefix_hash_func, ipprefix_equal_func, NULL, g_free);
    store->count_ops = g_hash_table_new_full(ipprefix_hash_func, ipprefix_equal_func, NULL, g_free);
    store->tail_positions = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    store->violations = g_array_new(FALSE, FALSE, sizeof(ViolationOp));
    store->queue_strs = g_string_chunk_new(4096);
    store->outbox = g_array_new(FALSE, FALSE, sizeof(OutboxOp));
    g_array_set_clear_func(store->outbox, outbox_op_clear);
    store->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    store->fold = g_hash_table_new_full(fold_hash, fold_equal, g_free, NULL);
    store->fold_updates = g_array_new(FALSE, FALSE, sizeof(FoldUpdate));

    g_autoptr(GError) err = NULL;
    if (open_db(store, state_dir, &err))
        return g_steal_pointer(&store);
    if (!store->corrupt || store->opts.read_only || !store->opts.set_aside_corrupt) {
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    /* A damaged file would fail every start (a restart loop under Restart=on-failure, with
     * the old rules left in the kernel and nobody expiring them): keep it for the operator
     * and start on a fresh one. The caller adopts what the kernel holds. */
    close_db(store);
    store->corrupt = FALSE;
    if (!set_aside(store, error))
        return NULL;
    g_warning("store: %s is damaged (%s); moved it aside to %s and started a fresh database: "
              "the bans, history and tail positions it held are not loaded",
              store->path, err->message, store->set_aside_path);
    if (!open_db(store, state_dir, error))
        return NULL;
    return g_steal_pointer(&store);
}

void
store_free(Store *store)
{
    if (!store)
        return;
    if (store_pending(store) > 0)
        g_warning("store: closing %s with %u uncommitted writes", store->path,
                  store_pending(store));
    close_db(store);
    g_hash_table_unref(store->ban_ops);
    g_hash_table_unref(store->count_ops);
    g_hash_table_unref(store->tail_positions);
    g_array_unref(store->violations);
    g_string_chunk_free(store->queue_strs);
    g_array_unref(store->outbox);
    g_hash_table_unref(store->keys);
    g_hash_table_unref(store->fold);
    g_array_unref(store->fold_updates);
    g_free(store->count_filter);
    g_free(store->path);
    g_free(store->set_aside_path);
    g_mutex_clear(&store->ckpt_lock);
    g_cond_clear(&store->ckpt_cond);
    g_free(store);
}

const char *
store_set_aside_path(const Store *store)
{
    return store->set_aside_path;
}

const char *
store_path(const Store *store)
{
    return store->path;
}

gboolean
store_is_read_only(const Store *store)
{
    return store->opts.read_only;
}

/* ---- the ban-count filter ---- */

#define COUNT_FILTER_BITS_PER_KEY 16 /* with two probes: about 1.4% false positives */
#define COUNT_FILTER_MIN_BITS 4096

static guint64
count_key_hash(const void *bytes, gsize len, gint64 prefix_len)
{
    guint64 h = 0xcbf29ce484222325ull ^ (guint64)prefix_len;
    const guint8 *p = bytes;
    for (gsize i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static void
count_filter_set(Store *store, guint64 h)
{
    guint64 mask = store->count_filter_bits - 1;
    guint64 a = h & mask, b = (h >> 32 | h << 32) & mask;
    store->count_filter[a / 64] |= 1ull << (a % 64);
    store->count_filter[b / 64] |= 1ull << (b % 64);
}

static gboolean
count_filter_test(const Store *store, guint64 h)
{
    guint64 mask = store->count_filter_bits - 1;
    guint64 a = h & mask, b = (h >> 32 | h << 32) & mask;
    return (store->count_filter[a / 64] >> (a % 64) & 1) &&
           (store->count_filter[b / 64] >> (b % 64) & 1);
}

static guint64
prefix_key_hash(const IpPrefix *p)
{
    return count_key_hash(p->addr.bytes, ipaddr_bits(&p->addr) / 8, p->len);
}

/* Notes a key that has (or is about to have) a count row. */
static void
count_filter_add(Store *store, const IpPrefix *p)
{
    if (!store->count_filter)
        return;
    if ((guint64)(store->count_filter_keys + 1) * COUNT_FILTER_BITS_PER_KEY >
        store->count_filter_bits) {
        g_clear_pointer(&store->count_filter, g_free); /* rebuilt bigger when next asked */
        return;
    }
    count_filter_set(store, prefix_key_hash(p));
    store->count_filter_keys++;
}

/* Builds the filter from every stored count row and every queued one. */
static gboolean
count_filter_build(Store *store, GError **error)
{
    sqlite3_int64 rows = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store->db, "SELECT count(*) FROM offenders", -1, &st, NULL) != SQLITE_OK)
        return set_sql_error(store, error, "counting ban counts");
    if (sqlite3_step(st) == SQLITE_ROW)
        rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    guint64 keys = (guint64)MAX(rows, 0) + g_hash_table_size(store->count_ops);
    guint64 bits = COUNT_FILTER_MIN_BITS;
    /* Room for twice the keys there are, so that it is rebuilt once per doubling. */
    while (bits < 2 * keys * COUNT_FILTER_BITS_PER_KEY)
        bits *= 2;
    store->count_filter_bits = bits;
    store->count_filter = g_new0(guint64, bits / 64);
    store->count_filter_keys = 0;
    if (!(st = stmt_get(store, ST_COUNT_KEYS, error))) {
        g_clear_pointer(&store->count_filter, g_free);
        return FALSE;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        count_filter_set(store, count_key_hash(sqlite3_column_blob(st, 0),
                                               (gsize)sqlite3_column_bytes(st, 0),
                                               sqlite3_column_int64(st, 1)));
        store->count_filter_keys++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        g_clear_pointer(&store->count_filter, g_free);
        return set_sql_error(store, error, "reading the ban counts' keys");
    }
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, store->count_ops);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        count_filter_set(store, prefix_key_hash(key));
        store->count_filter_keys++;
    }
    return TRUE;
}

/* ---- the write queue ---- */

static void
outbox_op_clear(gpointer data)
{
    OutboxOp *op = data;
    g_clear_pointer(&op->entry, g_bytes_unref);
}

/* The queue's copy of text, which may fill its array of size bytes without a terminator. */
static const char *
queue_str(Store *store, const char *text, gsize size)
{
    gsize len = strnlen(text, size);
    if (len < size)
        return g_string_chunk_insert_const(store->queue_strs, text);
    char *cut = g_strndup(text, len);
    const char *out = g_string_chunk_insert_const(store->queue_strs, cut);
    g_free(cut);
    return out;
}

void
store_put_ban(Store *store, const Ban *ban)
{
    g_return_if_fail(store != NULL && ban != NULL);
    g_return_if_fail(ipprefix_is_valid(&ban->prefix));
    BanOp *op = g_hash_table_lookup(store->ban_ops, &ban->prefix);
    if (!op) {
        op = g_new0(BanOp, 1);
        op->core.prefix = ban->prefix;
        g_hash_table_insert(store->ban_ops, &op->core.prefix, op);
    }
    op->core = ban->core; /* the same prefix: the key stays */
    op->delete = FALSE;
    op->msg = queue_str(store, ban->msg, sizeof ban->msg);
    op->reason = queue_str(store, ban->reason, sizeof ban->reason);
    op->origin = queue_str(store, ban->origin, sizeof ban->origin);
}

void
store_delete_ban(Store *store, const IpPrefix *prefix)
{
    g_return_if_fail(store != NULL && prefix != NULL);
    g_return_if_fail(ipprefix_is_valid(prefix));
    BanOp *op = g_hash_table_lookup(store->ban_ops, prefix);
    if (!op) {
        op = g_new0(BanOp, 1);
        op->core.prefix = *prefix;
        g_hash_table_insert(store->ban_ops, &op->core.prefix, op);
    }
    op->delete = TRUE;
}

void
store_put_ban_count(Store *store, const IpPrefix *prefix, guint32 count, gint64 last_ban_us)
{
    g_return_if_fail(store != NULL && prefix != NULL);
    g_return_if_fail(ipprefix_is_valid(prefix));
    CountOp *op = g_hash_table_lookup(store->count_ops, prefix);
    if (!op) {
        op = g_new0(CountOp, 1);
        op->prefix = *prefix;
        g_hash_table_insert(store->count_ops, &op->prefix, op);
    }
    op->count = count;
    op->last_ban_us = last_ban_us;
    store->count_memo_valid = FALSE;
    count_filter_add(store, prefix);
}

gboolean
store_add_violation(Store *store, const StoreViolation *v)
{
    g_return_val_if_fail(store != NULL && v != NULL, FALSE);
    g_return_val_if_fail(v->addr.family == AF_INET || v->addr.family == AF_INET6, FALSE);
    /* Only while commits fail: a healthy turn is bounded by what the tailer reads in it. */
    if (store->failing && store->violations->len >= store->opts.max_pending_violations) {
        store->dropped_violations++;
        if (!store->dropping)
            g_warning("store: %u tracker rows wait for a commit; dropping new ones",
                      store->violations->len);
        store->dropping = TRUE;
        return FALSE;
    }
    ViolationOp op = {
        .time_us = v->time_us,
        .addr = v->addr,
        .peer = v->peer,
        .swapped = v->swapped,
        .gid = v->gid,
        .sid = v->sid,
        .rev = v->rev,
        .priority = v->priority,
        .src_port = v->src_port,
        .dst_port = v->dst_port,
        .proto = queue_str(store, v->proto, sizeof v->proto),
        .verdict = queue_str(store, v->verdict, sizeof v->verdict),
        .msg = queue_str(store, v->msg, sizeof v->msg),
        .repeats = MAX(v->repeats, 1),
    };
    g_array_append_val(store->violations, op);
    return TRUE;
}

static guint
fold_hash(gconstpointer key)
{
    const FoldEntry *e = key;
    guint h = g_str_hash(e->verdict) ^ (guint)e->addr.family;
    for (guint i = 0; i < (e->addr.family == AF_INET ? 4u : 16u); i++)
        h = h * 31 + e->addr.bytes[i];
    return h;
}

static gboolean
fold_equal(gconstpointer a, gconstpointer b)
{
    const FoldEntry *x = a, *y = b;
    return ipaddr_equal(&x->addr, &y->addr) && strcmp(x->verdict, y->verdict) == 0;
}

#define FOLD_MINUTE_US (60 * G_USEC_PER_SEC)

gboolean
store_fold_violation(Store *store, const StoreViolation *v)
{
    g_return_val_if_fail(store != NULL && v != NULL, FALSE);
    g_return_val_if_fail(v->addr.family == AF_INET || v->addr.family == AF_INET6, FALSE);
    FoldEntry probe;
    memset(&probe, 0, sizeof probe);
    probe.addr = v->addr;
    g_strlcpy(probe.verdict, v->verdict, sizeof probe.verdict);
    gint64 minute = v->time_us >= 0 ? v->time_us / FOLD_MINUTE_US : -1;
    store->fold_latest_minute = MAX(store->fold_latest_minute, minute);
    FoldEntry *e = g_hash_table_lookup(store->fold, &probe);
    if (e && e->minute == minute && minute >= 0) {
        guint32 n = MAX(v->repeats, 1);
        if (e->gen == store->queue_gen && e->queued >= 0) {
            g_array_index(store->violations, ViolationOp, e->queued).repeats += n;
        } else {
            if (e->gen != store->queue_gen || e->update < 0) {
                FoldUpdate u = {.addr = e->addr,
                                .verdict = queue_str(store, e->verdict, sizeof e->verdict),
                                .row_at = e->row_at};
                g_array_append_val(store->fold_updates, u);
                e->gen = store->queue_gen;
                e->queued = -1;
                e->update = (gint)store->fold_updates->len - 1;
            }
            g_array_index(store->fold_updates, FoldUpdate, e->update).count += n;
        }
        store->folded += n;
        return TRUE;
    }
    if (!store_add_violation(store, v))
        return FALSE;
    if (!e) {
        e = g_memdup2(&probe, sizeof probe);
        g_hash_table_add(store->fold, e);
    }
    e->minute = minute;
    e->row_at = v->time_us;
    e->gen = store->queue_gen;
    e->queued = (gint)store->violations->len - 1;
    e->update = -1;
    return TRUE;
}

guint64
store_folded_violations(const Store *store)
{
    return store->folded;
}

static gboolean
fold_entry_stale(gpointer key, gpointer value, gpointer user_data)
{
    (void)value;
    const FoldEntry *e = key;
    const Store *store = user_data;
    return e->minute < store->fold_latest_minute - 1;
}

/* After a successful commit, at most once a minute: forget the rows of past minutes, so that
 * the table holds only the addresses seen lately. */
static void
fold_prune(Store *store)
{
    if (store->fold_latest_minute <= store->fold_pruned_minute)
        return;
    store->fold_pruned_minute = store->fold_latest_minute;
    g_hash_table_foreach_remove(store->fold, fold_entry_stale, store);
}

/* Adds the alerts folded into committed rows, inside the commit's transaction. */
static gboolean
write_fold_updates(Store *store, GError **error)
{
    for (guint i = 0; i < store->fold_updates->len; i++) {
        const FoldUpdate *u = &g_array_index(store->fold_updates, FoldUpdate, i);
        sqlite3_stmt *st = stmt_get(store, ST_FOLD_UPDATE, error);
        if (!st)
            return FALSE;
        sqlite3_bind_int64(st, 1, u->count);
        bind_addr(st, 2, &u->addr);
        sqlite3_bind_int(st, 3, family_code(&u->addr));
        sqlite3_bind_int64(st, 4, u->row_at);
        sqlite3_bind_text(st, 5, u->verdict, -1, SQLITE_STATIC);
        if (!stmt_run(store, st, error, "counting folded alerts"))
            return FALSE;
    }
    return TRUE;
}

void
store_put_tail_position(Store *store, const StoreTailPosition *cp)
{
    g_return_if_fail(store != NULL && cp != NULL);
    g_return_if_fail(cp->path[0] != '\0' && cp->fingerprint_len <= STORE_FINGERPRINT_MAX);
    StoreTailPosition *copy = g_hash_table_lookup(store->tail_positions, cp->path);
    if (!copy) {
        copy = g_new(StoreTailPosition, 1);
        *copy = *cp;
        copy->path[sizeof copy->path - 1] = '\0';
        g_hash_table_insert(store->tail_positions, copy->path, copy);
    } else {
        *copy = *cp;
        copy->path[sizeof copy->path - 1] = '\0';
    }
}

/* A queued tail position with this fingerprint length is a deletion (store_delete_tail_position()).
 */
#define TAIL_POSITION_DELETE (STORE_FINGERPRINT_MAX + 1)

void
store_delete_tail_position(Store *store, const char *path)
{
    g_return_if_fail(store != NULL && path != NULL && *path);
    StoreTailPosition del;
    memset(&del, 0, sizeof del);
    g_strlcpy(del.path, path, sizeof del.path);
    StoreTailPosition *copy = g_hash_table_lookup(store->tail_positions, del.path);
    if (!copy) {
        copy = g_new(StoreTailPosition, 1);
        g_hash_table_insert(store->tail_positions, copy->path, copy);
    }
    *copy = del;
    copy->fingerprint_len = TAIL_POSITION_DELETE;
}

guint
store_pending(const Store *store)
{
    return g_hash_table_size(store->ban_ops) + g_hash_table_size(store->count_ops) +
           g_hash_table_size(store->tail_positions) + store->violations->len +
           store->outbox->len + g_hash_table_size(store->keys) + store->fold_updates->len;
}

guint64
store_dropped_violations(const Store *store)
{
    return store->dropped_violations;
}

/*
 * Rows go in by STORE_ROWS_PER_INSERT per statement (INSERT ... VALUES (...), (...), ...): a
 * burst's commit writes hundreds of thousands of rows, and one statement per row spends about
 * as much on running the statement as on the row. A turn's remainder goes one row at a time.
 * Each bind_* function binds one row's values from parameter base + 1 on.
 */
#define STORE_ROWS_PER_INSERT 32

static void
bind_ban(sqlite3_stmt *st, int base, gconstpointer row)
{
    const BanOp *op = row;
    const BanCore *b = &op->core;
    bind_addr(st, base + 1, &b->prefix.addr);
    sqlite3_bind_int(st, base + 2, family_code(&b->prefix.addr));
    sqlite3_bind_int(st, base + 3, b->prefix.len);
    if (b->expires_us == BAN_EXPIRES_NEVER)
        sqlite3_bind_null(st, base + 4);
    else
        sqlite3_bind_int64(st, base + 4, b->expires_us);
    sqlite3_bind_int64(st, base + 5, b->created_us);
    sqlite3_bind_int64(st, base + 6, b->first_seen_us);
    sqlite3_bind_int64(st, base + 7, b->last_seen_us);
    sqlite3_bind_int64(st, base + 8, b->violations);
    sqlite3_bind_int64(st, base + 9, b->prior_bans);
    sqlite3_bind_int64(st, base + 10, b->gid);
    sqlite3_bind_int64(st, base + 11, b->sid);
    sqlite3_bind_int64(st, base + 12, b->rev);
    sqlite3_bind_text(st, base + 13, op->msg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + 14, ban_source_name(b->source), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + 15, op->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, base + 16, op->origin, -1, SQLITE_STATIC);
}

static void
bind_count(sqlite3_stmt *st, int base, gconstpointer row)
{
    const CountOp *op = row;
    bind_addr(st, base + 1, &op->prefix.addr);
    sqlite3_bind_int(st, base + 2, family_code(&op->prefix.addr));
    sqlite3_bind_int(st, base + 3, op->prefix.len);
    sqlite3_bind_int64(st, base + 4, op->count);
    sqlite3_bind_int64(st, base + 5, op->last_ban_us);
}

static void
bind_violation(sqlite3_stmt *st, int base, gconstpointer row)
{
    const ViolationOp *v = row;
    sqlite3_bind_int64(st, base + 1, v->time_us);
    bind_addr(st, base + 2, &v->addr);
    sqlite3_bind_int(st, base + 3, family_code(&v->addr));
    bind_addr(st, base + 4, &v->peer);
    sqlite3_bind_int64(st, base + 5, v->gid);
    sqlite3_bind_int64(st, base + 6, v->sid);
    sqlite3_bind_int64(st, base + 7, v->rev);
    sqlite3_bind_text(st, base + 8, v->msg, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, base + 9, v->priority);
    sqlite3_bind_text(st, base + 10, v->proto, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, base + 11, v->src_port);
    sqlite3_bind_int(st, base + 12, v->dst_port);
    sqlite3_bind_int(st, base + 13, v->swapped ? 1 : 0);
    sqlite3_bind_text(st, base + 14, v->verdict, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, base + 15, v->repeats);
}

typedef struct {
    StmtId single; /* the one-row statement; its SQL is the pattern */
    int n_cols;    /* parameters per row */
    void (*bind)(sqlite3_stmt *st, int base, gconstpointer row);
    const char *what;
} RowWriter;

static const RowWriter writers[MULTI_COUNT] = {
    [MULTI_BAN] = {ST_BAN_PUT, 16, bind_ban, "writing bans"},
    [MULTI_COUNT_PUT] = {ST_COUNT_PUT, 5, bind_count, "writing ban counts"},
    [MULTI_VIOLATION] = {ST_VIOLATION_ADD, 15, bind_violation, "writing tracker rows"},
};

/* The single statement's SQL with its one VALUES (...) group repeated per row. */
static char *
multi_sql(const RowWriter *w)
{
    const char *sql = stmt_sql[w->single];
    const char *values = strstr(sql, "VALUES (");
    const char *close = values ? strchr(values, ')') : NULL;
    g_assert(values && close);
    GString *out = g_string_new_len(sql, values - sql);
    g_string_append(out, "VALUES ");
    for (int r = 0; r < STORE_ROWS_PER_INSERT; r++) {
        g_string_append(out, r ? ", (" : "(");
        for (int c = 0; c < w->n_cols; c++)
            g_string_append_printf(out, c ? ", ?%d" : "?%d", r * w->n_cols + c + 1);
        g_string_append_c(out, ')');
    }
    g_string_append(out, close + 1);
    return g_string_free(out, FALSE);
}

/* Writes rows[0..n) (pointers to ops) through writer id. */
static gboolean
write_rows(Store *store, MultiId id, gpointer *rows, guint n, GError **error)
{
    const RowWriter *w = &writers[id];
    guint i = 0;
    if (n >= STORE_ROWS_PER_INSERT && !store->multi[id]) {
        g_autofree char *sql = multi_sql(w);
        if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &store->multi[id],
                               NULL) != SQLITE_OK)
            return set_sql_error(store, error, "preparing a statement");
    }
    for (; n - i >= STORE_ROWS_PER_INSERT; i += STORE_ROWS_PER_INSERT) {
        sqlite3_stmt *st = store->multi[id];
        sqlite3_reset(st);
        for (int r = 0; r < STORE_ROWS_PER_INSERT; r++)
            w->bind(st, r * w->n_cols, rows[i + r]);
        if (!stmt_run(store, st, error, w->what))
            return FALSE;
    }
    for (; i < n; i++) {
        sqlite3_stmt *st = stmt_get(store, w->single, error);
        if (!st)
            return FALSE;
        w->bind(st, 0, rows[i]);
        if (!stmt_run(store, st, error, w->what))
            return FALSE;
    }
    return TRUE;
}

static gboolean
delete_ban(Store *store, const BanOp *op, GError **error)
{
    sqlite3_stmt *st = stmt_get(store, ST_BAN_DELETE, error);
    if (!st)
        return FALSE;
    bind_prefix_key(st, &op->core.prefix);
    return stmt_run(store, st, error, "deleting a ban");
}

static gboolean
write_tail_position(Store *store, const StoreTailPosition *cp, GError **error)
{
    if (cp->fingerprint_len == TAIL_POSITION_DELETE) {
        sqlite3_stmt *del = stmt_get(store, ST_TAIL_POSITION_DELETE, error);
        if (!del)
            return FALSE;
        sqlite3_bind_text(del, 1, cp->path, -1, SQLITE_STATIC);
        return stmt_run(store, del, error, "deleting a tail position");
    }
    sqlite3_stmt *st = stmt_get(store, ST_TAIL_POSITION_PUT, error);
    if (!st)
        return FALSE;
    sqlite3_bind_text(st, 1, cp->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (gint64)cp->dev);
    sqlite3_bind_int64(st, 3, (gint64)cp->ino);
    sqlite3_bind_int64(st, 4, (gint64)MIN(cp->offset, (guint64)G_MAXINT64));
    /* A zero-length blob must still be a blob, not NULL. */
    sqlite3_bind_blob(st, 5, cp->fingerprint_len ? (const void *)cp->fingerprint : "",
                      (int)cp->fingerprint_len, SQLITE_STATIC);
    return stmt_run(store, st, error, "writing a tail position");
}

/* Both op types start with their IpPrefix key. Sorting by the stored key (the address bytes,
 * then the length) turns a turn's random-order upserts into an in-order walk of the B-tree,
 * which is several times faster once the table outgrows SQLite's page cache. */
/* The bytes of an address as stored (ipaddr_bits() / 8, inline: the sorts call this millions
 * of times in a burst's commit). */
static inline guint
addr_key_len(const IpAddr *a)
{
    return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

static gint
op_key_cmp(gconstpointer a, gconstpointer b)
{
    const IpPrefix *x = *(const IpPrefix *const *)a, *y = *(const IpPrefix *const *)b;
    guint lx = addr_key_len(&x->addr), ly = addr_key_len(&y->addr);
    int c = memcmp(x->addr.bytes, y->addr.bytes, MIN(lx, ly));
    if (c != 0)
        return c;
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return (int)x->len - (int)y->len;
}

G_STATIC_ASSERT(G_STRUCT_OFFSET(BanOp, core) == 0 && G_STRUCT_OFFSET(BanCore, prefix) == 0);
G_STATIC_ASSERT(G_STRUCT_OFFSET(CountOp, prefix) == 0);

static GPtrArray *
sorted_ops(GHashTable *ops)
{
    GPtrArray *out = g_ptr_array_sized_new(g_hash_table_size(ops));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, ops);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(out, value);
    g_ptr_array_sort(out, op_key_cmp);
    return out;
}

/* Tracker rows by offender, keeping the order of each offender's rows (they carry the id
 * that orders rows of the same time): the (addr, at) index then takes a turn's rows in one
 * ordered walk instead of one random descent each. */
static gint
violation_cmp(gconstpointer a, gconstpointer b)
{
    const ViolationOp *x = *(const ViolationOp *const *)a, *y = *(const ViolationOp *const *)b;
    if (x->addr.family != y->addr.family)
        return x->addr.family < y->addr.family ? -1 : 1;
    int c = memcmp(x->addr.bytes, y->addr.bytes, addr_key_len(&x->addr));
    if (c != 0)
        return c;
    return x < y ? -1 : x > y; /* the queue's order */
}

static GPtrArray *
sorted_violations(GArray *violations)
{
    GPtrArray *out = g_ptr_array_sized_new(violations->len);
    for (guint i = 0; i < violations->len; i++)
        g_ptr_array_add(out, &g_array_index(violations, ViolationOp, i));
    g_ptr_array_sort(out, violation_cmp);
    return out;
}

static void
clear_queue(Store *store)
{
    g_hash_table_remove_all(store->ban_ops);
    g_hash_table_remove_all(store->count_ops);
    g_hash_table_remove_all(store->tail_positions);
    /* Give back the memory a flood or a long outage made the tracker queue grow to. */
    if (store->violations->len > 1024) {
        g_array_unref(store->violations);
        store->violations = g_array_new(FALSE, FALSE, sizeof(ViolationOp));
    } else {
        g_array_set_size(store->violations, 0);
    }
    g_array_set_size(store->fold_updates, 0);
    store->queue_gen++;
    g_string_chunk_clear(store->queue_strs);
    g_array_set_size(store->outbox, 0);
    g_hash_table_remove_all(store->keys);
}

static gboolean
write_outbox(Store *store, GError **error)
{
    for (guint i = 0; i < store->outbox->len; i++) {
        const OutboxOp *op = &g_array_index(store->outbox, OutboxOp, i);
        sqlite3_stmt *st = stmt_get(store, ST_OUTBOX_ADD, error);
        if (!st)
            return FALSE;
        gsize len;
        gconstpointer data = g_bytes_get_data(op->entry, &len);
        sqlite3_bind_int64(st, 1, op->time_us);
        sqlite3_bind_blob(st, 2, data, (int)len, SQLITE_STATIC);
        if (!stmt_run(store, st, error, "writing the share outbox"))
            return FALSE;
    }
    return TRUE;
}

static gboolean
write_keys(Store *store, GError **error)
{
    GHashTableIter it;
    gpointer name, value;
    g_hash_table_iter_init(&it, store->keys);
    while (g_hash_table_iter_next(&it, &name, &value)) {
        sqlite3_stmt *st = stmt_get(store, ST_KEY_PUT, error);
        if (!st)
            return FALSE;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        if (!stmt_run(store, st, error, "writing a key"))
            return FALSE;
    }
    return TRUE;
}

static gboolean
read_only_error(Store *store, GError **error)
{
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "%s: opened read-only", store->path);
    return FALSE;
}

/* store_commit(), with check (when not NULL) run once the write lock is held. */
static gboolean
commit_queue(Store *store, StoreCheckFunc check, gpointer user_data, GError **error)
{
    if (store->opts.read_only)
        return read_only_error(store, error);

    GHashTableIter it;
    gpointer value;
    GPtrArray *ops = NULL;
    if (!run_simple(store, ST_BEGIN, error, "starting a transaction"))
        goto fail;
    if (check && !check(store, user_data, error)) {
        rollback(store);
        return FALSE;
    }
    ops = sorted_violations(store->violations);
    if (!write_rows(store, MULTI_VIOLATION, ops->pdata, ops->len, error))
        goto fail;
    g_clear_pointer(&ops, g_ptr_array_unref);
    if (!write_fold_updates(store, error))
        goto fail;
    /* Deletes first, then the upserts in key order (a prefix has one op per turn). */
    ops = sorted_ops(store->ban_ops);
    guint n_puts = 0;
    for (guint i = 0; i < ops->len; i++) {
        const BanOp *op = ops->pdata[i];
        if (!op->delete)
            ops->pdata[n_puts++] = ops->pdata[i];
        else if (!delete_ban(store, op, error))
            goto fail;
    }
    if (!write_rows(store, MULTI_BAN, ops->pdata, n_puts, error))
        goto fail;
    g_ptr_array_unref(ops);
    ops = sorted_ops(store->count_ops);
    if (!write_rows(store, MULTI_COUNT_PUT, ops->pdata, ops->len, error))
        goto fail;
    g_clear_pointer(&ops, g_ptr_array_unref);
    g_hash_table_iter_init(&it, store->tail_positions);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        if (!write_tail_position(store, value, error))
            goto fail;
    }
    if (!write_outbox(store, error) || !write_keys(store, error))
        goto fail;
    if (!run_simple(store, ST_COMMIT, error, "committing"))
        goto fail;
    clear_queue(store);
    fold_prune(store);
    if (store->dropping)
        g_message("store: committed again; %" G_GUINT64_FORMAT " tracker rows were dropped in all",
                  store->dropped_violations);
    store->failing = FALSE;
    store->dropping = FALSE;
    return TRUE;
fail:
    if (ops)
        g_ptr_array_unref(ops);
    rollback(store);
    store->failing = TRUE;
    return FALSE;
}

gboolean
store_commit(Store *store, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    store->count_memo_valid = FALSE; /* it serves one turn's questions at most */
    if (store_pending(store) == 0)
        return TRUE;
    return commit_queue(store, NULL, NULL, error);
}

gboolean
store_commit_checked(Store *store, StoreCheckFunc check, gpointer user_data, GError **error)
{
    g_return_val_if_fail(store != NULL && check != NULL, FALSE);
    store->count_memo_valid = FALSE;
    return commit_queue(store, check, user_data, error);
}

gboolean
store_purge_history(Store *store, gint64 before_us, guint max_rows, guint *n_deleted,
                    GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    if (n_deleted)
        *n_deleted = 0;
    if (store->opts.read_only)
        return read_only_error(store, error);
    if (max_rows == 0)
        return TRUE;
    store->count_memo_valid = FALSE;
    sqlite3_stmt *st;
    guint deleted = 0;
    if (!run_simple(store, ST_BEGIN, error, "starting a purge"))
        goto fail;
    if (!(st = stmt_get(store, ST_PURGE_TRACKER, error)))
        goto fail;
    sqlite3_bind_int64(st, 1, before_us);
    sqlite3_bind_int64(st, 2, max_rows);
    if (!stmt_run(store, st, error, "purging the tracker"))
        goto fail;
    deleted = (guint)sqlite3_changes(store->db);
    if (deleted < max_rows) {
        if (!(st = stmt_get(store, ST_PURGE_OFFENDERS, error)))
            goto fail;
        sqlite3_bind_int64(st, 1, before_us);
        sqlite3_bind_int64(st, 2, max_rows - deleted);
        if (!stmt_run(store, st, error, "purging ban counts"))
            goto fail;
        deleted += (guint)sqlite3_changes(store->db);
    }
    if (!run_simple(store, ST_COMMIT, error, "committing a purge"))
        goto fail;
    if (n_deleted)
        *n_deleted = deleted;
    return TRUE;
fail:
    rollback(store);
    return FALSE;
}

/* ---- reads ---- */

static void
warn_skipped(Store *store, const char *table, guint skipped)
{
    if (skipped > 0)
        g_warning("store: %s: skipped %u invalid row%s in %s", store->path, skipped,
                  skipped == 1 ? "" : "s", table);
}

static gboolean
row_to_ban(sqlite3_stmt *st, gint64 *expires_out, Ban *b)
{
    gint64 v;
    memset(b, 0, sizeof *b);
    if (!column_addr(st, 0, 1, &b->prefix.addr) || !column_int64(st, 2, 0, 128, &v))
        return FALSE;
    b->prefix.len = (guint8)v;
    if (!ipprefix_is_valid(&b->prefix))
        return FALSE;
    if (sqlite3_column_type(st, 3) == SQLITE_NULL)
        b->expires_us = BAN_EXPIRES_NEVER;
    else if (!column_int64(st, 3, 1, G_MAXINT64 - 1, &b->expires_us))
        return FALSE;
    char source_text[16];
    BanSource source;
    if (!column_int64(st, 4, 0, G_MAXINT64, &b->created_us) ||
        !column_int64(st, 5, 0, G_MAXINT64, &b->first_seen_us) ||
        !column_int64(st, 6, 0, G_MAXINT64, &b->last_seen_us) ||
        !column_u32(st, 7, &b->violations) || !column_u32(st, 8, &b->prior_bans) ||
        !column_u32(st, 9, &b->gid) || !column_u32(st, 10, &b->sid) ||
        !column_u32(st, 11, &b->rev) || !column_text(st, 12, b->msg, sizeof b->msg) ||
        !column_text(st, 13, source_text, sizeof source_text) ||
        !ban_source_parse(source_text, &source) ||
        !column_text(st, 14, b->reason, sizeof b->reason) ||
        !column_text(st, 15, b->origin, sizeof b->origin))
        return FALSE;
    b->source = (guint8)source;
    *expires_out = b->expires_us;
    return TRUE;
}

gboolean
store_foreach_ban(Store *store, StoreBanFunc func, gpointer user_data, guint *n_skipped,
                  GError **error)
{
    g_return_val_if_fail(store != NULL && func != NULL, FALSE);
    sqlite3_stmt *st = stmt_get(store, ST_BANS_LOAD, error);
    if (!st)
        return FALSE;
    guint skipped = 0;
    int rc;
    Ban b;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gint64 expires;
        if (!row_to_ban(st, &expires, &b)) {
            skipped++;
            continue;
        }
        func(&b, user_data);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return set_sql_error(store, error, "loading bans");
    warn_skipped(store, "bans", skipped);
    if (n_skipped)
        *n_skipped = skipped;
    return TRUE;
}

typedef struct {
    gint64 now_us;
    GArray *active, *expired;
} LoadBans;

static void
load_one_ban(const Ban *b, gpointer user_data)
{
    LoadBans *lb = user_data;
    if (b->expires_us == BAN_EXPIRES_NEVER || b->expires_us > lb->now_us)
        g_array_append_val(lb->active, *b);
    else if (lb->expired)
        g_array_append_val(lb->expired, *b);
}

gboolean
store_load_bans(Store *store, gint64 now_us, GArray *active, GArray *expired, guint *n_skipped,
                GError **error)
{
    g_return_val_if_fail(store != NULL && active != NULL, FALSE);
    LoadBans lb = {now_us, active, expired};
    return store_foreach_ban(store, load_one_ban, &lb, n_skipped, error);
}

gboolean
store_load_tail_positions(Store *store, GArray *out, guint *n_skipped, GError **error)
{
    g_return_val_if_fail(store != NULL && out != NULL, FALSE);
    sqlite3_stmt *st = stmt_get(store, ST_TAIL_POSITIONS_LOAD, error);
    if (!st)
        return FALSE;
    guint skipped = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        StoreTailPosition cp;
        gint64 dev, ino, off;
        memset(&cp, 0, sizeof cp);
        int fp_len = sqlite3_column_bytes(st, 4);
        if (!column_text(st, 0, cp.path, sizeof cp.path) || cp.path[0] == '\0' ||
            (gsize)sqlite3_column_bytes(st, 0) >= sizeof cp.path ||
            !column_int64(st, 1, G_MININT64, G_MAXINT64, &dev) ||
            !column_int64(st, 2, G_MININT64, G_MAXINT64, &ino) ||
            !column_int64(st, 3, 0, G_MAXINT64, &off) ||
            sqlite3_column_type(st, 4) != SQLITE_BLOB || fp_len > STORE_FINGERPRINT_MAX) {
            skipped++;
            continue;
        }
        cp.dev = (guint64)dev;
        cp.ino = (guint64)ino;
        cp.offset = (guint64)off;
        cp.fingerprint_len = (guint)fp_len;
        if (fp_len > 0)
            memcpy(cp.fingerprint, sqlite3_column_blob(st, 4), (gsize)fp_len);
        g_array_append_val(out, cp);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return set_sql_error(store, error, "loading tail positions");
    warn_skipped(store, "checkpoints", skipped);
    if (n_skipped)
        *n_skipped = skipped;
    return TRUE;
}

static gboolean
row_to_violation(sqlite3_stmt *st, StoreViolation *v)
{
    gint64 priority, src_port, dst_port, swapped;
    memset(v, 0, sizeof *v);
    if (!column_int64(st, 0, G_MININT64, G_MAXINT64, &v->time_us) ||
        !column_addr(st, 1, 2, &v->addr) || !column_peer(st, 3, &v->peer) ||
        !column_u32(st, 4, &v->gid) || !column_u32(st, 5, &v->sid) || !column_u32(st, 6, &v->rev) ||
        !column_text(st, 7, v->msg, sizeof v->msg) ||
        !column_int64(st, 8, G_MININT32, G_MAXINT32, &priority) ||
        !column_text(st, 9, v->proto, sizeof v->proto) ||
        !column_int64(st, 10, -1, 65535, &src_port) ||
        !column_int64(st, 11, -1, 65535, &dst_port) || !column_int64(st, 12, 0, 1, &swapped) ||
        !column_text(st, 13, v->verdict, sizeof v->verdict) || !column_u32(st, 14, &v->repeats) ||
        v->repeats < 1)
        return FALSE;
    v->priority = (gint32)priority;
    v->src_port = (gint32)src_port;
    v->dst_port = (gint32)dst_port;
    v->swapped = swapped == 1;
    return TRUE;
}

/* Steps a tracker query, appending its valid rows to out, and resets it. what names the step
 * in an error. */
static gboolean
collect_violations(Store *store, sqlite3_stmt *st, GArray *out, const char *what, GError **error)
{
    guint skipped = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        StoreViolation v;
        if (!row_to_violation(st, &v)) {
            skipped++;
            continue;
        }
        g_array_append_val(out, v);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return set_sql_error(store, error, what);
    warn_skipped(store, "tracker", skipped);
    return TRUE;
}

gboolean
store_load_history(Store *store, const IpAddr *addr, guint limit, GArray *out, GError **error)
{
    g_return_val_if_fail(store != NULL && addr != NULL && out != NULL, FALSE);
    g_return_val_if_fail(addr->family == AF_INET || addr->family == AF_INET6, FALSE);
    sqlite3_stmt *st = stmt_get(store, ST_HISTORY, error);
    if (!st)
        return FALSE;
    bind_addr(st, 1, addr);
    sqlite3_bind_int(st, 2, family_code(addr));
    sqlite3_bind_int64(st, 3, limit);
    return collect_violations(store, st, out, "loading tracker rows", error);
}

gboolean
store_load_violations_since(Store *store, gint64 since_us, guint limit, GArray *out, GError **error)
{
    g_return_val_if_fail(store != NULL && out != NULL, FALSE);
    sqlite3_stmt *st = stmt_get(store, ST_VIOLATIONS_SINCE, error);
    if (!st)
        return FALSE;
    sqlite3_bind_int64(st, 1, since_us);
    sqlite3_bind_int64(st, 2, limit);
    return collect_violations(store, st, out, "loading tracker rows", error);
}

gboolean
store_get_ban(Store *store, const IpPrefix *prefix, Ban *out, gboolean *found, GError **error)
{
    g_return_val_if_fail(store != NULL && prefix != NULL && out != NULL && found != NULL, FALSE);
    *found = FALSE;
    sqlite3_stmt *st = stmt_get(store, ST_BAN_GET, error);
    if (!st)
        return FALSE;
    bind_prefix_key(st, prefix);
    guint skipped = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gint64 expires;
        if (row_to_ban(st, &expires, out))
            *found = TRUE;
        else
            skipped++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return set_sql_error(store, error, "reading a ban");
    warn_skipped(store, "bans", skipped);
    return TRUE;
}

gboolean
store_get_ban_count(Store *store, const IpPrefix *prefix, guint32 *count, gint64 *last_ban_us,
                    GError **error)
{
    g_return_val_if_fail(store != NULL && prefix != NULL && count != NULL, FALSE);
    const CountOp *op = g_hash_table_lookup(store->count_ops, prefix);
    if (op) {
        *count = op->count;
        if (last_ban_us)
            *last_ban_us = op->last_ban_us;
        return TRUE;
    }
    /* A read-only opener (the CLI) asks once: the filter would cost more than it saves. */
    if (!store->opts.read_only && !store->count_filter && !count_filter_build(store, error))
        return FALSE;
    if (store->count_filter && !count_filter_test(store, prefix_key_hash(prefix))) {
        *count = 0;
        if (last_ban_us)
            *last_ban_us = 0;
        return TRUE;
    }
    if (!store->count_memo_valid || !ipprefix_equal(&store->count_memo_prefix, prefix)) {
        sqlite3_stmt *st = stmt_get(store, ST_COUNT_GET, error);
        if (!st)
            return FALSE;
        guint32 found = 0;
        gint64 found_last = 0;
        bind_prefix_key(st, prefix);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            guint32 c;
            gint64 last;
            /* A corrupt count reads as 0: escalation restarts rather than failing the ban. */
            if (column_u32(st, 0, &c) && column_int64(st, 1, 0, G_MAXINT64, &last)) {
                found = c;
                found_last = last;
            }
            rc = sqlite3_step(st);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            *count = 0;
            if (last_ban_us)
                *last_ban_us = 0;
            return set_sql_error(store, error, "reading a ban count");
        }
        store->count_memo_valid = TRUE;
        store->count_memo_prefix = *prefix;
        store->count_memo = found;
        store->count_memo_last_us = found_last;
    }
    *count = store->count_memo;
    if (last_ban_us)
        *last_ban_us = store->count_memo_last_us;
    return TRUE;
}

gboolean
store_load_recent_violations(Store *store, gint64 since_us, const char *verdict, guint limit,
                             GArray *out, GError **error)
{
    g_return_val_if_fail(store != NULL && verdict != NULL && out != NULL, FALSE);
    /* Read once per start, so the statement is not kept with the cached ones. The newest
     * `limit` rows, returned oldest first. */
    static const char sql[] =
        "SELECT * FROM (SELECT at, addr, family, peer, gid, sid, rev, msg, priority, proto,"
        " src_port, dst_port, swapped, verdict, repeats, id FROM tracker WHERE at >= ?1 AND"
        " verdict = ?2"
        " ORDER BY at DESC, id DESC LIMIT ?3) ORDER BY at, id";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
        return set_sql_error(store, error, "preparing to load recent violations");
    sqlite3_bind_int64(st, 1, since_us);
    sqlite3_bind_text(st, 2, verdict, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, limit);
    gboolean ok = collect_violations(store, st, out, "loading recent violations", error);
    sqlite3_finalize(st);
    return ok;
}

/* ---- the share outbox and named keys ---- */

void
store_outbox_add(Store *store, gint64 time_us, GBytes *entry)
{
    g_return_if_fail(store != NULL && entry != NULL);
    gsize len = g_bytes_get_size(entry);
    g_return_if_fail(len > 0 && len <= STORE_OUTBOX_ENTRY_MAX);
    OutboxOp op = {.time_us = time_us, .entry = g_bytes_ref(entry)};
    g_array_append_val(store->outbox, op);
}

gboolean
store_outbox_load(Store *store, gint64 after_id, guint limit, StoreOutboxFunc func,
                  gpointer user_data, GError **error)
{
    g_return_val_if_fail(store != NULL && func != NULL, FALSE);
    sqlite3_stmt *st = stmt_get(store, ST_OUTBOX_LOAD, error);
    if (!st)
        return FALSE;
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int64(st, 2, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gint64 id = sqlite3_column_int64(st, 0);
        gint64 at = sqlite3_column_int64(st, 1);
        gconstpointer data = sqlite3_column_blob(st, 2);
        gsize len = (gsize)sqlite3_column_bytes(st, 2);
        func(id, at, data, len, user_data);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return set_sql_error(store, error, "reading the share outbox");
    return TRUE;
}

gboolean
store_outbox_remove(Store *store, gint64 up_to_id, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    if (store->opts.read_only)
        return read_only_error(store, error);
    /* Its own (autocommit) transaction: the store's queue commits in store_commit() only, on
     * this same connection, so no transaction of the queue can be open here. */
    g_return_val_if_fail(sqlite3_get_autocommit(store->db), FALSE);
    sqlite3_stmt *st = stmt_get(store, ST_OUTBOX_REMOVE, error);
    if (!st)
        return FALSE;
    sqlite3_bind_int64(st, 1, up_to_id);
    return stmt_run(store, st, error, "removing acknowledged outbox entries");
}

gboolean
store_outbox_stats(Store *store, guint64 *count, gint64 *oldest_us, GError **error)
{
    g_return_val_if_fail(store != NULL && count != NULL, FALSE);
    sqlite3_stmt *st = stmt_get(store, ST_OUTBOX_STATS, error);
    if (!st)
        return FALSE;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return set_sql_error(store, error, "counting the share outbox");
    }
    *count = (guint64)MAX(sqlite3_column_int64(st, 0), 0);
    if (oldest_us)
        *oldest_us = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return TRUE;
}

void
store_put_key(Store *store, const char *name, const char *value)
{
    g_return_if_fail(store != NULL && name != NULL && value != NULL);
    g_hash_table_replace(store->keys, g_strdup(name), g_strdup(value));
}

gboolean
store_get_key(Store *store, const char *name, char **value, GError **error)
{
    g_return_val_if_fail(store != NULL && name != NULL && value != NULL, FALSE);
    *value = NULL;
    const char *queued = g_hash_table_lookup(store->keys, name);
    if (queued) {
        *value = g_strdup(queued);
        return TRUE;
    }
    sqlite3_stmt *st = stmt_get(store, ST_KEY_GET, error);
    if (!st)
        return FALSE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
        *value = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return set_sql_error(store, error, "reading a key");
    return TRUE;
}
