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
                           "is none), or every ban with --all.",
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
    if (rc != CLI_EXIT_OK || opts.json)
        return rc;
    gint64 removed = json_get_int(reply, "removed", 0);
    char buf[IPADDR_STRLEN];
    if (all) {
        printf("removed %" G_GINT64_FORMAT " ban%s\n", removed, removed == 1 ? "" : "s");
        return CLI_EXIT_OK;
    }
    ipprefix_format(&req.addr, buf);
    if (removed == 0) {
        fprintf(stderr, "alertban: %s is not banned\n", buf);
        return CLI_EXIT_FAILED;
    }
    printf("unbanned %s\n", buf);
    return CLI_EXIT_OK;
}
