// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban unban`: removes bans from the kernel and the store at once, through the daemon or,
// while it is down, directly.
#include "cli.h"

#include "cli_ctl.h"
#include "ctl_client.h"
#include "error.h"
#include "fw_backends.h"
#include "ipaddr.h"

/* ---- while the daemon is down ---------------------------------------------------------
 * The unban goes to the store, where the daemon's next start finds it (its reconcile then
 * removes the kernel's entry), and to the kernel at once wherever a backend's entry can be
 * removed without the daemon's state: an nftables or ipset set element, an iptables rule in
 * alertban's chain. The store's write lock is held from before the check that no daemon
 * answers until the commit: a daemon starting meanwhile waits for it in its first
 * transaction, so it never loads the ban this command removes. */

typedef struct {
    CliCtlOptions *opts;
    const Config *cfg;
    const CtlRequest *req;
    GArray *targets;     /* IpPrefix: the stored bans removed */
    gboolean daemon_up;  /* a daemon answered once the lock was held */
    GString *kernel;     /* the backends whose entries were removed, e.g. "nftables: 1" */
    GString *kernel_err; /* why an entry may still be in the kernel */
} OfflineUnban;

static void
collect_target(const Ban *ban, gpointer data)
{
    OfflineUnban *u = data;
    if (u->req->all || ipprefix_equal(&ban->prefix, &u->req->addr))
        g_array_append_val(u->targets, ban->prefix);
}

static gboolean
kernel_may_hold(FwBackend kind, const FwConfig *cfg)
{
    switch (kind) {
    case FW_BACKEND_NFTABLES:
        return fw_nft_available(cfg);
    case FW_BACKEND_IPTABLES:
        return fw_iptc_available();
    case FW_BACKEND_IPSET:
        return fw_iptc_available() && fw_ipset_available(cfg);
    default:
        return FALSE;
    }
}

/* Removes the targets from every backend whose entries hold them. Each backend is asked for
 * what it has installed first: a backend that was never used has nothing, and is no error. */
static void
unban_kernel(OfflineUnban *u)
{
    static const FwBackend kinds[] = {FW_BACKEND_NFTABLES, FW_BACKEND_IPSET, FW_BACKEND_IPTABLES};
    for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
        if (!kernel_may_hold(kinds[k], &u->cfg->firewall))
            continue;
        g_autoptr(GError) error = NULL;
        g_autoptr(Fw) fw = fw_new_backend(kinds[k], &u->cfg->firewall, &error);
        g_autoptr(GArray) installed = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
        if (!fw || !fw_list(fw, installed, &error)) {
            g_string_append_printf(u->kernel_err, "%s%s: %s", u->kernel_err->len ? "; " : "",
                                   fw_backend_name(kinds[k]), error->message);
            continue;
        }
        g_autoptr(GHashTable) wanted = g_hash_table_new(ipprefix_hash_func, ipprefix_equal_func);
        for (guint i = 0; i < u->targets->len; i++)
            g_hash_table_add(wanted, &g_array_index(u->targets, IpPrefix, i));
        g_autoptr(GArray) changes = g_array_new(FALSE, TRUE, sizeof(FwChange));
        for (guint i = 0; i < installed->len; i++) {
            IpPrefix *p = &g_array_index(installed, IpPrefix, i);
            if (!g_hash_table_remove(wanted, p))
                continue; /* not a target, or a duplicate already taken */
            FwChange c = {.kind = FW_CHANGE_REMOVE, .prefix = *p};
            g_array_append_val(changes, c);
        }
        if (changes->len == 0)
            continue;
        if (!fw_apply(fw, (const FwChange *)changes->data, changes->len, &error)) {
            g_string_append_printf(u->kernel_err, "%s%s: %s", u->kernel_err->len ? "; " : "",
                                   fw_name(fw), error->message);
            continue;
        }
        g_string_append_printf(u->kernel, "%s%s (%u entr%s)", u->kernel->len ? ", " : "",
                               fw_name(fw), changes->len, changes->len == 1 ? "y" : "ies");
    }
}

