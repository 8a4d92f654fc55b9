// SPDX-License-Identifier: GPL-2.0-or-later
// The alertban CLI's commands: each is one function in its own src/cli_<command>.c, listed in
// the command table in src/alertban.c.
#pragma once

/* Exit codes every command uses. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,      /* the request was refused or failed (reason printed) */
    CLI_EXIT_USAGE = 2,       /* bad arguments, or an input that cannot be opened */
    CLI_EXIT_UNREACHABLE = 3, /* the daemon is not running or not reachable */
    CLI_EXIT_PENDING = 4,     /* ban/unban stored, the firewall not changed yet (retried) */
};

/* Runs a command. argv[0] is the command's name; the return value is the exit code. */
typedef int (*CliCommandFunc)(int argc, char **argv);

/* alertban parse [--json] [FILE...]: parses alert logs offline and prints one alert per line. */
int cli_parse(int argc, char **argv);

/* alertban replay [-c FILE] [--json] LOGFILE...: runs the parser and the policy over existing
 * logs offline and prints every verdict; changes nothing. */
int cli_replay(int argc, char **argv);

/* The operator's commands, talking to the daemon over the control socket. */
int cli_list(int argc, char **argv);
int cli_show(int argc, char **argv);
int cli_ban(int argc, char **argv);
int cli_unban(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_reload(int argc, char **argv);
int cli_stats(int argc, char **argv);
