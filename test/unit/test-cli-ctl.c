// SPDX-License-Identifier: GPL-2.0-or-later
// Tests of the alertban CLI's daemon commands: the built binary runs against a control
// server in this process whose handlers record requests and answer with fixed data.
#include "ctl_server.h"

#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "testutil.h"

#define NOW 1700000000

typedef struct {
    CtlRequest last;
    guint calls;
    gboolean fail;
    gboolean extreme; /* reply with times at the ends of gint64 */
} Recorder;

static void
write_ban(JsonWriter *w, const char *key, const char *addr, gint64 expires, gint64 violations,
          const char *msg)
{
    json_object_begin(w, key);
    json_add_string(w, "addr", addr);
    json_add_int(w, "created", NOW - 600);
    if (expires)
        json_add_int(w, "expires", expires);
    else
        json_add_null(w, "expires");
    json_add_bool(w, "permanent", expires == 0);
    json_add_string(w, "source", expires ? "policy" : "manual");
    json_add_int(w, "violations", violations);
    json_add_string(w, "rule", "1:2001219:20");
    json_add_string(w, "msg", msg);
    json_add_string(w, "reason", "threshold");
    json_object_end(w);
}

static gboolean
rec_list(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    (void)error;
    Recorder *r = ud;
    r->last = *req;
    r->calls++;
    json_add_int(w, "now", r->extreme ? G_MININT64 : NOW);
    json_array_begin(w, "bans");
    /* Deliberately not in expiry order: the CLI sorts. */
    write_ban(w, NULL, "203.0.113.7", r->extreme ? G_MAXINT64 : NOW + 2580, 3,
              "ET SCAN Potential SSH Scan");
    write_ban(w, NULL, "2001:db8::/64", 0, 1, "manual");
    write_ban(w, NULL, "198.51.100.23", NOW + 45, 9, "\x1b[31mevil\x1b[0m");
    json_array_end(w);
    return TRUE;
}

static gboolean
rec_show(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    (void)error;
    Recorder *r = ud;
    r->last = *req;
    r->calls++;
    json_add_int(w, "now", r->extreme ? G_MININT64 : NOW);
    json_add_string(w, "addr", "203.0.113.7");
    write_ban(w, "ban", "203.0.113.7", r->extreme ? G_MAXINT64 : NOW + 2580, 3,
              "ET SCAN Potential SSH Scan");
    json_array_begin(w, "history");
    /* Oldest first on purpose: the CLI shows newest first. */
    json_object_begin(w, NULL);
    json_add_int(w, "time", NOW - 3600);
    json_add_string(w, "rule", "1:1000001:0");
    json_add_string(w, "msg", "older");
    json_add_bool(w, "swapped", TRUE);
    json_add_string(w, "verdict", "count");
    json_add_int(w, "alerts", 57); /* a row that folded 57 alerts */
    json_object_end(w);
    json_object_begin(w, NULL);
    json_add_int(w, "time", NOW - 60);
    json_add_string(w, "rule", "1:2001219:20");
    json_add_string(w, "msg", "ET SCAN Potential SSH Scan");
    json_add_int(w, "priority", 2);
    json_add_string(w, "proto", "TCP");
    json_add_string(w, "src", "203.0.113.7");
    json_add_int(w, "sport", 51234);
    json_add_string(w, "dst", "2001:db8::10");
    json_add_int(w, "dport", 22);
    json_add_bool(w, "swapped", FALSE);
    json_add_string(w, "verdict", "ban");
    json_object_end(w);
    json_array_end(w);
    json_add_int(w, "alerts", 58);
    return TRUE;
}

static gboolean
rec_ban(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    Recorder *r = ud;
    r->last = *req;
    r->calls++;
    if (r->fail) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "203.0.113.7 is protected (whitelist); use --force");
        return FALSE;
    }
    json_add_int(w, "now", r->extreme ? G_MININT64 : NOW);
    write_ban(w, "ban", "203.0.113.7",
              req->permanent ? 0
              : r->extreme   ? G_MAXINT64
                             : NOW + req->for_s,
              1, "manual");
    return TRUE;
}

static gboolean
rec_unban(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    (void)error;
    Recorder *r = ud;
    r->last = *req;
    r->calls++;
    json_add_int(w, "removed", req->all ? 5 : (r->fail ? 0 : 1));
    return TRUE;
}

