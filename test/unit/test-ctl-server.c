// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for ctl_server: a real socket in a temp dir, served by the main loop against a
// fake handler table, with clients in threads and (as root) in processes of other users.
#define _GNU_SOURCE /* setresuid, setresgid */
#include "ctl_server.h"
#include "ctl_server_internal.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ctl_client.h"
#include "ctl_client_internal.h"
#include "error.h"
#include "testutil.h"

#define CALL_TIMEOUT_MS 10000

/* ---- fake daemon: a set of banned prefixes, touched only from the main loop ------------- */

typedef struct {
    GHashTable *bans; /* prefix text -> reason */
    guint list_calls, ban_calls, unban_calls, status_calls, reload_calls;
    gboolean reload_fails;
    CtlPeer last_peer; /* of the last ban */
} Fake;

static gboolean
fake_list(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    (void)error;
    Fake *f = ud;
    f->list_calls++;
    json_add_int(w, "now", 1700000000);
    json_array_begin(w, "bans");
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, f->bans);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        IpPrefix p;
        g_assert_true(ipprefix_parse(key, &p, NULL));
        if (req->has_addr && !ipprefix_contains(&req->addr, &p.addr))
            continue;
        json_object_begin(w, NULL);
        json_add_string(w, "addr", key);
        json_add_string(w, "reason", value);
        json_add_bool(w, "permanent", TRUE);
        json_object_end(w);
    }
    json_array_end(w);
    return TRUE;
}

static gboolean
fake_ban(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    Fake *f = ud;
    f->ban_calls++;
    f->last_peer = *peer;
    char buf[IPADDR_STRLEN];
    ipprefix_format(&req->addr, buf);
    if (g_hash_table_contains(f->bans, buf)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "%s is already banned", buf);
        return FALSE;
    }
    g_hash_table_insert(f->bans, g_strdup(buf), g_strdup(req->reason));
    json_object_begin(w, "ban");
    json_add_string(w, "addr", buf);
    json_object_end(w);
    return TRUE;
}

static gboolean
fake_unban(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    (void)error;
    Fake *f = ud;
    f->unban_calls++;
    guint removed;
    if (req->all) {
        removed = g_hash_table_size(f->bans);
        g_hash_table_remove_all(f->bans);
    } else {
        char buf[IPADDR_STRLEN];
        removed = g_hash_table_remove(f->bans, ipprefix_format(&req->addr, buf)) ? 1 : 0;
    }
    json_add_int(w, "removed", removed);
    return TRUE;
}

static gboolean
fake_status(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    (void)req;
    (void)error;
    Fake *f = ud;
    f->status_calls++;
    json_add_string(w, "version", "test");
    json_add_int(w, "bans", g_hash_table_size(f->bans));
    return TRUE;
}

static gboolean
fake_reload(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    (void)req;
    Fake *f = ud;
    f->reload_calls++;
    if (f->reload_fails) {
        /* Half-written output must not reach the client. */
        json_add_string(w, "partial", "junk");
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "alertban.conf:12: unknown key \"bantime\"");
        return FALSE;
    }
    json_add_bool(w, "reloaded", TRUE);
    return TRUE;
}

static const CtlHandlers fake_handlers = {
    .list = fake_list,
    .show = NULL, /* answers "unsupported" */
    .ban = fake_ban,
    .unban = fake_unban,
    .status = fake_status,
    .reload = fake_reload,
};

/* ---- fixture ----------------------------------------------------------------------------- */

typedef struct {
    char *dir;
    char *path; /* dir/run/ctl.sock: the run/ directory is the server's to create */
    Fake fake;
    CtlServer *server;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    (void)data;
    fx->dir = test_mkdtemp();
    fx->path = g_build_filename(fx->dir, "run", "ctl.sock", NULL);
    fx->fake.bans = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    (void)data;
    ctl_server_free(fx->server);
    g_hash_table_unref(fx->fake.bans);
    test_rm_rf(fx->dir);
    g_free(fx->path);
    g_free(fx->dir);
}

static void
start_server(Fixture *fx, guint idle_ms, const char *group)
{
    CtlServerConfig cfg = {.path = fx->path, .group = group, .idle_ms = idle_ms};
    g_autoptr(GError) error = NULL;
    fx->server = ctl_server_new(&cfg, &fake_handlers, &fx->fake, &error);
    g_assert_no_error(error);
    g_assert_nonnull(fx->server);
}

static gboolean
wake_cb(gpointer data)
{
    (void)data;
    return G_SOURCE_CONTINUE;
}

/* Runs the main loop until done(data) holds; fails the test after timeout_ms. */
static void
run_until(gboolean (*done)(gpointer), gpointer data, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    guint wake = g_timeout_add(5, wake_cb, NULL);
    while (!done(data)) {
        if (g_get_monotonic_time() > deadline)
            g_error("timed out after %u ms", timeout_ms);
        g_main_context_iteration(NULL, TRUE);
    }
    g_source_remove(wake);
}

/* A request answered by a thread while the main loop serves it. */
typedef struct {
    const char *path;
    char *send; /* raw bytes to send, or NULL to send req */
    gsize send_len;
    CtlRequest req;
    gboolean expect_eof; /* after the reply, record whether the server closed the connection */
    /* results */
    char *reply;
    GError *error;
    gboolean got_eof;
    gint done;
} Exchange;

