// SPDX-License-Identifier: GPL-2.0-or-later
// The host's own addresses and default gateways, kept current from rtnetlink.
#pragma once

#include <glib.h>

#include "ipaddr.h"

typedef enum {
    OWNADDR_NONE = 0,
    OWNADDR_LOCAL,   /* assigned to one of the host's interfaces */
    OWNADDR_GATEWAY, /* the next hop of a default route */
} OwnAddrKind;

/* "local", "gateway" ("" for none). */
const char *ownaddr_kind_name(OwnAddrKind kind);

typedef struct OwnAddr OwnAddr;

/* An empty set. It follows nothing until ownaddr_watch() is called, so tests can fill it by
 * hand with ownaddr_add(). */
OwnAddr *ownaddr_new(void);

/* Adds or removes one reference to a as kind by hand (the same address on two interfaces is
 * two references). */
void ownaddr_add(OwnAddr *oa, OwnAddrKind kind, const IpAddr *a);
void ownaddr_remove(OwnAddr *oa, OwnAddrKind kind, const IpAddr *a);

/* Opens an rtnetlink socket subscribed to IPv4/IPv6 address and route changes, loads the
 * current addresses and default gateways (blocking, bounded by a 5 s timeout) and then follows
 * changes from a source attached to context (NULL: the thread-default context). A lost event
 * (ENOBUFS) triggers a fresh dump. Fails with ALERTBAN_ERROR_FAILED on socket errors. */
gboolean ownaddr_watch(OwnAddr *oa, GMainContext *context, GError **error);

/* Called after every change the watch applies (not for ownaddr_add/remove). */
typedef void (*OwnAddrChangedFunc)(OwnAddr *oa, OwnAddrKind kind, const IpAddr *a, gboolean added,
                                   gpointer user_data);
void ownaddr_set_changed_func(OwnAddr *oa, OwnAddrChangedFunc func, gpointer user_data);

/* What a is to this host: OWNADDR_LOCAL wins over OWNADDR_GATEWAY. */
OwnAddrKind ownaddr_lookup(const OwnAddr *oa, const IpAddr *a);

/* Whether the prefix p holds one of the host's addresses (OWNADDR_LOCAL wins over
 * OWNADDR_GATEWAY), and which in *hit (may be NULL). One address is one lookup; a network
 * walks the set once. */
OwnAddrKind ownaddr_inside(const OwnAddr *oa, const IpPrefix *p, IpAddr *hit);

/* The current addresses of a kind, sorted (an array of IpAddr; the caller unrefs it). */
GArray *ownaddr_list(const OwnAddr *oa, OwnAddrKind kind);

/* Stops watching and frees the set. */
void ownaddr_free(OwnAddr *oa);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OwnAddr, ownaddr_free)
