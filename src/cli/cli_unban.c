// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban unban`: removes bans from the kernel and the store at once.
#include "cli.h"

#include "cli_ctl.h"
#include "ipaddr.h"

/* The daemon is down: no unban happens (the kernel and the store change together, through
 * the daemon only), but the message says whether the store holds the ban and exactly how to
 * lift it. */
static int
unban_offline(CliCtlOptions *opts, const CtlRequest *req, const char *why)
{
    char buf[IPADDR_STRLEN];
    const char *what = req->all ? "the bans" : ipprefix_format(&req->addr, buf);
    g_autoptr(Store) store = cli_ctl_open_store(opts);
    if (store && !req->all) {
        g_autoptr(GArray) bans = g_array_new(FALSE, FALSE, sizeof(Ban));
        g_autoptr(GError) error = NULL;
        gboolean found = FALSE;
        if (store_load_bans(store, g_get_real_time(), bans, NULL, NULL, &error)) {
            for (guint i = 0; i < bans->len; i++)
                found = found || ipprefix_equal(&g_array_index(bans, Ban, i).prefix, &req->addr);
            if (!found) {
                fprintf(stderr,
                        "alertban: the daemon is not running (%s), and %s has no ban in the "
                        "stored state (%s): there is nothing to lift\n",
                        why, what, store_path(store));
                return CLI_EXIT_FAILED;
            }
        }
    }
    fprintf(stderr,
            "alertban: the daemon is not running (%s), so %s cannot be unbanned now: the ban is "
            "stored%s%s%s and, with on_exit = keep, still in the kernel.\n"
            "  To lift it: start alertband and run this command again (the ban is removed from "
            "the kernel and the store at once);\n"
            "  or, to open the firewall right away, run \"alertband --flush\", which removes "
            "every ban from the kernel (they stay stored and come back at the next start).\n",
            why, what, store ? " (in " : "", store ? store_path(store) : "", store ? ")" : "");
    return CLI_EXIT_UNREACHABLE;
}

/* One unban request and its line of output; the exit status. */
static int
unban_one(CliCtlOptions *opts, const CtlRequest *req)
{
    g_autoptr(json_t) reply = NULL;
    g_autofree char *why = NULL;
    int rc = cli_ctl_call_quiet(opts, req, &reply, &why);
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
    int rc = cli_ctl_parse("unban", "ADDR|CIDR...|--all",
                           "Removes the ban on addresses or networks, one request each (exit "
                           "status 1 when one has none, with --json too; the worst of them), "
                           "or every ban with --all.",
                           entries, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    CtlRequest req = {.cmd = CTL_CMD_UNBAN, .all = all};
    if (all && argc != 1)
        return cli_ctl_usage_error("unban", "--all takes no address");
    if (all)
        return unban_one(&opts, &req);
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
        worst = cli_exit_worst(worst, unban_one(&opts, &req));
    }
    return worst;
}