static gpointer
exchange_thread(gpointer data)
{
    Exchange *x = data;
    g_autoptr(CtlClient) c = ctl_client_connect(x->path, &x->error);
    if (c) {
        g_autoptr(GString) line = g_string_new(NULL);
        if (x->send)
            g_string_append_len(line, x->send, (gssize)x->send_len);
        else
            ctl_proto_format_request(&x->req, line);
        if (ctl_client_send(c, line->str, line->len, &x->error))
            x->reply = ctl_client_read_line(c, CALL_TIMEOUT_MS, NULL, &x->error);
        if (x->reply && x->expect_eof) {
            /* Still open? Another request on the same connection tells. */
            static const char status[] = "{\"v\":1,\"cmd\":\"status\"}\n";
            g_autoptr(GError) e = NULL;
            g_autofree char *more = NULL;
            if (ctl_client_send(c, status, strlen(status), &e))
                more = ctl_client_read_line(c, CALL_TIMEOUT_MS, NULL, &e);
            x->got_eof = !more && g_str_has_suffix(e->message, "closed the connection");
        }
    }
    g_atomic_int_set(&x->done, 1);
    return NULL;
}

static gboolean
exchange_done(gpointer data)
{
    return g_atomic_int_get(&((Exchange *)data)->done);
}

/* Sends one request (or raw bytes) from a thread and returns the reply line. */
static char *
exchange(const char *path, const char *raw, gsize raw_len, const CtlRequest *req,
         gboolean *eof_after)
{
    Exchange x = {
        .path = path, .send = (char *)raw, .send_len = raw_len, .expect_eof = eof_after != NULL};
    if (req)
        x.req = *req;
    GThread *t = g_thread_new("client", exchange_thread, &x);
    run_until(exchange_done, &x, CALL_TIMEOUT_MS * 2);
    g_thread_join(t);
    g_assert_no_error(x.error);
    g_assert_nonnull(x.reply);
    if (eof_after)
        *eof_after = x.got_eof;
    return x.reply;
}

static json_t *
parse_reply(const char *line, gboolean *ok)
{
    g_autoptr(GError) error = NULL;
    json_t *v = ctl_proto_parse_reply(line, strlen(line), ok, &error);
    g_assert_no_error(error);
    return v;
}

static CtlRequest
request(CtlCommand cmd, const char *addr)
{
    CtlRequest r = {.cmd = cmd};
    if (addr) {
        g_assert_true(ipprefix_parse(addr, &r.addr, NULL));
        r.has_addr = TRUE;
    }
    return r;
}

/* ---- round trip -------------------------------------------------------------------------- */

static void
test_roundtrip(Fixture *fx, gconstpointer data)
{
    (void)data;
    start_server(fx, 0, NULL);

    CtlRequest ban = request(CTL_CMD_BAN, "203.0.113.7");
    g_strlcpy(ban.reason, "manual \"test\"", sizeof ban.reason);
    g_autofree char *r1 = exchange(fx->path, NULL, 0, &ban, NULL);
    gboolean ok;
    g_autoptr(json_t) v1 = parse_reply(r1, &ok);
    g_assert_true(ok);
    g_assert_cmpstr(json_get_string(json_get(v1, "ban"), "addr"), ==, "203.0.113.7");
    g_assert_cmpstr(g_hash_table_lookup(fx->fake.bans, "203.0.113.7"), ==, "manual \"test\"");
    /* The handler learns who asked (the client thread is this process). */
    g_assert_cmpint(fx->fake.last_peer.uid, ==, geteuid());
    g_assert_cmpint(fx->fake.last_peer.gid, ==, getegid());
    g_assert_cmpint(fx->fake.last_peer.pid, ==, getpid());

    CtlRequest list = request(CTL_CMD_LIST, "203.0.113.0/24");
    g_autofree char *r2 = exchange(fx->path, NULL, 0, &list, NULL);
    g_autoptr(json_t) v2 = parse_reply(r2, &ok);
    g_assert_true(ok);
    const json_t *bans = json_get(v2, "bans");
    g_assert_nonnull(bans);
    g_assert_cmpuint(json_array_size(bans), ==, 1);
    g_assert_cmpstr(json_get_string(json_array_get(bans, 0), "reason"), ==, "manual \"test\"");

    /* A handler's failure reaches the client as ok:false with its message, and nothing the
     * handler wrote before failing. */
    g_autofree char *r3 = exchange(fx->path, NULL, 0, &ban, NULL);
    g_assert_cmpstr(r3, ==,
                    "{\"v\":1,\"ok\":false,\"code\":\"failed\",\"error\":\"203.0.113.7 is "
                    "already banned\"}");
    fx->fake.reload_fails = TRUE;
    CtlRequest reload = request(CTL_CMD_RELOAD, NULL);
    g_autofree char *r4 = exchange(fx->path, NULL, 0, &reload, NULL);
    g_assert_null(strstr(r4, "partial"));
    g_assert_nonnull(strstr(r4, "alertban.conf:12: unknown key \\\"bantime\\\""));

    /* A command without a handler is answered, not dropped. */
    CtlRequest show = request(CTL_CMD_SHOW, "203.0.113.7");
    g_autofree char *r5 = exchange(fx->path, NULL, 0, &show, NULL);
    g_assert_nonnull(strstr(r5, "\"code\":\"unsupported\""));

    CtlRequest unban = request(CTL_CMD_UNBAN, "203.0.113.7");
    g_autofree char *r6 = exchange(fx->path, NULL, 0, &unban, NULL);
    g_assert_cmpstr(r6, ==, "{\"v\":1,\"ok\":true,\"removed\":1}");
    g_assert_cmpuint(g_hash_table_size(fx->fake.bans), ==, 0);
}

