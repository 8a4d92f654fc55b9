// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban reload`: asks the daemon to reload its configuration and says whether it took.
#include "cli.h"

#include "cli_ctl.h"

int
cli_reload(int argc, char **argv)
{
    g_auto(CliCtlOptions) opts = {0};
    int rc = cli_ctl_parse("reload", "",
                           "Makes the daemon re-read its configuration. A configuration with "
                           "errors is not taken; the daemon keeps the running one and the "
                           "error is printed.",
                           NULL, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    if (argc != 1)
        return cli_ctl_usage_error("reload", "takes no arguments");
    CtlRequest req = {.cmd = CTL_CMD_RELOAD};
    g_autoptr(JsonValue) reply = NULL;
    rc = cli_ctl_call(&opts, &req, &reply);
    if (rc != CLI_EXIT_OK || opts.json)
        return rc;
    printf("configuration reloaded\n");
    return CLI_EXIT_OK;
}
