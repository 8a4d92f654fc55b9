// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's wiring: builds every module from a Config, connects tail -> alert -> policy ->
// bans -> store/firewall, the control socket, the own-address watch, signals and the config
// watch to one GLib main loop, and ends each loop turn with one commit then one firewall change.
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "daemon_private.h"
#include "error.h"
#include "fw_backends.h"
#include "fw_probe.h"
#include "log.h"

/*
 * One turn, one transaction. Each alert a tail callback completes is decided at once (the
 * policy must see the ban table as the previous alert left it) and its effects are queued:
 * the tracker row, the ban change, and the checkpoint of its input at the parser's safe offset
 * (alert_reader_safe_offset(): every byte before it has been emitted or skipped). Nothing is
 * written yet. The turn ends in an idle at G_PRIORITY_DEFAULT_IDLE, which runs once the
 * loop's ready sources (the tailer's inotify source, the control socket, timers) have been
 * dispatched: it queues the latest checkpoint of every input and calls bans_commit(), which
 * commits the store (one SQLite transaction) and only then applies the table's changes to
 * the firewall in one fw_apply().
 *
 * Why the checkpoint is queued with each alert and not only at the turn's end: the ban
 * table's own sources (the expiry timer, a retry) also end in bans_commit() and may run
 * between a tail callback and this idle; whatever commit happens, the rows of an alert are
 * never committed without the checkpoint that covers it. A crash therefore either loses the
 * whole uncommitted turn (its alerts are read again at restart, from the older checkpoint)
 * or keeps all of it; a crash after the commit but before the firewall change is repaired by
 * the reconcile at start. An alert is acted on exactly once.
 */

static void request_turn(Daemon *d);
static gboolean is_newest(Daemon *d, TailFile *file);

void
daemon_options_init(DaemonOptions *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->watch_ownaddr = TRUE;
    opts->handle_signals = TRUE;
}

const Config *
daemon_get_config(const Daemon *d)
{
    return d->cfg;
}

guint
daemon_count_bans(const Daemon *d)
{
    BansCounts bc;
    bans_counts(d->bans, &bc);
    return bc.total;
}

/* ---- checkpoints ---- */

/* TailCheckpoint's 64-bit fingerprint and its length go into the store's byte string as
 * 8 + 4 little-endian bytes. */
#define CHECKPOINT_FP_BYTES 12

static void
checkpoint_to_store(const TailCheckpoint *tc, StoreTailPosition *sc)
{
    memset(sc, 0, sizeof *sc);
    g_strlcpy(sc->path, tc->path, sizeof sc->path);
    sc->dev = tc->device;
    sc->ino = tc->inode;
    sc->offset = tc->offset;
    for (guint i = 0; i < 8; i++)
        sc->fingerprint[i] = (guint8)(tc->fingerprint >> (8 * i));
    for (guint i = 0; i < 4; i++)
        sc->fingerprint[8 + i] = (guint8)(tc->fingerprint_len >> (8 * i));
    sc->fingerprint_len = CHECKPOINT_FP_BYTES;
}

static gboolean
checkpoint_from_store(const StoreTailPosition *sc, TailCheckpoint *tc)
{
    if (sc->fingerprint_len != CHECKPOINT_FP_BYTES)
        return FALSE;
    memset(tc, 0, sizeof *tc);
    g_strlcpy(tc->path, sc->path, sizeof tc->path);
    tc->device = sc->dev;
    tc->inode = sc->ino;
    tc->offset = sc->offset;
    for (guint i = 0; i < 8; i++)
        tc->fingerprint |= (guint64)sc->fingerprint[i] << (8 * i);
    for (guint i = 0; i < 4; i++)
        tc->fingerprint_len |= (guint32)sc->fingerprint[8 + i] << (8 * i);
    return tc->fingerprint_len <= TAIL_FINGERPRINT_MAX;
}

/* Queues the checkpoint of in at its parser's safe offset, unless already queued there. */
static void
queue_checkpoint(FollowedLog *in)
{
    Daemon *d = in->d;
    /* The reader counts from its first line: before the first line it fed (or while a block
     * that began there is open) the safe offset is where reading started. */
    guint64 offset = MAX(alert_reader_safe_offset(in->reader), in->base_offset);
    if (in->queued && in->queued_offset == offset)
        return;
    TailCheckpoint tc;
    g_autoptr(GError) error = NULL;
    if (!tail_checkpoint(d->tail, in->file, offset, &tc, &error)) {
        g_warning("daemon: no checkpoint for %s: %s", tail_file_get_path(in->file), error->message);
        return;
    }
    StoreTailPosition sc;
    checkpoint_to_store(&tc, &sc);
    store_put_tail_position(d->store, &sc);
    in->queued = TRUE;
    in->queued_offset = offset;
}

/* ---- alerts ---- */

/* The policy's view of the ban table: the most specific ban in force covering a. */
static void
lookup_ban(const IpAddr *a, gint64 now_us, PolicyBanInfo *out, gpointer user_data)
{
    Daemon *d = user_data;
    Ban ban;
    if (bans_lookup_addr(d->bans, a, &ban) &&
        (ban.expires_us == BAN_EXPIRES_NEVER || ban.expires_us > now_us)) {
        out->banned = TRUE;
        out->manual = ban.source == BAN_SOURCE_MANUAL;
        out->expires_us = ban.expires_us == BAN_EXPIRES_NEVER ? 0 : ban.expires_us;
        out->prefix = ban.prefix;
    }
}

/* Asked only when a verdict is about to ban a: the count may be a store read. */
static guint
lookup_offenses(const IpAddr *a, gpointer user_data)
{
    Daemon *d = user_data;
    IpPrefix p;
    policy_ban_prefix(d->policy, a, &p);
    return bans_prior_bans(d->bans, &p);
}