/* Several requests sent at once on one connection are answered one by one, in order. */
static void
test_pipelined(Fixture *fx, gconstpointer data)
{
    (void)data;
    start_server(fx, 0, NULL);
    const char *lines = "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\"}\n"
                        "{\"v\":1,\"cmd\":\"status\"}\n"
                        "{\"v\":1,\"cmd\":\"unban\",\"all\":true}\n";
    g_autoptr(GError) error = NULL;
    /* The client lives in this thread: the lines and replies fit the socket buffers, so it
     * can send everything, let the loop answer, then read. */
    g_autoptr(CtlClient) c = ctl_client_connect(fx->path, &error);
    g_assert_no_error(error);
    g_assert_true(ctl_client_send(c, lines, strlen(lines), &error));
    for (int i = 0; i < 1000 && fx->fake.unban_calls == 0; i++)
        g_main_context_iteration(NULL, TRUE);
    g_autofree char *r1 = ctl_client_read_line(c, CALL_TIMEOUT_MS, NULL, &error);
    g_assert_no_error(error);
    g_autofree char *r2 = ctl_client_read_line(c, CALL_TIMEOUT_MS, NULL, &error);
    g_assert_no_error(error);
    g_autofree char *r3 = ctl_client_read_line(c, CALL_TIMEOUT_MS, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(r1, ==, "{\"v\":1,\"ok\":true,\"ban\":{\"addr\":\"192.0.2.1\"}}");
    g_assert_cmpstr(r2, ==, "{\"v\":1,\"ok\":true,\"version\":\"test\",\"bans\":1}");
    g_assert_cmpstr(r3, ==, "{\"v\":1,\"ok\":true,\"removed\":1}");
}

/* ---- bad input --------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *data; /* NULL: generated (see below) */
    gsize len;        /* 0: strlen(data) */
    const char *code; /* expected error code */
    gboolean closes;  /* the server cuts the connection after replying */
} BadCase;

static const BadCase bad_cases[] = {
    {"not-json", "hello\n", 0, "proto", FALSE},
    {"empty-line", "\n", 0, "proto", FALSE},
    {"array", "[1,2]\n", 0, "proto", FALSE},
    {"unknown-command", "{\"v\":1,\"cmd\":\"shutdown\"}\n", 0, "proto", FALSE},
    {"wrong-version", "{\"v\":2,\"cmd\":\"list\"}\n", 0, "proto", FALSE},
    {"binary", "{\"v\":1,\"cmd\":\"li\0st\"}\xff\xfe\x01\n", 25, "proto", FALSE},
    {"nested", "{\"v\":1,\"cmd\":\"list\",\"addr\":{\"x\":1}}\n", 0, "proto", FALSE},
    {"oversized", NULL, 5000, "limit", TRUE},
    {"oversized-no-newline", NULL, 4098, "limit", TRUE},
};

static void
test_bad_request(gconstpointer data)
{
    const BadCase *c = data;
    Fixture fx = {0};
    fixture_setup(&fx, NULL);
    start_server(&fx, 0, NULL);

    g_autofree char *buf = NULL;
    const char *raw = c->data;
    gsize len = c->len ? c->len : strlen(c->data);
    if (!raw) {
        /* A line of len bytes of valid-looking JSON; "-no-newline" variants end without
         * one, which the server must refuse before the newline ever comes. */
        buf = g_malloc(len + 1);
        memset(buf, ' ', len);
        memcpy(buf, "{\"v\":1,\"cmd\":\"list\"", 19);
        buf[len - 2] = '}';
        buf[len - 1] = g_str_has_suffix(c->name, "no-newline") ? ' ' : '\n';
        raw = buf;
    }
    gboolean eof = FALSE;
    g_autofree char *reply = exchange(fx.path, raw, len, NULL, &eof);
    gboolean ok = TRUE;
    g_autoptr(json_t) v = parse_reply(reply, &ok);
    g_assert_false(ok);
    g_assert_cmpstr(json_get_string(v, "code"), ==, c->code);
    g_assert_nonnull(json_get_string(v, "error"));
    g_assert_cmpint(eof, ==, c->closes);
    g_assert_cmpuint(fx.fake.list_calls, ==, 0);

    /* The server keeps serving. */
    CtlRequest st = request(CTL_CMD_STATUS, NULL);
    g_autofree char *r2 = exchange(fx.path, NULL, 0, &st, NULL);
    g_assert_true(g_str_has_prefix(r2, "{\"v\":1,\"ok\":true"));
    fixture_teardown(&fx, NULL);
}

/* After a malformed line the same connection still answers a good one. */
static void
test_bad_then_good(Fixture *fx, gconstpointer data)
{
    (void)data;
    start_server(fx, 0, NULL);
    const char *lines = "garbage\n{\"v\":1,\"cmd\":\"status\"}\n";
    g_autoptr(GError) error = NULL;
    /* The client runs in this thread, non-blocking towards the loop: send, then iterate until
     * both replies are in. */
    g_autoptr(CtlClient) c = ctl_client_connect(fx->path, &error);
    g_assert_no_error(error);
    g_assert_true(ctl_client_send(c, lines, strlen(lines), &error));
    for (int i = 0; i < 100 && fx->fake.status_calls == 0; i++)
        g_main_context_iteration(NULL, TRUE);
    g_autofree char *r1 = ctl_client_read_line(c, CALL_TIMEOUT_MS, NULL, &error);
    g_assert_no_error(error);
    g_autofree char *r2 = ctl_client_read_line(c, CALL_TIMEOUT_MS, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(r1, "\"code\":\"proto\""));
    g_assert_nonnull(strstr(r2, "\"ok\":true"));
}

/* ---- concurrency ------------------------------------------------------------------------- */

#define N_CONCURRENT 100

typedef struct {
    const char *path;
    guint index;
    guint busy_retries;
    gboolean saw_own_ban;
    gboolean saw_own_ban_after_unban;
    char *failure;
} Worker;

static gint workers_done;

/* One request on a fresh connection, retrying while the server is at its client limit. */
static json_t *
worker_call(Worker *w, const CtlRequest *req, gboolean *ok)
{
    for (int attempt = 0; attempt < 20000; attempt++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CtlClient) c = ctl_client_connect(w->path, &error);
        if (!c) {
            /* A full listen backlog refuses the connect; retry like a busy reply. */
            w->busy_retries++;
            g_usleep(1000);
            continue;
        }
        g_autoptr(json_t) v = ctl_client_call(c, req, CALL_TIMEOUT_MS, ok, &error);
        if (!v) {
            w->failure = g_strdup(error->message);
            return NULL;
        }
        if (!*ok && g_strcmp0(json_get_string(v, "code"), "limit") == 0) {
            w->busy_retries++;
            g_usleep(1000);
            continue;
        }
        return g_steal_pointer(&v);
    }
    w->failure = g_strdup("server stayed busy");
    return NULL;
}

