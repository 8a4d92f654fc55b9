// SPDX-License-Identifier: GPL-2.0-or-later
// The pure half of the ipset backend: reading the "save" form of a set (what libipset prints
// for a list in IPSET_LIST_SAVE mode) back into its header and members.
#pragma once

#include <glib.h>

#include "fw_ipset_rules.h"
#include "fw_sets.h"

typedef enum {
    FW_IPSET_LINE_OTHER,  /* empty, or a command we do not read */
    FW_IPSET_LINE_CREATE, /* "create NAME TYPE [family F] [timeout N] ..." */
    FW_IPSET_LINE_ADD,    /* "add NAME ELEMENT [timeout N] [nomatch] ..." */
} FwIpsetLineKind;

/* A set's header, from its create line. */
typedef struct {
    char name[FW_IPSET_NAME_MAX];
    char type[FW_IPSET_NAME_MAX]; /* "hash:net" */
    int family;                   /* AF_INET, AF_INET6, or 0 when not given */
    gboolean has_timeout;         /* created with a timeout: members may expire */
    guint32 maxelem;              /* 0 when not given */
} FwIpsetHeader;

/* One member: its prefix and remaining time (0: permanent, or a set without timeouts), and
 * whether it is a "nomatch" exception (never one of ours). */
typedef struct {
    char name[FW_IPSET_NAME_MAX];
    FwSetEntry entry;
    gboolean nomatch;
} FwIpsetMember;

/* Parses one line of len bytes (no newline needed; a trailing "\n" or "\r\n" is ignored).
 * Fills header for a create line, member for an add line. FALSE with error
 * (ALERTBAN_ERROR_PARSE) for a create or add line it cannot read: a name too long, a
 * malformed address or prefix, a bad number. */
gboolean fw_ipset_parse_save_line(const char *line, gsize len, FwIpsetLineKind *kind,
                                  FwIpsetHeader *header, FwIpsetMember *member, GError **error);