static gboolean
rec_status(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    (void)error;
    Recorder *r = ud;
    r->last = *req;
    r->calls++;
    json_add_string(w, "version", "0.1.0");
    json_add_int(w, "started", NOW - 3600);
    json_add_int(w, "uptime_s", 3600);
    json_object_begin(w, "bans");
    json_add_int(w, "active", 3);
    json_add_bool(w, "safety_valve", FALSE);
    json_object_end(w);
    json_array_begin(w, "inputs");
    json_object_begin(w, NULL);
    json_add_string(w, "path", "/var/log/snort/alert");
    json_add_int(w, "offset", 1234);
    json_add_int(w, "last_alert", 0);
    json_object_end(w);
    json_array_end(w);
    json_array_begin(w, "errors");
    json_add_string(w, NULL, "commit failed\x1b]0;pwned\x07");
    json_array_end(w);
    return TRUE;
}

static gboolean
rec_reload(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w, gpointer ud, GError **error)
{
    (void)peer;
    Recorder *r = ud;
    r->last = *req;
    r->calls++;
    if (r->fail) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "/etc/alertban/alertban.conf:7: bad value for ban_time");
        return FALSE;
    }
    json_add_bool(w, "reloaded", TRUE);
    return TRUE;
}

static const CtlHandlers handlers = {
    .list = rec_list,
    .show = rec_show,
    .ban = rec_ban,
    .unban = rec_unban,
    .status = rec_status,
    .reload = rec_reload,
};

typedef struct {
    char *dir;
    char *socket;
    Recorder rec;
    CtlServer *server;
} Fixture;

static void
setup(Fixture *fx, gconstpointer data)
{
    (void)data;
    fx->dir = test_mkdtemp();
    fx->socket = g_build_filename(fx->dir, "ctl.sock", NULL);
    CtlServerConfig cfg = {.path = fx->socket};
    g_autoptr(GError) error = NULL;
    fx->server = ctl_server_new(&cfg, &handlers, &fx->rec, &error);
    g_assert_no_error(error);
}

static void
teardown(Fixture *fx, gconstpointer data)
{
    (void)data;
    ctl_server_free(fx->server);
    test_rm_rf(fx->dir);
    g_free(fx->socket);
    g_free(fx->dir);
}

typedef struct {
    gboolean exited;
    gint status;
} ChildState;

static void
child_done(GPid pid, gint status, gpointer data)
{
    ChildState *s = data;
    s->status = status;
    s->exited = TRUE;
    g_spawn_close_pid(pid);
}

static char *
read_all(int fd)
{
    GString *s = g_string_new(NULL);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        g_string_append_len(s, buf, n);
    close(fd);
    return g_string_free(s, FALSE);
}

/* Runs the CLI with args (NULL-terminated, without the program) against the fixture's socket
 * (unless socket_env is given) and returns its exit code; out and err get its output. */
static int run_argv(Fixture *fx, const char *socket_env, GPtrArray *argv, char **out, char **err);

static int
run_cli(Fixture *fx, const char *socket_env, char **out, char **err, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *bin = g_test_build_filename(G_TEST_BUILT, "..", "src", "alertban", NULL);
    g_ptr_array_add(argv, bin);
    va_list ap;
    va_start(ap, err);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL)
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    return run_argv(fx, socket_env, argv, out, err);
}

/* Runs argv (without its terminating NULL) and returns the exit code. */
static int
run_argv(Fixture *fx, const char *socket_env, GPtrArray *argv, char **out, char **err)
{
    g_ptr_array_add(argv, NULL);
    g_auto(GStrv) envp = g_get_environ();
    envp = g_environ_setenv(envp, "ALERTBAN_SOCKET", socket_env ? socket_env : fx->socket, TRUE);
    envp = g_environ_setenv(envp, "TZ", "UTC", TRUE);
    envp = g_environ_setenv(envp, "LC_ALL", "C.UTF-8", TRUE);
    GPid pid;
    int out_fd, err_fd;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, envp,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                           &out_fd, &err_fd, &error));
    g_assert_no_error(error);
    ChildState st = {0};
    g_child_watch_add(pid, child_done, &st);
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    while (!st.exited) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, TRUE);
    }
    /* Outputs are small; the pipes held them while the loop served the child. */
    *out = read_all(out_fd);
    *err = read_all(err_fd);
    g_assert_true(WIFEXITED(st.status));
    return WEXITSTATUS(st.status);
}