static gboolean
list_has(const json_t *reply, const char *addr)
{
    const json_t *bans = json_get(reply, "bans");
    for (gsize i = 0; i < json_array_size(bans); i++) {
        if (g_strcmp0(json_get_string(json_array_get(bans, i), "addr"), addr) == 0)
            return TRUE;
    }
    return FALSE;
}

/* ban, list (sees it), unban (removes exactly one), list (gone). */
static void
worker_run(Worker *w)
{
    char addr[32];
    g_snprintf(addr, sizeof addr, "198.51.100.%u", w->index + 1);
    CtlRequest ban = request(CTL_CMD_BAN, addr);
    g_snprintf(ban.reason, sizeof ban.reason, "worker %u", w->index);
    CtlRequest list = request(CTL_CMD_LIST, addr);
    CtlRequest unban = request(CTL_CMD_UNBAN, addr);
    gboolean ok;
    g_autoptr(json_t) r1 = worker_call(w, &ban, &ok);
    if (!r1 || !ok) {
        if (!w->failure)
            w->failure = g_strdup_printf("ban %s refused", addr);
        return;
    }
    g_autoptr(json_t) r2 = worker_call(w, &list, &ok);
    if (!r2 || !ok) {
        if (!w->failure)
            w->failure = g_strdup("list refused");
        return;
    }
    w->saw_own_ban = list_has(r2, addr);
    g_autoptr(json_t) r3 = worker_call(w, &unban, &ok);
    if (!r3 || !ok || json_get_int(r3, "removed", -1) != 1) {
        if (!w->failure)
            w->failure = g_strdup_printf("unban %s did not remove one ban", addr);
        return;
    }
    g_autoptr(json_t) r4 = worker_call(w, &list, &ok);
    if (!r4 || !ok) {
        if (!w->failure)
            w->failure = g_strdup("second list refused");
        return;
    }
    w->saw_own_ban_after_unban = list_has(r4, addr);
}

static gpointer
worker_thread(gpointer data)
{
    worker_run(data);
    g_atomic_int_inc(&workers_done);
    return NULL;
}

static gboolean
all_workers_done(gpointer data)
{
    (void)data;
    return g_atomic_int_get(&workers_done) == N_CONCURRENT;
}

static void
test_concurrent(Fixture *fx, gconstpointer data)
{
    (void)data;
    start_server(fx, 0, NULL);
    Worker workers[N_CONCURRENT] = {{0}};
    GThread *threads[N_CONCURRENT];
    g_atomic_int_set(&workers_done, 0);
    for (guint i = 0; i < N_CONCURRENT; i++) {
        workers[i].path = fx->path;
        workers[i].index = i;
        threads[i] = g_thread_new("worker", worker_thread, &workers[i]);
    }
    run_until(all_workers_done, NULL, 120000);
    guint retries = 0;
    for (guint i = 0; i < N_CONCURRENT; i++) {
        g_thread_join(threads[i]);
        if (workers[i].failure)
            g_error("worker %u: %s", i, workers[i].failure);
        g_assert_true(workers[i].saw_own_ban);
        g_assert_false(workers[i].saw_own_ban_after_unban);
        retries += workers[i].busy_retries;
    }
    /* Every ban was made once and removed once; nothing is left over. */
    g_assert_cmpuint(fx->fake.ban_calls, ==, N_CONCURRENT);
    g_assert_cmpuint(fx->fake.unban_calls, ==, N_CONCURRENT);
    g_assert_cmpuint(fx->fake.list_calls, ==, 2 * N_CONCURRENT);
    g_assert_cmpuint(g_hash_table_size(fx->fake.bans), ==, 0);
    CtlServerStats st;
    ctl_server_get_stats(fx->server, &st);
    g_assert_cmpuint(st.requests, ==, 4 * N_CONCURRENT);
    g_assert_cmpuint(st.errors, ==, 0);
    g_test_message("100 clients: %" G_GUINT64_FORMAT " connections accepted, %" G_GUINT64_FORMAT
                   " refused at the limit, %u retries",
                   st.accepted, st.rejected, retries);
    /* Let the server see every close, then no client is left behind. */
    for (int i = 0; i < 1000 && ctl_server_client_count(fx->server) > 0; i++)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpuint(ctl_server_client_count(fx->server), ==, 0);
}

/* ---- limits ------------------------------------------------------------------------------ */

static int
raw_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    g_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
    return fd;
}

typedef struct {
    CtlServer *server;
    guint count;
} CountWait;

static gboolean
count_reached(gpointer data)
{
    CountWait *w = data;
    return ctl_server_client_count(w->server) == w->count;
}

static void
test_idle(Fixture *fx, gconstpointer data)
{
    (void)data;
    start_server(fx, 200, NULL);
    gint64 t0 = g_get_monotonic_time();
    int silent = raw_connect(fx->path);
    CountWait one = {fx->server, 1};
    run_until(count_reached, &one, 5000);

    /* Another client is served while the silent one holds its connection. */
    CtlRequest st = request(CTL_CMD_STATUS, NULL);
    g_autofree char *reply = exchange(fx->path, NULL, 0, &st, NULL);
    g_assert_true(g_str_has_prefix(reply, "{\"v\":1,\"ok\":true"));
    g_assert_cmpuint(ctl_server_client_count(fx->server), >=, 1);

    /* The silent one is cut after the idle limit: not before it, and not much later. */
    CountWait none = {fx->server, 0};
    run_until(count_reached, &none, 5000);
    gint64 elapsed_ms = (g_get_monotonic_time() - t0) / 1000;
    g_assert_cmpint(elapsed_ms, >=, 190);
    g_assert_cmpint(elapsed_ms, <, 3000);
    char b;
    g_assert_cmpint(recv(silent, &b, 1, 0), ==, 0); /* EOF */
    close(silent);
    CtlServerStats stats;
    ctl_server_get_stats(fx->server, &stats);
    g_assert_cmpuint(stats.timeouts, ==, 1);
}

