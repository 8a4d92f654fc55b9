// SPDX-License-Identifier: GPL-2.0-or-later
// Tells the service manager (systemd's NOTIFY_SOCKET) when the daemon is ready, that its main
// loop is alive (the watchdog), and how many bans are in force; a no-op without a manager.
#pragma once

#include <glib.h>

typedef struct Notify Notify;

/* The number of bans in force, for STATUS=. */
typedef guint (*NotifyCountFunc)(gpointer user_data);

/* Reads NOTIFY_SOCKET and WATCHDOG_USEC (WATCHDOG_PID, when set, must be this process) from
 * the environment, which stays as it is. count is called from the main loop for STATUS=. */
Notify *notify_new(NotifyCountFunc count, gpointer user_data);

/* Sends READY=1 with the first STATUS=, then, from the thread-default main context, WATCHDOG=1
 * at half the watchdog interval and STATUS= whenever the count changes. Call once everything
 * the daemon promises at start (socket listening, stored bans in the kernel) holds. */
void notify_ready(Notify *n);

/* Sends STOPPING=1; the timers stop. */
void notify_stopping(Notify *n);

/* The interval WATCHDOG=1 is sent at, in microseconds; 0 when the watchdog is off. */
guint64 notify_watchdog_interval_us(const Notify *n);

void notify_free(Notify *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Notify, notify_free)
