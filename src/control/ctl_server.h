// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's control socket: a Unix stream socket in the GLib main loop that checks each
// peer's credentials, enforces size, client and idle limits, and dispatches requests to the
// daemon's handlers.
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "ctl_proto.h"

typedef struct CtlServer CtlServer;

/* Who sent a request, from SO_PEERCRED at connect time: for audit lines such as
 * "ban addr=203.0.113.7 reason=manual uid=0 pid=4242". */
typedef struct {
    uid_t uid;
    gid_t gid;
    pid_t pid;
} CtlPeer;

/* A command handler. It writes the command's reply fields into reply, an open JSON object
 * that already holds "v" and "ok" (see the wire format in ctl_proto.h), and returns TRUE. On
 * failure it returns FALSE with error set; the server then discards what was written and
 * sends {"ok":false,"code":"failed","error":error->message}. The request has been validated
 * and the peer's permission checked before the call. Handlers run in the main loop and must
 * not block for long. */
typedef gboolean (*CtlHandlerFunc)(const CtlRequest *req, const CtlPeer *peer, JsonWriter *reply,
                                   gpointer user_data, GError **error);

/* One handler per command; a NULL handler answers code "unsupported". */
typedef struct {
    CtlHandlerFunc list;
    CtlHandlerFunc show;
    CtlHandlerFunc ban;
    CtlHandlerFunc unban;
    CtlHandlerFunc status;
    CtlHandlerFunc reload;
    CtlHandlerFunc stats;
} CtlHandlers;

#define CTL_SERVER_MAX_CLIENTS 64
/* Of max_clients, this many are kept for root: other users share the rest, so no read-only
 * user can take every slot and lock root out. */
#define CTL_SERVER_ROOT_RESERVE 8
/* Connections one user other than root may hold at once. */
#define CTL_SERVER_MAX_PER_UID 8
/* The time a client has to send a complete request line, counted from its connect or from
 * the end of its last reply, however it trickles bytes. */
#define CTL_SERVER_IDLE_MS 10000
/* The time a client has to read a reply, from the moment it is ready. */
#define CTL_SERVER_REPLY_MS 30000
/* A reply larger than this is replaced by an error reply. */
#define CTL_SERVER_REPLY_MAX (32u * 1024 * 1024)

typedef struct {
    const char *path;  /* the socket's path (at most 107 bytes) */
    const char *group; /* socket_group: its members may read; NULL or "" for root only */
    guint max_clients; /* 0: CTL_SERVER_MAX_CLIENTS (the root reserve is kept out of it) */
    guint idle_ms;     /* 0: CTL_SERVER_IDLE_MS: deadline for a complete request line */
    guint reply_ms;    /* 0: CTL_SERVER_REPLY_MS: deadline for reading a reply */
} CtlServerConfig;

/* Creates the socket and starts serving it in the thread-default main context:
 * - the parent directory is created mode 0750, group socket_group, when missing;
 * - a path where another server answers is an error (that daemon keeps its socket); a stale
 *   socket file is replaced; any other file there is an error;
 * - the socket gets mode 0660 and group socket_group (an unknown group name is an error).
 * handlers is copied; user_data is passed to every handler. */
CtlServer *ctl_server_new(const CtlServerConfig *config, const CtlHandlers *handlers,
                          gpointer user_data, GError **error);

/* Closes every client and the socket, and removes the socket file if it is still ours. */
void ctl_server_free(CtlServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlServer, ctl_server_free)