static void
test_max_clients(Fixture *fx, gconstpointer data)
{
    (void)data;
    start_server(fx, 0, NULL);
    int fds[CTL_SERVER_MAX_CLIENTS];
    for (int i = 0; i < CTL_SERVER_MAX_CLIENTS; i++)
        fds[i] = raw_connect(fx->path);
    CountWait full = {fx->server, CTL_SERVER_MAX_CLIENTS};
    run_until(count_reached, &full, 5000);

    /* The 65th gets an error reply and is closed. */
    CtlRequest st = request(CTL_CMD_STATUS, NULL);
    gboolean eof = FALSE;
    g_autofree char *reply = exchange(fx->path, NULL, 0, &st, &eof);
    gboolean ok = TRUE;
    g_autoptr(json_t) v = parse_reply(reply, &ok);
    g_assert_false(ok);
    g_assert_cmpstr(json_get_string(v, "code"), ==, "limit");
    g_assert_true(eof);
    g_assert_cmpuint(fx->fake.status_calls, ==, 0);

    /* One leaves; the next is served. */
    close(fds[0]);
    CountWait less = {fx->server, CTL_SERVER_MAX_CLIENTS - 1};
    run_until(count_reached, &less, 5000);
    g_autofree char *reply2 = exchange(fx->path, NULL, 0, &st, NULL);
    g_assert_true(g_str_has_prefix(reply2, "{\"v\":1,\"ok\":true"));
    for (int i = 1; i < CTL_SERVER_MAX_CLIENTS; i++)
        close(fds[i]);
    CtlServerStats stats;
    ctl_server_get_stats(fx->server, &stats);
    g_assert_cmpuint(stats.rejected, ==, 1);
}

/* ---- the socket file ----------------------------------------------------------------------*/

static void
test_stale_socket(Fixture *fx, gconstpointer data)
{
    (void)data;
    /* A socket file nobody listens on, as a crashed daemon leaves behind. */
    g_autofree char *run = g_path_get_dirname(fx->path);
    g_assert_cmpint(g_mkdir(run, 0700), ==, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    g_strlcpy(sa.sun_path, fx->path, sizeof sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
    close(fd);

    start_server(fx, 0, NULL);
    test_log_assert("ctl: replaced stale socket*");
    CtlRequest st = request(CTL_CMD_STATUS, NULL);
    g_autofree char *reply = exchange(fx->path, NULL, 0, &st, NULL);
    g_assert_true(g_str_has_prefix(reply, "{\"v\":1,\"ok\":true"));

    /* On free the server removes its own socket file. */
    ctl_server_free(g_steal_pointer(&fx->server));
    g_assert_false(g_file_test(fx->path, G_FILE_TEST_EXISTS));
}

static void
test_not_a_socket(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *run = g_path_get_dirname(fx->path);
    g_assert_cmpint(g_mkdir(run, 0700), ==, 0);
    g_assert_true(g_file_set_contents(fx->path, "precious", -1, NULL));
    CtlServerConfig cfg = {.path = fx->path};
    g_autoptr(GError) error = NULL;
    g_autoptr(CtlServer) s = ctl_server_new(&cfg, &fake_handlers, &fx->fake, &error);
    g_assert_null(s);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "is not a socket"));
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(fx->path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "precious");
}

static void
test_second_server_refused(Fixture *fx, gconstpointer data)
{
    (void)data;
    start_server(fx, 0, NULL);
    CtlServerConfig cfg = {.path = fx->path};
    g_autoptr(GError) error = NULL;
    CtlServer *second = ctl_server_new(&cfg, &fake_handlers, &fx->fake, &error);
    g_assert_null(second);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "another daemon answers"));
    /* The first server keeps its socket and keeps serving. */
    CtlRequest st = request(CTL_CMD_STATUS, NULL);
    g_autofree char *reply = exchange(fx->path, NULL, 0, &st, NULL);
    g_assert_true(g_str_has_prefix(reply, "{\"v\":1,\"ok\":true"));
}

static void
test_path_too_long(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *name = g_strnfill(120, 'x');
    g_autofree char *path = g_build_filename(fx->dir, name, NULL);
    CtlServerConfig cfg = {.path = path};
    g_autoptr(GError) error = NULL;
    g_autoptr(CtlServer) s = ctl_server_new(&cfg, &fake_handlers, &fx->fake, &error);
    g_assert_null(s);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
}

static void
test_unknown_group(Fixture *fx, gconstpointer data)
{
    (void)data;
    CtlServerConfig cfg = {.path = fx->path, .group = "no-such-group-alertban"};
    g_autoptr(GError) error = NULL;
    g_autoptr(CtlServer) s = ctl_server_new(&cfg, &fake_handlers, &fx->fake, &error);
    g_assert_null(s);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "no-such-group-alertban"));
    g_assert_false(g_file_test(fx->path, G_FILE_TEST_EXISTS));
}

/* A group the test may hand out: one this process belongs to (so it can chown to it without
 * root), else nogroup when root. */
static gboolean
pick_group(gid_t *gid, char **name)
{
    const char *candidates[] = {"nogroup", "nobody", "users"};
    for (guint i = 0; i < G_N_ELEMENTS(candidates); i++) {
        struct group *gr = getgrnam(candidates[i]);
        if (gr && gr->gr_gid != 0 && (geteuid() == 0 || gr->gr_gid == getegid())) {
            *gid = gr->gr_gid;
            *name = g_strdup(gr->gr_name);
            return TRUE;
        }
    }
    struct group *gr = getgrgid(getegid());
    if (gr && gr->gr_gid != 0) {
        *gid = gr->gr_gid;
        *name = g_strdup(gr->gr_name);
        return TRUE;
    }
    return FALSE;
}

