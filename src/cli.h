// SPDX-License-Identifier: GPL-2.0-or-later
// The CLI's commands: each is an entry point taking the arguments after the command name
// (argv[0] is the command itself) and returning the process exit code.
#pragma once

/* Exit codes shared by every command. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,      /* the daemon refused the request or it failed (reason printed) */
    CLI_EXIT_USAGE = 2,       /* bad command line */
    CLI_EXIT_UNREACHABLE = 3, /* the daemon is not running or not reachable */
};

int cli_list(int argc, char **argv);
int cli_show(int argc, char **argv);
int cli_ban(int argc, char **argv);
int cli_unban(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_reload(int argc, char **argv);
