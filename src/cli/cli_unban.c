// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban unban`: removes bans from the kernel and the store at once.
#include "cli.h"

#include "cli_ctl.h"
#include "ipaddr.h"

int
cli_unban(int argc, char **argv)
{
    g_auto(CliCtlOptions) opts = {0};
    gboolean all = FALSE;
    const GOptionEntry entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Remove every ban", NULL},
        G_OPTION_ENTRY_NULL,
    };
    int rc = cli_ctl_parse("unban", "ADDR|CIDR|--all",
                           "Removes the ban on an address or network (exit status 1 when there "
                           "is none, with --json too), or every ban with --all.",
                           entries, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    CtlRequest req = {.cmd = CTL_CMD_UNBAN, .all = all};
    if (all && argc != 1)
        return cli_ctl_usage_error("unban", "--all takes no address");
    if (!all) {
        if (argc != 2)
            return cli_ctl_usage_error("unban", "expected one address or network, or --all");
        g_autoptr(GError) error = NULL;
        if (!ipprefix_parse(argv[1], &req.addr, &error))
            return cli_ctl_usage_error("unban", "%s", error->message);
        req.has_addr = TRUE;
    }
    g_autoptr(JsonValue) reply = NULL;
    rc = cli_ctl_call(&opts, &req, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    gint64 removed = json_get_int(reply, "removed", 0);
    /* The daemon answers ok with "removed":0 (nothing went wrong there); a script still learns
     * from the exit status alone that nothing was removed, with --json as without it. */
    char buf[IPADDR_STRLEN];
    if (!all && removed == 0) {
        fprintf(stderr, "alertban: %s is not banned\n", ipprefix_format(&req.addr, buf));
        return CLI_EXIT_FAILED;
    }
    if (opts.json)
        return CLI_EXIT_OK;
    if (all) {
        printf("removed %" G_GINT64_FORMAT " ban%s\n", removed, removed == 1 ? "" : "s");
        return CLI_EXIT_OK;
    }
    printf("unbanned %s\n", ipprefix_format(&req.addr, buf));
    return CLI_EXIT_OK;
}
