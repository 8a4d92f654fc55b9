// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the SQLite store: schema and migrations, round trips, the atomicity of a
// turn's commit, retention, tolerant loading and read-only mode.
#include "store.h"
#include "store_internal.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "testutil.h"

typedef struct {
    char *dir;
    char *db_path;
    Store *store;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    test_log_clear();
    f->dir = test_mkdtemp();
    f->db_path = g_build_filename(f->dir, STORE_DB_NAME, NULL);
    f->store = store_open(f->dir, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(f->store);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    (void)data;
    store_free(f->store);
    test_rm_rf(f->dir);
    g_free(f->db_path);
    g_free(f->dir);
}

static IpPrefix
pfx(const char *text)
{
    IpPrefix p;
    g_autoptr(GError) error = NULL;
    g_assert_true(ipprefix_parse(text, &p, &error));
    return p;
}

static IpAddr
addr(const char *text)
{
    IpAddr a;
    g_assert_true(ipaddr_parse(text, &a));
    return a;
}

/* A second, raw connection to the database: what another process (or a corrupting editor)
 * would see and do. */
static sqlite3 *
raw_open(const char *path)
{
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    return db;
}

static void
raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        g_error("%s: %s", sql, msg);
}

static gint64
raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    gint64 v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static gint64
count_rows(const char *path, const char *table)
{
    sqlite3 *db = raw_open(path);
    g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM %s", table);
    gint64 n = raw_int(db, sql);
    sqlite3_close(db);
    return n;
}

static Ban
make_ban(const char *prefix, gint64 expires_us, BanSource source)
{
    Ban b;
    memset(&b, 0, sizeof b);
    b.prefix = pfx(prefix);
    b.expires_us = expires_us;
    b.created_us = 1000000;
    b.first_seen_us = 900000;
    b.last_seen_us = 1100000;
    b.violations = 5;
    b.prior_bans = 1;
    b.gid = 1;
    b.sid = 2001219;
    b.rev = 20;
    b.source = source;
    g_strlcpy(b.reason, source == BAN_SOURCE_MANUAL ? "manual" : "threshold", sizeof b.reason);
    g_strlcpy(b.msg, "ET SCAN \"quoted\" \xc3\xa9", sizeof b.msg);
    return b;
}

static void
assert_ban_equal(const Ban *a, const Ban *b)
{
    g_assert_true(ipprefix_equal(&a->prefix, &b->prefix));
    g_assert_cmpint(a->expires_us, ==, b->expires_us);
    g_assert_cmpint(a->created_us, ==, b->created_us);
    g_assert_cmpint(a->first_seen_us, ==, b->first_seen_us);
    g_assert_cmpint(a->last_seen_us, ==, b->last_seen_us);
    g_assert_cmpuint(a->violations, ==, b->violations);
    g_assert_cmpuint(a->prior_bans, ==, b->prior_bans);
    g_assert_cmpuint(a->gid, ==, b->gid);
    g_assert_cmpuint(a->sid, ==, b->sid);
    g_assert_cmpuint(a->rev, ==, b->rev);
    g_assert_cmpint(a->source, ==, b->source);
    g_assert_cmpstr(a->reason, ==, b->reason);
    g_assert_cmpstr(a->msg, ==, b->msg);
}

static StoreViolation
make_violation(const char *offender, gint64 time_us, guint32 sid)
{
    StoreViolation v;
    memset(&v, 0, sizeof v);
    v.time_us = time_us;
    v.addr = addr(offender);
    v.gid = 1;
    v.sid = sid;
    v.rev = 3;
    v.priority = 2;
    g_strlcpy(v.proto, "TCP", sizeof v.proto);
    v.src_port = 25;
    v.dst_port = 40000;
    v.swapped = TRUE;
    g_strlcpy(v.verdict, "count", sizeof v.verdict);
    g_strlcpy(v.msg, "SMTP AUTH failed BLOCKED DESTINATION", sizeof v.msg);
    return v;
}

static void
reopen(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    store_free(f->store);
    f->store = store_open(f->dir, NULL, &error);
    g_assert_no_error(error);
}

/* ---- opening ---- */

static void
test_open_creates_dir(void)
{
    g_autofree char *top = test_mkdtemp();
    g_autofree char *dir = g_build_filename(top, "state", "alertban", NULL);
    g_autoptr(GError) error = NULL;
    Store *store = store_open(dir, NULL, &error);
    g_assert_no_error(error);
    struct stat sb;
    g_assert_cmpint(g_stat(dir, &sb), ==, 0);
    g_assert_cmpint(sb.st_mode & 07777, ==, 0700);
    g_assert_cmpint(g_stat(store_path(store), &sb), ==, 0);
    g_assert_cmpint(sb.st_mode & 07777, ==, 0600);
    g_assert_false(store_is_read_only(store));
    /* The WAL and its index, which hold recent commits, are as private as the database. */
    Ban ban;
    memset(&ban, 0, sizeof ban);
    ban.prefix.addr.family = AF_INET;
    ban.prefix.addr.bytes[0] = 192;
    ban.prefix.addr.bytes[2] = 2;
    ban.prefix.len = 32;
    ban.expires_us = BAN_EXPIRES_NEVER;
    store_put_ban(store, &ban);
    g_assert_true(store_commit(store, &error));
    const char *suffixes[] = {"-wal", "-shm"};
    for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
        g_autofree char *side = g_strconcat(store_path(store), suffixes[i], NULL);
        g_assert_cmpint(g_stat(side, &sb), ==, 0);
        g_assert_cmpint(sb.st_mode & 07777, ==, 0600);
    }
    store_free(store);
    test_rm_rf(top);
}

static void
test_open_schema(Fixture *f, gconstpointer data)
{
    (void)data;
    sqlite3 *db = raw_open(f->db_path);
    g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, STORE_SCHEMA_VERSION);
    sqlite3_stmt *st = NULL;
    g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, "wal");
    sqlite3_finalize(st);
    const char *tables[] = {"bans", "tracker", "checkpoints", "offenders"};
    for (guint i = 0; i < G_N_ELEMENTS(tables); i++) {
        g_autofree char *sql = g_strdup_printf(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", tables[i]);
        g_assert_cmpint(raw_int(db, sql), ==, 1);
    }
    sqlite3_close(db);
    /* Opening again migrates nothing and keeps the file usable. */
    reopen(f);
    g_assert_cmpuint(test_log_count("*migrated*"), ==, 0);
}

