// SPDX-License-Identifier: GPL-2.0-or-later
// Tests of the Redis side of sharing against a real redis-server on a Unix socket in a scratch
// directory: publish and receive, no echo, the outbox across an outage, the snapshot for a
// node without a position or whose position was trimmed, AUTH and the password file's mode.
#include "share.h"

#include <glib/gstdio.h>
#include <hiredis/hiredis.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "testutil.h"

typedef struct {
    char *dir;
    char *sock;
    char *redis_addr;
    GPid redis_pid;
} Redis;

/* One node: its store and Share, and what its apply callback saw. */
typedef struct {
    char *dir;
    Store *store;
    Share *share;
    GHashTable *banned; /* prefix text -> expires (gint64 *) */
    guint applied, batches;
    IpPrefix last;         /* the last prefix applied */
    guint out_of_order;    /* applied below the one before it */
    guint bulk;            /* applied as part of a snapshot */
    const char *refuse;    /* a prefix (text) the apply callback does not take */
} Node;

typedef struct {
    Redis redis;
    Node a, b;
} Fixture;

static redisContext *
redis_sync(Redis *r)
{
    redisContext *c = redisConnectUnix(r->sock);
    if (!c || c->err) {
        if (c)
            redisFree(c);
        return NULL;
    }
    return c;
}

/* The server goes with the test, also when an assertion aborts it before the teardown. */
static void
redis_child_setup(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void
redis_start(Redis *r, const char *extra_conf)
{
    g_autofree char *conf = g_build_filename(r->dir, "redis.conf", NULL);
    g_autofree char *text = g_strdup_printf("port 0\nunixsocket %s\nunixsocketperm 700\n"
                                            "dir %s\nsave \"\"\nappendonly yes\n"
                                            "appendfsync always\nlogfile redis.log\n%s",
                                            r->sock, r->dir, extra_conf ? extra_conf : "");
    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    const char *argv[] = {"redis-server", conf, NULL};
    g_autoptr(GError) error = NULL;
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                redis_child_setup, NULL,
                                &r->redis_pid, &error));
    g_assert_no_error(error);
    for (int i = 0; i < 500; i++) {
        redisContext *c = redis_sync(r);
        if (c) {
            redisFree(c);
            return;
        }
        g_usleep(10000);
    }
    g_error("redis-server did not start on %s", r->sock);
}

static void
redis_stop(Redis *r)
{
    if (r->redis_pid <= 0)
        return;
    kill(r->redis_pid, SIGTERM);
    int status;
    waitpid(r->redis_pid, &status, 0);
    g_spawn_close_pid(r->redis_pid);
    r->redis_pid = 0;
}

static redisReply *
redis_cmd(Redis *r, const char *fmt, ...)
{
    redisContext *c = redis_sync(r);
    g_assert_nonnull(c);
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    g_assert_nonnull(reply);
    return reply;
}

static gboolean
on_apply(const ShareEntry *e, gboolean bulk, gpointer user_data)
{
    Node *n = user_data;
    char buf[IPADDR_STRLEN];
    ipprefix_format(&e->prefix, buf);
    n->bulk += bulk ? 1 : 0;
    if (n->applied > 0 && ipaddr_compare(&e->prefix.addr, &n->last.addr) < 0)
        n->out_of_order++;
    n->last = e->prefix;
    n->applied++;
    if (n->refuse && strcmp(buf, n->refuse) == 0)
        return FALSE;
    if (e->op == SHARE_OP_BAN) {
        gint64 *exp = g_new(gint64, 1);
        *exp = e->expires_s;
        g_hash_table_replace(n->banned, g_strdup(buf), exp);
    } else {
        g_hash_table_remove(n->banned, buf);
    }
    return TRUE;
}

static void
on_batch(gpointer user_data)
{
    Node *n = user_data;
    g_autoptr(GError) error = NULL;
    n->batches++;
    g_assert_true(store_commit(n->store, &error));
}

static void
node_open(Fixture *f, Node *n, const char *name, gboolean publish, gboolean receive,
          const char *password_file, const char *user)
{
    g_autoptr(GError) error = NULL;
    if (!n->dir)
        n->dir = test_mkdtemp();
    if (!n->banned)
        n->banned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    n->store = store_open(n->dir, NULL, &error);
    g_assert_no_error(error);
    ShareOptions o;
    share_options_init(&o);
    o.redis = f->redis.redis_addr;
    o.node = name;
    o.prefix = "t";
    o.publish = publish;
    o.receive = receive;
    o.password_file = password_file;
    o.user = user;
    o.retry_min_ms = 20;
    o.retry_max_ms = 200;
    n->share = share_new(&o, n->store, NULL, on_apply, on_batch, n, &error);
    g_assert_no_error(error);
    g_assert_nonnull(n->share);
}