/* The ban table as policy_apply_verdict() changes it; FALSE when it is full. */
static gboolean
apply_ban(const PolicyBanOrder *order, gpointer user_data)
{
    Daemon *d = user_data;
    BanRequest req = {
        .prefix = order->prefix,
        .source = BAN_SOURCE_POLICY,
        .duration_s = order->duration_s,
        .gid = order->gid,
        .sid = order->sid,
        .rev = order->rev,
        .msg = order->msg,
        .reason = order->reason,
        .alerts = order->alerts,
        .window_s = order->window_s,
    };
    Ban ban;
    BansResult r = bans_add(d->bans, &req, &ban);
    if (r == BANS_ADDED || r == BANS_EXTENDED)
        daemon_share_publish_ban(d, &ban);
    return r != BANS_REFUSED;
}

static void
on_alert(const Alert *alert, gpointer user_data)
{
    FollowedLog *in = user_data;
    Daemon *d = in->d;
    gint64 now_us = g_get_real_time();
    Verdict v;
    rule_stats_count_alert_msg(d->rule_stats, alert->gid, alert->sid, alert->msg);
    daemon_metrics_alert(d, tail_file_get_path(in->file), alert, now_us);
    policy_record_alert(d->policy, alert, now_us, &v);
    if (v.offender.family == 0) {
        d->no_offender++;
        return;
    }
    if (policy_apply_verdict(d->policy, alert, now_us, &v))
        d->acted_on++;
    if (v.action == VERDICT_BAN) { /* still BAN: the table took it */
        rule_stats_count_ban(d->rule_stats, v.gid, v.sid);
        daemon_metrics_ban_read(d);
    }
    const char *word = policy_verdict_word(&v);
    if (log_level_enabled(G_LOG_LEVEL_INFO)) {
        char addr[IPADDR_STRLEN];
        g_info("policy: addr=%s rule=%u:%u:%u verdict=%s alerts=%u",
               ipaddr_format(&v.offender, addr), v.gid, v.sid, v.rev, word, v.alerts);
    }
    StoreViolation sv;
    store_violation_from_alert(alert, v.offender_is_dst, now_us, word, &sv);
    /* A ban and a counted alert are rows of their own (the threshold windows are refilled
     * from the counted ones at start); every other alert (of a banned address, a
     * never-banned one, a filtered one) only makes history and is folded a row a minute, so
     * that a source the sensor keeps reporting cannot fill the disk. */
    if (v.action == VERDICT_BAN || v.reason == POLICY_REASON_BELOW_THRESHOLD)
        store_add_violation(d->store, &sv);
    else
        store_fold_violation(d->store, &sv);
    in->alerted = TRUE;
}

void
daemon_alert_stats(Daemon *d, AlertStats *out)
{
    *out = d->closed_stats;
    if (!d->tail)
        return;
    g_autoptr(GPtrArray) files = tail_list_files(d->tail);
    for (guint i = 0; i < files->len; i++) {
        FollowedLog *in = tail_file_get_user_data(files->pdata[i]);
        if (in)
            alert_stats_add(out, alert_reader_stats(in->reader));
    }
}

/* ---- the tailer's callbacks ---- */

static FollowedLog *
input_for(Daemon *d, TailFile *file)
{
    FollowedLog *in = tail_file_get_user_data(file);
    if (!in) {
        in = g_new0(FollowedLog, 1);
        in->d = d;
        in->file = file;
        in->reader = alert_reader_new();
        in->base_offset = tail_file_get_delivered(file);
        tail_file_set_user_data(file, in);
    }
    return in;
}

static void
input_free(FollowedLog *in)
{
    alert_stats_add(&in->d->closed_stats, alert_reader_stats(in->reader));
    daemon_metrics_reader_closed(in->d, tail_file_get_path(in->file),
                                 alert_reader_stats(in->reader));
    alert_reader_free(in->reader);
    g_free(in);
}

static void
on_line(TailFile *file, const char *line, gsize len, guint64 end_offset, gpointer user_data)
{
    Daemon *d = user_data;
    FollowedLog *in = input_for(d, file);
    in->alerted = FALSE;
    alert_reader_feed(in->reader, line, len, end_offset, on_alert, in);
    if (in->alerted && is_newest(d, file))
        queue_checkpoint(in);
    request_turn(d);
}

static void
on_idle(TailFile *file, gpointer user_data)
{
    Daemon *d = user_data;
    FollowedLog *in = input_for(d, file);
    in->alerted = FALSE;
    alert_reader_flush(in->reader, on_alert, in);
    if (in->alerted && is_newest(d, file))
        queue_checkpoint(in);
    request_turn(d);
}

/* A followed path's checkpoint belongs to the newest file opened on it: a rotated file still
 * draining must not move the key back to itself. */
static gboolean
is_newest(Daemon *d, TailFile *file)
{
    const guint64 *newest = g_hash_table_lookup(d->newest_file, tail_file_get_path(file));
    return !newest || *newest == tail_file_get_id(file);
}

static void
on_tail_event(TailFile *file, TailEvent event, gpointer user_data)
{
    Daemon *d = user_data;
    const char *path = tail_file_get_path(file);
    switch (event) {
    case TAIL_EVENT_OPENED:
        g_hash_table_insert(d->newest_file, g_strdup(path),
                            g_memdup2(&(guint64){tail_file_get_id(file)}, sizeof(guint64)));
        input_for(d, file);
        g_info("daemon: following %s from offset %" G_GUINT64_FORMAT, path,
               tail_file_get_delivered(file));
        break;
    case TAIL_EVENT_TRUNCATED: {
        /* Offsets restart at 0: a fresh parser (any open block was flushed just before). */
        FollowedLog *in = input_for(d, file);
        alert_stats_add(&d->closed_stats, alert_reader_stats(in->reader));
        daemon_metrics_reader_closed(d, path, alert_reader_stats(in->reader));
        alert_reader_free(in->reader);
        in->reader = alert_reader_new();
        in->base_offset = 0;
        in->queued = FALSE;
        g_message("daemon: %s was truncated; reading it again from its start", path);
        break;
    }
    case TAIL_EVENT_CLOSED: {
        FollowedLog *in = tail_file_get_user_data(file);
        if (!in)
            break;
        /* The last checkpoint of a rotated file, unless a newer file of the same path has
         * taken over the key. */
        if (is_newest(d, file))
            queue_checkpoint(in);
        tail_file_set_user_data(file, NULL);
        input_free(in);
        request_turn(d);
        break;
    }
    }
}

