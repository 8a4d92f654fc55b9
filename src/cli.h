// SPDX-License-Identifier: GPL-2.0-or-later
// The alertban CLI's commands: each is one function in its own src/cli_<command>.c, listed in
// the command table in src/alertban.c.
#pragma once

/* Exit codes every command uses. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1, /* the command ran and failed */
    CLI_EXIT_USAGE = 2,   /* bad arguments, or an input that cannot be opened */
};

/* Runs a command. argv[0] is the command's name; the return value is the exit code. */
typedef int (*CliCommandFunc)(int argc, char **argv);

/* alertban parse [--json] [FILE...]: parses alert logs offline and prints one alert per line. */
int cli_parse(int argc, char **argv);