static void
node_close(Node *n)
{
    g_clear_pointer(&n->share, share_free);
    if (n->store) {
        g_autoptr(GError) error = NULL;
        g_assert_true(store_commit(n->store, &error));
    }
    g_clear_pointer(&n->store, store_free);
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    (void)data;
    test_log_clear();
    f->redis.dir = test_mkdtemp();
    f->redis.sock = g_build_filename(f->redis.dir, "redis.sock", NULL);
    f->redis.redis_addr = g_strdup_printf("unix:%s", f->redis.sock);
    redis_start(&f->redis, data);
}

static void
node_free(Node *n)
{
    node_close(n);
    if (n->dir)
        test_rm_rf(n->dir);
    g_free(n->dir);
    if (n->banned)
        g_hash_table_unref(n->banned);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    (void)data;
    node_free(&f->a);
    node_free(&f->b);
    redis_stop(&f->redis);
    test_rm_rf(f->redis.dir);
    g_free(f->redis.dir);
    g_free(f->redis.sock);
    g_free(f->redis.redis_addr);
}

/* Runs the loop until cond holds or seconds pass; returns cond. */
#define ITERATE_UNTIL(cond, seconds)                                                               \
    ({                                                                                             \
        gint64 deadline_ = g_get_monotonic_time() + (seconds) * G_USEC_PER_SEC;                    \
        while (!(cond) && g_get_monotonic_time() < deadline_)                                      \
            g_main_context_iteration(NULL, FALSE) || (g_usleep(1000), 0);                         \
        (cond);                                                                                    \
    })

static void
publish(Node *n, ShareOp op, const char *prefix, gint64 expires_s)
{
    ShareEntry e = {.op = op, .expires_s = expires_s, .gid = 1, .sid = 2001219, .rev = 20};
    g_autoptr(GError) error = NULL;
    g_assert_true(ipprefix_parse(prefix, &e.prefix, &error));
    g_strlcpy(e.msg, "ET SCAN test", sizeof e.msg);
    g_strlcpy(e.reason, op == SHARE_OP_BAN ? "threshold" : "manual", sizeof e.reason);
    share_publish(n->share, &e, g_get_real_time());
}

static void
commit(Node *n)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(store_commit(n->store, &error));
    share_kick(n->share);
}

static guint64
outbox_len(Node *n)
{
    ShareStatus st;
    share_status(n->share, &st);
    return st.outbox;
}

/* Whether the receiver has a stream position (its snapshot or first read is done). */
static gboolean
positioned(Node *n)
{
    ShareStatus st;
    share_status(n->share, &st);
    return st.position[0] != '\0';
}

/* Whether the receiver's position is the stream's last ID: nothing is left to read. */
static gboolean
caught_up(Fixture *f, Node *n)
{
    ShareStatus st;
    share_status(n->share, &st);
    redisReply *r = redis_cmd(&f->redis, "XINFO STREAM t:log");
    gboolean same = FALSE;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
        if (strcmp(r->element[i]->str, "last-generated-id") == 0)
            same = strcmp(r->element[i + 1]->str, st.position) == 0;
    freeReplyObject(r);
    return same;
}

static gboolean
link_up(Node *n, gboolean publish)
{
    ShareStatus st;
    share_status(n->share, &st);
    return strcmp(publish ? st.publish_link : st.receive_link, "up") == 0;
}

/* A ban published by A reaches B with its absolute expiry; the snapshot key carries the same
 * fields and expires at that time; an unban removes both. */