static void
test_modes(Fixture *fx, gconstpointer data)
{
    (void)data;
    gid_t gid;
    g_autofree char *group = NULL;
    if (!pick_group(&gid, &group)) {
        g_test_skip("no usable non-root group");
        return;
    }
    start_server(fx, 0, group);
    struct stat st;
    g_assert_cmpint(stat(fx->path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpint(st.st_mode & 07777, ==, 0660);
    g_assert_cmpint(st.st_uid, ==, geteuid());
    g_assert_cmpint(st.st_gid, ==, gid);
    g_autofree char *run = g_path_get_dirname(fx->path);
    g_assert_cmpint(stat(run, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0750);
    g_assert_cmpint(st.st_gid, ==, gid);
}

/* ---- permissions (root only: clients run as other users) -------------------------------- */

typedef enum {
    PEER_OK = 0,
    PEER_DENIED = 10,
    PEER_PROTO = 11,
    PEER_OTHER_ERROR = 12,
    PEER_NO_CONNECT = 13,
    PEER_BROKEN = 14,
} PeerResult;

/* In a child process: become uid/gid with the given supplementary groups, send line, and
 * exit with what came back. */
static G_GNUC_NORETURN void
peer_child(const char *path, uid_t uid, gid_t gid, const gid_t *groups, int n_groups,
           const char *line)
{
    if (setgroups((size_t)n_groups, groups) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0)
        _exit(PEER_BROKEN);
    if (getuid() != uid || geteuid() != uid)
        _exit(PEER_BROKEN);
    GError *error = NULL;
    CtlClient *c = ctl_client_connect(path, &error);
    if (!c)
        _exit(error->domain == G_IO_ERROR && error->code == G_IO_ERROR_PERMISSION_DENIED
                  ? PEER_NO_CONNECT
                  : PEER_BROKEN);
    if (!ctl_client_send(c, line, strlen(line), &error))
        _exit(PEER_BROKEN);
    gsize len;
    char *reply = ctl_client_read_line(c, CALL_TIMEOUT_MS, &len, &error);
    if (!reply)
        _exit(PEER_BROKEN);
    gboolean ok;
    json_t *v = ctl_proto_parse_reply(reply, len, &ok, &error);
    if (!v)
        _exit(PEER_BROKEN);
    if (ok)
        _exit(PEER_OK);
    const char *code = json_get_string(v, "code");
    if (g_strcmp0(code, "denied") == 0)
        _exit(PEER_DENIED);
    if (g_strcmp0(code, "proto") == 0)
        _exit(PEER_PROTO);
    _exit(PEER_OTHER_ERROR);
}

typedef struct {
    pid_t pid;
    int status;
    gboolean exited;
} ChildWait;

static gboolean
child_exited(gpointer data)
{
    ChildWait *w = data;
    if (!w->exited && waitpid(w->pid, &w->status, WNOHANG) == w->pid)
        w->exited = TRUE;
    return w->exited;
}

static PeerResult
run_peer(const char *path, uid_t uid, gid_t gid, const gid_t *groups, int n_groups,
         const char *line)
{
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0)
        peer_child(path, uid, gid, groups, n_groups, line);
    ChildWait w = {.pid = pid};
    run_until(child_exited, &w, CALL_TIMEOUT_MS * 2);
    g_assert_true(WIFEXITED(w.status));
    return (PeerResult)WEXITSTATUS(w.status);
}

#define REQ_LIST "{\"v\":1,\"cmd\":\"list\"}\n"
#define REQ_STATUS "{\"v\":1,\"cmd\":\"status\"}\n"
#define REQ_BAN "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"203.0.113.9\"}\n"
#define REQ_UNBAN "{\"v\":1,\"cmd\":\"unban\",\"all\":true}\n"
#define REQ_RELOAD "{\"v\":1,\"cmd\":\"reload\"}\n"
#define REQ_BAD "{\"v\":1,\"cmd\":\n"

static gboolean
require_root(void)
{
    if (geteuid() == 0)
        return TRUE;
    if (g_strcmp0(g_getenv("ALERTBAN_REQUIRE_NETNS"), "1") == 0)
        g_error("permission tests need root and ALERTBAN_REQUIRE_NETNS=1 is set");
    g_test_skip("permission tests need root (they run clients as other users)");
    return FALSE;
}

static void
test_perms(Fixture *fx, gconstpointer data)
{
    (void)data;
    if (!require_root())
        return;
    gid_t gid;
    g_autofree char *group = NULL;
    g_assert_true(pick_group(&gid, &group));
    /* Other users must be able to reach the run/ directory the server creates. */
    g_assert_cmpint(chmod(fx->dir, 0711), ==, 0);
    start_server(fx, 0, group);
    g_hash_table_insert(fx->fake.bans, g_strdup("192.0.2.1"), g_strdup(""));

    const uid_t member = 4242, supplementary = 4243, stranger = 4244;
    const gid_t no_groups[1] = {0};
    const gid_t with_group[1] = {gid};

    /* A member by primary group reads, but may not change anything. */
    g_assert_cmpint(run_peer(fx->path, member, gid, no_groups, 0, REQ_LIST), ==, PEER_OK);
    g_assert_cmpint(run_peer(fx->path, member, gid, no_groups, 0, REQ_STATUS), ==, PEER_OK);
    g_assert_cmpint(run_peer(fx->path, member, gid, no_groups, 0, REQ_BAN), ==, PEER_DENIED);
    g_assert_cmpint(run_peer(fx->path, member, gid, no_groups, 0, REQ_UNBAN), ==, PEER_DENIED);
    g_assert_cmpint(run_peer(fx->path, member, gid, no_groups, 0, REQ_RELOAD), ==, PEER_DENIED);
    g_assert_cmpint(run_peer(fx->path, member, gid, no_groups, 0, REQ_BAD), ==, PEER_PROTO);
    /* A member by supplementary group only: the same. */
    g_assert_cmpint(run_peer(fx->path, supplementary, supplementary, with_group, 1, REQ_LIST), ==,
                    PEER_OK);
    g_assert_cmpint(run_peer(fx->path, supplementary, supplementary, with_group, 1, REQ_BAN), ==,
                    PEER_DENIED);
    g_assert_cmpuint(fx->fake.list_calls, ==, 2);
    g_assert_cmpuint(fx->fake.ban_calls + fx->fake.unban_calls + fx->fake.reload_calls, ==, 0);
    g_assert_cmpuint(g_hash_table_size(fx->fake.bans), ==, 1);

    /* A stranger cannot even reach the socket (directory 0750, socket 0660). */
    g_assert_cmpint(run_peer(fx->path, stranger, stranger, no_groups, 0, REQ_LIST), ==,
                    PEER_NO_CONNECT);
    /* Even with the file modes opened up, the server refuses everything, malformed lines
     * included. */
    g_autofree char *run = g_path_get_dirname(fx->path);
    g_assert_cmpint(chmod(run, 0755), ==, 0);
    g_assert_cmpint(chmod(fx->path, 0666), ==, 0);
    g_assert_cmpint(run_peer(fx->path, stranger, stranger, no_groups, 0, REQ_LIST), ==,
                    PEER_DENIED);
    g_assert_cmpint(run_peer(fx->path, stranger, stranger, no_groups, 0, REQ_STATUS), ==,
                    PEER_DENIED);
    g_assert_cmpint(run_peer(fx->path, stranger, stranger, no_groups, 0, REQ_BAN), ==, PEER_DENIED);
    g_assert_cmpint(run_peer(fx->path, stranger, stranger, no_groups, 0, REQ_BAD), ==, PEER_DENIED);
    g_assert_cmpuint(fx->fake.list_calls + fx->fake.status_calls, ==, 3);

    /* Root may do everything. */
    g_assert_cmpint(run_peer(fx->path, 0, 0, no_groups, 0, REQ_BAN), ==, PEER_OK);
    g_assert_cmpint(run_peer(fx->path, 0, 0, no_groups, 0, REQ_UNBAN), ==, PEER_OK);
    g_assert_cmpuint(g_hash_table_size(fx->fake.bans), ==, 0);
    CtlServerStats st;
    ctl_server_get_stats(fx->server, &st);
    g_assert_cmpuint(st.denied, ==, 8);
}


/* A user other than root holds connections and trickles one byte into each every 50 ms, the
 * way a hostile member of socket_group could: it gets at most CTL_SERVER_MAX_PER_UID of
 * them, the trickle does not keep them past the request deadline, and root is served
 * meanwhile. The child writes what it saw to a pipe: the refusal text of the extra
 * connection, then how many of its held connections the server closed, and when. */
static void
hog_child(const char *path, gid_t group, int report_fd)
{
    if (setgroups(1, &group) != 0 || setresgid(4245, 4245, 4245) != 0 ||
        setresuid(4245, 4245, 4245) != 0)
        _exit(2);
    int fds[CTL_SERVER_MAX_PER_UID + 1];
    for (int i = 0; i <= CTL_SERVER_MAX_PER_UID; i++) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        g_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
        fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sa, sizeof sa) != 0)
            _exit(3);
    }
    /* The last one is over the per-user cap: it is answered with an error and closed. */
    char buf[512];
    ssize_t n = recv(fds[CTL_SERVER_MAX_PER_UID], buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    dprintf(report_fd, "%s", buf);
    gint64 t0 = g_get_monotonic_time();
    guint closed = 0;
    gint64 last_close_ms = 0;
    /* Trickle for up to 3 s: a '{' every 50 ms, never a complete line. */
    for (int round = 0; round < 60 && closed < CTL_SERVER_MAX_PER_UID; round++) {
        closed = 0;
        for (int i = 0; i < CTL_SERVER_MAX_PER_UID; i++) {
            if (fds[i] < 0) {
                closed++;
                continue;
            }
            char c = '{';
            if (send(fds[i], &c, 1, MSG_NOSIGNAL) != 1 ||
                recv(fds[i], buf, sizeof buf, MSG_DONTWAIT) == 0) {
                close(fds[i]);
                fds[i] = -1;
                closed++;
                last_close_ms = (g_get_monotonic_time() - t0) / 1000;
            }
        }
        g_usleep(50000);
    }
    dprintf(report_fd, "\nclosed=%u after_ms=%" G_GINT64_FORMAT "\n", closed, last_close_ms);
    _exit(0);
}

