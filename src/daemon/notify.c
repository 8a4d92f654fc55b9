// SPDX-License-Identifier: GPL-2.0-or-later
// Tells the service manager (systemd's NOTIFY_SOCKET) when the daemon is ready, that its main
// loop is alive (the watchdog), and how many bans are in force; a no-op without a manager.
#include "notify.h"

#include <systemd/sd-daemon.h>

/* Without a watchdog the status is still refreshed, at this pace. */
#define NOTIFY_STATUS_INTERVAL_MS 5000

struct Notify {
    NotifyCountFunc count;
    gpointer user_data;
    gboolean enabled;    /* NOTIFY_SOCKET is set */
    guint64 watchdog_us; /* WATCHDOG_USEC, 0 when off */
    GSource *timer;
    guint last_count;
    gboolean warned;
};

Notify *
notify_new(NotifyCountFunc count, gpointer user_data)
{
    g_return_val_if_fail(count != NULL, NULL);
    Notify *n = g_new0(Notify, 1);
    n->count = count;
    n->user_data = user_data;
    const char *sock = g_getenv("NOTIFY_SOCKET");
    n->enabled = sock && *sock;
    uint64_t usec = 0;
    /* > 0: enabled for this process; 0: not asked for; < 0: WATCHDOG_USEC is malformed. */
    int rc = sd_watchdog_enabled(0, &usec);
    if (rc > 0 && n->enabled)
        n->watchdog_us = usec;
    else if (rc < 0)
        g_warning("notify: ignoring the watchdog settings: %s", g_strerror(-rc));
    return n;
}

/* One datagram; a failure is warned about once (the manager may be restarting), never fatal:
 * a missed WATCHDOG=1 is what the watchdog is there to notice. */
static void
send_state(Notify *n, const char *state)
{
    int rc = sd_notify(0, state);
    if (rc < 0 && !n->warned) {
        n->warned = TRUE;
        g_warning("notify: sending to NOTIFY_SOCKET failed: %s", g_strerror(-rc));
    } else if (rc > 0) {
        n->warned = FALSE;
    }
}

static char *
status_line(Notify *n)
{
    n->last_count = n->count(n->user_data);
    return g_strdup_printf("STATUS=%u bans in force", n->last_count);
}

static gboolean
on_timer(gpointer user_data)
{
    Notify *n = user_data;
    /* The main loop ran this callback, so it is not wedged: that is what the ping means. */
    if (n->watchdog_us) {
        g_autofree char *st = status_line(n);
        g_autofree char *msg = g_strconcat("WATCHDOG=1\n", st, NULL);
        send_state(n, msg);
    } else if (n->count(n->user_data) != n->last_count) {
        g_autofree char *st = status_line(n);
        send_state(n, st);
    }
    return G_SOURCE_CONTINUE;
}

void
notify_ready(Notify *n)
{
    g_return_if_fail(n != NULL);
    if (!n->enabled || n->timer)
        return;
    g_autofree char *st = status_line(n);
    g_autofree char *msg = g_strconcat("READY=1\n", st, NULL);
    send_state(n, msg);
    guint interval_ms =
        n->watchdog_us ? (guint)MAX(n->watchdog_us / 2 / 1000, 1) : NOTIFY_STATUS_INTERVAL_MS;
    n->timer = g_timeout_source_new(interval_ms);
    g_source_set_callback(n->timer, on_timer, n, NULL);
    g_source_set_priority(n->timer, G_PRIORITY_HIGH);
    g_source_attach(n->timer, g_main_context_get_thread_default());
}

static void
stop_timer(Notify *n)
{
    if (n->timer) {
        g_source_destroy(n->timer);
        g_clear_pointer(&n->timer, g_source_unref);
    }
}

void
notify_stopping(Notify *n)
{
    g_return_if_fail(n != NULL);
    stop_timer(n);
    if (n->enabled)
        send_state(n, "STOPPING=1");
}

guint64
notify_watchdog_interval_us(const Notify *n)
{
    return n && n->watchdog_us ? n->watchdog_us / 2 : 0;
}

void
notify_free(Notify *n)
{
    if (!n)
        return;
    stop_timer(n);
    g_free(n);
}
