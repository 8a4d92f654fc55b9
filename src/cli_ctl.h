// SPDX-License-Identifier: GPL-2.0-or-later
// What the CLI's daemon commands share: socket options, one request/reply exchange with exit
// codes, and terminal-safe table and time printing.
#pragma once

#include <glib.h>
#include <stdio.h>

#include "ctl_proto.h"

typedef struct {
    char *socket; /* --socket PATH */
    gboolean json;
} CliCtlOptions;

void cli_ctl_options_clear(CliCtlOptions *opts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliCtlOptions, cli_ctl_options_clear)

/* Parses argv with entries plus --socket and --json, for command name with summary text.
 * Returns -1 when the command should go on, else the exit code (0 after --help, 2 on a usage
 * error, already reported). */
int cli_ctl_parse(const char *name, const char *params, const char *summary,
                  const GOptionEntry *entries, CliCtlOptions *opts, int *argc, char ***argv);

/* Reports a usage error for command name and returns CLI_EXIT_USAGE. */
int cli_ctl_usage_error(const char *name, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The socket path: --socket, else $ALERTBAN_SOCKET, else CTL_SOCKET_DEFAULT. */
const char *cli_ctl_socket_path(const CliCtlOptions *opts);

/* Sends req to the daemon. On ok:true returns CLI_EXIT_OK and stores the reply (owned) in
 * *reply; with --json the reply line has then already been printed. Otherwise prints why on
 * stderr (the JSON error reply on stdout with --json) and returns CLI_EXIT_FAILED or
 * CLI_EXIT_UNREACHABLE. */
int cli_ctl_call(const CliCtlOptions *opts, const CtlRequest *req, CtlJsonValue **reply);

/* Copies text for a terminal: control characters become '?', invalid UTF-8 too, and the
 * result is cut to max_chars characters (0: no cut) with "..." at the end. */
char *cli_sanitize(const char *text, guint max_chars);

/* "2026-11-22 18:43:00" in local time, or "-" for a time <= 0. */
char *cli_format_time(gint64 unix_s);

/* A table printed with aligned columns (the last column is not padded). */
typedef struct CliTable CliTable;
CliTable *cli_table_new(guint n_columns, const char *const *headers);
/* Adds a row of n_columns cells; the table takes copies. */
void cli_table_add(CliTable *t, const char *const *cells);
void cli_table_print(const CliTable *t, FILE *out);
void cli_table_free(CliTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliTable, cli_table_free)