static void
test_open_existing_mode_tightened(void)
{
    g_autofree char *dir = test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, STORE_DB_NAME, NULL);
    g_assert_true(g_file_set_contents(path, "", 0, NULL));
    g_assert_cmpint(g_chmod(path, 0644), ==, 0);
    g_autoptr(GError) error = NULL;
    Store *store = store_open(dir, NULL, &error);
    g_assert_no_error(error);
    struct stat sb;
    g_assert_cmpint(g_stat(path, &sb), ==, 0);
    g_assert_cmpint(sb.st_mode & 07777, ==, 0600);
    store_free(store);
    test_rm_rf(dir);
}

typedef struct {
    const char *name;
    const char *setup;   /* what is in the way */
    const char *message; /* glob the error must match */
} OpenFailCase;

static const OpenFailCase open_fail_cases[] = {
    {"db-symlink", "symlink", "opening */alertban.db: *"},
    {"db-directory", "directory", "opening */alertban.db: *"},
    {"state-dir-is-file", "file", "creating *"},
};

static void
test_open_fails(gconstpointer data)
{
    const OpenFailCase *c = data;
    g_autofree char *top = test_mkdtemp();
    g_autofree char *dir = g_build_filename(top, "state", NULL);
    g_autofree char *db = g_build_filename(dir, STORE_DB_NAME, NULL);
    g_autofree char *target = g_build_filename(top, "elsewhere", NULL);
    if (strcmp(c->setup, "file") == 0) {
        g_assert_true(g_file_set_contents(dir, "", 0, NULL));
    } else {
        g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
        if (strcmp(c->setup, "symlink") == 0) {
            g_assert_true(g_file_set_contents(target, "", 0, NULL));
            g_assert_cmpint(symlink(target, db), ==, 0);
        } else {
            g_assert_cmpint(g_mkdir(db, 0700), ==, 0);
        }
    }
    g_autoptr(GError) error = NULL;
    Store *store = store_open(dir, NULL, &error);
    g_assert_null(store);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    if (!g_pattern_match_simple(c->message, error->message))
        g_error("error '%s' does not match '%s'", error->message, c->message);
    /* A symlink's target is left alone. */
    if (strcmp(c->setup, "symlink") == 0) {
        gsize len = 1;
        g_autofree char *contents = NULL;
        g_assert_true(g_file_get_contents(target, &contents, &len, NULL));
        g_assert_cmpuint(len, ==, 0);
    }
    test_rm_rf(top);
}

/* The version 1 schema as an earlier alertban wrote it (no per-address ban counts). */
static const char v1_schema[] =
    "CREATE TABLE bans (addr BLOB NOT NULL, family INTEGER NOT NULL, prefix_len INTEGER NOT NULL,"
    " expires_at INTEGER, created_at INTEGER NOT NULL, first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, violations INTEGER NOT NULL DEFAULT 0,"
    " prior_bans INTEGER NOT NULL DEFAULT 0, gid INTEGER NOT NULL DEFAULT 0,"
    " sid INTEGER NOT NULL DEFAULT 0, rev INTEGER NOT NULL DEFAULT 0, msg TEXT NOT NULL DEFAULT '',"
    " source TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', PRIMARY KEY (addr, prefix_len))"
    " WITHOUT ROWID;"
    "CREATE TABLE tracker (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, addr BLOB NOT NULL,"
    " family INTEGER NOT NULL, peer BLOB, gid INTEGER NOT NULL, sid INTEGER NOT NULL,"
    " rev INTEGER NOT NULL, msg TEXT NOT NULL DEFAULT '', priority INTEGER NOT NULL DEFAULT -1,"
    " proto TEXT NOT NULL DEFAULT '', src_port INTEGER NOT NULL DEFAULT -1,"
    " dst_port INTEGER NOT NULL DEFAULT -1, swapped INTEGER NOT NULL DEFAULT 0,"
    " verdict TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE checkpoints (path TEXT PRIMARY KEY NOT NULL, dev INTEGER NOT NULL,"
    " ino INTEGER NOT NULL, off INTEGER NOT NULL, fingerprint BLOB NOT NULL);"
    "PRAGMA user_version = 1;";

static void
test_migrate_from_v1(void)
{
    g_autofree char *dir = test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, STORE_DB_NAME, NULL);
    sqlite3 *db = raw_open(path);
    raw_exec(db, v1_schema);
    /* 203.0.113.7, banned twice before its current ban; one tracker row. */
    raw_exec(db, "INSERT INTO bans VALUES (x'cb007107', 4, 32, 5000000000000000, 100, 90, 110, 4,"
                 " 2, 1, 2001219, 20, 'ET SCAN', 'policy', 'threshold');"
                 "INSERT INTO tracker (at, addr, family, gid, sid, rev, verdict) VALUES"
                 " (100, x'cb007107', 4, 1, 2001219, 20, 'ban');");
    sqlite3_close(db);

    test_log_clear();
    g_autoptr(GError) error = NULL;
    g_autoptr(Store) store = store_open(dir, NULL, &error);
    g_assert_no_error(error);
    test_log_assert("store: migrated *from schema version 1 to 2");

    db = raw_open(path);
    g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, 2);
    sqlite3_close(db);

    g_autoptr(GArray) active = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_assert_true(store_load_bans(store, 1000, active, NULL, NULL, &error));
    g_assert_cmpuint(active->len, ==, 1);
    Ban *b = &g_array_index(active, Ban, 0);
    g_assert_cmpuint(b->prior_bans, ==, 2);
    g_assert_cmpstr(b->msg, ==, "ET SCAN");
    /* The per-address count was seeded: two earlier bans plus the current one. */
    guint32 count = 0;
    gint64 last = 0;
    IpPrefix p = pfx("203.0.113.7");
    g_assert_true(store_get_ban_count(store, &p, &count, &last, &error));
    g_assert_cmpuint(count, ==, 3);
    g_assert_cmpint(last, ==, 100);
    g_autoptr(GArray) hist = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    IpAddr a = addr("203.0.113.7");
    g_assert_true(store_load_history(store, &a, 10, hist, &error));
    g_assert_cmpuint(hist->len, ==, 1);
    g_clear_pointer(&store, store_free);
    test_rm_rf(dir);
}

