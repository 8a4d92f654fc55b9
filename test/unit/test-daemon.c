// SPDX-License-Identifier: GPL-2.0-or-later
// Tests of the daemon's wiring against the in-memory firewall: a burst of alerts costs one
// store transaction and one firewall commit, the checkpoint committed with the alerts covers
// them, a restart resumes without acting on an alert twice, a bad reload changes nothing, and a
// full table (max_bans) refuses new bans.
#include "daemon.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "error.h"
#include "fw_backends.h"
#include "store.h"
#include "store_internal.h"
#include "json.h"
#include "testutil.h"

typedef struct {
    char *dir;
    char *conf;
    char *log;
    char *state;
    Fw *fw;
    Daemon *d;
} Fixture;

static void
write_config(Fixture *f, const char *extra)
{
    g_autofree char *text = g_strdup_printf("[daemon]\n"
                                            "state_dir = %s\n"
                                            "socket = %s/ctl.sock\n"
                                            "[input]\n"
                                            "path = %s\n"
                                            "start_at = beginning\n"
                                            "[policy]\n"
                                            "max_bans_per_minute = 0\n"
                                            "%s",
                                            f->state, f->dir, f->log, extra ? extra : "");
    /* The cases assume that one alert of any priority bans, unless they say otherwise. */
    g_autofree char *full = test_config_with_old_policy(text);
    g_assert_true(g_file_set_contents(f->conf, full, -1, NULL));
}

static void
fixture_setup(Fixture *f, const char *extra)
{
    f->dir = test_mkdtemp();
    f->conf = g_build_filename(f->dir, "alertban.conf", NULL);
    f->log = g_build_filename(f->dir, "alert.log", NULL);
    f->state = g_build_filename(f->dir, "state", NULL);
    g_assert_true(g_file_set_contents(f->log, "", 0, NULL));
    write_config(f, extra);
    f->fw = fw_fake_new();
}

static void
start_daemon(Fixture *f)
{
    f->d = test_daemon_start(f->conf, f->fw);
}

static void
stop_daemon(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(daemon_end_turn(f->d, &error));
    g_clear_pointer(&f->d, daemon_free);
}

static void
fixture_teardown(Fixture *f)
{
    g_clear_pointer(&f->d, daemon_free);
    fw_free(f->fw);
    test_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->conf);
    g_free(f->log);
    g_free(f->state);
}

/* Appends n alert lines from 198.18.0.1 + first.. (one per address) in one write. */
static void
append_alerts(Fixture *f, guint first, guint n)
{
    g_autoptr(GString) text = g_string_new(NULL);
    for (guint i = 0; i < n; i++)
        g_string_append_printf(text,
                               "11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN probe [**] "
                               "[Priority: 2] {TCP} 198.18.%u.%u:40000 -> 192.0.2.1:22\n",
                               (first + i) / 250, 1 + (first + i) % 250);
    FILE *fp = g_fopen(f->log, "ae");
    g_assert_nonnull(fp);
    g_assert_cmpuint(fwrite(text->str, 1, text->len, fp), ==, text->len);
    g_assert_cmpint(fclose(fp), ==, 0);
}

static guint
fw_entries(Fixture *f)
{
    g_autoptr(GArray) list = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    g_assert_true(fw_list(f->fw, list, NULL));
    return list->len;
}

/* Runs the main loop until the firewall holds want entries and the turn has ended (nothing
 * left to commit), or 10 s pass. */
static void
run_until_installed(Fixture *f, guint want)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (fw_entries(f) < want || g_main_context_pending(NULL)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        if (fw_entries(f) < want)
            g_usleep(1000);
    }
    g_assert_cmpuint(fw_entries(f), ==, want);
}

/* What the store holds, read by a second, read-only connection. */
static void
stored(Fixture *f, guint *n_bans, guint64 *violations, guint64 *checkpoint)
{
    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    g_autoptr(GError) error = NULL;
    g_autoptr(Store) s = store_open(f->state, &so, &error);
    g_assert_no_error(error);
    g_autoptr(GArray) bans = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_assert_true(store_load_bans(s, g_get_real_time(), bans, NULL, NULL, &error));
    *n_bans = bans->len;
    *violations = 0;
    for (guint i = 0; i < bans->len; i++)
        *violations += g_array_index(bans, Ban, i).violations;
    g_autoptr(GArray) cps = g_array_new(FALSE, FALSE, sizeof(StoreTailPosition));
    g_assert_true(store_load_tail_positions(s, cps, NULL, &error));
    g_assert_cmpuint(cps->len, <=, 1);
    *checkpoint = cps->len ? g_array_index(cps, StoreTailPosition, 0).offset : 0;
}

