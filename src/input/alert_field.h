// SPDX-License-Identifier: GPL-2.0-or-later
// The field readers the alert format parsers (alert_fast.c, alert_full.c) share; not public.
#pragma once

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before any include in files that use alert_field.h"
#endif

#include <string.h>

#include "alert.h"

/* How a timestamp at the start of a line was written. */
typedef enum {
    ALERT_TS_NONE,       /* not a timestamp */
    ALERT_TS_NO_YEAR,    /* MM/DD-HH:MM:SS.uuuuuu (Snort 2 and 3) */
    ALERT_TS_SHORT_YEAR, /* xx/xx/xx-HH:MM:SS.uuuuuu (Snort with -y; order depends) */
    ALERT_TS_LONG_YEAR,  /* MM/DD/YYYY-HH:MM:SS.uuuuuu (Suricata) */
    ALERT_TS_ERROR,      /* the literal "ts-error" (Suricata) */
    ALERT_TS_BROKEN,     /* a broken clock's: a field printed negative, "01/01--3:-33:-58.4" */
} AlertTsKind;

/* Recognises a timestamp at the start of s (len bytes) by shape only; sets *ts_len. */
AlertTsKind alert_ts_scan(const char *s, gsize len, gsize *ts_len);

/* Whether a timestamp of that shape has a possible month, day and time of day (never for
 * ALERT_TS_BROKEN: the alert is read, its timestamp flagged). */
gboolean alert_ts_valid(const char *s, AlertTsKind kind);

/* Strict unsigned decimal of exactly len bytes (digits only, no sign or space), <= max. */
static inline gboolean
alert_parse_uint(const char *s, gsize len, guint64 max, guint64 *out)
{
    /* 19 digits always fit in 64 bits, so no overflow test is needed per digit. */
    if (len == 0 || len > 19)
        return FALSE;
    guint64 v = 0;
    for (gsize i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return FALSE;
        v = v * 10 + d;
    }
    if (v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

/* Copies len bytes into a NUL-terminated field of size cap, truncating on a UTF-8 character
 * boundary. */
void alert_copy_field(char *dst, gsize cap, const char *src, gsize len);

/* Clears an Alert to its "absent" values: every byte, so a record that is not an alert is
 * all zero but for the -1s. */
void alert_init(Alert *a, AlertProducer producer, AlertFormat format);

/* Sets every field of an Alert to its "absent" value without clearing the text fields' unused
 * bytes: the per-line start of a parse that fills the fields it finds. */
void alert_init_fields(Alert *a, AlertProducer producer, AlertFormat format);

/* Parses "[gid:sid:rev]" exactly. */
gboolean alert_parse_gsr(const char *s, gsize len, Alert *a);

/* Parses "[gid:sid:rev]" at p (the text may go on after it, up to end); returns the byte after
 * the ']', or NULL. Sets the three numbers only on success. */
const char *alert_parse_gsr_at(const char *p, const char *end, Alert *a);

/* Protocol classes that decide what the numbers after an address mean. */
typedef enum {
    ALERT_PROTO_OTHER,
    ALERT_PROTO_TCP_UDP, /* ports printed (Snort: only these) */
    ALERT_PROTO_ICMP,    /* ICMP or ICMPv6: Suricata prints type and code as ports */
} AlertProtoClass;
AlertProtoClass alert_proto_class(const char *proto);

/* Control bytes (below 0x20 except tab, and DEL) anywhere in s. */
gboolean alert_has_control_bytes(const char *s, gsize len);

/* The same without SIMD: what alert_has_control_bytes() does where SSE2 is missing, kept
 * callable on every platform so tests can hold both paths to the same answers. */
gboolean alert_has_control_bytes_portable(const char *s, gsize len);

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

/* Finds needle in the last part of hay, searching backwards; NULL when absent. */
const char *alert_memrmem(const char *hay, gsize len, const char *needle, gsize nlen);

/* glibc's vectorised memrchr() and memmem(); the including .c defines _GNU_SOURCE. */
static inline const char *
alert_memrchr(const char *s, int c, gsize len)
{
    return memrchr(s, c, len);
}

static inline const char *
alert_memmem(const char *hay, gsize len, const char *needle, gsize nlen)
{
    return memmem(hay, len, needle, nlen);
}

/* The first " -> " in s, or NULL. */
static inline const char *
alert_find_arrow(const char *s, gsize len)
{
    const char *p = s, *end = s + len;
    while ((p = memchr(p, '>', (gsize)(end - p))) != NULL) {
        if (p - s >= 2 && p[-2] == ' ' && p[-1] == '-' && p + 1 < end && p[1] == ' ')
            return p - 2;
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