static void
test_migrate_newer_refused(void)
{
    g_autofree char *dir = test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, STORE_DB_NAME, NULL);
    sqlite3 *db = raw_open(path);
    raw_exec(db, "CREATE TABLE future (x); PRAGMA user_version = 99;");
    sqlite3_close(db);
    g_autoptr(GError) error = NULL;
    Store *store = store_open(dir, NULL, &error);
    g_assert_null(store);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    g_assert_nonnull(strstr(error->message, "schema version 99"));
    /* Nothing was changed. */
    db = raw_open(path);
    g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, 99);
    g_assert_cmpint(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'bans'"), ==, 0);
    sqlite3_close(db);
    test_rm_rf(dir);
}

/* ---- round trips ---- */

typedef struct {
    const char *name;
    const char *prefix;
    gint64 expires_us;
    BanSource source;
    gboolean expired_at_load; /* loaded at now = 2e15 */
} BanCase;

static const BanCase ban_cases[] = {
    {"v4-host-policy", "203.0.113.7", 3000000000000000, BAN_SOURCE_POLICY, FALSE},
    {"v4-net-manual", "198.51.100.0/24", 3000000000000000, BAN_SOURCE_MANUAL, FALSE},
    {"v6-host", "2001:db8::1", 3000000000000000, BAN_SOURCE_POLICY, FALSE},
    {"v6-net", "2001:db8:1::/48", 3000000000000000, BAN_SOURCE_POLICY, FALSE},
    {"permanent", "192.0.2.1", BAN_EXPIRES_NEVER, BAN_SOURCE_MANUAL, FALSE},
    {"expired", "192.0.2.2", 1999999999999999, BAN_SOURCE_POLICY, TRUE},
    {"expires-now", "192.0.2.3", 2000000000000000, BAN_SOURCE_POLICY, TRUE},
};

static void
test_ban_round_trip(gconstpointer data)
{
    const BanCase *c = data;
    g_autofree char *dir = test_mkdtemp();
    g_autoptr(GError) error = NULL;
    Ban in = make_ban(c->prefix, c->expires_us, c->source);
    Store *store = store_open(dir, NULL, &error);
    g_assert_no_error(error);
    store_put_ban(store, &in);
    g_assert_cmpuint(store_pending(store), ==, 1);
    g_assert_true(store_commit(store, &error));
    g_assert_cmpuint(store_pending(store), ==, 0);
    store_free(store);

    store = store_open(dir, NULL, &error);
    g_assert_no_error(error);
    g_autoptr(GArray) active = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_autoptr(GArray) expired = g_array_new(FALSE, FALSE, sizeof(Ban));
    guint skipped = 99;
    g_assert_true(store_load_bans(store, 2000000000000000, active, expired, &skipped, &error));
    g_assert_cmpuint(skipped, ==, 0);
    GArray *where = c->expired_at_load ? expired : active;
    g_assert_cmpuint(where->len, ==, 1);
    g_assert_cmpuint((c->expired_at_load ? active : expired)->len, ==, 0);
    assert_ban_equal(&g_array_index(where, Ban, 0), &in);
    store_free(store);
    test_rm_rf(dir);
}

static void
test_ban_coalesce(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    Ban a = make_ban("203.0.113.1", 5000000000000000, BAN_SOURCE_POLICY);
    Ban b = make_ban("203.0.113.2", 5000000000000000, BAN_SOURCE_POLICY);
    store_put_ban(f->store, &a);
    store_put_ban(f->store, &b);
    g_assert_true(store_commit(f->store, &error));

    /* Within one queue the last change per prefix wins. */
    a.violations = 9;
    store_put_ban(f->store, &a);
    store_delete_ban(f->store, &a.prefix);
    store_delete_ban(f->store, &b.prefix);
    b.violations = 7;
    store_put_ban(f->store, &b);
    IpPrefix absent = pfx("198.51.100.1");
    store_delete_ban(f->store, &absent);
    g_assert_cmpuint(store_pending(f->store), ==, 3);
    g_assert_true(store_commit(f->store, &error));

    g_autoptr(GArray) active = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_assert_true(store_load_bans(f->store, 0, active, NULL, NULL, &error));
    g_assert_cmpuint(active->len, ==, 1);
    assert_ban_equal(&g_array_index(active, Ban, 0), &b);
}

static void
test_tracker_history(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    for (guint i = 0; i < 5; i++) {
        StoreViolation v = make_violation("203.0.113.9", 1000 + i, 100 + i);
        g_assert_true(store_add_violation(f->store, &v));
    }
    StoreViolation other = make_violation("2001:db8::9", 1500, 7);
    other.peer = addr("192.0.2.25");
    other.swapped = FALSE;
    other.src_port = -1;
    other.dst_port = -1;
    other.priority = -1;
    g_assert_true(store_add_violation(f->store, &other));
    g_assert_true(store_commit(f->store, &error));

    g_autoptr(GArray) hist = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    IpAddr a = addr("203.0.113.9");
    g_assert_true(store_load_history(f->store, &a, 3, hist, &error));
    g_assert_cmpuint(hist->len, ==, 3);
    /* Newest first. */
    for (guint i = 0; i < 3; i++) {
        const StoreViolation *v = &g_array_index(hist, StoreViolation, i);
        g_assert_cmpint(v->time_us, ==, 1004 - i);
        g_assert_cmpuint(v->sid, ==, 104 - i);
        g_assert_true(ipaddr_equal(&v->addr, &a));
        g_assert_cmpint(v->peer.family, ==, 0);
        g_assert_true(v->swapped);
        g_assert_cmpint(v->src_port, ==, 25);
        g_assert_cmpint(v->dst_port, ==, 40000);
        g_assert_cmpint(v->priority, ==, 2);
        g_assert_cmpstr(v->proto, ==, "TCP");
        g_assert_cmpstr(v->verdict, ==, "count");
        g_assert_cmpstr(v->msg, ==, "SMTP AUTH failed BLOCKED DESTINATION");
    }
    g_array_set_size(hist, 0);
    IpAddr b = addr("2001:db8::9");
    g_assert_true(store_load_history(f->store, &b, 10, hist, &error));
    g_assert_cmpuint(hist->len, ==, 1);
    const StoreViolation *v = &g_array_index(hist, StoreViolation, 0);
    g_assert_true(ipaddr_equal(&v->peer, &other.peer));
    g_assert_false(v->swapped);
    g_assert_cmpint(v->src_port, ==, -1);
    g_assert_cmpint(v->priority, ==, -1);
}