static void
test_list_table(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "list", NULL), ==, 0);
    g_assert_cmpstr(err, ==, "");
    /* Sorted by expiry, permanent last; columns aligned; escape sequences neutralised. */
    g_assert_cmpstr(out, ==,
                    "ADDRESS        EXPIRES  VIOL  SOURCE  PERM  RULE          MESSAGE\n"
                    "198.51.100.23  in 45s   9     policy  no    1:2001219:20  ?[31mevil?[0m\n"
                    "203.0.113.7    in 43m   3     policy  no    1:2001219:20  ET SCAN "
                    "Potential SSH Scan\n"
                    "2001:db8::/64  never    1     manual  yes   1:2001219:20  manual\n");
    g_assert_cmpint(fx->rec.last.cmd, ==, CTL_CMD_LIST);
    g_assert_false(fx->rec.last.has_addr);
}

static void
test_list_options(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "list", "--long", "--sort", "violations",
                            "--limit", "10", "198.51.100.0/24", NULL),
                    ==, 0);
    g_assert_cmpint(fx->rec.last.sort, ==, CTL_SORT_VIOLATIONS);
    g_assert_cmpuint(fx->rec.last.limit, ==, 10);
    g_assert_true(fx->rec.last.has_addr);
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipprefix_format(&fx->rec.last.addr, buf), ==, "198.51.100.0/24");
    gchar **lines = g_strsplit(out, "\n", -1);
    g_assert_true(g_str_has_prefix(lines[0], "ADDRESS        EXPIRES  EXPIRES AT           VIOL"));
    g_assert_true(g_str_has_prefix(lines[1], "198.51.100.23  in 45s   2023-11-14 22:14:05  9"));
    g_assert_true(g_str_has_prefix(lines[2], "203.0.113.7"));
    g_strfreev(lines);
}

static void
test_list_json(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "list", "--json", NULL), ==, 0);
    g_assert_true(g_str_has_prefix(out, "{\"v\":1,\"ok\":true,\"now\":1700000000,\"bans\":["));
    g_assert_true(g_str_has_suffix(out, "}\n"));
    g_assert_nonnull(strstr(out, "\\u001b[31mevil"));
}

static void
test_show(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "show", "--limit", "5", "203.0.113.7", NULL), ==,
                    0);
    g_assert_cmpuint(fx->rec.last.limit, ==, 5);
    g_assert_nonnull(strstr(out, "address     203.0.113.7\n"));
    g_assert_nonnull(
        strstr(out, "state       banned (policy), expires in 43m at 2023-11-14 22:56:20\n"));
    g_assert_nonnull(strstr(out, "violations  3\n"));
    g_assert_nonnull(strstr(out, "last rule   1:2001219:20 ET SCAN Potential SSH Scan\n"));
    g_assert_nonnull(strstr(out, "history (newest first):\nTIME "));
    const char *newer = strstr(out, "2023-11-14 22:12:20  1:2001219:20  2    TCP    "
                                    "203.0.113.7:51234  [2001:db8::10]:22  no    ban      1       "
                                    "ET SCAN");
    /* A folded entry: the alerts it stands for, and the total below the table. */
    const char *older = strstr(out, "2023-11-14 21:13:20  1:1000001:0   -    -      -    "
                                    "              -                  yes   count    57      "
                                    "older\n58 alerts in these 2 entries\n");
    g_assert_nonnull(newer);
    g_assert_nonnull(older);
    g_assert_true(newer < older);
}

/* A reply whose times are at the ends of gint64 (now the least, expiry the greatest): the
 * times left saturate instead of overflowing (caught by UBSan before), and print. */
static void
test_extreme_times(Fixture *fx, gconstpointer data)
{
    (void)data;
    fx->rec.extreme = TRUE;
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "list", "--long", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "203.0.113.7    in 106751991167300d15h  "));
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "show", "203.0.113.7", NULL), ==, 0);
    g_assert_nonnull(
        strstr(out, "state       banned (policy), expires in 106751991167300d15h at "));
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "ban", "203.0.113.7", NULL), ==, 0);
    g_assert_true(g_str_has_prefix(out, "banned 203.0.113.7 for 15250284452471w"));
}

