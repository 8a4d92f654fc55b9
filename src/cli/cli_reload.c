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
    g_autoptr(json_t) reply = NULL;
    rc = cli_ctl_call(&opts, &req, &reply);
    if (rc != CLI_EXIT_OK || opts.json)
        return rc;
    const json_t *applied = json_get(reply, "applied");
    const json_t *restart = json_get(reply, "restart_required");
    gsize n_applied = json_array_size(applied);
    gsize n_restart = json_array_size(restart);
    if (!applied && !restart) { /* a daemon that does not list them */
        printf("configuration reloaded\n");
        return CLI_EXIT_OK;
    }
    if (n_applied + n_restart == 0) {
        printf("configuration reloaded: the same as at start\n");
        return CLI_EXIT_OK;
    }
    printf("configuration reloaded\n");
    const json_t *lists[] = {applied, restart};
    const char *titles[] = {"changed since start, in force", "changed, waits for a restart of alertband"};
    gsize counts[] = {n_applied, n_restart};
    for (guint l = 0; l < 2; l++) {
        if (counts[l] == 0)
            continue;
        printf("%s:", titles[l]);
        for (gsize i = 0; i < counts[l]; i++) {
            const char *name = json_string_value(json_array_get(lists[l], i));
            g_autofree char *shown = cli_sanitize(name ? name : "?", 80);
            printf(" %s", shown);
        }
        printf("\n");
    }
    return CLI_EXIT_OK;
}
