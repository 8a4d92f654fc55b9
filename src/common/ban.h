// SPDX-License-Identifier: GPL-2.0-or-later
// The ban record that the ban table, the store and the control replies share: a leaf, so that
// none of them depends on another for the type alone.
#pragma once

#include <glib.h>

#include "ipaddr.h"

#define BAN_REASON_MAX 32
/* A ban keeps its rule's msg whole: this equals ALERT_MSG_MAX (checked in store.c, which sees
 * both). */
#define BAN_MSG_MAX 512

/* A ban that never expires has this expiry (the store keeps it as NULL). */
#define BAN_EXPIRES_NEVER G_MAXINT64

typedef enum {
    BAN_SOURCE_POLICY, /* decided by the policy from alerts */
    BAN_SOURCE_MANUAL, /* asked for by an operator */
} BanSource;

/*
 * The fields of a ban except its two texts, written once and used twice: as BanCore, which
 * the ban table's entries and the store's queued rows embed while they keep the texts their
 * own way (interned), and inside Ban, where the same fields are reached by name
 * (ban.expires_us) or all at once (ban.core). Moving a ban between the three is then one
 * assignment plus the texts. The order packs them into 72 bytes, so that the table's entry
 * stays 104 (a million bans is 8 MB more per 8 bytes here).
 */
#define BAN_CORE_FIELDS                                                                            \
    IpPrefix prefix;       /* first: the table and the store key on it */                          \
    guint8 source;         /* a BanSource, in one byte */                                          \
    guint32 violations;    /* alerts counted into this ban */                                      \
    guint32 prior_bans;    /* how many times the address was banned before this ban */             \
    guint32 gid, sid, rev; /* the last rule that hit it (0:0:0 for a manual ban) */                \
    gint64 expires_us;     /* absolute real time (g_get_real_time()), or BAN_EXPIRES_NEVER */      \
    gint64 created_us;     /* when this ban started */                                             \
    gint64 first_seen_us;  /* first violation counted into this ban (created_us when manual) */    \
    gint64 last_seen_us;   /* last violation (or manual change) counted into this ban */

typedef struct BanCore {
    BAN_CORE_FIELDS
} BanCore;

/* One ban, as the ban table hands it out and the store persists it. A fixed-size value. */
typedef struct {
    union {
        struct {
            BAN_CORE_FIELDS
        };
        BanCore core;
    };
    char reason[BAN_REASON_MAX]; /* "threshold", "manual", ... */
    char msg[BAN_MSG_MAX];       /* the last rule's msg, untrusted text */
} Ban;

/* Stable text of a source ("policy", "manual"), and its inverse (FALSE when unknown). */
const char *ban_source_name(BanSource source);
gboolean ban_source_parse(const char *text, BanSource *out);