static void
test_tracker_since(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    /* Queued out of order, and two in the same microsecond: insertion order breaks the tie. */
    const gint64 times[] = {500, 100, 300, 400, 300, 200};
    for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
        StoreViolation v = make_violation(i % 2 ? "203.0.113.10" : "2001:db8::10", times[i], i);
        g_assert_true(store_add_violation(f->store, &v));
    }
    g_assert_true(store_commit(f->store, &error));
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    g_assert_true(store_load_violations_since(f->store, 300, 100, out, &error));
    const struct {
        gint64 time;
        guint32 sid;
    } want[] = {{300, 2}, {300, 4}, {400, 3}, {500, 0}};
    g_assert_cmpuint(out->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < out->len; i++) {
        g_assert_cmpint(g_array_index(out, StoreViolation, i).time_us, ==, want[i].time);
        g_assert_cmpuint(g_array_index(out, StoreViolation, i).sid, ==, want[i].sid);
    }
    g_array_set_size(out, 0);
    g_assert_true(store_load_violations_since(f->store, 0, 2, out, &error));
    g_assert_cmpuint(out->len, ==, 2);
    g_assert_cmpint(g_array_index(out, StoreViolation, 1).time_us, ==, 200);
}

static void
test_ban_get(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    Ban in = make_ban("2001:db8:7::/48", BAN_EXPIRES_NEVER, BAN_SOURCE_MANUAL);
    store_put_ban(f->store, &in);
    g_assert_true(store_commit(f->store, &error));
    Ban out;
    gboolean found = FALSE;
    g_assert_true(store_get_ban(f->store, &in.prefix, &out, &found, &error));
    g_assert_true(found);
    assert_ban_equal(&out, &in);
    /* Exactly that prefix: a longer or shorter one is another ban. */
    IpPrefix other = pfx("2001:db8:7::/64");
    g_assert_true(store_get_ban(f->store, &other, &out, &found, &error));
    g_assert_false(found);
    other = pfx("2001:db8::/32");
    g_assert_true(store_get_ban(f->store, &other, &out, &found, &error));
    g_assert_false(found);
}

static void
test_violation_from_alert(void)
{
    Alert a;
    memset(&a, 0, sizeof a);
    a.src = addr("192.0.2.25");
    a.dst = addr("203.0.113.7");
    a.gid = 1;
    a.sid = 1000001;
    a.rev = 2;
    a.priority = 1;
    a.src_port = 25;
    a.dst_port = 51000;
    g_strlcpy(a.proto, "TCP", sizeof a.proto);
    g_strlcpy(a.msg, "SMTP AUTH failed BLOCKED DESTINATION", sizeof a.msg);
    StoreViolation v;
    store_violation_from_alert(&a, TRUE, 42, "ban", &v);
    g_assert_true(ipaddr_equal(&v.addr, &a.dst));
    g_assert_true(ipaddr_equal(&v.peer, &a.src));
    g_assert_true(v.swapped);
    g_assert_cmpstr(v.verdict, ==, "ban");
    store_violation_from_alert(&a, FALSE, 42, NULL, &v);
    g_assert_true(ipaddr_equal(&v.addr, &a.src));
    g_assert_cmpstr(v.verdict, ==, "");
    g_assert_cmpint(v.time_us, ==, 42);
    g_assert_cmpuint(v.sid, ==, 1000001);
}

static void
test_checkpoints(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    StoreTailPosition a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    g_strlcpy(a.path, "/var/log/snort/alert", sizeof a.path);
    a.dev = G_MAXUINT64 - 5; /* above INT64_MAX: stored by bit pattern */
    a.ino = 1234567;
    a.offset = 99;
    a.fingerprint_len = STORE_FINGERPRINT_MAX;
    for (guint i = 0; i < STORE_FINGERPRINT_MAX; i++)
        a.fingerprint[i] = (guint8)(i * 7);
    g_strlcpy(b.path, "/var/log/suricata/fast.log", sizeof b.path);
    b.dev = 2049;
    b.ino = 88;
    b.offset = 0;
    b.fingerprint_len = 0;
    store_put_tail_position(f->store, &a);
    store_put_tail_position(f->store, &b);
    g_assert_true(store_commit(f->store, &error));
    /* A newer checkpoint for the same path replaces the old one. */
    b.offset = 4096;
    b.fingerprint_len = 3;
    memcpy(b.fingerprint, "abc", 3);
    store_put_tail_position(f->store, &b);
    g_assert_true(store_commit(f->store, &error));

    reopen(f);
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(StoreTailPosition));
    g_assert_true(store_load_tail_positions(f->store, out, NULL, &error));
    g_assert_cmpuint(out->len, ==, 2);
    for (guint i = 0; i < out->len; i++) {
        const StoreTailPosition *cp = &g_array_index(out, StoreTailPosition, i);
        const StoreTailPosition *want = strcmp(cp->path, a.path) == 0 ? &a : &b;
        g_assert_cmpstr(cp->path, ==, want->path);
        g_assert_cmpuint(cp->dev, ==, want->dev);
        g_assert_cmpuint(cp->ino, ==, want->ino);
        g_assert_cmpuint(cp->offset, ==, want->offset);
        g_assert_cmpmem(cp->fingerprint, cp->fingerprint_len, want->fingerprint,
                        want->fingerprint_len);
    }
}

/* ---- atomicity ---- */

static void
queue_turn(Store *store, const char *checkpoint_path)
{
    Ban ban = make_ban("203.0.113.50", 5000000000000000, BAN_SOURCE_POLICY);
    store_put_ban(store, &ban);
    store_put_ban_count(store, &ban.prefix, 1, 1000);
    for (guint i = 0; i < 3; i++) {
        StoreViolation v = make_violation("203.0.113.50", 1000 + i, 1);
        g_assert_true(store_add_violation(store, &v));
    }
    StoreTailPosition cp;
    memset(&cp, 0, sizeof cp);
    g_strlcpy(cp.path, checkpoint_path, sizeof cp.path);
    cp.offset = 1234;
    store_put_tail_position(store, &cp);
}

static void
assert_turn_rows(const char *path, gint64 n)
{
    g_assert_cmpint(count_rows(path, "bans"), ==, n);
    g_assert_cmpint(count_rows(path, "offenders"), ==, n);
    g_assert_cmpint(count_rows(path, "tracker"), ==, 3 * n);
    g_assert_cmpint(count_rows(path, "checkpoints"), ==, n);
}