static void
test_publish_receive(Fixture *f, gconstpointer data)
{
    (void)data;
    node_open(f, &f->a, "sensor-a", TRUE, FALSE, NULL, NULL);
    node_open(f, &f->b, "gw", FALSE, TRUE, NULL, NULL);
    g_assert_true(ITERATE_UNTIL(link_up(&f->a, TRUE) && positioned(&f->b), 5));
    gint64 expires = g_get_real_time() / G_USEC_PER_SEC + 3600;
    publish(&f->a, SHARE_OP_BAN, "203.0.113.7", expires);
    g_assert_cmpuint(f->b.applied, ==, 0);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(g_hash_table_contains(f->b.banned, "203.0.113.7"), 5));
    gint64 *got = g_hash_table_lookup(f->b.banned, "203.0.113.7");
    g_assert_cmpint(*got, ==, expires);
    g_assert_true(ITERATE_UNTIL(outbox_len(&f->a) == 0, 5));

    /* The snapshot key holds the entry in its encoding, which decodes with every check. */
    redisReply *r = redis_cmd(&f->redis, "GET t:ban:203.0.113.7");
    g_assert_cmpint(r->type, ==, REDIS_REPLY_STRING);
    ShareEntry snap;
    g_autoptr(GError) snap_error = NULL;
    g_assert_true(share_entry_decode(r->str, r->len, &snap, &snap_error));
    g_assert_cmpstr(snap.node, ==, "sensor-a");
    g_assert_cmpint(snap.expires_s, ==, expires);
    freeReplyObject(r);
    r = redis_cmd(&f->redis, "EXPIRETIME t:ban:203.0.113.7");
    g_assert_cmpint(r->integer, ==, expires);
    freeReplyObject(r);

    publish(&f->a, SHARE_OP_UNBAN, "203.0.113.7", 0);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(!g_hash_table_contains(f->b.banned, "203.0.113.7"), 5));
    r = redis_cmd(&f->redis, "EXISTS t:ban:203.0.113.7");
    g_assert_cmpint(r->integer, ==, 0);
    freeReplyObject(r);
    r = redis_cmd(&f->redis, "XLEN t:log");
    g_assert_cmpint(r->integer, ==, 2);
    freeReplyObject(r);
    /* B's position is committed with what it applied. */
    g_autofree char *pos = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_true(store_get_key(f->b.store, "share.stream_id", &pos, &error));
    g_assert_nonnull(pos);
}

/* A node that publishes and receives never applies its own decisions. */
static void
test_no_echo(Fixture *f, gconstpointer data)
{
    (void)data;
    node_open(f, &f->a, "a", TRUE, TRUE, NULL, NULL);
    node_open(f, &f->b, "b", FALSE, TRUE, NULL, NULL);
    g_assert_true(
        ITERATE_UNTIL(link_up(&f->a, TRUE) && positioned(&f->a) && positioned(&f->b), 5));
    publish(&f->a, SHARE_OP_BAN, "198.51.100.9", 0);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(f->b.applied == 1, 5));
    ShareStatus st;
    g_assert_true(ITERATE_UNTIL((share_status(f->a.share, &st), st.own == 1), 5));
    g_assert_cmpuint(f->a.applied, ==, 0);
    /* Permanent: the snapshot key has no expiry. */
    redisReply *r = redis_cmd(&f->redis, "TTL t:ban:198.51.100.9");
    g_assert_cmpint(r->integer, ==, -1);
    freeReplyObject(r);
}

/* Redis down: decisions wait in the outbox, across a close of the node too (what a kill -9
 * leaves: committed rows), and all arrive once, in order, when Redis is back. */
static void
test_outage(Fixture *f, gconstpointer data)
{
    (void)data;
    node_open(f, &f->b, "gw", FALSE, TRUE, NULL, NULL);
    node_open(f, &f->a, "sensor-a", TRUE, FALSE, NULL, NULL);
    g_assert_true(ITERATE_UNTIL(link_up(&f->a, TRUE) && positioned(&f->b), 5));
    redis_stop(&f->redis);
    g_assert_true(ITERATE_UNTIL(!link_up(&f->a, TRUE), 5));
    gint64 expires = g_get_real_time() / G_USEC_PER_SEC + 3600;
    for (guint i = 0; i < 200; i++) {
        g_autofree char *p = g_strdup_printf("198.18.%u.%u", i / 250, i % 250 + 1);
        publish(&f->a, SHARE_OP_BAN, p, expires);
    }
    commit(&f->a);
    g_assert_cmpuint(outbox_len(&f->a), ==, 200);
    ShareStatus st;
    share_status(f->a.share, &st);
    g_assert_cmpstr(st.publish_link, !=, "up");
    /* The node goes away and comes back with the same state. */
    node_close(&f->a);
    node_open(f, &f->a, "sensor-a", TRUE, FALSE, NULL, NULL);
    g_assert_cmpuint(outbox_len(&f->a), ==, 200);
    redis_start(&f->redis, NULL);
    g_assert_true(ITERATE_UNTIL(g_hash_table_size(f->b.banned) == 200, 10));
    g_assert_true(ITERATE_UNTIL(outbox_len(&f->a) == 0, 5));
    /* Each decision went out once: the stream holds 200 entries. */
    redisReply *r = redis_cmd(&f->redis, "XLEN t:log");
    g_assert_cmpint(r->integer, ==, 200);
    freeReplyObject(r);
    g_assert_cmpuint(f->b.applied, ==, 200);
}

