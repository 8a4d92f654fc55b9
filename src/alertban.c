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
    const char *args;
    const char *summary;
    CliCommandFunc run;
} CliCommand;

static const CliCommand commands[] = {
    {"parse", "[--json] [FILE...]", "parse alert logs and print one alert per line", cli_parse},
};

static void
usage(FILE *out)
{
    fprintf(out, "Usage: alertban [--help] [--version] COMMAND [ARGS...]\n\nCommands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        char head[64];
        g_snprintf(head, sizeof head, "%s %s", commands[i].name, commands[i].args);
        fprintf(out, "  %-28s %s\n", head, commands[i].summary);
    }
    fprintf(out, "\nRun 'alertban COMMAND --help' for a command's options.\n");
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