static void
test_commit_atomic(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    /* Another connection makes the last write of the turn (the checkpoint, written after the
     * tracker rows, the ban and its count) fail, as a full disk would. */
    sqlite3 *db = raw_open(f->db_path);
    raw_exec(db, "CREATE TRIGGER poison BEFORE INSERT ON checkpoints WHEN NEW.path = '/poison'"
                 " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
    queue_turn(f->store, "/poison");
    guint pending = store_pending(f->store);
    g_assert_cmpuint(pending, ==, 6);
    g_assert_false(store_commit(f->store, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    g_assert_nonnull(strstr(error->message, "injected failure"));
    g_assert_nonnull(strstr(error->message, f->db_path));
    g_clear_error(&error);
    assert_turn_rows(f->db_path, 0);
    g_assert_cmpuint(store_pending(f->store), ==, pending);

    /* The failure goes away; the same queue commits in full. */
    raw_exec(db, "DROP TRIGGER poison");
    sqlite3_close(db);
    g_assert_true(store_commit(f->store, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(store_pending(f->store), ==, 0);
    assert_turn_rows(f->db_path, 1);
}

static void
test_commit_busy(void)
{
    g_autofree char *dir = test_mkdtemp();
    g_autoptr(GError) error = NULL;
    StoreOptions opts;
    store_options_init(&opts);
    opts.busy_timeout_ms = 20;
    Store *store = store_open(dir, &opts, &error);
    g_assert_no_error(error);
    /* Another writer holds the write lock past the busy timeout. */
    sqlite3 *db = raw_open(store_path(store));
    raw_exec(db, "BEGIN IMMEDIATE");
    queue_turn(store, "/var/log/snort/alert");
    g_assert_false(store_commit(store, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    g_assert_nonnull(strstr(error->message, "locked"));
    g_clear_error(&error);
    raw_exec(db, "COMMIT");
    sqlite3_close(db);
    assert_turn_rows(store_path(store), 0);
    /* More of the next turn joins the kept queue; one retry commits both. */
    StoreViolation v = make_violation("203.0.113.51", 2000, 2);
    g_assert_true(store_add_violation(store, &v));
    g_assert_true(store_commit(store, &error));
    g_assert_cmpint(count_rows(store_path(store), "tracker"), ==, 4);
    g_assert_cmpint(count_rows(store_path(store), "bans"), ==, 1);
    store_free(store);
    test_rm_rf(dir);
}

/* Commits that take the WAL past its threshold get it checkpointed by the store's own thread,
 * with no main loop running, and nothing is lost on the way. */
static void
test_commit_wal_checkpoint(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpuint(store_wal_checkpoints_done(f->store), ==, 0);
    gint64 rows = 0;
    for (guint turn = 0; turn < 6; turn++) {
        for (guint i = 0; i < 3000; i++, rows++) {
            StoreViolation v = make_violation("203.0.113.7", 1000000 + rows, 1000 + i);
            memset(v.msg, 'm', sizeof v.msg - 1); /* full-size rows: the WAL grows fast */
            g_assert_true(store_add_violation(f->store, &v));
        }
        g_autoptr(GError) error = NULL;
        g_assert_true(store_commit(f->store, &error));
        g_assert_no_error(error);
    }
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (store_wal_checkpoints_done(f->store) == 0 && g_get_monotonic_time() < deadline)
        g_usleep(1000);
    g_assert_cmpuint(store_wal_checkpoints_done(f->store), >=, 1);
    g_assert_cmpint(count_rows(f->db_path, "tracker"), ==, rows);
    reopen(f);
    g_assert_cmpint(count_rows(f->db_path, "tracker"), ==, rows);
}

static void
test_commit_empty(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    g_assert_cmpuint(store_pending(f->store), ==, 0);
    g_assert_true(store_commit(f->store, &error));
    g_assert_no_error(error);
}

static void
test_violation_cap(void)
{
    g_autofree char *dir = test_mkdtemp();
    g_autoptr(GError) error = NULL;
    StoreOptions opts;
    store_options_init(&opts);
    opts.max_pending_violations = 2;
    opts.busy_timeout_ms = 10;
    test_log_clear();
    Store *store = store_open(dir, &opts, &error);
    g_assert_no_error(error);
    StoreViolation v = make_violation("203.0.113.60", 1, 1);
    /* A healthy turn may queue more than the cap. */
    for (guint i = 0; i < 3; i++)
        g_assert_true(store_add_violation(store, &v));
    g_assert_true(store_commit(store, &error));
    /* While commits fail, the queue stops at the cap and counts what it drops. */
    sqlite3 *db = raw_open(store_path(store));
    raw_exec(db, "BEGIN IMMEDIATE");
    g_assert_true(store_add_violation(store, &v));
    g_assert_false(store_commit(store, &error));
    g_clear_error(&error);
    g_assert_true(store_add_violation(store, &v));
    g_assert_false(store_add_violation(store, &v));
    g_assert_false(store_add_violation(store, &v));
    g_assert_cmpuint(store_dropped_violations(store), ==, 2);
    g_assert_cmpuint(test_log_count("*dropping new ones*"), ==, 1);
    raw_exec(db, "COMMIT");
    sqlite3_close(db);
    g_assert_true(store_commit(store, &error));
    test_log_assert("store: committed again; 2 tracker rows were dropped in all");
    g_assert_true(store_add_violation(store, &v));
    g_assert_true(store_add_violation(store, &v));
    g_assert_true(store_add_violation(store, &v));
    g_assert_true(store_commit(store, &error));
    g_assert_cmpint(count_rows(store_path(store), "tracker"), ==, 3 + 2 + 3);
    store_free(store);
    test_rm_rf(dir);
}

/* ---- ban counts ---- */

static void
test_ban_count(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    IpPrefix p = pfx("203.0.113.70");
    guint32 count = 99;
    gint64 last = 99;
    g_assert_true(store_get_ban_count(f->store, &p, &count, &last, &error));
    g_assert_cmpuint(count, ==, 0);
    g_assert_cmpint(last, ==, 0);
    /* Queued counts are visible before the commit, so a turn sees its own bans. */
    store_put_ban_count(f->store, &p, 1, 500);
    g_assert_true(store_get_ban_count(f->store, &p, &count, &last, &error));
    g_assert_cmpuint(count, ==, 1);
    store_put_ban_count(f->store, &p, 2, 600);
    g_assert_true(store_commit(f->store, &error));
    reopen(f);
    g_assert_true(store_get_ban_count(f->store, &p, &count, &last, &error));
    g_assert_cmpuint(count, ==, 2);
    g_assert_cmpint(last, ==, 600);
    IpPrefix wider = pfx("203.0.113.0/24");
    g_assert_true(store_get_ban_count(f->store, &wider, &count, NULL, &error));
    g_assert_cmpuint(count, ==, 0);
}

/* ---- large turns: rows go in 32 per statement, the rest one by one ---- */

static const guint many_rows_cases[] = {1, 31, 32, 33, 64, 100, 1000};

/* The i-th of a turn's distinct prefixes: IPv4 and IPv6 hosts and networks, mixed. */
static IpPrefix
nth_prefix(guint i)
{
    char text[64];
    switch (i % 3) {
    case 0:
        g_snprintf(text, sizeof text, "198.18.%u.%u", i / 256 % 256, i % 256);
        break;
    case 1:
        g_snprintf(text, sizeof text, "2001:db8::%x:%x", i >> 16, i & 0xffff);
        break;
    default:
        g_snprintf(text, sizeof text, "198.19.%u.0/24", i % 256);
        break;
    }
    return pfx(text);
}

typedef struct {
    guint n;
    Ban *want; /* indexed like nth_prefix() */
    guint seen;
} ManyRows;

static void
check_loaded_ban(const Ban *ban, gpointer user_data)
{
    ManyRows *m = user_data;
    gboolean found = FALSE;
    for (guint i = 0; i < m->n && !found; i++) {
        if (ipprefix_equal(&m->want[i].prefix, &ban->prefix)) {
            assert_ban_equal(ban, &m->want[i]);
            found = TRUE;
        }
    }
    g_assert_true(found);
    m->seen++;
}

static void
test_many_rows(gconstpointer data)
{
    guint n = *(const guint *)data;
    g_autofree char *dir = test_mkdtemp();
    g_autoptr(GError) error = NULL;
    Store *store = store_open(dir, NULL, &error);
    g_assert_no_error(error);
    /* A distinct prefix count per turn: nth_prefix() repeats /24s after 768 rows. */
    guint distinct = MIN(n, 768u);
    g_autofree Ban *want = g_new0(Ban, distinct);
    for (guint i = 0; i < n; i++) {
        IpPrefix p = nth_prefix(i % distinct);
        char text[IPADDR_STRLEN];
        Ban b = make_ban(ipprefix_format(&p, text), i % 7 ? 3000000000000000 + i : BAN_EXPIRES_NEVER,
                         i % 5 ? BAN_SOURCE_POLICY : BAN_SOURCE_MANUAL);
        b.violations = i;
        b.sid = 2000000 + i;
        /* A msg filling the whole array (no terminator) and a few distinct ones. */
        if (i % 11 == 0)
            memset(b.msg, 'm', sizeof b.msg);
        else
            g_snprintf(b.msg, sizeof b.msg, "rule %u", i % 4);
        store_put_ban(store, &b);
        want[i % distinct] = b;
        if (i % 11 == 0)
            want[i % distinct].msg[sizeof b.msg - 1] = '\0'; /* stored as its first 511 */
        store_put_ban_count(store, &p, i + 1, 5000 + i);
        StoreViolation v = make_violation("203.0.113.9", 10000 + i, i);
        v.addr = p.addr;
        g_assert_true(store_add_violation(store, &v));
    }
    g_assert_true(store_commit(store, &error));
    g_assert_no_error(error);
    store_free(store);

    store = store_open(dir, NULL, &error);
    g_assert_no_error(error);
    ManyRows m = {distinct, want, 0};
    guint skipped = 99;
    g_assert_true(store_foreach_ban(store, check_loaded_ban, &m, &skipped, &error));
    g_assert_cmpuint(skipped, ==, 0);
    g_assert_cmpuint(m.seen, ==, distinct);
    for (guint i = 0; i < distinct; i++) {
        guint32 count = 0;
        gint64 last = 0;
        IpPrefix p = nth_prefix(i);
        g_assert_true(store_get_ban_count(store, &p, &count, &last, &error));
        /* The last put of the prefix in the turn won. */
        guint last_i = i + (n - 1 - i) / distinct * distinct;
        g_assert_cmpuint(count, ==, last_i + 1);
        g_assert_cmpint(last, ==, 5000 + last_i);
    }
    g_autofree char *path = g_build_filename(dir, STORE_DB_NAME, NULL);
    g_assert_cmpint(count_rows(path, "tracker"), ==, n);
    /* One offender's rows keep their order (by time, then by insertion). */
    g_autoptr(GArray) hist = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    IpPrefix p0 = nth_prefix(0);
    g_assert_true(store_load_history(store, &p0.addr, 1000, hist, &error));
    g_assert_cmpuint(hist->len, ==, (n + distinct - 1) / distinct);
    for (guint i = 0; i < hist->len; i++)
        g_assert_cmpuint(g_array_index(hist, StoreViolation, i).sid, ==,
                         (hist->len - 1 - i) * distinct);
    store_free(store);
    test_rm_rf(dir);
}

/* ---- the ban-count filter: "never banned" without SQLite, never wrong ---- */

static void
test_ban_count_filter(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    /* Rows another writer left before the store was first asked (the filter is built from
     * the table), then many queued ones (the filter is rebuilt as it fills up). */
    sqlite3 *db = raw_open(f->db_path);
    raw_exec(db, "INSERT INTO offenders (addr, family, prefix_len, ban_count, last_ban_at)"
                 " VALUES (x'C6120001', 4, 32, 7, 77), (x'C6130000', 4, 24, 3, 33)");
    sqlite3_close(db);
    IpPrefix host = pfx("198.18.0.1"), net = pfx("198.19.0.0/24");
    guint32 count = 0;
    gint64 last = 0;
    g_assert_true(store_get_ban_count(f->store, &host, &count, &last, &error));
    g_assert_cmpuint(count, ==, 7);
    g_assert_cmpint(last, ==, 77);
    g_assert_true(store_get_ban_count(f->store, &net, &count, &last, &error));
    g_assert_cmpuint(count, ==, 3);
    for (guint round = 0; round < 3; round++) {
        for (guint i = 0; i < 3000; i++) {
            IpPrefix p = nth_prefix(round * 3000 + i + 1000);
            store_put_ban_count(f->store, &p, round + 1, round);
        }
        g_assert_true(store_commit(f->store, &error));
    }
    for (guint i = 1000; i < 10000; i++) {
        IpPrefix p = nth_prefix(i);
        g_assert_true(store_get_ban_count(f->store, &p, &count, NULL, &error));
        /* The /24s repeat every 768: later rounds overwrote them. */
        g_assert_cmpuint(count, >=, (i - 1000) / 3000 + 1);
        if (i % 3 != 2)
            g_assert_cmpuint(count, ==, (i - 1000) / 3000 + 1);
    }
    /* Prefixes never counted read 0, whatever the filter says about them. */
    for (guint i = 0; i < 2000; i++) {
        char text[64];
        g_snprintf(text, sizeof text, "203.0.%u.%u", i / 256, i % 256);
        IpPrefix p = pfx(text);
        g_assert_true(store_get_ban_count(f->store, &p, &count, &last, &error));
        g_assert_cmpuint(count, ==, 0);
        g_assert_cmpint(last, ==, 0);
    }
    g_assert_true(store_get_ban_count(f->store, &host, &count, NULL, &error));
    g_assert_cmpuint(count, ==, 7);
}

/* ---- retention ---- */

static void
test_purge(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    for (guint i = 0; i < 10; i++) {
        StoreViolation v = make_violation("203.0.113.80", (gint64)i * 100, 1);
        g_assert_true(store_add_violation(f->store, &v));
    }
    /* Old counts: one for an address still banned (kept), one for a gone one (purged). */
    Ban banned = make_ban("203.0.113.81", 5000000000000000, BAN_SOURCE_POLICY);
    store_put_ban(f->store, &banned);
    store_put_ban_count(f->store, &banned.prefix, 3, 10);
    IpPrefix gone = pfx("203.0.113.82");
    store_put_ban_count(f->store, &gone, 1, 10);
    IpPrefix recent = pfx("203.0.113.83");
    store_put_ban_count(f->store, &recent, 1, 5000);
    g_assert_true(store_commit(f->store, &error));

    /* Rows before 650: 7 tracker rows (0..600) and one count, purged 3 at a time. */
    guint n = 0, total = 0, rounds = 0;
    do {
        g_assert_true(store_purge_history(f->store, 650, 3, &n, &error));
        g_assert_cmpuint(n, <=, 3);
        total += n;
        rounds++;
        g_assert_cmpuint(rounds, <, 10);
    } while (n == 3);
    g_assert_cmpuint(total, ==, 8);
    g_assert_cmpint(count_rows(f->db_path, "tracker"), ==, 3);
    g_assert_cmpint(count_rows(f->db_path, "offenders"), ==, 2);
    guint32 count = 0;
    g_assert_true(store_get_ban_count(f->store, &banned.prefix, &count, NULL, &error));
    g_assert_cmpuint(count, ==, 3);
    g_assert_true(store_get_ban_count(f->store, &gone, &count, NULL, &error));
    g_assert_cmpuint(count, ==, 0);
    /* What is left is the newest history. */
    g_autoptr(GArray) hist = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    IpAddr a = addr("203.0.113.80");
    g_assert_true(store_load_history(f->store, &a, 100, hist, &error));
    g_assert_cmpuint(hist->len, ==, 3);
    g_assert_cmpint(g_array_index(hist, StoreViolation, 2).time_us, ==, 700);
}

/* ---- tolerant loading ---- */

static void
test_load_tolerant(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    Ban good = make_ban("203.0.113.90", 5000000000000000, BAN_SOURCE_POLICY);
    store_put_ban(f->store, &good);
    g_assert_true(store_commit(f->store, &error));

    sqlite3 *db = raw_open(f->db_path);
    /* Rows another tool wrote past the schema's checks. */
    raw_exec(db, "PRAGMA ignore_check_constraints = ON;"
                 /* five address bytes */
                 "INSERT INTO bans VALUES (x'cb0071aabb', 4, 32, 5000000000000000, 1, 1, 1, 0, 0,"
                 " 0, 0, 0, '', 'policy', '');"
                 /* host bits set past the prefix length */
                 "INSERT INTO bans VALUES (x'cb007101', 4, 24, 5000000000000000, 1, 1, 1, 0, 0,"
                 " 0, 0, 0, '', 'policy', '');"
                 /* unknown source */
                 "INSERT INTO bans VALUES (x'cb007102', 4, 32, 5000000000000000, 1, 1, 1, 0, 0,"
                 " 0, 0, 0, '', 'robot', '');"
                 /* a text expiry */
                 "INSERT INTO bans VALUES (x'cb007103', 4, 32, 'tomorrow', 1, 1, 1, 0, 0,"
                 " 0, 0, 0, '', 'policy', '');"
                 /* a fingerprint longer than any tailer writes */
                 "INSERT INTO checkpoints VALUES ('/var/log/a', 1, 2, 3, zeroblob(65));"
                 "INSERT INTO checkpoints VALUES ('/var/log/b', 1, 2, 3, x'00');");
    sqlite3_close(db);

    test_log_clear();
    g_autoptr(GArray) active = g_array_new(FALSE, FALSE, sizeof(Ban));
    guint skipped = 0;
    g_assert_true(store_load_bans(f->store, 0, active, NULL, &skipped, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(active->len, ==, 1);
    assert_ban_equal(&g_array_index(active, Ban, 0), &good);
    g_assert_cmpuint(skipped, ==, 4);
    /* One warning for the lot, not one per row. */
    g_assert_cmpuint(test_log_count("*skipped*"), ==, 1);
    test_log_assert("store: *: skipped 4 invalid rows in bans");

    g_autoptr(GArray) cps = g_array_new(FALSE, FALSE, sizeof(StoreTailPosition));
    g_assert_true(store_load_tail_positions(f->store, cps, &skipped, &error));
    g_assert_cmpuint(cps->len, ==, 1);
    g_assert_cmpstr(g_array_index(cps, StoreTailPosition, 0).path, ==, "/var/log/b");
    g_assert_cmpuint(skipped, ==, 1);
    test_log_assert("store: *: skipped 1 invalid row in checkpoints");
}

/* ---- read-only ---- */

static void
test_read_only(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    Ban ban = make_ban("203.0.113.100", 5000000000000000, BAN_SOURCE_MANUAL);
    store_put_ban(f->store, &ban);
    StoreViolation v = make_violation("203.0.113.100", 10, 1);
    g_assert_true(store_add_violation(f->store, &v));
    g_assert_true(store_commit(f->store, &error));
    g_clear_pointer(&f->store, store_free);

    StoreOptions opts;
    store_options_init(&opts);
    opts.read_only = TRUE;
    f->store = store_open(f->dir, &opts, &error);
    g_assert_no_error(error);
    g_assert_true(store_is_read_only(f->store));
    g_autoptr(GArray) active = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_assert_true(store_load_bans(f->store, 0, active, NULL, NULL, &error));
    g_assert_cmpuint(active->len, ==, 1);
    g_autoptr(GArray) hist = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    g_assert_true(store_load_history(f->store, &v.addr, 5, hist, &error));
    g_assert_cmpuint(hist->len, ==, 1);

    store_delete_ban(f->store, &ban.prefix);
    g_assert_false(store_commit(f->store, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    g_assert_nonnull(strstr(error->message, "read-only"));
    g_clear_error(&error);
    guint n = 1;
    g_assert_false(store_purge_history(f->store, G_MAXINT64, 100, &n, &error));
    g_assert_cmpuint(n, ==, 0);
    g_clear_error(&error);
    g_assert_cmpint(count_rows(f->db_path, "bans"), ==, 1);
    g_assert_cmpint(count_rows(f->db_path, "tracker"), ==, 1);
    /* The refused write stays queued; closing says so. */
    test_log_clear();
    g_clear_pointer(&f->store, store_free);
    test_log_assert("store: closing * with 1 uncommitted writes");
}

static void
test_read_only_missing(void)
{
    g_autofree char *top = test_mkdtemp();
    g_autofree char *dir = g_build_filename(top, "nothing-here", NULL);
    g_autoptr(GError) error = NULL;
    StoreOptions opts;
    store_options_init(&opts);
    opts.read_only = TRUE;
    Store *store = store_open(dir, &opts, &error);
    g_assert_null(store);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
    test_rm_rf(top);
}

static void
test_read_only_old_schema(void)
{
    g_autofree char *dir = test_mkdtemp();
    g_autofree char *path = g_build_filename(dir, STORE_DB_NAME, NULL);
    sqlite3 *db = raw_open(path);
    raw_exec(db, v1_schema);
    sqlite3_close(db);
    g_autoptr(GError) error = NULL;
    StoreOptions opts;
    store_options_init(&opts);
    opts.read_only = TRUE;
    Store *store = store_open(dir, &opts, &error);
    g_assert_null(store);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    g_assert_nonnull(strstr(error->message, "migrate"));
    db = raw_open(path);
    g_assert_cmpint(raw_int(db, "PRAGMA user_version"), ==, 1);
    sqlite3_close(db);
    test_rm_rf(dir);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    g_test_add_func("/store/open/creates-dir", test_open_creates_dir);
    g_test_add_func("/store/open/tightens-mode", test_open_existing_mode_tightened);
    for (guint i = 0; i < G_N_ELEMENTS(open_fail_cases); i++) {
        g_autofree char *path = g_strdup_printf("/store/open/fails/%s", open_fail_cases[i].name);
        g_test_add_data_func(path, &open_fail_cases[i], test_open_fails);
    }
    g_test_add("/store/open/schema", Fixture, NULL, fixture_set_up, test_open_schema,
               fixture_tear_down);
    g_test_add_func("/store/migrate/from-v1", test_migrate_from_v1);
    g_test_add_func("/store/migrate/newer-refused", test_migrate_newer_refused);
    for (guint i = 0; i < G_N_ELEMENTS(ban_cases); i++) {
        g_autofree char *path = g_strdup_printf("/store/bans/round-trip/%s", ban_cases[i].name);
        g_test_add_data_func(path, &ban_cases[i], test_ban_round_trip);
    }
    g_test_add("/store/bans/coalesce", Fixture, NULL, fixture_set_up, test_ban_coalesce,
               fixture_tear_down);
    g_test_add("/store/tracker/history", Fixture, NULL, fixture_set_up, test_tracker_history,
               fixture_tear_down);
    g_test_add_func("/store/tracker/from-alert", test_violation_from_alert);
    g_test_add("/store/tracker/since", Fixture, NULL, fixture_set_up, test_tracker_since,
               fixture_tear_down);
    g_test_add("/store/bans/get", Fixture, NULL, fixture_set_up, test_ban_get, fixture_tear_down);
    g_test_add_func("/store/tracker/queue-cap", test_violation_cap);
    g_test_add("/store/checkpoints/round-trip", Fixture, NULL, fixture_set_up, test_checkpoints,
               fixture_tear_down);
    g_test_add("/store/commit/atomic", Fixture, NULL, fixture_set_up, test_commit_atomic,
               fixture_tear_down);
    g_test_add_func("/store/commit/busy", test_commit_busy);
    g_test_add("/store/commit/wal-checkpoint-thread", Fixture, NULL, fixture_set_up,
               test_commit_wal_checkpoint, fixture_tear_down);
    g_test_add("/store/commit/empty", Fixture, NULL, fixture_set_up, test_commit_empty,
               fixture_tear_down);
    g_test_add("/store/ban-count/pending-and-stored", Fixture, NULL, fixture_set_up, test_ban_count,
               fixture_tear_down);
    for (guint i = 0; i < G_N_ELEMENTS(many_rows_cases); i++) {
        g_autofree char *path = g_strdup_printf("/store/commit/many-rows/%u", many_rows_cases[i]);
        g_test_add_data_func(path, &many_rows_cases[i], test_many_rows);
    }
    g_test_add("/store/ban-count/filter", Fixture, NULL, fixture_set_up, test_ban_count_filter,
               fixture_tear_down);
    g_test_add("/store/purge/bounded", Fixture, NULL, fixture_set_up, test_purge,
               fixture_tear_down);
    g_test_add("/store/load/tolerant", Fixture, NULL, fixture_set_up, test_load_tolerant,
               fixture_tear_down);
    g_test_add("/store/read-only/refuses-writes", Fixture, NULL, fixture_set_up, test_read_only,
               fixture_tear_down);
    g_test_add_func("/store/read-only/missing", test_read_only_missing);
    g_test_add_func("/store/read-only/old-schema", test_read_only_old_schema);
    return g_test_run();
}
