// SPDX-License-Identifier: GPL-2.0-or-later
// alertban, the command-line tool: picks a command from the table and runs it. A command is one
// row here plus a function in its own src/cli_<command>.c.
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "cli.h"

typedef struct {
    const char *name;
    const char *summary;
    CliCommandFunc run;
} CliCommand;

static const CliCommand commands[] = {
    {"list", "list active bans", cli_list},
    {"show", "show an address's ban and history", cli_show},
    {"ban", "ban an address or network now", cli_ban},
    {"unban", "remove bans now", cli_unban},
    {"status", "show the daemon's state and counters", cli_status},
    {"reload", "make the daemon reload its configuration", cli_reload},
    {"parse", "parse (or follow) alert logs and print one alert per line", cli_parse},
    {"replay", "show the verdicts a configuration gives old alerts", cli_replay},
};

static void
usage(FILE *out)
{
    fprintf(out, "Usage: alertban COMMAND [OPTIONS]    (or alertban --help | --version)\n\nCommands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'alertban COMMAND --help' for a command's options.\n"
                 "Exit status: 0 success, 1 refused or failed, 2 usage error, 3 daemon not "
                 "reachable.\n");
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("alertban %s\n", ALERTBAN_VERSION);
        return CLI_EXIT_OK;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(name, commands[i].name) == 0) {
            /* Once, before any option parsing: the command's --help says "alertban parse". */
            g_autofree char *prgname = g_strconcat("alertban ", name, NULL);
            g_set_prgname(prgname);
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "alertban: unknown command '%s'\n\n", name);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
