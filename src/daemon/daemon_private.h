// SPDX-License-Identifier: GPL-2.0-or-later
// What the daemon's files (daemon.c, the wiring and the turn; daemon_ctl.c, the control
// socket's handlers and status) share: the Daemon itself. Private to src/daemon.
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include "alert.h"
#include "bans.h"
#include "config.h"
#include "ctl_server.h"
#include "daemon.h"
#include "daemon_fw.h"
#include "ownaddr.h"
#include "policy.h"
#include "store.h"
#include "tail.h"

/* An open alert log the daemon follows: its parser and what was last queued for its
 * checkpoint. (The tailer's own per-path state is tail.c's Input.) */
typedef struct {
    Daemon *d;
    TailFile *file;
    AlertReader *reader;
    guint64 base_offset; /* where reading started (a resumed checkpoint, or 0) */
    gboolean alerted;    /* the current feed produced an alert */
    gboolean queued;     /* a checkpoint at queued_offset is queued or committed */
    guint64 queued_offset;
} FollowedLog;

struct Daemon {
    Config *cfg;
    char *config_path;
    char *config_digest; /* SHA-256 of the file as last loaded */
    DaemonOptions opts;
    GMainContext *ctx;
    GMainLoop *loop;

    DaemonFw *fw;
    Store *store;
    Bans *bans;
    Policy *policy;
    OwnAddr *own;
    Tail *tail;
    CtlServer *ctl;
    GFileMonitor *monitor;
    GHashTable *newest_file; /* followed path -> id of the newest TailFile opened on it */

    GSource *turn_source;
    guint signal_ids[3];
    guint purge_id;
    guint verify_id;

    /* Counters for `alertban status`. */
    gint64 started_real_us, started_mono_us;
    AlertStats closed_stats; /* of readers already freed */
    guint64 acted_on;        /* alerts that made or touched a ban */
    guint64 no_offender;
    guint64 turns, commits;
    gint64 last_commit_real_us, last_commit_duration_us;
    guint64 reloads, reload_failures;
    guint64 verifies, verify_repairs;
    gint64 last_verify_real_us;
};

/* The control socket's handlers (daemon_ctl.c); user_data is the Daemon. */
extern const CtlHandlers daemon_ctl_handlers;

/* The parse counts of every alert log, open and closed. */
void daemon_alert_stats(Daemon *d, AlertStats *out);
