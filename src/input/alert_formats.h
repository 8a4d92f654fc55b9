// SPDX-License-Identifier: GPL-2.0-or-later
// Entry points of the alert format parsers (alert_fast.c, alert_full.c) that alert.c dispatches
// to; not public.
#pragma once

#include "alert.h"

/* Fast format line: the body of alert_parse_line() once length and bytes were checked. */
AlertSkipReason alert_fast_parse(const char *line, gsize len, Alert *out);

/* A JSON line (EVE or Snort 3 alert_json): the body of alert_parse_line() for a line whose
 * first non-blank byte is '{', once its length was checked. */
AlertSkipReason alert_json_parse(const char *line, gsize len, Alert *out);

/* Full format header "[**] [g:s:r] msg [**]"; FALSE when the line is not one. */
gboolean alert_full_is_header(const char *line, gsize len);
gboolean alert_full_parse_header(const char *line, gsize len, Alert *out);

/* What a full block's timestamp line held. */
typedef enum {
    ALERT_FULL_TS_NOT,   /* not a timestamp line */
    ALERT_FULL_TS_ONLY,  /* a timestamp and nothing else (no IP header printed) */
    ALERT_FULL_TS_ADDRS, /* "TS SRC -> DST": addresses kept as text until the proto line */
    ALERT_FULL_TS_LINK,  /* "TS MAC -> MAC type:..": the IP addresses are on the next line */
    ALERT_FULL_TS_BAD,   /* a timestamp followed by something unreadable */
} AlertFullTsResult;

AlertFullTsResult alert_full_parse_ts_line(const char *line, gsize len, Alert *a, char *src_text,
                                           char *dst_text, gsize text_cap);
/* "[Classification: c] [Priority: p]" or "[AppID: x]" lines before the timestamp. */
void alert_full_parse_meta_line(const char *line, gsize len, Alert *a);
/* The protocol header line after the addresses ("TCP TTL:64 TOS:0x0 ..."): takes its first
 * token as proto. */
void alert_full_parse_proto_line(const char *line, gsize len, Alert *a);
/* "SRC -> DST PROTO TTL:..." after a link-layer line. FALSE when unreadable. */
gboolean alert_full_parse_addr_proto_line(const char *line, gsize len, Alert *a);
/* Reads the kept address texts now that the protocol is known (or never will be). */
gboolean alert_full_resolve_addrs(Alert *a, const char *src_text, const char *dst_text);