static guint64
file_size(const char *path)
{
    GStatBuf st;
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    return (guint64)st.st_size;
}

/* Runs the main loop until the committed checkpoint covers the whole log, or 10 s pass. */
static void
run_until_read(Fixture *f)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    for (;;) {
        while (g_main_context_iteration(NULL, FALSE))
            ;
        guint n_bans;
        guint64 violations, checkpoint;
        stored(f, &n_bans, &violations, &checkpoint);
        if (checkpoint == file_size(f->log))
            return;
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);
    }
}

typedef struct {
    const char *name;
    guint n;
} BurstCase;

static const BurstCase burst_cases[] = {
    {"one", 1},
    {"fifty", 50},
    {"five-hundred", 500},
};

/* A burst written at once: every alert decided, one firewall commit for all of them, and the
 * store holding the bans, their violations and a checkpoint at the end of the burst. */
static void
test_turn_burst(gconstpointer data)
{
    const BurstCase *c = data;
    Fixture f = {0};
    fixture_setup(&f, NULL);
    start_daemon(&f);
    run_until_installed(&f, 0);
    guint commits = fw_fake_commits(f.fw);
    append_alerts(&f, 0, c->n);
    run_until_installed(&f, c->n);
    g_assert_cmpuint(fw_fake_commits(f.fw) - commits, ==, 1);
    guint n_bans;
    guint64 violations, checkpoint;
    stored(&f, &n_bans, &violations, &checkpoint);
    g_assert_cmpuint(n_bans, ==, c->n);
    g_assert_cmpuint(violations, ==, c->n);
    g_assert_cmpuint(checkpoint, ==, file_size(f.log));
    fixture_teardown(&f);
}

/* A restart resumes at the checkpoint: old alerts are not acted on again, new ones are; a
 * second alert from a banned address counts into its ban once. */
static void
test_restart_resumes(void)
{
    Fixture f = {0};
    fixture_setup(&f, NULL);
    start_daemon(&f);
    append_alerts(&f, 0, 20);
    run_until_installed(&f, 20);
    stop_daemon(&f);

    append_alerts(&f, 10, 20); /* 10 repeats (violations of banned addresses), 10 new */
    start_daemon(&f);
    run_until_installed(&f, 30);
    stop_daemon(&f);
    guint n_bans;
    guint64 violations, checkpoint;
    stored(&f, &n_bans, &violations, &checkpoint);
    g_assert_cmpuint(n_bans, ==, 30);
    g_assert_cmpuint(violations, ==, 40);
    g_assert_cmpuint(checkpoint, ==, file_size(f.log));

    /* Nothing new: a third start acts on nothing. */
    start_daemon(&f);
    run_until_installed(&f, 30);
    stop_daemon(&f);
    stored(&f, &n_bans, &violations, &checkpoint);
    g_assert_cmpuint(violations, ==, 40);
    fixture_teardown(&f);
}

/* N alerts in T seconds ban even when a restart falls between them: the windows are refilled
 * from the tracker. */
static void
test_restart_keeps_windows(void)
{
    Fixture f = {0};
    fixture_setup(&f, "threshold = 3/1h\n");
    start_daemon(&f);
    append_alerts(&f, 0, 1);
    append_alerts(&f, 0, 1);
    run_until_read(&f); /* both alerts counted and committed, nothing banned */
    g_assert_cmpuint(fw_entries(&f), ==, 0);
    stop_daemon(&f);
    start_daemon(&f);
    test_log_assert("*threshold windows refilled with 2 counted alerts*");
    append_alerts(&f, 0, 1);
    run_until_installed(&f, 1);
    stop_daemon(&f);
    guint n_bans;
    guint64 violations, checkpoint;
    stored(&f, &n_bans, &violations, &checkpoint);
    g_assert_cmpuint(n_bans, ==, 1);
    g_assert_cmpuint(violations, ==, 3);
    fixture_teardown(&f);
}

/* A repeat offender's ban escalates: its earlier ban, ended (removed from the store here, as
 * an expiry would) before a restart, still counts, so the next ban is escalate x ban_time. */