/* ---- the turn ---- */

gboolean
daemon_end_turn(Daemon *d, GError **error)
{
    if (d->tail) {
        g_autoptr(GPtrArray) files = tail_list_files(d->tail);
        for (guint i = 0; i < files->len; i++) {
            FollowedLog *in = tail_file_get_user_data(files->pdata[i]);
            if (in && is_newest(d, in->file))
                queue_checkpoint(in);
        }
    }
    daemon_metrics_persist(d, FALSE);
    d->turns++;
    gboolean commit = store_pending(d->store) > 0;
    gint64 t0 = g_get_monotonic_time();
    gboolean ok = bans_commit(d->bans, error);
    if (commit && ok) {
        d->commits++;
        d->last_commit_real_us = g_get_real_time();
        d->last_commit_duration_us = g_get_monotonic_time() - t0;
    }
    return ok;
}

static gboolean
on_turn_end(gpointer data)
{
    Daemon *d = data;
    g_clear_pointer(&d->turn_source, g_source_unref);
    daemon_end_turn(d, NULL);
    return G_SOURCE_REMOVE;
}

static void
request_turn(Daemon *d)
{
    if (d->turn_source)
        return;
    d->turn_source = g_idle_source_new();
    /* After the turn's ready sources, before the ban table's own flush (G_PRIORITY_LOW). */
    g_source_set_priority(d->turn_source, G_PRIORITY_DEFAULT_IDLE);
    g_source_set_callback(d->turn_source, on_turn_end, d, NULL);
    g_source_set_static_name(d->turn_source, "alertban turn end");
    g_source_attach(d->turn_source, d->ctx);
}

void
daemon_request_turn(Daemon *d)
{
    request_turn(d);
}

/* ---- reload ---- */

static char *
file_digest(const char *path)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &text, &len, NULL))
        return NULL;
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
}

/* The settings of cfg as "section.key" -> value (repeated keys joined by newlines), in
 * config_format()'s order (appended to order when not NULL). */
static GHashTable *
settings_of(const Config *cfg, GPtrArray *order)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autofree char *text = config_format(cfg);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *section = g_strdup("");
    for (guint i = 0; lines[i]; i++) {
        const char *l = lines[i];
        if (l[0] == '[') {
            g_free(section);
            section = g_strndup(l + 1, strcspn(l + 1, "]"));
            continue;
        }
        const char *eq = strstr(l, " = ");
        if (l[0] == ';' || l[0] == '\0' || !eq)
            continue;
        char *key = g_strdup_printf("%s.%.*s", section, (int)(eq - l), l);
        const char *old = g_hash_table_lookup(h, key);
        char *value = old ? g_strdup_printf("%s\n%s", old, eq + 3) : g_strdup(eq + 3);
        if (!old && order)
            g_ptr_array_add(order, g_strdup(key));
        g_hash_table_insert(h, key, value);
    }
    return h;
}

/* Settings read only at start: the listening socket, the state, what is followed, the
 * firewall backend and its rules, the table's size. */
static gboolean
restart_only(const char *key)
{
    static const char *const daemon_keys[] = {"daemon.state_dir", "daemon.socket",
                                              "daemon.socket_group", "daemon.dry_run",
                                              "daemon.max_bans", "daemon.user"};
    if (g_str_has_prefix(key, "input.") || g_str_has_prefix(key, "firewall.") ||
        g_str_has_prefix(key, "share."))
        return TRUE;
    for (gsize i = 0; i < G_N_ELEMENTS(daemon_keys); i++) {
        if (g_str_equal(key, daemon_keys[i]))
            return TRUE;
    }
    return FALSE;
}

/* What a reload to cfg changes, as "section.key" names, both measured against the
 * configuration the daemon started with (so a reload the file watch made first does not hide
 * anything): applied (in force now) or restart (read only at start, waiting). A setting that
 * changed since the previous configuration (old) and waits for a restart is also logged. */
static void
diff_settings(Daemon *d, const Config *old, const Config *cfg, GPtrArray *applied,
              GPtrArray *restart)
{
    g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
    if (!d->start_settings)
        d->start_settings = settings_of(old, NULL); /* the first reload: old is the start's */
    g_autoptr(GHashTable) was = settings_of(old, order);
    g_autoptr(GHashTable) now = settings_of(cfg, order);
    /* Settings the start had and both configurations lack (a [rule] section removed). */
    GHashTableIter it;
    gpointer gone;
    g_hash_table_iter_init(&it, d->start_settings);
    while (g_hash_table_iter_next(&it, &gone, NULL)) {
        if (!g_hash_table_contains(was, gone) && !g_hash_table_contains(now, gone))
            g_ptr_array_add(order, g_strdup(gone));
    }
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < order->len; i++) {
        const char *key = order->pdata[i];
        if (!g_hash_table_add(seen, (gpointer)key))
            continue;
        const char *value = g_hash_table_lookup(now, key);
        if (g_strcmp0(g_hash_table_lookup(d->start_settings, key), value) == 0)
            continue;
        gboolean fresh = g_strcmp0(g_hash_table_lookup(was, key), value) != 0;
        if (restart_only(key)) {
            if (fresh)
                g_warning("config: %s changed; it takes effect at the next restart", key);
            g_ptr_array_add(restart, g_strdup(key));
        } else {
            g_ptr_array_add(applied, g_strdup(key));
        }
    }
}

