// SPDX-License-Identifier: GPL-2.0-or-later
// alertban replay: runs the parser and the policy over existing alert logs, offline, with the
// alerts' own timestamps as `now`, and prints every verdict. It changes nothing (no state, no
// firewall): an operator runs it to see what a configuration would do to last week's alerts.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "alert.h"
#include "cli.h"
#include "cli_offline.h"
#include "config.h"
#include "ownaddr.h"
#include "policy.h"
#include "replay.h"
#include "store.h"

#define DEFAULT_CONFIG ALERTBAN_SYSCONFDIR "/alertban/alertban.conf"
#define OUT_FLUSH (64 * 1024)

typedef struct {
    const Config *cfg;
    Policy *policy;
    ReplayBans *bans;
    gboolean json;
    gboolean skipped; /* --skipped */
    int year;         /* > 0: --year, used for timestamps without one */
    gint64 ref_us;    /* the current file's mtime: year inference */
    GString *out;
    gboolean write_failed;
    guint64 alerts;
    guint64 no_time;  /* alerts without a usable timestamp: not decided */
    AlertStats lines; /* parse counts of every file */
} Replay;

static void
output_flush(Replay *r)
{
    cli_write_stdout("alertban replay", r->out, &r->write_failed);
}

static void
on_alert(const Alert *alert, gpointer user_data)
{
    Replay *r = user_data;
    r->alerts++;
    gint64 now_us;
    gboolean ok = r->year > 0 ? alert_timestamp_to_unix_us(alert, r->year, &now_us)
                              : replay_alert_time_us(alert, r->ref_us, &now_us);
    if (!ok) {
        r->no_time++;
        return;
    }
    /* The daemon's decision path: the policy's verdict, carried out on the ban table. */
    Verdict v;
    policy_record_alert(r->policy, alert, now_us, &v);
    policy_apply_verdict(r->policy, alert, now_us, &v);

    IpAddr shown = v.offender;
    gboolean shown_dst = v.offender_is_dst;
    if (!shown.family)
        policy_offender(r->cfg, alert, &shown, &shown_dst);
    if (r->write_failed)
        return;
    if (r->json) {
        replay_append_json(r->out, alert, now_us, &v, &shown, shown_dst);
        g_string_append_c(r->out, '\n');
    } else {
        replay_append_text(r->out, alert, now_us, &v, &shown, shown_dst);
    }
    if (r->out->len >= OUT_FLUSH)
        output_flush(r);
}

/* Feeds every line of fd to a reader of its own (alert_full blocks never span files). FALSE on
 * a read error. */
static gboolean
replay_fd(Replay *r, int fd, const char *name)
{
    g_autoptr(AlertReader) reader = alert_reader_new();
    CliSkipped k = {.name = name};
    if (r->skipped)
        alert_reader_set_skip_func(reader, cli_print_skipped, &k);
    gboolean ok = cli_read_alerts("alertban replay", fd, name, reader, on_alert, r);
    alert_reader_flush(reader, on_alert, r);
    alert_stats_add(&r->lines, alert_reader_stats(reader));
    return ok;
}

/* The host's own addresses and default gateways, read once from rtnetlink: the watch's source
 * is attached to a private context that is never run, so the set stays as it was at start. */
static OwnAddr *
load_host_addresses(GMainContext **ctx_out)
{
    g_autoptr(GError) error = NULL;
    OwnAddr *own = ownaddr_new();
    GMainContext *ctx = g_main_context_new();
    if (!ownaddr_watch(own, ctx, &error)) {
        fprintf(stderr,
                "alertban replay: cannot read this host's addresses (%s): no address is treated "
                "as the host's own\n",
                error->message);
    }
    *ctx_out = ctx;
    return own;
}

/* --manual-bans: the operator's bans in the daemon's state (read-only), in force from the
 * replay's start until they end. FALSE (reported) when the state cannot be read. */
