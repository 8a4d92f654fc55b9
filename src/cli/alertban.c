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
    {"stats", "show alerts, bans and handling per rule", cli_stats},
    {"parse", "parse (or follow) alert logs and print one alert per line", cli_parse},
    {"replay", "show the verdicts a configuration gives old alerts", cli_replay},
};

/* How many argv entries the global option at argv[i] takes (1 or 2), or 0 when argv[i] is
 * not one. Global options are those every daemon command takes: -c/--config, --socket and
 * --json; written before the command (as in `alertban -c FILE list`), they are moved after
 * it, where the command's option parser reads them. */
static int
global_option_len(int argc, char **argv, int i)
{
    const char *a = argv[i];
    if (strcmp(a, "--json") == 0 || g_str_has_prefix(a, "--config=") ||
        g_str_has_prefix(a, "--socket=") || (g_str_has_prefix(a, "-c") && a[2] != '\0'))
        return 1;
    if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 || strcmp(a, "--socket") == 0)
        return i + 1 < argc ? 2 : 1; /* a missing value is reported by the command's parser */
    return 0;
}

/* Reorders argv in place to "alertban COMMAND GLOBALS... REST...". Returns the index the
 * command was found at before the move (0 when argv[1] is not a global option), or -1 when
 * global options are followed by nothing. */
static int
move_globals_after_command(int argc, char **argv)
{
    int i = 1;
    while (i < argc) {
        int n = global_option_len(argc, argv, i);
        if (n == 0)
            break;
        i += n;
    }
    if (i == 1)
        return 0;
    if (i >= argc)
        return -1;
    /* argv[1..i-1] are globals, argv[i] is the command: rotate the command to the front. */
    char *command = argv[i];
    memmove(argv + 2, argv + 1, (gsize)(i - 1) * sizeof *argv);
    argv[1] = command;
    return i;
}

static void
usage(FILE *out)
{
    fprintf(out, "Usage: alertban [-c FILE] [--socket PATH] [--json] COMMAND [OPTIONS]\n"
                 "       alertban --help | --version\n\nCommands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'alertban COMMAND --help' for a command's options.\n"
                 "Exit status: 0 success, 1 refused or failed, 2 usage error, 3 daemon not "
                 "reachable, 4 stored but not yet in the firewall.\n");
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    if (argc < 2 || move_globals_after_command(argc, argv) < 0) {
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