/* After a reload: the policy's bans the new whitelist or protect list now covers are lifted
 * at once (an unban line with reason=whitelisted), as if they had never been made. An
 * operator's manual ban stays (it may have been forced), with a warning. */
static void
lift_whitelisted(Daemon *d)
{
    g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(Ban));
    bans_list(d->bans, all);
    guint lifted = 0;
    for (guint i = 0; i < all->len; i++) {
        const Ban *b = &g_array_index(all, Ban, i);
        IpPrefix matched = {0};
        PolicyReason r = policy_check_prefix(d->policy, &b->prefix, &matched);
        if (r != POLICY_REASON_WHITELISTED_ADDRESS && r != POLICY_REASON_PROTECTED)
            continue;
        char text[IPADDR_STRLEN];
        if (b->source == BAN_SOURCE_MANUAL) {
            g_warning("config: the manual ban of %s is now %s; it stays until unbanned",
                      ipprefix_format(&b->prefix, text), policy_reason_name(r));
            continue;
        }
        lifted += bans_remove(d->bans, &b->prefix, "whitelisted");
    }
    if (lifted > 0) {
        g_message("config: lifted %u bans the reloaded whitelist covers", lifted);
        request_turn(d);
    }
}

gboolean
daemon_reload_report(Daemon *d, const char *why, GPtrArray *applied, GPtrArray *restart,
                     GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(Config) fresh = config_load_file(d->config_path, &err);
    if (!fresh) {
        d->reload_failures++;
        g_warning("config: reload (%s) rejected, keeping the running configuration: %s", why,
                  err->message);
        g_propagate_error(error, g_steal_pointer(&err));
        return FALSE;
    }
    config_apply_env(fresh);
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) r = g_ptr_array_new_with_free_func(g_free);
    diff_settings(d, d->cfg, fresh, a, r);
    Config *old = d->cfg;
    d->cfg = g_steal_pointer(&fresh);
    policy_set_config(d->policy, d->cfg);
    config_free(old);
    g_free(d->config_digest);
    d->config_digest = file_digest(d->config_path);
    d->reloads++;
    daemon_metrics_reload(d);
    lift_whitelisted(d);
    g_message("config: reloaded %s (%s): applied=%u restart_required=%u", d->config_path, why,
              a->len, r->len);
    for (guint i = 0; applied && i < a->len; i++)
        g_ptr_array_add(applied, g_strdup(a->pdata[i]));
    for (guint i = 0; restart && i < r->len; i++)
        g_ptr_array_add(restart, g_strdup(r->pdata[i]));
    return TRUE;
}

gboolean
daemon_reload(Daemon *d, const char *why, GError **error)
{
    return daemon_reload_report(d, why, NULL, NULL, error);
}

static void
on_config_changed(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                  gpointer user_data)
{
    (void)monitor;
    (void)file;
    (void)other;
    Daemon *d = user_data;
    if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_CREATED &&
        event != G_FILE_MONITOR_EVENT_MOVED_IN && event != G_FILE_MONITOR_EVENT_RENAMED)
        return;
    g_autofree char *digest = file_digest(d->config_path);
    if (!digest || g_strcmp0(digest, d->config_digest) == 0)
        return; /* gone for a moment (an editor's rename), or the same content */
    daemon_reload(d, "file changed", NULL);
    /* A rejected file is not retried until it changes again. */
    g_free(d->config_digest);
    d->config_digest = g_steal_pointer(&digest);
}

/* ---- signals and housekeeping ---- */

static gboolean
on_stop_signal(gpointer data)
{
    Daemon *d = data;
    g_message("daemon: stop requested by a signal");
    daemon_quit(d);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer data)
{
    daemon_reload(data, "SIGHUP", NULL);
    return G_SOURCE_CONTINUE;
}

/* The periodic check that the kernel still holds what the table says: someone's
 * `iptables -F`, a firewall manager restoring its own ruleset (and with it dropping our
 * jumps), an `nft flush ruleset` or a member deleted by hand is repaired within
 * verify_interval, and logged as a warning. */
/* TRUE when another program holds the xtables lock at this moment. A check of the kernel
 * then waits a moment instead of meeting the lock: its repair would otherwise be left to the
 * table's retry, which neither warns about foreign changes nor counts them. */
static gboolean
xtables_lock_held(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FALSE;
    gboolean held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* and with it the lock, if it was taken */
    return held;
}

static gboolean on_verify(gpointer data);

static gboolean
on_verify_again(gpointer data)
{
    Daemon *d = data;
    d->verify_again_id = 0;
    on_verify(d);
    return G_SOURCE_REMOVE;
}

static gboolean
on_verify(gpointer data)
{
    Daemon *d = data;
    /* A failed change already has a full reconcile scheduled with backoff. */
    if (bans_degraded(d->bans))
        return G_SOURCE_CONTINUE;
    if (xtables_lock_held(d->cfg->firewall.lock_file)) {
        if (!d->verify_again_id)
            d->verify_again_id = g_timeout_add(100, on_verify_again, d);
        return G_SOURCE_CONTINUE;
    }
    /* What this turn queued goes out first, so only foreign changes count as repairs. */
    if (!bans_commit(d->bans, NULL))
        return G_SOURCE_CONTINUE;
    gint64 t0 = g_get_monotonic_time();
    FwReconcileStats rs = {0};
    g_autoptr(GError) err = NULL;
    if (!bans_verify(d->bans, &rs, &err)) {
        /* Taken between the look above and the check: try again in a moment. Any other
         * failure is logged, and retried with backoff by the table. */
        if (g_error_matches(err, ALERTBAN_ERROR, ALERTBAN_ERROR_BUSY) && !d->verify_again_id)
            d->verify_again_id = g_timeout_add(100, on_verify_again, d);
        return G_SOURCE_CONTINUE;
    }
    d->verifies++;
    d->last_verify_real_us = g_get_real_time();
    /* Timeouts alone are not counted as someone else's change: a batch that took the kernel
     * longer than the reconcile's slack (100,000 ipset members on a loaded host) leaves its
     * first members' timeouts that far from the table's, and setting them again is upkeep. */
    guint fixed = rs.added + rs.removed + rs.duplicates + rs.hooks_fixed;
    if (fixed == 0 && rs.updated > 0)
        g_info("firewall: set the timeouts of %u %s entries again (they differed from the table's"
               " by more than the slack)",
               rs.updated, fw_name(daemon_fw_get(d->fw)));
    if (fixed > 0) {
        d->verify_repairs++;
        g_warning("firewall: the %s backend's entries were changed outside alertband; restored "
                  "them: added=%u removed=%u duplicates=%u hooks_fixed=%u updated=%u "
                  "(%" G_GINT64_FORMAT " ms)",
                  fw_name(daemon_fw_get(d->fw)), rs.added, rs.removed, rs.duplicates,
                  rs.hooks_fixed, rs.updated, (g_get_monotonic_time() - t0) / 1000);
    }
    return G_SOURCE_CONTINUE;
}