static void
test_ban(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "ban", "203.0.113.7", "--for", "1h30m",
                            "--reason", "brute force", "--force", NULL),
                    ==, 0);
    g_assert_cmpint(fx->rec.last.cmd, ==, CTL_CMD_BAN);
    g_assert_cmpint(fx->rec.last.for_s, ==, 5400);
    g_assert_true(fx->rec.last.force);
    g_assert_false(fx->rec.last.permanent);
    g_assert_cmpstr(fx->rec.last.reason, ==, "brute force");
    g_assert_cmpstr(out, ==, "banned 203.0.113.7 for 1h30m (until 2023-11-14 23:43:20)\n");

    /* The length is printed back exactly as asked, not rounded ("90" is not "1m"). */
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "ban", "203.0.113.7", "--for", "90", NULL), ==,
                    0);
    g_assert_cmpint(fx->rec.last.for_s, ==, 90);
    g_assert_true(g_str_has_prefix(out, "banned 203.0.113.7 for 1m30s (until "));

    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "ban", "2001:db8::/64", "--permanent", NULL), ==,
                    0);
    g_assert_true(fx->rec.last.permanent);
    g_assert_cmpint(fx->rec.last.for_s, ==, 0);
    g_assert_cmpstr(out, ==, "banned 203.0.113.7 permanently\n");

    /* The daemon's refusal: exit 1 with its reason. */
    fx->rec.fail = TRUE;
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "ban", "203.0.113.7", NULL), ==, 1);
    g_assert_cmpstr(out, ==, "");
    g_assert_cmpstr(err, ==, "alertban: 203.0.113.7 is protected (whitelist); use --force\n");
}

static void
test_unban(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "unban", "203.0.113.7", NULL), ==, 0);
    g_assert_cmpstr(out, ==, "unbanned 203.0.113.7\n");
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "unban", "--all", NULL), ==, 0);
    g_assert_true(fx->rec.last.all);
    g_assert_cmpstr(out, ==, "removed 5 bans\n");
    fx->rec.fail = TRUE;
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "unban", "192.0.2.0/24", NULL), ==, 1);
    g_assert_cmpstr(err, ==, "alertban: 192.0.2.0/24 is not banned\n");
    /* --json prints the reply as it came and exits 1 all the same. */
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "unban", "--json", "192.0.2.0/24", NULL), ==, 1);
    g_assert_cmpstr(out, ==, "{\"v\":1,\"ok\":true,\"removed\":0}\n");
    g_assert_cmpstr(err, ==, "alertban: 192.0.2.0/24 is not banned\n");
    fx->rec.fail = FALSE;
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "unban", "--json", "192.0.2.1", NULL), ==, 0);
    g_assert_cmpstr(out, ==, "{\"v\":1,\"ok\":true,\"removed\":1}\n");
}

static void
test_status_reload(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "status", NULL), ==, 0);
    g_assert_cmpstr(out, ==,
                    "version: 0.1.0\nstarted: 2023-11-14 21:13:20\nuptime_s: 3600\nbans:\n"
                    "  active: 3\n  safety_valve: no\n"
                    "inputs:\n  - path: /var/log/snort/alert\n    offset: 1234\n"
                    "    last_alert: never\n"
                    "errors:\n  - commit failed?]0;pwned?\n");
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "reload", NULL), ==, 0);
    g_assert_cmpstr(out, ==, "configuration reloaded\n");
    fx->rec.fail = TRUE;
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "reload", "--json", NULL), ==, 1);
    g_assert_cmpstr(out, ==,
                    "{\"v\":1,\"ok\":false,\"code\":\"failed\",\"error\":\"/etc/alertban/"
                    "alertban.conf:7: bad value for ban_time\"}\n");
    g_assert_cmpstr(err, ==, "alertban: /etc/alertban/alertban.conf:7: bad value for ban_time\n");
}

typedef struct {
    const char *name;
    const char *args[6];
    int code;
    const char *err_glob;
} UsageCase;

static const UsageCase usage_cases[] = {
    {"no-command", {NULL}, 2, "Usage: alertban *COMMAND*"},
    {"globals-only", {"--json", "-c", "x.conf", NULL}, 2, "Usage: alertban *COMMAND*"},
    {"unknown-command", {"flush", NULL}, 2, "alertban: unknown command 'flush'*"},
    {"list-bad-sort", {"list", "--sort", "rule", NULL}, 2, "*unknown sort key 'rule'*"},
    {"list-bad-addr", {"list", "example.org", NULL}, 2, "alertban list: *"},
    {"list-unknown-option", {"list", "--frobnicate", NULL}, 2, "*Unknown option --frobnicate*"},
    {"show-no-addr", {"show", NULL}, 2, "*expected one address*"},
    /* A network is shown (issue 15); one with host bits set is not a network. */
    {"show-host-bits", {"show", "192.0.2.1/24", NULL}, 2, "alertban show: *"},
    {"ban-no-addr", {"ban", NULL}, 2, "*expected one address or network*"},
    {"ban-bad-duration", {"ban", "192.0.2.1", "--for", "soon", NULL}, 2, "*bad duration*"},
    {"ban-for-and-permanent",
     {"ban", "192.0.2.1", "--for", "1h", "--permanent", NULL},
     2,
     "*exclude each other*"},
    {"ban-host-bits", {"ban", "192.0.2.1/24", NULL}, 2, "alertban ban: *"},
    {"unban-nothing", {"unban", NULL}, 2, "*or --all*"},
    {"unban-all-and-addr", {"unban", "--all", "192.0.2.1", NULL}, 2, "*--all takes no*"},
    {"status-extra", {"status", "x", NULL}, 2, "*takes no arguments*"},
};

