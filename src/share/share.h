// SPDX-License-Identifier: GPL-2.0-or-later
// Sharing bans with other nodes through Redis: publishes this node's decisions from the
// store's outbox and applies the peers' decisions, on the daemon's main loop, never blocking it.
#pragma once

#include <glib.h>

#include "share_entry.h"
#include "store.h"

typedef struct {
    const char *redis;         /* "unix:PATH" or "HOST:PORT" ("[V6]:PORT") */
    const char *user;          /* ACL user; NULL or "" for none (AUTH with the password only) */
    const char *password_file; /* NULL or "": no AUTH; else a file no group or other may read */
    const char *node;          /* this node's name (share_node_is_valid()) */
    const char *prefix;        /* key namespace, 1..64 of [A-Za-z0-9._:-] */
    gboolean publish, receive;
    guint stream_max_len;      /* XADD MAXLEN ~ this */
    guint retry_min_ms;        /* reconnect backoff: from this, doubling... */
    guint retry_max_ms;        /* ...up to this */
    guint connect_timeout_ms;  /* to connect and log in; then the try counts as failed */
    guint batch;               /* outbox entries per round trip, stream entries per read */
} ShareOptions;

/* Defaults: prefix "alertban", publish and receive, 100000 stream entries, reconnect from
 * 100 ms doubling to 10 s, 3 s to connect and log in, batches of 1000. */
void share_options_init(ShareOptions *opts);

/* Checks what share_new() would refuse without connecting anywhere: the address, the node,
 * the prefix, and the password file (readable, and by no group or other). */
gboolean share_options_check(const ShareOptions *opts, GError **error);

/* A peer's decision, checked for form (not yet against this node's policy). The callee
 * applies it (queues its store writes); own entries never reach it. bulk: one of a snapshot
 * being loaded, which the share module sums up in one line (the callee writes no line of its
 * own for what it applies). Returns FALSE when this node did not take it (refused by its
 * policy, over already, or the table full). */
typedef gboolean (*ShareApplyFunc)(const ShareEntry *e, gboolean bulk, gpointer user_data);
/* A batch of applied entries ended: the stream position is queued in the store; the callee
 * commits (the position and the bans together). */
typedef void (*ShareBatchFunc)(gpointer user_data);

typedef struct Share Share;

/* Starts connecting (in ctx, NULL for the thread-default) and returns at once; Redis being
 * down is not an error. store is borrowed and outlives the Share. The process must ignore
 * SIGPIPE (hiredis writes with write(2) to sockets Redis may have closed). */
Share *share_new(const ShareOptions *opts, Store *store, GMainContext *ctx, ShareApplyFunc apply,
                 ShareBatchFunc batch_done, gpointer user_data, GError **error);
void share_free(Share *share);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Share, share_free)

/* Queues a decision of this node in the store's outbox (a no-op when not publishing); it goes
 * out after the store commit that carries it. e->node is set to this node. */
void share_publish(Share *share, ShareEntry *e, gint64 now_us);

/* Sends what the outbox holds now (call after a commit; also done on a timer). */
void share_kick(Share *share);

typedef struct {
    const char *publish_link; /* "up", "connecting", "down" or "off" */
    const char *receive_link;
    guint64 outbox;           /* decisions waiting for Redis */
    gint64 publish_lag_ms;    /* age of the oldest of them, 0 when none */
    gint64 receive_lag_ms;    /* last applied entry: its stream time to its application */
    guint64 published, received, applied, refused, own;
    char position[48];        /* last applied stream entry, "" before any */
    const char *snapshot;     /* "" unless one is loaded: "reading", then "applying" */
    guint snapshot_bans;      /* its bans read so far (to apply, once applying) */
    guint snapshot_applied;   /* of those, applied so far */
} ShareStatus;

void share_status(Share *share, ShareStatus *out);

/* The node name from opts->node or, when NULL or empty, the host name (cut at the first dot,
 * checked). Caller frees. */
char *share_node_default(const char *configured, GError **error);