static gboolean
load_manual_bans(const Config *cfg, ReplayBans *bans)
{
    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    if (cfg->daemon.dry_run)
        so.db_name = STORE_DRY_RUN_DB_NAME;
    g_autoptr(GError) error = NULL;
    g_autoptr(Store) store = store_open(cfg->daemon.state_dir, &so, &error);
    g_autoptr(GArray) active = g_array_new(FALSE, FALSE, sizeof(Ban));
    if (!store || !store_load_bans(store, g_get_real_time(), active, NULL, NULL, &error)) {
        fprintf(stderr, "alertban replay: --manual-bans: %s\n", error->message);
        return FALSE;
    }
    guint n = 0;
    for (guint i = 0; i < active->len; i++) {
        const Ban *ban = &g_array_index(active, Ban, i);
        if (ban->source != BAN_SOURCE_MANUAL)
            continue;
        replay_bans_add_manual(bans, &ban->prefix,
                               ban->expires_us == BAN_EXPIRES_NEVER ? 0 : ban->expires_us);
        n++;
    }
    fprintf(stderr, "alertban replay: %u manual bans from %s\n", n, store_path(store));
    return TRUE;
}

/* The host's own addresses: those given (--own-address; NULL, reported, when one is not an
 * address), or this host's, read once (*ctx_out then holds the context to free). */
static OwnAddr *
own_addresses(char **own_texts, GMainContext **ctx_out)
{
    if (!own_texts)
        return load_host_addresses(ctx_out);
    g_autoptr(OwnAddr) own = ownaddr_new();
    for (char **t = own_texts; *t; t++) {
        IpAddr a;
        if (!ipaddr_parse(*t, &a)) {
            fprintf(stderr, "alertban replay: --own-address: '%s' is not an address\n", *t);
            return NULL;
        }
        ownaddr_add(own, OWNADDR_LOCAL, &a);
    }
    return g_steal_pointer(&own);
}

/* Replays every path, oldest first; the exit status (usage when one cannot be read). */
static int
replay_files(Replay *r, int n, char **paths)
{
    int status = CLI_EXIT_OK;
    for (int i = 0; i < n && !r->write_failed; i++) {
        const char *path = paths[i];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            fprintf(stderr, "alertban replay: cannot open %s: %s\n", path, g_strerror(errno));
            if (fd >= 0)
                close(fd);
            status = CLI_EXIT_USAGE;
            continue;
        }
        r->ref_us = (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
        if (!replay_fd(r, fd, path))
            status = CLI_EXIT_USAGE;
        close(fd);
    }
    return status;
}

static void
print_summary(const Replay *r, const PolicyStats *ps)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s,
                           "alertban replay: %" G_GUINT64_FORMAT " alerts, %" G_GUINT64_FORMAT
                           " without a usable timestamp; %" G_GUINT64_FORMAT
                           " bans, %" G_GUINT64_FORMAT " extensions, %u addresses banned\n",
                           r->alerts, r->no_time, ps->bans, ps->extensions,
                           replay_bans_addresses(r->bans));
    g_string_append(s, "alertban replay: verdicts:");
    gboolean any = FALSE;
    for (int i = 0; i < POLICY_REASON_N; i++) {
        if (ps->reasons[i] == 0)
            continue;
        g_string_append_printf(s, " %s=%" G_GUINT64_FORMAT, policy_reason_name(i), ps->reasons[i]);
        any = TRUE;
    }
    g_string_append(s, any ? "\n" : " none\n");
    g_string_append(s, "alertban replay: lines skipped:");
    for (int i = ALERT_SKIP_NONE + 1; i < ALERT_SKIP_N_REASONS; i++)
        g_string_append_printf(s, " %s=%" G_GUINT64_FORMAT, alert_skip_reason_name(i),
                               r->lines.skipped[i]);
    g_string_append_c(s, '\n');
    fputs(s->str, stderr);
    g_string_free(s, TRUE);
}

static const char summary[] =
    "Runs the parser and the policy of a configuration over existing alert logs, offline,\n"
    "with each alert's own timestamp as the current time, and prints one verdict per alert:\n"
    "time, address, action (ban, extend, none), reason, rule, alerts in the window, ban\n"
    "time and expiry. Nothing is changed: no state, no firewall. Bans are kept in memory so\n"
    "later alerts see them (extension, escalation of repeat offenders), and a table that\n"
    "holds max_bans refuses new ones, as the daemon's does. Give the LOGFILEs oldest first\n"
    "(alert.1 before alert).\n\n"
    "--manual-bans starts from the bans an operator set (alertban ban) that the daemon's\n"
    "state holds now, each in force from the first alert until it ends: alerts of an\n"
    "address inside one are counted into it, as the daemon counts them.\n\n"
    "Timestamps without a year (Snort's MM/DD-hh:mm:ss) get the year of the file's mtime,\n"
    "or the year before when that would put them more than a day after the mtime (a log\n"
    "from December rotated in January); --year sets it instead. Times are read in the local\n"
    "time zone (TZ), as the sensor wrote them, and printed in UTC.\n\n"
    "The host's own addresses and gateways are this host's, read once at start, unless\n"
    "--own-address gives them. A summary goes to standard error.\n\n"
    "Exit status: 0 when every log was read, 1 when output cannot be written, 2 on a bad\n"
    "configuration, a log that cannot be read, or a usage error.";