/* The inputs a glob made whose file has been gone for TAIL_FORGET_AFTER_S, and their
 * checkpoints: without this, every dated log a glob ever matched would stay in the tailer and
 * the store for good. */
static void
forget_gone_inputs(Daemon *d)
{
    if (!d->tail)
        return;
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
    tail_forget_gone(d->tail, g_get_monotonic_time(), (gint64)TAIL_FORGET_AFTER_S * G_USEC_PER_SEC,
                     gone);
    for (guint i = 0; i < gone->len; i++) {
        store_delete_tail_position(d->store, gone->pdata[i]);
        g_hash_table_remove(d->newest_file, gone->pdata[i]);
        daemon_metrics_forget_input(d, gone->pdata[i]);
    }
    if (gone->len > 0)
        request_turn(d);
}

#define PURGE_INTERVAL_S 3600
#define PURGE_BATCH 10000
#define PURGE_BATCHES_MAX 100

static gboolean
on_purge(gpointer data)
{
    Daemon *d = data;
    gint64 now = g_get_real_time();
    gint64 before = now - (gint64)d->cfg->daemon.history_days * 86400 * G_USEC_PER_SEC;
    guint total = 0, n = PURGE_BATCH;
    for (guint i = 0; i < PURGE_BATCHES_MAX && n == PURGE_BATCH; i++) {
        g_autoptr(GError) error = NULL;
        if (!store_purge_history(d->store, before, PURGE_BATCH, &n, &error)) {
            g_warning("store: purging history older than %u days failed: %s",
                      d->cfg->daemon.history_days, error->message);
            break;
        }
        total += n;
    }
    if (total > 0)
        g_message("store: purged %u history rows older than %u days", total,
                  d->cfg->daemon.history_days);
    policy_prune(d->policy, now);
    forget_gone_inputs(d);
    return G_SOURCE_CONTINUE;
}

static void
on_ownaddr_changed(OwnAddr *oa, OwnAddrKind kind, const IpAddr *a, gboolean added,
                   gpointer user_data)
{
    (void)oa;
    (void)user_data;
    char buf[IPADDR_STRLEN];
    g_info("ownaddr: %s %s %s", added ? "added" : "removed", ownaddr_kind_name(kind),
           ipaddr_format(a, buf));
}

/* ---- construction ---- */

/* The policy's threshold windows live in memory. At start they are refilled from the tracker
 * rows that were counted without banning ("below_threshold") within the widest window, so N
 * alerts in T seconds still ban when a restart falls between them. The refill's verdicts
 * are not acted on (and nothing is written). */
#define REFILL_ROWS_MAX 100000

static void
refill_threshold_windows(Daemon *d)
{
    const Config *cfg = d->cfg;
    guint window_s = cfg->policy.threshold.count > 1 ? cfg->policy.threshold.window_s : 0;
    for (guint p = 0; p <= CONFIG_PRIORITY_MAX; p++) {
        if (cfg->policy.by_priority[p].count > 1)
            window_s = MAX(window_s, cfg->policy.by_priority[p].window_s);
    }
    for (guint i = 0; i < cfg->rules->len; i++) {
        const ConfigRule *r = &g_array_index(cfg->rules, ConfigRule, i);
        if (r->has_threshold && r->threshold.count > 1)
            window_s = MAX(window_s, r->threshold.window_s);
    }
    if (window_s == 0)
        return;
    gint64 now = g_get_real_time();
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    g_autoptr(GError) error = NULL;
    if (!store_load_recent_violations(d->store, now - (gint64)window_s * G_USEC_PER_SEC,
                                      policy_reason_name(POLICY_REASON_BELOW_THRESHOLD),
                                      REFILL_ROWS_MAX, rows, &error)) {
        g_warning("policy: threshold windows start empty: %s", error->message);
        return;
    }
    for (guint i = 0; i < rows->len; i++) {
        const StoreViolation *sv = &g_array_index(rows, StoreViolation, i);
        Alert a;
        memset(&a, 0, sizeof a);
        a.gid = sv->gid;
        a.sid = sv->sid;
        a.rev = sv->rev;
        g_strlcpy(a.msg, sv->msg, sizeof a.msg);
        g_strlcpy(a.proto, sv->proto, sizeof a.proto);
        a.priority = sv->priority;
        a.src = sv->swapped ? sv->peer : sv->addr;
        a.dst = sv->swapped ? sv->addr : sv->peer;
        a.src_port = sv->src_port;
        a.dst_port = sv->dst_port;
        Verdict v;
        policy_record_alert(d->policy, &a, sv->time_us, &v);
    }
    if (rows->len > 0)
        g_message("policy: threshold windows refilled with %u counted alerts of the last %u s",
                  rows->len, window_s);
}