/* Runs with the store's write lock held. */
static gboolean
offline_check(Store *store, gpointer data, GError **error)
{
    OfflineUnban *u = data;
    g_autoptr(CtlClient) client = ctl_client_connect(cli_ctl_socket_path(u->opts), NULL);
    if (client) {
        u->daemon_up = TRUE;
        g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                            "the daemon started meanwhile");
        return FALSE;
    }
    if (!store_foreach_ban(store, collect_target, u, NULL, error))
        return FALSE;
    for (guint i = 0; i < u->targets->len; i++)
        store_delete_ban(store, &g_array_index(u->targets, IpPrefix, i));
    /* A dry run's bans are never in the kernel. */
    if (u->targets->len > 0 && !u->cfg->daemon.dry_run)
        unban_kernel(u);
    return TRUE;
}

static int unban_one(CliCtlOptions *opts, const CtlRequest *req, gboolean may_go_offline);

static int
unban_offline(CliCtlOptions *opts, const CtlRequest *req, const char *why)
{
    char buf[IPADDR_STRLEN];
    const char *what = req->all ? "every ban" : ipprefix_format(&req->addr, buf);
    g_autoptr(Config) defaults = NULL;
    const Config *cfg = cli_ctl_config(opts);
    if (!cfg) {
        defaults = config_new_defaults();
        config_apply_env(defaults);
        cfg = defaults;
    }
    StoreOptions so;
    store_options_init(&so);
    if (cfg->daemon.dry_run)
        so.db_name = STORE_DRY_RUN_DB_NAME;
    g_autoptr(GError) error = NULL;
    /* Only a state the daemon made: an unban never creates a database. */
    g_autofree char *path =
        g_build_filename(cfg->daemon.state_dir, so.db_name ? so.db_name : STORE_DB_NAME, NULL);
    g_autoptr(Store) store = NULL;
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        g_set_error(&error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE, "%s does not exist", path);
    else
        store = store_open(cfg->daemon.state_dir, &so, &error);
    if (!store) {
        fprintf(stderr,
                "alertban: the daemon is not running (%s), and %s cannot be unbanned in the "
                "stored state either: %s\n"
                "  (unbanning while the daemon is down needs root, as the daemon's state and "
                "the firewall do; or start alertband and run this command again)\n",
                why, what, error->message);
        return CLI_EXIT_UNREACHABLE;
    }
    g_autoptr(GArray) targets = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    g_autoptr(GString) kernel = g_string_new(NULL);
    g_autoptr(GString) kernel_err = g_string_new(NULL);
    OfflineUnban u = {opts, cfg, req, targets, FALSE, kernel, kernel_err};
    if (!store_commit_checked(store, offline_check, &u, &error)) {
        if (u.daemon_up) {
            /* It answers now: the daemon changes the kernel and the store together. */
            g_clear_pointer(&store, store_free);
            return unban_one(opts, req, FALSE);
        }
        fprintf(stderr,
                "alertban: the daemon is not running (%s), and unbanning %s in %s failed: %s%s\n",
                why, what, store_path(store), error->message,
                kernel->len ? " (the kernel's entry was removed, but the daemon puts it back at "
                              "its next start)"
                            : "");
        return CLI_EXIT_FAILED;
    }
    if (targets->len == 0 && !req->all) {
        fprintf(stderr,
                "alertban: the daemon is not running (%s), and %s has no ban in the stored "
                "state (%s): there is nothing to lift\n",
                why, what, store_path(store));
        return CLI_EXIT_FAILED;
    }
    fprintf(stderr,
            "alertban: the daemon is not running (%s): removed %u stored ban%s from %s; the "
            "daemon's next start does not restore %s\n",
            why, targets->len, targets->len == 1 ? "" : "s", store_path(store),
            targets->len == 1 ? "it" : "them");
    int rc = CLI_EXIT_OK;
    if (cfg->daemon.dry_run) {
        fprintf(stderr, "alertban: a dry run's bans are not in the kernel\n");
    } else if (kernel_err->len > 0) {
        fprintf(stderr,
                "alertban: the kernel may still hold %s until alertband starts (its reconcile "
                "removes it): %s\n",
                what, kernel_err->str);
        rc = CLI_EXIT_PENDING;
    } else if (targets->len > 0) {
        fprintf(stderr, "alertban: removed at once from the kernel: %s\n",
                kernel->len ? kernel->str : "nothing (no backend had it installed)");
    }
    if (opts->json) {
        g_autoptr(GString) line = g_string_new(NULL);
        JsonWriter w;
        ctl_proto_reply_begin(&w, line);
        json_add_bool(&w, "offline", TRUE);
        json_add_int(&w, "removed", targets->len);
        json_add_string(&w, "store", store_path(store));
        json_add_bool(&w, "enforced", !cfg->daemon.dry_run && kernel_err->len == 0);
        json_add_string(&w, "kernel", kernel->str);
        if (kernel_err->len)
            json_add_string(&w, "kernel_error", kernel_err->str);
        ctl_proto_reply_end(&w);
        fputs(line->str, stdout);
    } else if (req->all) {
        printf("removed %u ban%s\n", targets->len, targets->len == 1 ? "" : "s");
    } else {
        printf("unbanned %s\n", what);
    }
    return rc;
}