static void
test_escalation(void)
{
    Fixture f = {0};
    fixture_setup(&f, "ban_time = 1h\nescalate = 3\nextend = 0\n");
    start_daemon(&f);
    append_alerts(&f, 0, 1);
    run_until_installed(&f, 1);
    stop_daemon(&f);

    g_autoptr(GError) error = NULL;
    IpPrefix p;
    g_assert_true(ipprefix_parse("198.18.0.1", &p, &error));
    {
        g_autoptr(Store) s = store_open(f.state, NULL, &error);
        g_assert_no_error(error);
        store_delete_ban(s, &p);
        g_assert_true(store_commit(s, &error));
    }
    start_daemon(&f);
    run_until_installed(&f, 0);
    append_alerts(&f, 0, 1);
    run_until_installed(&f, 1);
    stop_daemon(&f);

    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    g_autoptr(Store) s = store_open(f.state, &so, &error);
    g_assert_no_error(error);
    Ban ban;
    gboolean found = FALSE;
    g_assert_true(store_get_ban(s, &p, &ban, &found, &error));
    g_assert_true(found);
    g_assert_cmpuint(ban.prior_bans, ==, 1);
    gint64 duration_s = (ban.expires_us - ban.created_us) / G_USEC_PER_SEC;
    g_assert_cmpint(duration_s, >=, 3 * 3600 - 2);
    g_assert_cmpint(duration_s, <=, 3 * 3600 + 2);
    fixture_teardown(&f);
}

/* A full table (max_bans) refuses the policy's new bans through the one decision path: the
 * firewall holds max_bans entries, and the tracker says "refused" for the others. */
static void
test_max_bans(void)
{
    Fixture f = {0};
    fixture_setup(&f, "ban_time = 1h\n[daemon]\nmax_bans = 3\n");
    start_daemon(&f);
    append_alerts(&f, 0, 5);
    run_until_read(&f);
    run_until_installed(&f, 3);
    stop_daemon(&f);

    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    g_autoptr(GError) error = NULL;
    g_autoptr(Store) s = store_open(f.state, &so, &error);
    g_assert_no_error(error);
    static const char *const want[] = {"ban", "ban", "ban", "refused", "refused"};
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        g_autofree char *text = g_strdup_printf("198.18.0.%u", 1 + i);
        IpAddr a;
        g_assert_true(ipaddr_parse(text, &a));
        g_autoptr(GArray) history = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
        g_assert_true(store_load_history(s, &a, 10, history, &error));
        g_assert_cmpuint(history->len, ==, 1);
        g_assert_cmpstr(g_array_index(history, StoreViolation, 0).verdict, ==, want[i]);
    }
    guint n_bans;
    guint64 violations, checkpoint;
    stored(&f, &n_bans, &violations, &checkpoint);
    g_assert_cmpuint(n_bans, ==, 3);
    fixture_teardown(&f);
}

/* A bad file is refused with its file:line and the running configuration stays; a good one
 * is taken. */
