// SPDX-License-Identifier: GPL-2.0-or-later
// The client side of the control socket: connect, send one request line, read one reply line,
// each step bounded in time and size. Used by the CLI and the tests.
#pragma once

#include <glib.h>

#include "ctl_proto.h"

typedef struct CtlClient CtlClient;

/* Where the CLI looks for the socket when neither --socket nor $ALERTBAN_SOCKET is given. */
#define CTL_SOCKET_DEFAULT "/run/alertban/alertban.sock"

/* Connects to the daemon's socket. On failure the error is in the G_IO_ERROR domain (mapped
 * from errno: NOT_FOUND, CONNECTION_REFUSED, PERMISSION_DENIED, ...), which callers read as
 * "the daemon is not reachable". */
CtlClient *ctl_client_connect(const char *path, GError **error);
void ctl_client_free(CtlClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlClient, ctl_client_free)

/* Sends len bytes as they are (the caller includes the newline). A peer that has already
 * closed (EPIPE) is not an error here: its reply, if any, is still readable. */
gboolean ctl_client_send(CtlClient *client, const char *data, gsize len, GError **error);

/* Reads one reply line (without its newline) within timeout_ms; NULL with an error on
 * timeout, end of file before a newline, or a line over CTL_REPLY_MAX. */
char *ctl_client_read_line(CtlClient *client, guint timeout_ms, gsize *len, GError **error);