/* A node without a position loads the snapshot; one whose position was trimmed from the
 * stream falls back to it. */
static void
test_snapshot(Fixture *f, gconstpointer data)
{
    (void)data;
    node_open(f, &f->a, "sensor-a", TRUE, FALSE, NULL, NULL);
    g_assert_true(ITERATE_UNTIL(link_up(&f->a, TRUE), 5));
    gint64 expires = g_get_real_time() / G_USEC_PER_SEC + 3600;
    /* More than one chunk of the snapshot's apply (10,000). */
    for (guint i = 0; i < 12500; i++) {
        g_autofree char *p = g_strdup_printf("198.18.%u.%u", i / 250, i % 250 + 1);
        publish(&f->a, SHARE_OP_BAN, p, expires);
    }
    publish(&f->a, SHARE_OP_UNBAN, "198.18.0.1", 0);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(outbox_len(&f->a) == 0, 20));
    /* The stream loses its old entries: only the snapshot has them. */
    redisReply *r = redis_cmd(&f->redis, "XTRIM t:log MAXLEN 0");
    freeReplyObject(r);

    f->b.refuse = "198.18.0.2"; /* as this node's policy would refuse it */
    node_open(f, &f->b, "gw", FALSE, TRUE, NULL, NULL);
    /* Status shows the load's progress: between the two chunks, 10,000 of 12,499 applied. */
    ShareStatus st;
    g_assert_true(ITERATE_UNTIL((share_status(f->b.share, &st),
                                 strcmp(st.snapshot, "applying") == 0 &&
                                     st.snapshot_applied == 10000),
                                20));
    g_assert_cmpuint(st.snapshot_bans, ==, 12499);
    g_assert_true(ITERATE_UNTIL(g_hash_table_size(f->b.banned) == 12498, 20));
    test_log_assert("*snapshot (no stream position yet)*");
    /* Applied in address order (the store's key order), not SCAN's, in chunks each
     * committed: two chunks, then the position. All of them as a bulk load, summed up in one
     * line. */
    g_assert_cmpuint(f->b.applied, ==, 12499);
    g_assert_cmpuint(f->b.bulk, ==, 12499);
    g_assert_cmpuint(f->b.out_of_order, ==, 0);
    g_assert_true(ITERATE_UNTIL(test_log_count("*snapshot loaded: bans=12499 in_force=12498"
                                                  " not_applied=1 *") == 1,
                                5));
    f->b.refuse = NULL;
    g_assert_true(ITERATE_UNTIL(f->b.batches >= 3, 5));
    g_assert_false(g_hash_table_contains(f->b.banned, "198.18.0.1"));
    /* Then the stream: a later ban arrives through it. */
    publish(&f->a, SHARE_OP_BAN, "203.0.113.50", expires);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(g_hash_table_contains(f->b.banned, "203.0.113.50"), 5));
    g_assert_true(ITERATE_UNTIL(caught_up(f, &f->b), 5));
    g_assert_cmpuint(f->b.bulk, ==, 12499); /* the stream's entries are not */
    share_status(f->b.share, &st);
    g_assert_cmpstr(st.snapshot, ==, "");
    g_assert_cmpuint(st.snapshot_bans, ==, 0);

    /* B goes away; A decides more; the stream is trimmed past B's position. */
    node_close(&f->b);
    g_hash_table_remove_all(f->b.banned);
    publish(&f->a, SHARE_OP_BAN, "203.0.113.51", expires);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(outbox_len(&f->a) == 0, 5));
    r = redis_cmd(&f->redis, "XTRIM t:log MAXLEN 0");
    freeReplyObject(r);
    test_log_clear();
    node_open(f, &f->b, "gw", FALSE, TRUE, NULL, NULL);
    g_assert_true(ITERATE_UNTIL(g_hash_table_contains(f->b.banned, "203.0.113.51"), 10));
    test_log_assert("*snapshot (the stream was trimmed past this node's position*");
    g_assert_true(ITERATE_UNTIL(caught_up(f, &f->b), 5));

    /* Not trimmed: B reads on from its position (an entry still in the stream), without a
     * snapshot. */
    publish(&f->a, SHARE_OP_BAN, "203.0.113.52", expires);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(g_hash_table_contains(f->b.banned, "203.0.113.52"), 5));
    g_assert_true(ITERATE_UNTIL(caught_up(f, &f->b), 5));
    node_close(&f->b);
    publish(&f->a, SHARE_OP_BAN, "203.0.113.53", expires);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(outbox_len(&f->a) == 0, 5));
    test_log_clear();
    g_hash_table_remove_all(f->b.banned);
    f->b.applied = 0;
    node_open(f, &f->b, "gw", FALSE, TRUE, NULL, NULL);
    g_assert_true(ITERATE_UNTIL(g_hash_table_contains(f->b.banned, "203.0.113.53"), 10));
    test_log_assert("*reading the stream after*");
    g_assert_cmpuint(test_log_count("*snapshot*"), ==, 0);
    g_assert_cmpuint(f->b.applied, ==, 1);
}

