// SPDX-License-Identifier: GPL-2.0-or-later
// Multi-line alert_full blocks (Snort 2 and Snort 3), read one line at a time.
//
// A block, as both Snorts write it:
//
//   [**] [1:2003068:6] ET SCAN Potential SSH Scan OUTBOUND [**]     header (Snort 3: "msg")
//   [Classification: Attempted Information Leak] [Priority: 2]      when there is an IP header
//   [AppID: SSH]                                                    Snort 3, when known
//   04/20-12:33:22.374826 192.0.2.100:46402 -> 198.51.100.5:22     timestamp + addresses
//   TCP TTL:64 TOS:0x0 ID:50633 IpLen:20 DgmLen:60 DF               protocol header
//   ...                                                             TCP/ICMP details, dumps
//   [Xref => http://doc.emergingthreats.net/2003068]
//                                                                   blank separator
//
// With link-layer output (-e) the timestamp line holds MAC addresses and the IP addresses open
// the next line ("SRC -> DST TCP TTL:..."). An ICMP error's "** ORIGINAL DATAGRAM DUMP:" holds
// addresses of the quoted packet: they come after the protocol line and are never read. Snort 3
// prints only the timestamp for alerts on packets without an IP layer (some stream events).
// The reader in alert.c drives these functions; nothing here keeps state.
#define _GNU_SOURCE /* alert_field.h: memrchr, memmem */
#include "alert_formats.h"

#include "alert_field.h"

static const char *
trim_end(const char *s, const char *end)
{
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return end;
}

static gboolean
proto_token(const char *s, gsize len)
{
    if (len == 0 || len >= ALERT_PROTO_MAX)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        char c = s[i];
        if (!(g_ascii_isalnum(c) || c == ':' || c == '-' || c == '_'))
            return FALSE;
    }
    return TRUE;
}

gboolean
alert_full_is_header(const char *line, gsize len)
{
    const char *end = trim_end(line, line + len);
    gsize n = (gsize)(end - line);
    return n >= 10 && alert_has_prefix(line, n, ALERT_LIT("[**] [")) &&
           alert_has_suffix(line, n, ALERT_LIT("[**]"));
}

gboolean
alert_full_parse_header(const char *line, gsize len, Alert *out)
{
    alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FULL);
    const char *end = trim_end(line, line + len);
    if (!alert_full_is_header(line, (gsize)(end - line)))
        return FALSE;
    const char *p = line + 5;
    const char *rb = memchr(p, ']', (gsize)(end - p));
    if (!rb || !alert_parse_gsr(p, (gsize)(rb + 1 - p), out))
        return FALSE;
    p = rb + 1;
    if (p >= end || *p != ' ')
        return FALSE;
    p++;
    if (end - p >= 2 && p[0] == ' ' && p[1] == '<') { /* -I */
        const char *gt = memchr(p, '>', (gsize)(end - p));
        if (!gt || gt + 1 >= end || gt[1] != ' ')
            return FALSE;
        p = gt + 2;
    }
    const char *msg_end;
    if (end - p == 4) /* "[**]": a rule without msg */
        msg_end = p;
    else if (end - p > 5 && memcmp(end - 5, " [**]", 5) == 0)
        msg_end = end - 5;
    else
        return FALSE;
    gboolean quoted;
    alert_set_msg(out, p, (gsize)(msg_end - p), &quoted);
    /* Snort 3 quotes the message; with no message there is nothing to tell them apart. */
    if (quoted)
        out->producer = ALERT_PRODUCER_SNORT3;
    else if (msg_end > p)
        out->producer = ALERT_PRODUCER_SNORT2;
    return TRUE;
}

void
alert_full_parse_meta_line(const char *line, gsize len, Alert *a)
{
    const char *end = trim_end(line, line + len);
    if (end == line || *line != '[')
        return;
    Alert tmp = *a;
    const char *items = alert_parse_meta(line, end, &tmp);
    if (items == line) /* the whole line is bracket items */
        *a = tmp;
}

AlertFullTsResult
alert_full_parse_ts_line(const char *line, gsize len, Alert *a, char *src_text, char *dst_text,
                         gsize text_cap)
{
    gsize ts_len;
    AlertTsKind kind = alert_ts_scan(line, len, &ts_len);
    if (kind != ALERT_TS_NO_YEAR && kind != ALERT_TS_SHORT_YEAR && kind != ALERT_TS_BROKEN)
        return ALERT_FULL_TS_NOT;
    if (kind != ALERT_TS_BROKEN && !alert_ts_valid(line, kind))
        return ALERT_FULL_TS_BAD;
    a->timestamp_bad = kind == ALERT_TS_BROKEN;
    const char *end = trim_end(line, line + len);
    const char *p = line + ts_len;
    if (p < end && *p != ' ')
        return ALERT_FULL_TS_NOT;
    alert_copy_field(a->timestamp, sizeof a->timestamp, line, ts_len);
    if (p >= end)
        return ALERT_FULL_TS_ONLY;
    p++;
    gsize rest = (gsize)(end - p);
    const char *arrow = alert_find_arrow(p, rest);
    if (!arrow)
        return ALERT_FULL_TS_BAD;
    const char *d = arrow + 4;
    if (memchr(d, ' ', (gsize)(end - d)))
        return ALERT_FULL_TS_LINK; /* "MAC -> MAC type:0x800 len:0x4A" */
    gsize slen = (gsize)(arrow - p), dlen = (gsize)(end - d);
    if (slen == 0 || dlen == 0 || slen >= text_cap || dlen >= text_cap || memchr(p, ' ', slen))
        return ALERT_FULL_TS_BAD;
    memcpy(src_text, p, slen);
    src_text[slen] = '\0';
    memcpy(dst_text, d, dlen);
    dst_text[dlen] = '\0';
    return ALERT_FULL_TS_ADDRS;
}

void
alert_full_parse_proto_line(const char *line, gsize len, Alert *a)
{
    const char *sp = memchr(line, ' ', len);
    gsize n = sp ? (gsize)(sp - line) : len;
    if (proto_token(line, n))
        alert_copy_field(a->proto, sizeof a->proto, line, n);
}

gboolean
alert_full_parse_addr_proto_line(const char *line, gsize len, Alert *a)
{
    const char *end = line + len;
    const char *arrow = alert_find_arrow(line, len);
    if (!arrow)
        return FALSE;
    const char *d = arrow + 4;
    const char *dend = memchr(d, ' ', (gsize)(end - d));
    if (!dend)
        return FALSE;
    const char *pr = dend + 1;
    const char *prend = memchr(pr, ' ', (gsize)(end - pr));
    if (!prend)
        prend = end;
    if (proto_token(pr, (gsize)(prend - pr)))
        alert_copy_field(a->proto, sizeof a->proto, pr, (gsize)(prend - pr));
    return alert_parse_endpoints(line, (gsize)(arrow - line), d, (gsize)(dend - d), FALSE, a);
}

gboolean
alert_full_resolve_addrs(Alert *a, const char *src_text, const char *dst_text)
{
    return alert_parse_endpoints(src_text, strlen(src_text), dst_text, strlen(dst_text), FALSE, a);
}
