// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's wiring: builds every module from a Config, connects tail -> alert -> policy ->
// bans -> store/firewall, the control socket, the own-address watch, signals and the config
// watch to one GLib main loop, and ends each loop turn with one commit then one firewall change.
#pragma once

#include <glib.h>

#include "config.h"
#include "fw.h"

typedef struct {
    /* A firewall backend to use instead of the one the configuration names (borrowed; for
     * tests). NULL: libiptc, or the in-memory fake when dry_run is set. */
    Fw *fw;
    /* Follow the host's addresses and gateways over netlink (FALSE only in tests). */
    gboolean watch_ownaddr;
    /* Install SIGTERM/SIGINT/SIGHUP handlers and watch the config file. */
    gboolean handle_signals;
} DaemonOptions;

void daemon_options_init(DaemonOptions *opts);

typedef struct Daemon Daemon;

/* Builds and starts everything, in the thread-default main context: the control socket
 * (refusing when another daemon answers on it), the store (state_dir created 0700), the ban
 * table (bans that ended while down are dropped and logged), the firewall reconciled to the
 * store, the own-address watch and the tailer resumed from its checkpoints. Takes cfg.
 * config_path is the file a reload reads. Logs one start line. NULL with an error when the
 * daemon cannot start. */
Daemon *daemon_new(Config *cfg, const char *config_path, const DaemonOptions *opts, GError **error);

/* Runs the main loop until daemon_quit() (or SIGTERM/SIGINT), then ends the last turn
 * (commit, firewall) and, with on_exit = flush, removes the firewall's rules. Returns an exit
 * status. */
int daemon_run(Daemon *d);

/* Makes daemon_run() return after the current turn. */
void daemon_quit(Daemon *d);

/* Re-reads the configuration and swaps it in only when valid; FALSE (the running one kept,
 * the reason logged and in error) otherwise. why is logged ("SIGHUP", "file changed"). */
gboolean daemon_reload(Daemon *d, const char *why, GError **error);

/* daemon_reload() that also tells what changed, as "section.key" names (appended, owned
 * strings; either may be NULL): applied now, and read only at the next restart. */
gboolean daemon_reload_report(Daemon *d, const char *why, GPtrArray *applied,
                              GPtrArray *restart, GError **error);

/* Ends the current turn now: queues the inputs' checkpoints, commits the store, then applies
 * the table's firewall changes. The main loop does this itself at each turn's end. */
gboolean daemon_end_turn(Daemon *d, GError **error);

/* The running configuration (borrowed, valid until the next reload). */
const Config *daemon_get_config(const Daemon *d);

/* The number of bans in force (for the service manager's status line). */
guint daemon_count_bans(const Daemon *d);

void daemon_free(Daemon *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Daemon, daemon_free)

/* --flush: removes every rule, jump and chain alertband owns, through the configured backend. */
gboolean daemon_flush_firewall(const Config *cfg, GError **error);
