// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's firewall backend: chosen at start (configured, dry run, a test's, or auto by
// how many bans are stored) and, with backend = auto, moved with every ban to the backend a
// turn's count of bans asks for. Private to src/daemon.
#pragma once

#include <glib.h>

#include "bans.h"
#include "fw.h"

typedef struct DaemonFw DaemonFw;

/* The backend for a table about to hold n_bans bans: given (borrowed; a test's), the
 * in-memory fake when dry_run, else the configured one (auto: by what the kernel offers and
 * n_bans, through fw_new_for_bans()). cfg is copied: [firewall] changes take effect at the
 * next start. NULL with an error when the backend cannot be built. */
DaemonFw *daemon_fw_new(const FwConfig *cfg, Fw *given, gboolean dry_run, guint n_bans,
                        GError **error);

/* Hands bans to the backend and, with backend = auto, watches its turns to move them. */
void daemon_fw_attach(DaemonFw *df, Bans *bans);

/* The backend in use (borrowed, valid until the next turn). */
Fw *daemon_fw_get(const DaemonFw *df);

/* Why the backend in use was chosen ("configured", "dry_run", "given", or auto's reason). */
const char *daemon_fw_reason(const DaemonFw *df);

/* How many times backend = auto moved the bans. */
guint64 daemon_fw_switches(const DaemonFw *df);

/* After the first reconcile: removes what other backends left in the kernel (a backend used
 * before a restart), so that no ban stays installed twice. Not for a test's or a dry run's. */
void daemon_fw_flush_others(DaemonFw *df);

void daemon_fw_free(DaemonFw *df);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DaemonFw, daemon_fw_free)