/* Whether path is one of [input]'s paths as written (not a glob's match). */
static gboolean
is_pattern(const Config *cfg, const char *path)
{
    for (guint i = 0; i < cfg->input.paths->len; i++) {
        if (strcmp(cfg->input.paths->pdata[i], path) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
start_tail(Daemon *d, GError **error)
{
    const Config *cfg = d->cfg;
    TailConfig tc = {
        .patterns = (const char *const *)cfg->input.paths->pdata,
        .n_patterns = cfg->input.paths->len,
        .start_at = cfg->input.start_at == CONFIG_START_AT_BEGINNING ? TAIL_START_BEGINNING
                                                                     : TAIL_START_END,
        .idle_ms = cfg->input.idle_ms,
        .line_max = cfg->input.line_max,
    };
    static const TailCallbacks callbacks = {on_line, on_idle, on_tail_event};
    d->tail = tail_new(&tc, &callbacks, d, error);
    if (!d->tail)
        return FALSE;
    g_autoptr(GArray) stored = g_array_new(FALSE, FALSE, sizeof(StoreTailPosition));
    guint skipped = 0;
    if (!store_load_tail_positions(d->store, stored, &skipped, error))
        return FALSE;
    g_autoptr(GArray) cps = g_array_new(FALSE, FALSE, sizeof(TailCheckpoint));
    for (guint i = 0; i < stored->len; i++) {
        const StoreTailPosition *sp = &g_array_index(stored, StoreTailPosition, i);
        /* A checkpoint resumes only the same file (device, inode): one of a path that is gone
         * and that no pattern names (a glob's match, from before the stop) can never be used
         * again, and would stay forever. */
        GStatBuf sb;
        if (g_lstat(sp->path, &sb) != 0 && errno == ENOENT && !is_pattern(cfg, sp->path)) {
            g_message("daemon: forgetting the checkpoint of %s: the file is gone", sp->path);
            store_delete_tail_position(d->store, sp->path);
            continue;
        }
        TailCheckpoint tcp;
        if (checkpoint_from_store(sp, &tcp))
            g_array_append_val(cps, tcp);
        else
            skipped++;
    }
    if (skipped)
        g_warning("daemon: %u stored checkpoints are invalid and were ignored", skipped);
    return tail_start(d->tail, (const TailCheckpoint *)cps->data, cps->len, error);
}

/* The store was damaged and set aside (see store_open()): what the kernel holds is all that is
 * left of the bans. Each entry of the backend(s) the configuration names (with auto: of every
 * backend the kernel offers, since any of them may have held the bans) becomes a policy ban,
 * so that enforcement goes on and the bans still end: for the time the kernel has left on it
 * (the set backends' timeouts), or, where the kernel keeps none (chain rules, a set member
 * without a timeout: a permanent or manual ban), for ban_time from now, so that it ends some
 * day rather than never. Entries no ban can be (a /0) are left to the reconcile to remove. */
static void
adopt_kernel_bans(Daemon *d, guint *n_adopted)
{
    const Config *cfg = d->cfg;
    g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(FwChange));
    if (d->opts.fw) {
        g_autoptr(GError) err = NULL;
        if (!fw_list_timed(d->opts.fw, found, &err))
            g_warning("daemon: cannot read the bans the %s backend holds: %s", fw_name(d->opts.fw),
                      err->message);
    } else {
        FwBackend kinds[3];
        guint n_kinds = 0;
        if (cfg->firewall.backend == FW_BACKEND_AUTO) {
            FwKernelCaps caps;
            fw_probe_kernel(&cfg->firewall, &caps);
            if (caps.legacy)
                kinds[n_kinds++] = FW_BACKEND_IPTABLES;
            if (caps.nftables)
                kinds[n_kinds++] = FW_BACKEND_NFTABLES;
            if (caps.ipset)
                kinds[n_kinds++] = FW_BACKEND_IPSET;
        } else {
            kinds[n_kinds++] = cfg->firewall.backend;
        }
        for (guint i = 0; i < n_kinds; i++) {
            g_autoptr(GError) err = NULL;
            g_autoptr(Fw) fw = fw_new_backend(kinds[i], &cfg->firewall, &err);
            if (!fw || !fw_list_timed(fw, found, &err))
                g_warning("daemon: cannot read the bans the %s backend holds: %s",
                          fw_backend_name(kinds[i]), err->message);
        }
    }
    for (guint i = 0; i < found->len; i++) {
        const FwChange *c = &g_array_index(found, FwChange, i);
        if (!fw_prefix_bannable(&c->prefix, "daemon", "adopting", NULL))
            continue;
        BanRequest req = {
            .prefix = c->prefix,
            .source = BAN_SOURCE_POLICY,
            .duration_s = c->timeout_s > 0 ? (gint64)c->timeout_s : (gint64)cfg->policy.ban_time_s,
            .reason = "adopted",
        };
        BansResult r = bans_add(d->bans, &req, NULL);
        if (r == BANS_ADDED)
            (*n_adopted)++;
    }
}

/* A stored ban (or one adopted from the kernel) on an address the policy must never ban
 * (whitelisted since, an own address, the gateway, a protected network, a built-in class)
 * would otherwise be enforced until it ends: lift it before the first reconcile, which then
 * removes it from the kernel too. Matched on the ban's network address, as a manual ban is.
 * A manual ban stays, with a warning: one on such an address was forced by an operator
 * (`ban --force`), and a restart must not undo that decision behind their back. */
static void
lift_never_banned(Daemon *d)
{
    g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(Ban));
    bans_list(d->bans, all);
    for (guint i = 0; i < all->len; i++) {
        const Ban *b = &g_array_index(all, Ban, i);
        IpPrefix matched;
        memset(&matched, 0, sizeof matched);
        PolicyReason why = policy_check_address(d->policy, &b->prefix.addr, &matched);
        if (why == POLICY_REASON_N)
            continue;
        char ban_s[IPADDR_STRLEN], match_s[IPADDR_STRLEN];
        ipprefix_format(&b->prefix, ban_s);
        if (matched.addr.family)
            ipprefix_format(&matched, match_s);
        else
            g_strlcpy(match_s, "-", sizeof match_s);
        if (b->source == BAN_SOURCE_MANUAL) {
            g_warning("daemon: the manual ban on %s is on an address never banned (%s, matching "
                      "%s); kept, as an operator forced it (alertban unban %s lifts it)",
                      ban_s, policy_reason_name(why), match_s, ban_s);
            continue;
        }
        g_warning("daemon: the stored ban on %s is on an address never banned (%s, matching %s); "
                  "lifted",
                  ban_s, policy_reason_name(why), match_s);
        bans_remove(d->bans, &b->prefix, policy_reason_name(why));
        d->lifted_at_load++;
    }
}

/* The store, the ban table with the stored bans, and the firewall reconciled to them. */
static gboolean
start_bans(Daemon *d, BansLoadStats *ls, FwReconcileStats *rs, GError **error)
{
    const Config *cfg = d->cfg;
    /* The ban table starts on a fake backend: the real one may depend on how many bans are
     * stored (backend = auto), and loading them touches no firewall. */
    g_autoptr(Fw) loading_fw = fw_fake_new();
    StoreOptions so;
    store_options_init(&so);
    if (cfg->daemon.dry_run)
        so.db_name = STORE_DRY_RUN_DB_NAME;
    so.set_aside_corrupt = TRUE;
    d->store = store_open(cfg->daemon.state_dir, &so, error);
    if (!d->store)
        return FALSE;
    BansOptions bo;
    bans_options_init(&bo);
    bo.max_bans = cfg->daemon.max_bans;
    bo.busy_warn_ms = cfg->firewall.lock_timeout_ms;
    d->bans = bans_new(d->store, loading_fw, &bo, NULL);
    if (!bans_load(d->bans, NULL, ls, error))
        return FALSE;
    if (store_set_aside_path(d->store) && !cfg->daemon.dry_run) {
        adopt_kernel_bans(d, &d->adopted);
        ls->restored += d->adopted;
        g_warning("daemon: STATE LOST: the database was damaged and is kept as %s; started on a "
                  "fresh one and adopted the %u bans the firewall holds, for their remaining time "
                  "in the kernel or else ban_time (%" G_GUINT64_FORMAT " s); their history, "
                  "escalation counts and tail positions are gone",
                  store_set_aside_path(d->store), d->adopted, cfg->policy.ban_time_s);
    }
    lift_never_banned(d);
    ls->restored -= MIN(ls->restored, d->lifted_at_load);

    d->fw = daemon_fw_new(&cfg->firewall, d->opts.fw, cfg->daemon.dry_run, ls->restored, error);
    if (!d->fw)
        return FALSE;
    daemon_fw_attach(d->fw, d->bans);
    daemon_cut_start(d);
    if (!fw_ensure(daemon_fw_get(d->fw), error) || !bans_reconcile(d->bans, rs, error))
        return FALSE;
    /* After a switch of backend every ban is now installed through the new one: remove what
     * the other backend left in the kernel, so that no ban stays there twice (or forever). */
    daemon_fw_flush_others(d->fw);
    return TRUE;
}

/* The policy, deciding on the table's bans (looked up once they are loaded) and the host's
 * addresses. */
static void
start_policy(Daemon *d)
{
    d->policy = policy_new(d->cfg, g_random_int());
    d->rule_stats = rule_stats_new(DAEMON_RULE_STATS_MAX);
    policy_set_ban_lookup(d->policy, lookup_ban, d);
    policy_set_offenses_lookup(d->policy, lookup_offenses, d);
    policy_set_ban_func(d->policy, apply_ban, d);
    d->own = ownaddr_new();
    if (d->opts.watch_ownaddr) {
        g_autoptr(GError) err = NULL;
        if (ownaddr_watch(d->own, d->ctx, &err))
            ownaddr_set_changed_func(d->own, on_ownaddr_changed, d);
        else
            g_warning("ownaddr: not following the host's addresses (only the configured "
                      "networks protect them): %s",
                      err->message);
    }
    policy_set_ownaddr(d->policy, d->own);
}

/* SIGTERM/SIGINT stop, SIGHUP and a change of the file reload. */
static void
start_signals(Daemon *d)
{
    d->signal_ids[0] = g_unix_signal_add(SIGTERM, on_stop_signal, d);
    d->signal_ids[1] = g_unix_signal_add(SIGINT, on_stop_signal, d);
    d->signal_ids[2] = g_unix_signal_add(SIGHUP, on_hup, d);
    g_autoptr(GFile) file = g_file_new_for_path(d->config_path);
    g_autoptr(GError) err = NULL;
    d->monitor = g_file_monitor_file(file, G_FILE_MONITOR_NONE, NULL, &err);
    if (d->monitor)
        g_signal_connect(d->monitor, "changed", G_CALLBACK(on_config_changed), d);
    else
        g_warning("config: not watching %s for changes (SIGHUP still reloads): %s", d->config_path,
                  err->message);
}

Daemon *
daemon_new(Config *cfg, const char *config_path, const DaemonOptions *opts, GError **error)
{
    g_return_val_if_fail(cfg != NULL && config_path != NULL, NULL);
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(Daemon) d = g_new0(Daemon, 1);
    d->cfg = cfg;
    d->config_path = g_strdup(config_path);
    d->config_digest = file_digest(config_path);
    if (opts)
        d->opts = *opts;
    else
        daemon_options_init(&d->opts);
    d->ctx = g_main_context_ref_thread_default();
    d->loop = g_main_loop_new(d->ctx, FALSE);
    d->newest_file = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    d->started_real_us = g_get_real_time();
    d->started_mono_us = t0;

    /* The socket first: when another daemon answers on it, nothing else is touched. */
    CtlServerConfig cc = {.path = cfg->daemon.socket, .group = cfg->daemon.socket_group};
    d->ctl = ctl_server_new(&cc, &daemon_ctl_handlers, d, error);
    if (!d->ctl)
        return NULL;
    BansLoadStats ls = {0};
    FwReconcileStats rs = {0};
    /* The policy before the bans: stored bans pass its never-ban check. */
    start_policy(d);
    if (!start_bans(d, &ls, &rs, error))
        return NULL;
    /* A ban in force at start may have let connections in while the daemon was down (a
     * crash, a restart, a kernel's ban adopted): what its prefix has open ends now that the
     * firewall holds it. */
    daemon_cut_restored(d);
    refill_threshold_windows(d);
    if (!daemon_share_start(d, error))
        return NULL;
    if (!start_tail(d, error))
        return NULL;
    if (!daemon_metrics_start(d, error))
        return NULL;
    bans_attach(d->bans, d->ctx);
    /* From here on the main loop runs: a held xtables lock must not stop it (status, alerts,
     * the socket); the table retries the firewall on a timer instead. */
    daemon_fw_set_lock_nowait(d->fw, TRUE);
    if (d->opts.handle_signals)
        start_signals(d);
    on_purge(d);
    d->purge_id = g_timeout_add_seconds(PURGE_INTERVAL_S, on_purge, d);
    if (cfg->firewall.verify_interval_s > 0 && !cfg->daemon.dry_run)
        d->verify_id = g_timeout_add_seconds(cfg->firewall.verify_interval_s, on_verify, d);

    if (cfg->daemon.dry_run)
        g_message("daemon: dry_run: verdicts are logged and stored, the firewall is not changed;"
                  " the dry run's bans and checkpoints are kept in %s, apart from the real state,"
                  " so they are never enforced",
                  store_path(d->store));
    g_message("alertband %s started: config=%s bans_restored=%u bans_removed=%u"
              " fw_added=%u fw_removed=%u inputs=%u startup_ms=%" G_GINT64_FORMAT,
              ALERTBAN_VERSION, config_path, ls.restored, ls.expired, rs.added,
              rs.removed + rs.duplicates, cfg->input.paths->len,
              (g_get_monotonic_time() - t0) / 1000);
    return g_steal_pointer(&d);
}

void
daemon_quit(Daemon *d)
{
    g_main_loop_quit(d->loop);
}

int
daemon_run(Daemon *d)
{
    g_main_loop_run(d->loop);
    /* The last turn: whatever was queued is committed and applied before stopping, waiting
     * for the xtables lock as long as lock_timeout allows. */
    daemon_fw_set_lock_nowait(d->fw, FALSE);
    daemon_metrics_persist(d, TRUE);
    int rc = EXIT_SUCCESS;
    g_autoptr(GError) error = NULL;
    if (!daemon_end_turn(d, &error))
        g_warning("daemon: the last commit before stopping failed: %s", error->message);
    g_clear_error(&error);
    BansCounts bc;
    bans_counts(d->bans, &bc);
    if (d->cfg->daemon.on_exit == CONFIG_ON_EXIT_FLUSH) {
        if (!bans_fw_flush(d->bans, &error)) {
            g_warning("daemon: on_exit = flush: %s", error->message);
            rc = EXIT_FAILURE;
        }
        g_message("alertband stopped: on_exit=flush, %u bans stay stored for the next start",
                  bc.total);
    } else if (d->cfg->daemon.dry_run) {
        g_message("alertband stopped: dry_run, %u bans recorded, not enforced", bc.total);
    } else {
        g_message("alertband stopped: on_exit=keep, %u bans stay in force", bc.total);
    }
    return rc;
}

void
daemon_free(Daemon *d)
{
    if (!d)
        return;
    for (guint i = 0; i < G_N_ELEMENTS(d->signal_ids); i++) {
        if (d->signal_ids[i])
            g_source_remove(d->signal_ids[i]);
    }
    if (d->purge_id)
        g_source_remove(d->purge_id);
    if (d->verify_id)
        g_source_remove(d->verify_id);
    if (d->verify_again_id)
        g_source_remove(d->verify_again_id);
    if (d->turn_source) {
        g_source_destroy(d->turn_source);
        g_source_unref(d->turn_source);
    }
    g_clear_object(&d->monitor);
    daemon_metrics_free(d);
    if (d->tail) {
        g_autoptr(GPtrArray) files = tail_list_files(d->tail);
        for (guint i = 0; i < files->len; i++) {
            FollowedLog *in = tail_file_get_user_data(files->pdata[i]);
            if (in) {
                tail_file_set_user_data(files->pdata[i], NULL);
                input_free(in);
            }
        }
        tail_free(d->tail);
    }
    g_clear_pointer(&d->ctl, ctl_server_free);
    g_clear_pointer(&d->share, share_free); /* before the store it borrows */
    g_clear_pointer(&d->policy, policy_free);
    g_clear_pointer(&d->rule_stats, rule_stats_free);
    g_clear_pointer(&d->own, ownaddr_free);
    g_clear_pointer(&d->bans, bans_free);
    daemon_cut_free(d);
    g_clear_pointer(&d->store, store_free);
    g_clear_pointer(&d->fw, daemon_fw_free); /* after the table, which borrows its backend */
    g_clear_pointer(&d->newest_file, g_hash_table_unref);
    g_clear_pointer(&d->start_settings, g_hash_table_unref);
    g_clear_pointer(&d->loop, g_main_loop_unref);
    g_clear_pointer(&d->ctx, g_main_context_unref);
    config_free(d->cfg);
    g_free(d->config_path);
    g_free(d->config_digest);
    g_free(d);
}

gboolean
daemon_flush_firewall(const Config *cfg, GError **error)
{
    g_autoptr(Fw) fw = fw_new_from_config(&cfg->firewall, error);
    if (!fw || !fw_flush(fw, error) || !fw_flush_others(&cfg->firewall, fw, error))
        return FALSE;
    g_message("alertband --flush: removed chain %s, its rules and its jumps (IPv4 and IPv6), "
              "and whatever any firewall backend had installed",
              cfg->firewall.chain);
    return TRUE;
}