static void
test_usage(gconstpointer data)
{
    const UsageCase *c = data;
    Fixture fx = {0};
    setup(&fx, NULL);
    g_autofree char *out = NULL, *err = NULL;
    int code = run_cli(&fx, NULL, &out, &err, c->args[0], c->args[1], c->args[2], c->args[3],
                       c->args[4], c->args[5], NULL);
    g_assert_cmpint(code, ==, c->code);
    if (!g_pattern_match_simple(c->err_glob, err))
        g_error("stderr \"%s\" does not match \"%s\"", err, c->err_glob);
    g_assert_cmpuint(fx.rec.calls, ==, 0);
    teardown(&fx, NULL);
}

static void
test_help(Fixture *fx, gconstpointer data)
{
    (void)data;
    static const char *const cmds[] = {"list", "show", "ban", "unban", "status", "reload"};
    for (guint i = 0; i < G_N_ELEMENTS(cmds); i++) {
        g_autofree char *out = NULL, *err = NULL;
        g_assert_cmpint(run_cli(fx, NULL, &out, &err, cmds[i], "--help", NULL), ==, 0);
        g_autofree char *usage = g_strdup_printf("Usage:\n  alertban %s", cmds[i]);
        g_assert_true(g_str_has_prefix(out, usage));
        g_assert_nonnull(strstr(out, "--socket=PATH"));
        g_assert_nonnull(strstr(out, "--json"));
    }
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "--help", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "  unban    remove bans now\n"));
    g_assert_cmpuint(fx->rec.calls, ==, 0);
}

static void
test_unreachable(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *missing = g_build_filename(fx->dir, "nobody-here.sock", NULL);
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, missing, &out, &err, "status", NULL), ==, 3);
    g_assert_true(g_str_has_prefix(err, "alertban: the daemon is not reachable: connecting to "));
    /* --socket wins over the environment. */
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_cli(fx, missing, &out, &err, "status", "--socket", fx->socket, NULL), ==,
                    0);
}

/* As root: the CLI run as other users (through setpriv) against a server whose socket group
 * is nogroup. A member may read but gets exit 1 for a ban; a stranger is refused. */
