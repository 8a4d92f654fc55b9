// SPDX-License-Identifier: GPL-2.0-or-later
// Pieces shared by the alert format parsers (alert.c, alert_fast.c, alert_full.c); not public.
#pragma once

#include <string.h>

#include "alert.h"

/* How a timestamp at the start of a line was written. */
typedef enum {
    ALERT_TS_NONE,         /* not a timestamp */
    ALERT_TS_NO_YEAR,      /* MM/DD-HH:MM:SS.uuuuuu (Snort 2 and 3) */
    ALERT_TS_SHORT_YEAR,   /* xx/xx/xx-HH:MM:SS.uuuuuu (Snort with -y; order depends) */
    ALERT_TS_LONG_YEAR,    /* MM/DD/YYYY-HH:MM:SS.uuuuuu (Suricata) */
    ALERT_TS_ERROR,        /* the literal "ts-error" (Suricata) */
} AlertTsKind;

/* Recognises a timestamp at the start of s (len bytes) by shape only; sets *ts_len. */
AlertTsKind alert_ts_scan(const char *s, gsize len, gsize *ts_len);

/* Whether a timestamp of that shape has a possible month, day and time of day. */
gboolean alert_ts_valid(const char *s, AlertTsKind kind);

/* Strict unsigned decimal of exactly len bytes (digits only, no sign or space), <= max. */
gboolean alert_parse_uint(const char *s, gsize len, guint64 max, guint64 *out);

/* Copies len bytes into a NUL-terminated field of size cap, truncating on a UTF-8 character
 * boundary. */
void alert_copy_field(char *dst, gsize cap, const char *src, gsize len);

/* Clears an Alert to its "absent" values. */
void alert_init(Alert *a, AlertProducer producer, AlertFormat format);

/* Parses "[gid:sid:rev]" exactly. */
gboolean alert_parse_gsr(const char *s, gsize len, Alert *a);

/* Protocol classes that decide what the numbers after an address mean. */
gboolean alert_proto_is_tcp_udp(const char *proto);
gboolean alert_proto_is_icmp(const char *proto);

/* Parses one printed endpoint ("192.0.2.1", "192.0.2.1:80", "2001:db8::1:80",
 * "2001:0db8:...:0001:80") into an address and port. ports: whether this protocol prints ports
 * (so an IPv6 address may end in ":port"); expanded: Suricata's fully expanded IPv6, where a
 * ninth group is the port. */
gboolean alert_parse_endpoint(const char *s, gsize len, gboolean ports, gboolean expanded,
                              IpAddr *addr, gint32 *port);

/* Parses "SRC -> DST" (the whole of s) into the alert, using its proto to read ports. */
gboolean alert_parse_addrs(const char *s, gsize len, gboolean expanded, Alert *a);

/* The same with the two endpoints apart. */
gboolean alert_parse_endpoints(const char *s, gsize slen, const char *d, gsize dlen,
                               gboolean expanded, Alert *a);

/* Parses the trailing bracket items "[Classification: c] [Priority: p] [AppID: x]" that end at
 * end (exclusive; no trailing space). Returns where the items start (the '[' of the leftmost),
 * or end itself when there are none; NULL when an item is malformed. */
const char *alert_parse_meta(const char *start, const char *end, Alert *a);

/* Parses a msg field: strips Snort 3's enclosing quotes and sets *quoted. */
void alert_set_msg(Alert *a, const char *s, gsize len, gboolean *quoted);

/* TRUE when s holds "[**]" anywhere: an alert line or a full block header. */
gboolean alert_has_stars(const char *s, gsize len);

/* Fast format line: the body of alert_parse_line() once length and bytes were checked. */
AlertSkipReason alert_fast_parse(const char *line, gsize len, Alert *out);

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

/* Finds needle in the last part of hay, searching backwards; NULL when absent. */
const char *alert_memrmem(const char *hay, gsize len, const char *needle, gsize nlen);

/* Reverse memchr (portable). */
static inline const char *
alert_memrchr(const char *s, int c, gsize len)
{
    while (len > 0) {
        len--;
        if (s[len] == (char)c)
            return s + len;
    }
    return NULL;
}

/* Forward search for needle (nlen >= 1) in hay; NULL when absent. */
static inline const char *
alert_memmem(const char *hay, gsize len, const char *needle, gsize nlen)
{
    const char *p = hay, *end = hay + len;
    while ((gsize)(end - p) >= nlen && (p = memchr(p, needle[0], (gsize)(end - p) - nlen + 1))) {
        if (memcmp(p, needle, nlen) == 0)
            return p;
        p++;
    }
    return NULL;
}

static inline gboolean
alert_has_prefix(const char *s, gsize len, const char *prefix, gsize plen)
{
    return len >= plen && memcmp(s, prefix, plen) == 0;
}

static inline gboolean
alert_has_suffix(const char *s, gsize len, const char *suffix, gsize slen)
{
    return len >= slen && memcmp(s + len - slen, suffix, slen) == 0;
}

#define ALERT_LIT(s) (s), (sizeof(s) - 1)