static void
test_root_reserve(Fixture *fx, gconstpointer data)
{
    (void)data;
    if (!require_root())
        return;
    gid_t gid;
    g_autofree char *group = NULL;
    g_assert_true(pick_group(&gid, &group));
    g_assert_cmpint(chmod(fx->dir, 0711), ==, 0);
    start_server(fx, 400, group);
    int pfd[2];
    g_assert_cmpint(pipe(pfd), ==, 0);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        close(pfd[0]);
        hog_child(fx->path, gid, pfd[1]);
    }
    close(pfd[1]);
    /* While the child holds its connections, root is answered. */
    CountWait held = {fx->server, CTL_SERVER_MAX_PER_UID};
    run_until(count_reached, &held, 5000);
    CtlRequest st = request(CTL_CMD_STATUS, NULL);
    g_autofree char *reply = exchange(fx->path, NULL, 0, &st, NULL);
    g_assert_true(g_str_has_prefix(reply, "{\"v\":1,\"ok\":true"));

    ChildWait w = {.pid = pid};
    run_until(child_exited, &w, CALL_TIMEOUT_MS * 2);
    g_assert_true(WIFEXITED(w.status));
    g_assert_cmpint(WEXITSTATUS(w.status), ==, 0);
    char out[1024];
    ssize_t n = read(pfd[0], out, sizeof out - 1);
    close(pfd[0]);
    g_assert_cmpint(n, >, 0);
    out[n] = '\0';
    g_assert_nonnull(strstr(out, "\"code\":\"limit\""));
    g_assert_nonnull(strstr(out, "too many connections from uid 4245"));
    /* Every held connection was closed at the 400 ms request deadline despite the trickle. */
    guint closed = 0;
    gint64 after_ms = 0;
    const char *tail = strstr(out, "closed=");
    g_assert_nonnull(tail);
    g_assert_cmpint(sscanf(tail, "closed=%u after_ms=%" G_GINT64_FORMAT, &closed, &after_ms),
                    ==, 2);
    g_assert_cmpuint(closed, ==, CTL_SERVER_MAX_PER_UID);
    g_assert_cmpint(after_ms, <, 2500);
    CtlServerStats stats;
    ctl_server_get_stats(fx->server, &stats);
    g_assert_cmpuint(stats.rejected, ==, 1);
    g_assert_cmpuint(stats.timeouts, ==, CTL_SERVER_MAX_PER_UID);
}

