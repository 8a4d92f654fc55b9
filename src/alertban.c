// SPDX-License-Identifier: GPL-2.0-or-later
// alertban, the operator's CLI: finds the command named by the first argument and runs it.
#include "cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} CliCommand;

static const CliCommand commands[] = {
    {"list", cli_list, "list active bans"},
    {"show", cli_show, "show an address's ban and history"},
    {"ban", cli_ban, "ban an address or network now"},
    {"unban", cli_unban, "remove bans now"},
    {"status", cli_status, "show the daemon's state and counters"},
    {"reload", cli_reload, "make the daemon reload its configuration"},
};

static void
usage(FILE *out)
{
    fprintf(out, "Usage: alertban COMMAND [OPTIONS]\n\nCommands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'alertban COMMAND --help' describes each command's options.\n"
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
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "alertban: unknown command '%s'\n\n", name);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