static void
test_reload(void)
{
    Fixture f = {0};
    fixture_setup(&f, "ban_time = 2h\n");
    start_daemon(&f);
    const Config *before = daemon_get_config(f.d);
    g_assert_cmpuint(before->policy.ban_time_s, ==, 2 * 3600);

    write_config(&f, "ban_time = forever\n");
    g_autoptr(GError) error = NULL;
    g_assert_false(daemon_reload(f.d, "test", &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    g_autofree char *want = g_strdup_printf("%s:9: *", f.conf);
    g_assert_true(g_pattern_match_simple(want, error->message));
    g_assert_true(daemon_get_config(f.d) == before);
    test_log_assert("*reload (test) rejected*");

    g_clear_error(&error);
    write_config(&f, "ban_time = 3h\n");
    g_assert_true(daemon_reload(f.d, "test", &error));
    g_assert_no_error(error);
    g_assert_cmpuint(daemon_get_config(f.d)->policy.ban_time_s, ==, 3 * 3600);

    /* The new ban time applies to the next ban. */
    append_alerts(&f, 0, 1);
    run_until_installed(&f, 1);
    stop_daemon(&f);
    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    g_autoptr(Store) s = store_open(f.state, &so, &error);
    g_assert_no_error(error);
    g_autoptr(GArray) bans = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_assert_true(store_load_bans(s, g_get_real_time(), bans, NULL, NULL, &error));
    g_assert_cmpuint(bans->len, ==, 1);
    const Ban *b = &g_array_index(bans, Ban, 0);
    g_assert_cmpint(b->expires_us - b->created_us, ==, (gint64)3 * 3600 * G_USEC_PER_SEC);
    fixture_teardown(&f);
}

/* A second daemon on the same socket refuses to start and touches nothing. */
static void
test_second_daemon_refused(void)
{
    Fixture f = {0};
    fixture_setup(&f, NULL);
    start_daemon(&f);
    g_autoptr(GError) error = NULL;
    Config *cfg = config_load_file(f.conf, &error);
    g_assert_no_error(error);
    g_autoptr(Fw) fw2 = fw_fake_new();
    DaemonOptions opts;
    daemon_options_init(&opts);
    opts.fw = fw2;
    opts.watch_ownaddr = FALSE;
    opts.handle_signals = FALSE;
    Daemon *d2 = daemon_new(cfg, f.conf, &opts, &error);
    g_assert_null(d2);
    g_assert_nonnull(error);
    g_assert_cmpuint(fw_fake_commits(fw2), ==, 0);
    fixture_teardown(&f);
}

/* Stored bans pass the never-ban check at start: a policy ban on an address whitelisted
 * since is lifted (from the store and the firewall, with a warning), a manual one (forced by
 * an operator) stays with a warning, and an ordinary ban is restored. */
static void
test_never_ban_at_load(void)
{
    Fixture f = {0};
    fixture_setup(&f, NULL);
    start_daemon(&f);
    append_alerts(&f, 0, 2); /* 198.18.0.1 and 198.18.0.2 */
    run_until_installed(&f, 2);
    stop_daemon(&f);
    g_autoptr(GError) error = NULL;
    IpPrefix manual;
    g_assert_true(ipprefix_parse("198.18.0.3", &manual, &error));
    {
        g_autoptr(Store) s = store_open(f.state, NULL, &error);
        g_assert_no_error(error);
        Ban b;
        memset(&b, 0, sizeof b);
        b.prefix = manual;
        b.source = BAN_SOURCE_MANUAL;
        b.expires_us = BAN_EXPIRES_NEVER;
        b.created_us = b.first_seen_us = b.last_seen_us = g_get_real_time();
        store_put_ban(s, &b);
        g_assert_true(store_commit(s, &error));
    }
    write_config(&f, "[whitelist]\naddress = 198.18.0.1 198.18.0.3\n");
    test_log_clear();
    start_daemon(&f);
    test_log_assert("*stored ban on 198.18.0.1 is on an address never banned (whitelisted*lifted");
    g_assert_cmpuint(
        test_log_count("*manual ban on 198.18.0.3 is on an address never banned*kept*"), ==, 1);
    run_until_installed(&f, 2);
    g_autoptr(GArray) list = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    g_assert_true(fw_list(f.fw, list, NULL));
    for (guint i = 0; i < list->len; i++) {
        char buf[IPADDR_STRLEN];
        const char *a = ipprefix_format(&g_array_index(list, IpPrefix, i), buf);
        g_assert_true(strcmp(a, "198.18.0.2") == 0 || strcmp(a, "198.18.0.3") == 0);
    }
    stop_daemon(&f);
    guint n_bans;
    guint64 violations, checkpoint;
    stored(&f, &n_bans, &violations, &checkpoint);
    g_assert_cmpuint(n_bans, ==, 2);
    fixture_teardown(&f);
}

/* The checkpoint of a file a glob matched, gone while the daemon was stopped, is forgotten at
 * the next start (a checkpoint resumes only the same inode); a named path's stays. */
static void
test_gone_glob_checkpoint_forgotten(void)
{
    Fixture f = {0};
    fixture_setup(&f, NULL);
    g_autofree char *real = g_build_filename(f.dir, "a.alerts", NULL);
    g_free(f.log);
    f.log = g_build_filename(f.dir, "*.alerts", NULL);
    write_config(&f, NULL);
    g_free(f.log);
    f.log = g_strdup(real);
    g_assert_true(g_file_set_contents(f.log, "", 0, NULL));
    start_daemon(&f);
    append_alerts(&f, 0, 1);
    run_until_installed(&f, 1);
    run_until_read(&f);
    stop_daemon(&f);
    g_assert_cmpint(g_unlink(real), ==, 0);
    test_log_clear();
    start_daemon(&f);
    test_log_assert("*forgetting the checkpoint of */a.alerts: the file is gone*");
    stop_daemon(&f);
    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    g_autoptr(GError) error = NULL;
    g_autoptr(Store) s = store_open(f.state, &so, &error);
    g_assert_no_error(error);
    g_autoptr(GArray) cps = g_array_new(FALSE, FALSE, sizeof(StoreTailPosition));
    g_assert_true(store_load_tail_positions(s, cps, NULL, &error));
    g_assert_cmpuint(cps->len, ==, 0);
    fixture_teardown(&f);
}

/* One request sent by a thread while the main loop serves it; the reply line. */
typedef struct {
    char *path;
    CtlRequest req;
    char *reply;
    gint done;
} Call;

static gpointer
call_thread(gpointer data)
{
    Call *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(CtlClient) client = ctl_client_connect(c->path, &error);
    if (client) {
        g_autoptr(GString) line = g_string_new(NULL);
        ctl_proto_format_request(&c->req, line);
        if (ctl_client_send(client, line->str, line->len, &error))
            c->reply = ctl_client_read_line(client, 10000, NULL, &error);
    }
    g_atomic_int_set(&c->done, 1);
    return NULL;
}

static json_t *
call_daemon(Fixture *f, const CtlRequest *req)
{
    Call c = {.path = g_build_filename(f->dir, "ctl.sock", NULL), .req = *req};
    GThread *t = g_thread_new("client", call_thread, &c);
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (!g_atomic_int_get(&c.done)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(500);
    }
    g_thread_join(t);
    g_free(c.path);
    g_assert_nonnull(c.reply);
    g_autoptr(GError) error = NULL;
    json_t *v = json_parse(c.reply, strlen(c.reply), 16, &error);
    g_assert_no_error(error);
    g_free(c.reply);
    return v;
}

/* Runs the main loop until the committed checkpoint covers the whole log and nothing waits. */
static void
run_until_quiet(Fixture *f)
{
    run_until_read(f);
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

/* A banned address the sensor keeps reporting: 10,000 alerts of it add a handful of tracker
 * rows (one for the ban, then one a minute), not 10,000, and `show` reports them all. */
static void
test_banned_flood_folded(void)
{
    Fixture f = {0};
    fixture_setup(&f, "ban_time = 1h\n");
    start_daemon(&f);
    g_autoptr(GString) text = g_string_new(NULL);
    for (guint i = 0; i < 10000; i++)
        g_string_append(text, "11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN probe [**] "
                              "[Priority: 2] {TCP} 198.18.0.1:40000 -> 192.0.2.1:22\n");
    g_assert_true(g_file_set_contents(f.log, text->str, (gssize)text->len, NULL));
    run_until_installed(&f, 1);
    run_until_quiet(&f);

    CtlRequest req = {.cmd = CTL_CMD_SHOW, .has_addr = TRUE};
    g_assert_true(ipprefix_parse("198.18.0.1", &req.addr, NULL));
    g_autoptr(json_t) reply = call_daemon(&f, &req);
    g_assert_cmpint(json_get_int(reply, "alerts", 0), ==, 10000);
    const json_t *hist = json_get(reply, "history");
    g_assert_nonnull(hist);
    /* The ban, then the folded rows of the minute(s) the flood took. */
    g_assert_cmpuint(json_array_size(hist), >=, 2);
    g_assert_cmpuint(json_array_size(hist), <=, 4);
    stop_daemon(&f);

    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    g_autoptr(GError) error = NULL;
    g_autoptr(Store) s = store_open(f.state, &so, &error);
    g_assert_no_error(error);
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    g_assert_true(store_load_violations_since(s, 0, 100000, rows, &error));
    g_assert_cmpuint(rows->len, <=, 4);
    guint64 total = 0;
    for (guint i = 0; i < rows->len; i++)
        total += g_array_index(rows, StoreViolation, i).repeats;
    g_assert_cmpuint(total, ==, 10000);
    fixture_teardown(&f);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(burst_cases); i++) {
        g_autofree char *path = g_strdup_printf("/daemon/turn/burst/%s", burst_cases[i].name);
        g_test_add_data_func(path, &burst_cases[i], test_turn_burst);
    }
    g_test_add_func("/daemon/restart/resumes", test_restart_resumes);
    g_test_add_func("/daemon/restart/keeps-threshold-windows", test_restart_keeps_windows);
    g_test_add_func("/daemon/reload/bad-file-kept-out", test_reload);
    g_test_add_func("/daemon/policy/escalation-across-restart", test_escalation);
    g_test_add_func("/daemon/policy/max-bans-refused", test_max_bans);
    g_test_add_func("/daemon/start/second-daemon-refused", test_second_daemon_refused);
    g_test_add_func("/daemon/start/never-ban-at-load", test_never_ban_at_load);
    g_test_add_func("/daemon/tracker/banned-flood-folded", test_banned_flood_folded);
    g_test_add_func("/daemon/start/gone-glob-checkpoint-forgotten",
                    test_gone_glob_checkpoint_forgotten);
    return g_test_run();
}