/* Root keeps CTL_SERVER_ROOT_RESERVE slots: with the shared ones taken by other users, a
 * further user is refused and root is still served. */
static void
test_shared_slots(Fixture *fx, gconstpointer data)
{
    (void)data;
    if (!require_root())
        return;
    gid_t gid;
    g_autofree char *group = NULL;
    g_assert_true(pick_group(&gid, &group));
    g_assert_cmpint(chmod(fx->dir, 0711), ==, 0);
    CtlServerConfig cfg = {
        .path = fx->path, .group = group, .max_clients = CTL_SERVER_ROOT_RESERVE + 2};
    g_autoptr(GError) error = NULL;
    fx->server = ctl_server_new(&cfg, &fake_handlers, &fx->fake, &error);
    g_assert_no_error(error);
    /* Two users take the two shared slots (a connection each, held by a child process). */
    pid_t holders[2];
    for (int i = 0; i < 2; i++) {
        holders[i] = fork();
        g_assert_cmpint(holders[i], >=, 0);
        if (holders[i] == 0) {
            uid_t u = 4250 + (uid_t)i;
            if (setgroups(1, &gid) != 0 || setresgid(u, u, u) != 0 || setresuid(u, u, u) != 0)
                _exit(2);
            int fd = raw_connect(fx->path);
            g_usleep(3 * G_USEC_PER_SEC); /* the server closes it at its deadline */
            close(fd);
            _exit(0);
        }
    }
    CountWait two = {fx->server, 2};
    run_until(count_reached, &two, 5000);
    /* A third user is refused: the rest is root's. */
    const gid_t with_group[1] = {gid};
    g_assert_cmpint(run_peer(fx->path, 4252, 4252, with_group, 1, REQ_STATUS), ==,
                    PEER_OTHER_ERROR);
    /* Root is served. */
    CtlRequest st = request(CTL_CMD_STATUS, NULL);
    g_autofree char *reply = exchange(fx->path, NULL, 0, &st, NULL);
    g_assert_true(g_str_has_prefix(reply, "{\"v\":1,\"ok\":true"));
    for (int i = 0; i < 2; i++) {
        kill(holders[i], SIGKILL);
        ChildWait w = {.pid = holders[i]};
        run_until(child_exited, &w, CALL_TIMEOUT_MS);
    }
}

/* A request whose decoded command name holds a newline cannot forge a line in the daemon's
 * log at -vv: the error message that quotes it is escaped like the request itself. */
static void
test_log_injection(Fixture *fx, gconstpointer data)
{
    (void)data;
    start_server(fx, 0, NULL);
    test_log_capture_debug(TRUE);
    static const char forged[] =
        "{\"v\":1,\"cmd\":\"x\\u000aban addr=203.0.113.66 reason=forged\"}\n";
    gboolean ok = TRUE;
    g_autofree char *reply = exchange(fx->path, forged, strlen(forged), NULL, NULL);
    test_log_capture_debug(FALSE);
    g_autoptr(json_t) v = parse_reply(reply, &ok);
    g_assert_false(ok);
    g_assert_cmpstr(json_get_string(v, "code"), ==, "proto");
    g_assert_cmpuint(test_log_count("*\nban addr=*"), ==, 0);
    g_assert_cmpuint(test_log_count("ctl: bad request*unknown command*\\x0aban addr=203.0.113.66*"),
                     ==, 1);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/ctl_server/request/roundtrip", test_roundtrip);
    ADD("/ctl_server/request/pipelined", test_pipelined);
    ADD("/ctl_server/request/bad-then-good", test_bad_then_good);
    ADD("/ctl_server/request/log-injection-escaped", test_log_injection);
    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *p = g_strdup_printf("/ctl_server/request/bad/%s", bad_cases[i].name);
        g_test_add_data_func(p, &bad_cases[i], test_bad_request);
    }
    ADD("/ctl_server/clients/concurrent-100", test_concurrent);
    ADD("/ctl_server/clients/idle-cut", test_idle);
    ADD("/ctl_server/clients/max-64", test_max_clients);
    ADD("/ctl_server/socket/stale-replaced", test_stale_socket);
    ADD("/ctl_server/socket/not-a-socket", test_not_a_socket);
    ADD("/ctl_server/socket/second-server-refused", test_second_server_refused);
    ADD("/ctl_server/socket/path-too-long", test_path_too_long);
    ADD("/ctl_server/socket/unknown-group", test_unknown_group);
    ADD("/ctl_server/socket/modes", test_modes);
    ADD("/ctl_server/perms/peer-credentials", test_perms);
    ADD("/ctl_server/perms/root-reserve-and-deadline", test_root_reserve);
    ADD("/ctl_server/perms/shared-slots", test_shared_slots);
#undef ADD
    return g_test_run();
}