int
cli_replay(int argc, char **argv)
{
    g_autofree char *config_path = NULL;
    g_auto(GStrv) own_texts = NULL;
    gboolean json = FALSE;
    gboolean manual_bans = FALSE;
    gboolean skipped = FALSE;
    int year = 0;
    int seed = 0;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
         "Configuration file (default " DEFAULT_CONFIG ", or $ALERTBAN_CONFIG)", "FILE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per verdict", NULL},
        {"own-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &own_texts,
         "Treat ADDR as the host's own instead of this host's addresses (repeatable)", "ADDR"},
        {"manual-bans", 0, 0, G_OPTION_ARG_NONE, &manual_bans,
         "Start from the operator's bans in the daemon's state (read-only)", NULL},
        {"year", 0, 0, G_OPTION_ARG_INT, &year,
         "Year of timestamps that have none (default: inferred from each file's mtime)", "YYYY"},
        {"seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the random ban extension (default 0)",
         "N"},
        {"skipped", 0, 0, G_OPTION_ARG_NONE, &skipped,
         "Print every line not taken, with FILE:LINE and the reason, to standard error", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LOGFILE... - replay alert logs");
    g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "alertban replay: %s\nRun 'alertban replay --help' for usage.\n",
                error->message);
        return CLI_EXIT_USAGE;
    }
    if (argc < 2) {
        fprintf(stderr, "alertban replay: no LOGFILE given\nRun 'alertban replay --help' for "
                        "usage.\n");
        return CLI_EXIT_USAGE;
    }
    if (year != 0 && (year < 1970 || year > 9999)) {
        fprintf(stderr, "alertban replay: --year %d is out of range (1970-9999)\n", year);
        return CLI_EXIT_USAGE;
    }
    if (!config_path) {
        const char *env = g_getenv("ALERTBAN_CONFIG");
        config_path = g_strdup(env && *env ? env : DEFAULT_CONFIG);
    }
    g_autoptr(Config) cfg = config_load_file(config_path, &error);
    if (!cfg) {
        fprintf(stderr, "alertban replay: %s\n", error->message);
        return CLI_EXIT_USAGE;
    }
    g_autoptr(ReplayBans) bans = replay_bans_new(cfg->daemon.max_bans);
    if (manual_bans) {
        config_apply_env(cfg); /* the daemon's state directory, as the daemon finds it */
        if (!load_manual_bans(cfg, bans))
            return CLI_EXIT_USAGE;
    }

    GMainContext *own_ctx = NULL;
    g_autoptr(OwnAddr) own = own_addresses(own_texts, &own_ctx);
    if (!own)
        return CLI_EXIT_USAGE;

    g_autoptr(Policy) policy = policy_new(cfg, (guint32)seed);
    policy_set_ownaddr(policy, own);
    policy_set_ban_lookup(policy, replay_bans_lookup, bans);
    policy_set_ban_func(policy, replay_bans_apply, bans);
    Replay r = {
        .cfg = cfg,
        .policy = policy,
        .bans = bans,
        .json = json,
        .skipped = skipped,
        .year = year,
        .out = g_string_sized_new(OUT_FLUSH + 4096),
    };

    int status = replay_files(&r, argc - 1, argv + 1);
    output_flush(&r);
    g_string_free(r.out, TRUE);
    print_summary(&r, policy_stats(policy));

    g_clear_pointer(&policy, policy_free); /* borrows own */
    g_clear_pointer(&own, ownaddr_free);
    if (own_ctx)
        g_main_context_unref(own_ctx);
    if (r.write_failed && status == CLI_EXIT_OK)
        status = CLI_EXIT_FAILED;
    return status;
}
