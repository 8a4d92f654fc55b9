// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban unban`: removes bans from the kernel and the store at once.
#include "cli.h"

#include "cli_ctl.h"
#include "ipaddr.h"

/* One unban request and its line of output; the exit status. */
static int
unban_one(CliCtlOptions *opts, const CtlRequest *req)
{
    g_autoptr(JsonValue) reply = NULL;
    int rc = cli_ctl_call(opts, req, &reply);
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
