// SPDX-License-Identifier: GPL-2.0-or-later
// Entry points of the control socket's server that only the tests use: its clients and
// counters.
#pragma once

#include "ctl_server.h"

/* Number of connected clients. */
guint ctl_server_client_count(const CtlServer *server);

/* Counters since start. */
typedef struct {
    guint64 accepted; /* connections accepted and served */
    guint64 rejected; /* connections refused: max_clients, the root reserve or the per-user cap */
    guint64 requests; /* request lines answered, including errors */
    guint64 errors;   /* error replies sent (malformed, denied, failed, too long) */
    guint64 denied;   /* of which: the peer lacked permission */
    guint64 timeouts; /* clients closed at a deadline (request not complete, reply not read) */
} CtlServerStats;

void ctl_server_get_stats(const CtlServer *server, CtlServerStats *out);