/* One unban request and its line of output; the exit status. */
static int
unban_one(CliCtlOptions *opts, const CtlRequest *req, gboolean may_go_offline)
{
    g_autoptr(json_t) reply = NULL;
    g_autofree char *why = NULL;
    int rc = cli_ctl_call_quiet(opts, req, &reply, may_go_offline ? &why : NULL);
    if (rc == CLI_EXIT_UNREACHABLE && why)
        return unban_offline(opts, req, why);
    if (rc != CLI_EXIT_OK)
        return rc;
    gint64 removed = json_get_int(reply, "removed", 0);
    /* The daemon answers ok with "removed":0 (nothing went wrong there); a script still learns
     * from the exit status alone that nothing was removed, with --json as without it. */
    char buf[IPADDR_STRLEN];
    if (!req->all && removed == 0) {
        fprintf(stderr, "alertban: %s is not banned\n", ipprefix_format(&req->addr, buf));
        return CLI_EXIT_FAILED;
    }
    if (opts->json)
        return CLI_EXIT_OK;
    if (req->all) {
        printf("removed %" G_GINT64_FORMAT " ban%s\n", removed, removed == 1 ? "" : "s");
        return CLI_EXIT_OK;
    }
    printf("unbanned %s\n", ipprefix_format(&req->addr, buf));
    return CLI_EXIT_OK;
}

int
cli_unban(int argc, char **argv)
{
    g_auto(CliCtlOptions) opts = {0};
    gboolean all = FALSE;
    const GOptionEntry entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Remove every ban", NULL},
        G_OPTION_ENTRY_NULL,
    };
    int rc =
        cli_ctl_parse("unban", "ADDR|CIDR...|--all",
                      "Removes the ban on addresses or networks, one request each (exit "
                      "status 1 when one has none, with --json too; the worst of them), "
                      "or every ban with --all. While the daemon is down, the bans are removed "
                      "from the stored state and the kernel directly.",
                      entries, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    CtlRequest req = {.cmd = CTL_CMD_UNBAN, .all = all};
    if (all && argc != 1)
        return cli_ctl_usage_error("unban", "--all takes no address");
    if (all)
        return unban_one(&opts, &req, TRUE);
    if (argc < 2)
        return cli_ctl_usage_error("unban", "expected one or more addresses or networks, or --all");
    /* Every argument is checked before the first request. */
    g_autoptr(GArray) addrs = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    for (int i = 1; i < argc; i++) {
        g_autoptr(GError) error = NULL;
        IpPrefix p;
        if (!ipprefix_parse(argv[i], &p, &error))
            return cli_ctl_usage_error("unban", "%s", error->message);
        g_array_append_val(addrs, p);
    }
    req.has_addr = TRUE;
    int worst = CLI_EXIT_OK;
    for (guint i = 0; i < addrs->len; i++) {
        req.addr = g_array_index(addrs, IpPrefix, i);
        worst = cli_exit_worst(worst, unban_one(&opts, &req, TRUE));
    }
    return worst;
}
