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
#include "cut.h"
#include "daemon.h"
#include "daemon_fw.h"
#include "metrics_http.h"
#include "ownaddr.h"
#include "policy.h"
#include "rule_stats.h"
#include "share.h"
#include "store.h"
#include "tail.h"

typedef struct DaemonCutWork DaemonCutWork;

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

typedef struct DaemonMetrics DaemonMetrics;
typedef struct DaemonMetricsFw DaemonMetricsFw;

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
    Share *share; /* NULL unless [share] redis is set */
    GFileMonitor *monitor;
    GHashTable *newest_file; /* followed path -> id of the newest TailFile opened on it */
    GHashTable *start_settings; /* "section.key" -> value at start; made at the first reload */

    GSource *turn_source;
    guint signal_ids[3];
    guint purge_id;
    guint verify_id;
    guint verify_again_id; /* a check put off while another program held the xtables lock */

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
    guint64 share_refused;     /* peers' bans this node's never-ban checks (or table) refused */
    guint64 share_implausible; /* peers' bans with an expiry the clocks cannot explain */

    /* Alerts parsed and policy bans made, per rule (`alertban stats`, the rule metrics). */
    RuleStats *rule_stats;

    /* [firewall] cut: ends what each new ban's prefix has open (NULL: off). */
    Cut *cut;
    guint64 cut_conntrack, cut_sockets, cut_failures;
    gboolean cut_failing; /* the last cut failed (warned once until one works again) */
    GArray *recut;        /* IpPrefix: new bans to cut once more, CUT_AGAIN_MS later */
    guint recut_id;
    DaemonCutWork *cut_running; /* the cut under way, a slice at a time (daemon_cut.c) */
    GQueue cut_waiting;         /* DaemonCutWork: the cuts that wait for it, one per kind */
    guint cut_slice_id;
    guint adopted;        /* bans taken from the kernel at start after the store was set aside */
    guint lifted_at_load; /* stored bans on never-banned addresses, lifted at start */

    /* [metrics]: the endpoint and the counters only the metrics read (daemon_metrics.c). */
    DaemonMetrics *metrics;
    DaemonMetricsFw *metrics_fw; /* the last drop counts read, the rules given labels */
};

/* Distinct rules the per-rule counts keep (a sensor's whole rule set fits; the rest, say a
 * flood of made-up SIDs, is summed as "other"). */
#define DAEMON_RULE_STATS_MAX 4096

/* The control socket's handlers (daemon_ctl.c); user_data is the Daemon. */
extern const CtlHandlers daemon_ctl_handlers;

/* The stats command's handler (daemon_stats.c): per-rule counts, bans now and handling. */
gboolean daemon_ctl_stats(const CtlRequest *req, const CtlPeer *peer, JsonWriter *w,
                          gpointer user_data, GError **error);

/* The parse counts of every alert log, open and closed. */
void daemon_alert_stats(Daemon *d, AlertStats *out);

/* Asks for the end of the turn (commit, then the firewall) in the loop's next iteration. */
void daemon_request_turn(Daemon *d);

/* Why banning p would hit what must never be banned here (the network address, an own
 * address or gateway inside p, a protected or whitelisted network), or POLICY_REASON_N; hit
 * gets the address concerned. The check of manual and shared bans alike. */
PolicyReason daemon_check_prefix(Daemon *d, const IpPrefix *p, IpAddr *hit, IpPrefix *matched);

/* Sharing (daemon_share.c): the Share from [share] (none when redis is unset); this node's
 * decisions into the outbox (no-ops without a Share); the "share" member of the status. */
gboolean daemon_share_start(Daemon *d, GError **error);
void daemon_share_publish_ban(Daemon *d, const Ban *ban);
void daemon_share_publish_unban(Daemon *d, const IpPrefix *prefix);
void daemon_share_status(Daemon *d, JsonWriter *w);

/* The cut (daemon_cut.c): with [firewall] cut = yes (and neither a dry run nor a test's
 * backend), opens the netlink sockets and makes the ban table cut each turn's new bans, a
 * slice at a time from the loop; daemon_cut_restored() cuts what every ban in the table has
 * open (at start, once the firewall holds them); daemon_cut_pending() is the number of bans
 * whose cut is not done; daemon_cut_free() finishes what is under way and ends it. */
void daemon_cut_start(Daemon *d);
void daemon_cut_restored(Daemon *d);
guint daemon_cut_pending(const Daemon *d);
void daemon_cut_free(Daemon *d);
/* Metrics (daemon_metrics.c). start: the counters, and the endpoint when [metrics] listen is
 * set (FALSE when it cannot listen). alert: an alert read from path. ban_read: the alert just
 * read made a new ban (its latency to the kernel is measured). reader_closed: the final
 * counts of a reader of path being freed. reload: listens where the reloaded configuration
 * says (FALSE, logged, when it cannot; the endpoint is then off). */
gboolean daemon_metrics_start(Daemon *d, GError **error);
void daemon_metrics_alert(Daemon *d, const char *path, const Alert *alert, gint64 now_us);
void daemon_metrics_ban_read(Daemon *d);
void daemon_metrics_reader_closed(Daemon *d, const char *path, const AlertStats *stats);
/* The tailer forgot path (a glob's file long gone): its series and stored counters end. */
void daemon_metrics_forget_input(Daemon *d, const char *path);
gboolean daemon_metrics_reload(Daemon *d);
/* Queues the counters kept across restarts for the turn's commit: at most once a second,
 * unless now. */
void daemon_metrics_persist(Daemon *d, gboolean now);
void daemon_metrics_status(Daemon *d, JsonWriter *w); /* the "metrics" member of the status */
void daemon_metrics_free(Daemon *d);
/* daemon_metrics_fw.c: the asynchronous collector of what the bans dropped (the kernel's
 * counters, read in a thread; user_data is the Daemon), the per-rule series, and their state's
 * end. */
extern const MetricsAsyncCollector daemon_dropped_collector;
void daemon_metrics_rules(Daemon *d, MetricsWriter *w);
void daemon_metrics_fw_free(Daemon *d);
