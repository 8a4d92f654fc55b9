// SPDX-License-Identifier: GPL-2.0-or-later
// One shared decision (a ban or an unban) as it travels through Redis: its fields, their
// encoding, and the checks every value from a peer passes before this node believes it.
#pragma once

#include <glib.h>

#include "ipaddr.h"

/* Caps on what a peer may send (bytes, without a terminator). Longer values are refused,
 * never truncated: a peer that sends them is broken or hostile. */
#define SHARE_NODE_MAX 63
#define SHARE_MSG_MAX 511
#define SHARE_REASON_MAX 31
#define SHARE_VALUE_MAX 511 /* any field's value */
#define SHARE_NAME_MAX 16   /* any field's name */
#define SHARE_FIELDS_MAX 32 /* fields in one entry, known or not */

/* How far a peer's clock may be from ours (seconds) before its expiry times are called
 * implausible in the log (see doc/SHARING.md). */
#define SHARE_CLOCK_SKEW_S 300

typedef enum {
    SHARE_OP_BAN,
    SHARE_OP_UNBAN,
} ShareOp;

/* A decision. A fixed-size value. */
typedef struct {
    ShareOp op;
    IpPrefix prefix;
    gint64 expires_s; /* absolute Unix time; 0: permanent (and always 0 for an unban) */
    guint32 gid, sid, rev;
    char node[SHARE_NODE_MAX + 1];     /* the node that decided it */
    char msg[SHARE_MSG_MAX + 1];       /* the rule's msg (untrusted text) */
    char reason[SHARE_REASON_MAX + 1]; /* "threshold", "manual", ... */
} ShareEntry;

/* One field/value pair, not NUL-terminated (as Redis hands them over). */
typedef struct {
    const char *name;
    gsize name_len;
    const char *value;
    gsize value_len;
} ShareField;

/* The wire fields of an entry, in a fixed order, pointing into e and into text (which must
 * outlive the fields). Returns how many (at most SHARE_ENTRY_FIELDS). */
#define SHARE_ENTRY_FIELDS 7
typedef struct {
    char addr[IPADDR_STRLEN];
    char expires[24];
    char rule[40];
} ShareEntryText;
guint share_entry_fields(const ShareEntry *e, ShareEntryText *text,
                         ShareField out[SHARE_ENTRY_FIELDS]);

/* Builds an entry from untrusted fields (a stream entry or a snapshot hash): op, addr (an
 * address or prefix, not /0), expires (decimal, 0 for permanent), node ([A-Za-z0-9._-]),
 * rule (G:S:R), msg and reason (no NUL or control characters). Unknown fields are ignored;
 * a duplicate, over-long or malformed one is ALERTBAN_ERROR_PARSE naming it. */
gboolean share_entry_from_fields(const ShareField *fields, guint n, ShareEntry *out,
                                 GError **error);

/* The entry as bytes for the store's outbox, and back (checked like a peer's entry). */
GBytes *share_entry_encode(const ShareEntry *e);
gboolean share_entry_decode(gconstpointer data, gsize len, ShareEntry *out, GError **error);

/* Whether a node name is acceptable (1..SHARE_NODE_MAX of [A-Za-z0-9._-]). */
gboolean share_node_is_valid(const char *name);

typedef enum {
    SHARE_TIME_OK,
    SHARE_TIME_EXPIRED, /* a ban already over (within the tolerated skew): nothing to do */
    SHARE_TIME_PAST,    /* a ban that ended more than the skew ago: the peer's clock is off */
    SHARE_TIME_FAR,     /* a ban beyond now + max_ban_s + skew: the peer's clock is off */
} ShareTime;

/* How plausible a ban's expiry is at now_s for a node whose longest ban is max_ban_s
 * (0: no limit). Permanent bans and unbans are always SHARE_TIME_OK. */
ShareTime share_entry_check_time(const ShareEntry *e, gint64 now_s, gint64 max_ban_s);
