// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's firewall backend: the choice at start and, with backend = auto, moving every
// ban to another backend when the number of bans crosses auto_max_rules.
#include "daemon_fw.h"

#include <string.h>

#include "fw_backends.h"
#include "fw_probe.h"

#define FW_SWITCH_HOLD_US (60 * G_USEC_PER_SEC)
#define FW_OLD_RETRY_S 10

struct DaemonFw {
    FwConfig cfg;
    Fw *fw;        /* in use; owned unless given */
    Fw *given;     /* a test's backend (borrowed) */
    gboolean real; /* the configured backend (not a test's, not a dry run's fake) */
    gboolean automatic;
    struct {
        FwKernelCaps caps; /* what the kernel offers (probed for backend = auto only) */
        char why[160];     /* "configured", "given", "dry_run" or fw_auto_choose()'s reason */
    } choice;
    guint64 switches;
    gint64 hold_until_us; /* monotonic: no new try before, after a failed move */
    /* A backend the bans moved away from whose removal failed, retried on a timer. */
    Fw *old;
    guint old_retry_id;
};

DaemonFw *
daemon_fw_new(const FwConfig *cfg, Fw *given, gboolean dry_run, guint n_bans, GError **error)
{
    g_autoptr(DaemonFw) df = g_new0(DaemonFw, 1);
    df->cfg = *cfg;
    if (given) {
        df->fw = df->given = given;
        g_strlcpy(df->choice.why, "given", sizeof df->choice.why);
    } else if (dry_run) {
        df->fw = fw_fake_new();
        g_strlcpy(df->choice.why, "dry_run", sizeof df->choice.why);
    } else {
        df->real = TRUE;
        df->automatic = cfg->backend == FW_BACKEND_AUTO;
        df->fw = fw_new_for_bans(&df->cfg, n_bans, &df->choice.caps, df->choice.why,
                                 sizeof df->choice.why, error);
        if (!df->fw)
            return NULL;
    }
    return g_steal_pointer(&df);
}

Fw *
daemon_fw_get(const DaemonFw *df)
{
    return df->fw;
}

const char *
daemon_fw_reason(const DaemonFw *df)
{
    return df->choice.why;
}

guint64
daemon_fw_switches(const DaemonFw *df)
{
    return df->switches;
}

void
daemon_fw_flush_others(DaemonFw *df)
{
    if (!df->real)
        return;
    g_autoptr(GError) err = NULL;
    if (!fw_flush_others(&df->cfg, df->fw, &err))
        g_warning("daemon: removing the other firewall backend's rules failed: %s", err->message);
}

/* Removes what a backend the bans moved away from holds; TRUE when done (it is freed). */
static gboolean
drop_old(DaemonFw *df)
{
    g_autoptr(GError) err = NULL;
    if (!fw_flush(df->old, &err)) {
        g_warning("firewall: removing the %s backend's entries after the move to %s failed "
                  "(retrying every %d s; until then its bans stay in the kernel): %s",
                  fw_name(df->old), fw_name(df->fw), FW_OLD_RETRY_S, err->message);
        return FALSE;
    }
    g_clear_pointer(&df->old, fw_free);
    return TRUE;
}

static gboolean
on_old_retry(gpointer data)
{
    DaemonFw *df = data;
    if (!df->old || drop_old(df)) {
        df->old_retry_id = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void
forget_old(DaemonFw *df)
{
    g_clear_pointer(&df->old, fw_free);
    if (df->old_retry_id) {
        g_source_remove(df->old_retry_id);
        df->old_retry_id = 0;
    }
}

/* The ban table's turn: with backend = auto, moves every ban to the backend the new count
 * asks for, before the turn's changes go out (they go out with the move). */
static void
on_bans_turn(Bans *bans, guint n_bans, gpointer data)
{
    DaemonFw *df = data;
    FwBackend have = fw_kind(df->fw);
    char why[sizeof df->choice.why];
    FwBackend want =
        fw_auto_choose(&df->choice.caps, have, n_bans, df->cfg.auto_max_rules, why, sizeof why);
    gint64 t0 = g_get_monotonic_time();
    if (want == have || t0 < df->hold_until_us)
        return;
    /* Moving back to a backend whose removal is still pending: the move's reconcile makes it
     * hold exactly the table, and the pending removal must not take that away again. */
    if (df->old && fw_kind(df->old) == want)
        forget_old(df);
    g_autoptr(GError) err = NULL;
    g_autoptr(Fw) fw = fw_new_backend(want, &df->cfg, &err);
    FwReconcileStats rs = {0};
    if (!fw || !bans_move_to_fw(bans, fw, &rs, &err)) {
        df->hold_until_us = t0 + FW_SWITCH_HOLD_US;
        g_warning("firewall: moving %u bans from %s to %s (%s) failed; they stay with %s, next "
                  "try in %d s: %s",
                  n_bans, fw_name(df->fw), fw_backend_name(want), why, fw_name(df->fw),
                  (int)(FW_SWITCH_HOLD_US / G_USEC_PER_SEC), err->message);
        if (fw) {
            g_autoptr(GError) ferr = NULL;
            if (!fw_flush(fw, &ferr))
                g_warning("firewall: removing the part moved to %s failed: %s",
                          fw_backend_name(want), ferr->message);
        }
        return;
    }
    forget_old(df);
    df->old = df->fw;
    df->fw = g_steal_pointer(&fw);
    g_strlcpy(df->choice.why, why, sizeof df->choice.why);
    df->switches++;
    const char *from = fw_name(df->old);
    gboolean dropped = drop_old(df);
    g_message("firewall backend: %s (%s): moved %u bans from %s in %" G_GINT64_FORMAT " ms",
              fw_name(df->fw), why, n_bans, from, (g_get_monotonic_time() - t0) / 1000);
    if (!dropped)
        df->old_retry_id = g_timeout_add_seconds(FW_OLD_RETRY_S, on_old_retry, df);
}

void
daemon_fw_attach(DaemonFw *df, Bans *bans)
{
    bans_set_fw(bans, df->fw);
    if (df->automatic)
        bans_set_turn_func(bans, on_bans_turn, df);
}

void
daemon_fw_free(DaemonFw *df)
{
    if (!df)
        return;
    forget_old(df);
    if (df->fw != df->given)
        fw_free(df->fw);
    g_free(df);
}
