// SPDX-License-Identifier: GPL-2.0-or-later
// The never-ban set: built-in address classes, protected networks, whitelisted addresses and
// networks (longest-prefix lookup), and whitelisted rules.
#pragma once

#include <glib.h>

#include "config.h"
#include "ipaddr.h"

/* Why an address must not be banned. The first match in this order is reported. */
typedef enum {
    WHITELIST_NONE = 0,
    WHITELIST_UNSPECIFIED, /* 0.0.0.0/8, :: (and "no address") */
    WHITELIST_LOOPBACK,    /* 127.0.0.0/8, ::1 */
    WHITELIST_MULTICAST,   /* 224.0.0.0/4, ff00::/8 */
    WHITELIST_BROADCAST,   /* 255.255.255.255 */
    WHITELIST_LINK_LOCAL,  /* 169.254.0.0/16, fe80::/10 */
    WHITELIST_PROTECTED,   /* a `protect` network */
    WHITELIST_ADDRESS,     /* a whitelisted address or network (config or file) */
} WhitelistReason;

/* Short stable name: "unspecified", "loopback", ..., "protected", "whitelisted_address". */
const char *whitelist_reason_name(WhitelistReason reason);

typedef struct Whitelist Whitelist;

/* An empty set (the built-in classes always apply). */
Whitelist *whitelist_new(void);

/* The set a configuration describes: protect networks, whitelist addresses and files' entries,
 * whitelisted rules. The Whitelist does not keep a reference to cfg. */
Whitelist *whitelist_new_from_config(const Config *cfg);

/* Adds entries; lookups made after the next whitelist_contains() see them. Duplicates and
 * overlapping networks are fine. */
void whitelist_add_protected(Whitelist *wl, const IpPrefix *p);
void whitelist_add_address(Whitelist *wl, const IpPrefix *p);
void whitelist_add_rule(Whitelist *wl, const RulePattern *p);

/* Why a must never be banned, or WHITELIST_NONE. When matched is not NULL and the reason is
 * PROTECTED or ADDRESS, it receives the longest matching network. The first lookup after an
 * add sorts the entries once (O(n log n)); lookups are then O(prefix lengths in use * log n). */
WhitelistReason whitelist_contains(Whitelist *wl, const IpAddr *a, IpPrefix *matched);

/* Why some address inside network p must never be banned, or WHITELIST_NONE: an entry or
 * built-in class that contains p's network address, or one that lies inside p (a /16 that
 * covers a protected /24). matched (may be NULL) receives the entry or class that overlaps,
 * the longest containing one first. */
WhitelistReason whitelist_overlaps(Whitelist *wl, const IpPrefix *p, IpPrefix *matched);

/* TRUE when alerts of gid:sid are whitelisted by a `rule` pattern. */
gboolean whitelist_contains_rule(const Whitelist *wl, guint32 gid, guint32 sid);

/* Number of address/network entries (protected + whitelisted, duplicates included). */
guint whitelist_size(const Whitelist *wl);

void whitelist_free(Whitelist *wl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Whitelist, whitelist_free)