static void
test_perms(Fixture *fx, gconstpointer data)
{
    (void)data;
    if (geteuid() != 0) {
        if (g_strcmp0(g_getenv("ALERTBAN_REQUIRE_NETNS"), "1") == 0)
            g_error("this test needs root and ALERTBAN_REQUIRE_NETNS=1 is set");
        g_test_skip("needs root to run the CLI as other users");
        return;
    }
    g_autofree char *setpriv = g_find_program_in_path("setpriv");
    g_assert_nonnull(setpriv);
    struct group *gr = getgrnam("nogroup");
    g_assert_nonnull(gr);
    g_autofree char *gid = g_strdup_printf("%u", (unsigned)gr->gr_gid);
    /* The fixture's directory must be passable; run/ is created by the server 0750. */
    g_assert_cmpint(chmod(fx->dir, 0711), ==, 0);
    g_autofree char *path = g_build_filename(fx->dir, "run", "grp.sock", NULL);
    CtlServerConfig cfg = {.path = path, .group = gr->gr_name};
    g_autoptr(GError) error = NULL;
    g_autoptr(CtlServer) server = ctl_server_new(&cfg, &handlers, &fx->rec, &error);
    g_assert_no_error(error);
    g_assert_nonnull(server);
    g_autofree char *bin = g_test_build_filename(G_TEST_BUILT, "..", "src", "alertban", NULL);

    static const struct {
        const char *groups; /* setpriv --groups value; NULL: --clear-groups */
        const char *regid;  /* NULL: the uid's own number */
        const char *cmd;
        const char *arg;
        int code;
        const char *err_glob;
    } cases[] = {
        {NULL, "GID", "list", NULL, 0, ""},
        {NULL, "GID", "status", NULL, 0, ""},
        {NULL, "GID", "ban", "203.0.113.9", 1, "alertban: permission denied: only root may ban\n"},
        {NULL, "GID", "reload", NULL, 1, "alertban: permission denied: only root may reload\n"},
        {"GID", NULL, "list", NULL, 0, ""},
        {"GID", NULL, "unban", "203.0.113.9", 1,
         "alertban: permission denied: only root may unban\n"},
        {NULL, NULL, "list", NULL, 3, "alertban: connecting to *: Permission denied (root*"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(argv, g_strdup(setpriv));
        g_ptr_array_add(argv, g_strdup("--reuid=4242"));
        g_ptr_array_add(argv, g_strdup_printf("--regid=%s", cases[i].regid ? gid : "4242"));
        if (cases[i].groups)
            g_ptr_array_add(argv, g_strdup_printf("--groups=%s", gid));
        else
            g_ptr_array_add(argv, g_strdup("--clear-groups"));
        g_ptr_array_add(argv, g_strdup(bin));
        g_ptr_array_add(argv, g_strdup(cases[i].cmd));
        if (cases[i].arg)
            g_ptr_array_add(argv, g_strdup(cases[i].arg));
        g_autofree char *out = NULL, *err = NULL;
        int code = run_argv(fx, path, argv, &out, &err);
        if (code != cases[i].code || !g_pattern_match_simple(cases[i].err_glob, err))
            g_error("case %u (%s): exit %d, stderr \"%s\"", i, cases[i].cmd, code, err);
    }
    g_assert_cmpuint(fx->rec.calls, ==, 3); /* list, status, list */
}

/* Options every daemon command takes may come before the command, as with git. */
static void
test_globals_first(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *conf = g_build_filename(fx->dir, "a.conf", NULL);
    g_assert_true(g_file_set_contents(conf, "[daemon]\n", -1, NULL));
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "--json", "-c", conf, "status", NULL), ==, 0);
    g_assert_true(g_str_has_prefix(out, "{\"v\":1,\"ok\":true"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_autofree char *sock_opt = g_strdup_printf("--socket=%s", fx->socket);
    g_assert_cmpint(run_cli(fx, "", &out, &err, sock_opt, "--json", "status", NULL), ==, 0);
    g_assert_true(g_str_has_prefix(out, "{\"v\":1,\"ok\":true"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    /* A command's own options still follow it. */
    g_assert_cmpint(run_cli(fx, NULL, &out, &err, "--json", "unban", "--all", NULL), ==, 0);
    g_assert_true(fx->rec.last.all);
}

/* A configuration with a typo does not block the daemon commands: a warning names the
 * file and line, and the CLI goes on with the built-in socket (unreachable here: status 3,
 * not the usage error 2 it was). */
static void
test_broken_config(Fixture *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *conf = g_build_filename(fx->dir, "broken.conf", NULL);
    g_assert_true(g_file_set_contents(conf, "[daemon]\nverbosty = 2\n[nonsense\n", -1, NULL));
    g_autofree char *out = NULL, *err = NULL;
    int code = run_cli(fx, "", &out, &err, "-c", conf, "unban", "192.0.2.1", NULL);
    g_assert_cmpint(code, ==, 3);
    g_assert_true(g_pattern_match_simple("*warning: *broken.conf:*", err));
    g_assert_true(g_pattern_match_simple("*using the default socket*", err));
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
    ADD("/cli/list/table", test_list_table);
    ADD("/cli/list/options", test_list_options);
    ADD("/cli/list/json", test_list_json);
    ADD("/cli/show/ban-and-history", test_show);
    ADD("/cli/ban/requests-and-refusal", test_ban);
    ADD("/cli/reply/extreme-times", test_extreme_times);
    ADD("/cli/unban/addr-all-none", test_unban);
    ADD("/cli/status-reload/print", test_status_reload);
    ADD("/cli/help/every-command", test_help);
    ADD("/cli/exit/unreachable", test_unreachable);
    ADD("/cli/perms/setpriv", test_perms);
    ADD("/cli/options/globals-before-command", test_globals_first);
    ADD("/cli/options/broken-config-falls-back", test_broken_config);
#undef ADD
    for (guint i = 0; i < G_N_ELEMENTS(usage_cases); i++) {
        g_autofree char *p = g_strdup_printf("/cli/usage/%s", usage_cases[i].name);
        g_test_add_data_func(p, &usage_cases[i], test_usage);
    }
    return g_test_run();
}