/* The commands doc/SHARING.md lists for the ACL user, no more. */
static const char acl_conf[] = "user default off\n"
                               "user alertban on >s3cret-pw ~t:* +xadd +xread +xinfo +set +mget"
                               " +del +scan +multi +exec +ping +auth\n";

/* AUTH with an ACL user and password file; a password file others may read is refused; a
 * wrong password never brings the link up. */
static void
test_auth(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autofree char *pw = g_build_filename(f->redis.dir, "pw", NULL);
    g_assert_true(g_file_set_contents(pw, "s3cret-pw\n", -1, NULL));
    g_assert_cmpint(g_chmod(pw, 0640), ==, 0);
    ShareOptions o;
    share_options_init(&o);
    o.redis = f->redis.redis_addr;
    o.node = "a";
    o.user = "alertban";
    o.password_file = pw;
    g_autoptr(GError) error = NULL;
    g_assert_false(share_options_check(&o, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    g_assert_true(g_pattern_match_simple("*mode 0640 lets group or others read it*",
                                         error->message));
    g_clear_error(&error);
    g_assert_cmpint(g_chmod(pw, 0600), ==, 0);
    g_assert_true(share_options_check(&o, &error));

    node_open(f, &f->a, "a", TRUE, FALSE, pw, "alertban");
    node_open(f, &f->b, "b", FALSE, TRUE, pw, "alertban");
    g_assert_true(ITERATE_UNTIL(link_up(&f->a, TRUE) && link_up(&f->b, FALSE), 5));
    publish(&f->a, SHARE_OP_BAN, "192.0.2.44", 0);
    commit(&f->a);
    g_assert_true(ITERATE_UNTIL(g_hash_table_contains(f->b.banned, "192.0.2.44"), 5));
    node_close(&f->a);

    g_autofree char *bad = g_build_filename(f->redis.dir, "bad", NULL);
    g_assert_true(g_file_set_contents(bad, "wrong\n", -1, NULL));
    g_assert_cmpint(g_chmod(bad, 0600), ==, 0);
    test_log_clear();
    node_open(f, &f->a, "a", TRUE, FALSE, bad, "alertban");
    ITERATE_UNTIL(FALSE, 1);
    g_assert_false(link_up(&f->a, TRUE));
    test_log_assert("*Redis refused the login*");
    node_close(&f->a);
}

/* Nothing listens: every connect fails (over TCP, after the connect callback) and is retried
 * with backoff, without a critical and without blocking the loop; decisions wait. */
static void
test_unreachable(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    f->a.dir = test_mkdtemp();
    f->a.banned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    f->a.store = store_open(f->a.dir, NULL, &error);
    g_assert_no_error(error);
    ShareOptions o;
    share_options_init(&o);
    o.redis = "127.0.0.1:1";
    o.node = "a";
    o.retry_min_ms = 10;
    o.retry_max_ms = 40;
    f->a.share = share_new(&o, f->a.store, NULL, on_apply, on_batch, &f->a, &error);
    g_assert_no_error(error);
    publish(&f->a, SHARE_OP_BAN, "203.0.113.9", 0);
    commit(&f->a);
    gint64 t0 = g_get_monotonic_time();
    ITERATE_UNTIL(FALSE, 1);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
    ShareStatus st;
    share_status(f->a.share, &st);
    g_assert_cmpstr(st.publish_link, !=, "up");
    g_assert_cmpuint(st.outbox, ==, 1);
    /* Bad addresses are refused before any connection. */
    o.redis = "unix:relative/path";
    g_assert_false(share_options_check(&o, &error));
    g_clear_error(&error);
    o.redis = "203.0.113.1";
    g_assert_false(share_options_check(&o, &error));
    g_clear_error(&error);
    o.redis = "[2001:db8::1]:6379";
    g_assert_true(share_options_check(&o, &error));
    o.prefix = "";
    g_assert_false(share_options_check(&o, &error));
}

/* A Redis address that accepts connections but never answers (hiredis has no timeout of its
 * own): each try is given up after connect_timeout_ms, the link says "down", the backoff
 * goes on with new connections, and the decision waits in the outbox. */
static void
test_mute(Fixture *f, gconstpointer data)
{
    (void)data;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    g_assert_cmpint(lfd, >=, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t slen = sizeof sin;
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
    g_assert_cmpint(listen(lfd, 16), ==, 0);
    g_assert_cmpint(getsockname(lfd, (struct sockaddr *)&sin, &slen), ==, 0);
    g_autofree char *addr = g_strdup_printf("127.0.0.1:%u", ntohs(sin.sin_port));

    g_autoptr(GError) error = NULL;
    f->a.dir = test_mkdtemp();
    f->a.banned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    f->a.store = store_open(f->a.dir, NULL, &error);
    g_assert_no_error(error);
    ShareOptions o;
    share_options_init(&o);
    o.redis = addr;
    o.node = "a";
    o.retry_min_ms = 50;
    o.retry_max_ms = 100;
    o.connect_timeout_ms = 1000;
    gint64 t0 = g_get_monotonic_time();
    f->a.share = share_new(&o, f->a.store, NULL, on_apply, on_batch, &f->a, &error);
    g_assert_no_error(error);
    publish(&f->a, SHARE_OP_BAN, "203.0.113.9", 0);
    commit(&f->a);
    GArray *held = g_array_new(FALSE, FALSE, sizeof(int));
    ShareStatus st;
#define ACCEPT_ALL()                                                                                   ({                                                                                                     int c_;                                                                                            while ((c_ = accept(lfd, NULL, NULL)) >= 0)                                             g_array_append_val(held, c_);                                                                  held->len;                                                                                     })
    /* The first try connects (the kernel accepts for us) and waits for the PING's answer. */
    g_assert_true(ITERATE_UNTIL(ACCEPT_ALL() >= 1, 2));
    share_status(f->a.share, &st);
    g_assert_cmpstr(st.publish_link, ==, "connecting");
    /* Given up after the timeout, not never: the link says down... */
    g_assert_true(ITERATE_UNTIL((ACCEPT_ALL(), share_status(f->a.share, &st),
                                 g_str_equal(st.publish_link, "down")),
                                5));
    g_assert_cmpint(g_get_monotonic_time() - t0, >=, 1000 * 1000);
    /* ...and tries again (both links: publish and receive make one connection each per try). */
    g_assert_true(ITERATE_UNTIL(ACCEPT_ALL() >= 6, 10));
    share_status(f->a.share, &st);
    g_assert_cmpstr(st.publish_link, ==, "down");
    g_assert_cmpuint(st.outbox, ==, 1);
#undef ACCEPT_ALL
    for (guint i = 0; i < held->len; i++)
        close(g_array_index(held, int, i));
    g_array_unref(held);
    close(lfd);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    signal(SIGPIPE, SIG_IGN); /* as alertband does: hiredis writes to a socket Redis closed */
    g_test_add("/share/publish-receive", Fixture, NULL, fixture_set_up, test_publish_receive,
               fixture_tear_down);
    g_test_add("/share/no-echo", Fixture, NULL, fixture_set_up, test_no_echo, fixture_tear_down);
    g_test_add("/share/outage", Fixture, NULL, fixture_set_up, test_outage, fixture_tear_down);
    g_test_add("/share/snapshot", Fixture, NULL, fixture_set_up, test_snapshot,
               fixture_tear_down);
    g_test_add("/share/unreachable", Fixture, NULL, fixture_set_up, test_unreachable,
               fixture_tear_down);
    g_test_add("/share/mute", Fixture, NULL, fixture_set_up, test_mute, fixture_tear_down);
    g_test_add("/share/auth", Fixture, acl_conf, fixture_set_up, test_auth, fixture_tear_down);
    return g_test_run();
}
