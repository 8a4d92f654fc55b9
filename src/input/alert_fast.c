// SPDX-License-Identifier: GPL-2.0-or-later
// One-line alert formats: Snort 2 and Snort 3 alert_fast, Suricata fast.log.
//
// The three producers write the same skeleton with different details:
//
//   Snort 2   MM/DD-HH:MM:SS.uuuuuu  [Drop] [**] [g:s:r] msg [**] [Classification: c]
//             [Priority: p] {PROTO} a:p -> b:q                                (one line)
//   Snort 3   MM/DD-HH:MM:SS.uuuuuu [drop] [**] [g:s:r] "msg" [**] [Classification: c]
//             [Priority: p] [AppID: x] {PROTO} a:p -> b:q
//   Suricata  MM/DD/YYYY-HH:MM:SS.uuuuuu  [Drop] [**] [g:s:r] msg [**] [Classification: c]
//             [Priority: p] {PROTO} a:p -> b:q     (or "[**] [Raw pkt: ...]" for decoder events)
//
// The timestamp and the spaces after it tell the producer apart (Snort 3 writes one space,
// the others two; Suricata has a four-digit year or "ts-error"). The message is free text that
// may hold brackets, arrows and quotes, so the parser reads the fixed head from the left up to
// "[g:s:r]" and the fixed tail from the right (addresses, {proto}, bracket items, " [**]"); what
// lies between is the message.
#define _GNU_SOURCE /* alert_field.h: memrchr, memmem */
#include "alert_formats.h"

#include "alert_field.h"

/* Parses "SRC -> DST" or nothing after "{PROTO} "; FALSE on anything else. */
static gboolean
parse_tail_addrs(const char *s, gsize len, Alert *a)
{
    if (len == 0) /* Snort 3 {ARP}, {eth}: no addresses */
        return TRUE;
    /* Snort 3 also prints the arrow between two empty addresses: "{ARP}  -> " (the trailing
     * space was trimmed). */
    if (len == 3 && memcmp(s, " ->", 3) == 0)
        return TRUE;
    return alert_parse_addrs(s, len, a->producer == ALERT_PRODUCER_SURICATA, a);
}

static gboolean
proto_char(char c)
{
    return g_ascii_isalnum(c) || c == ':' || c == '-' || c == '_' || c == '.';
}

/* Suricata decoder events end in "[**] [Raw pkt: XX XX ...]" and maybe
 * " [pcap file packet: N]". Returns where " [**] [Raw pkt: " starts, or NULL. */
static const char *
find_raw_pkt(const char *s, gsize len)
{
    static const char marker[] = " [**] [Raw pkt: ";
    if (len == 0 || s[len - 1] != ']')
        return NULL;
    const char *m = alert_memrmem(s, len, ALERT_LIT(marker));
    if (!m)
        return NULL;
    const char *p = m + sizeof marker - 1, *end = s + len;
    while (p < end && (g_ascii_isxdigit(*p) || *p == ' '))
        p++;
    if (p >= end || *p != ']')
        return NULL;
    p++;
    if (p == end)
        return m;
    static const char pcap[] = " [pcap file packet: ";
    if (!alert_has_prefix(p, (gsize)(end - p), ALERT_LIT(pcap)))
        return NULL;
    p += sizeof pcap - 1;
    guint64 n;
    if (!alert_parse_uint(p, (gsize)(end - p - 1), G_MAXUINT64, &n))
        return NULL;
    return m;
}

/* The right-hand part after the message: finds where " [**]" ends the message, filling
 * priority, classification, proto and addresses. Returns the end of the message or NULL. */
static const char *
parse_right(const char *msg_start, const char *end, Alert *a, const char **free_text_end)
{
    gsize len = (gsize)(end - msg_start);
    const char *meta_end = NULL;

    const char *raw = a->producer == ALERT_PRODUCER_SURICATA ? find_raw_pkt(msg_start, len) : NULL;
    if (raw) {
        meta_end = raw;
    } else {
        /* "{PROTO} addrs": the last '{' on the line, since addresses hold none. */
        const char *lb = alert_memrchr(msg_start, '{', len);
        if (lb && lb > msg_start && lb[-1] == ' ') {
            const char *p = lb + 1;
            while (p < end && proto_char(*p))
                p++;
            gsize plen = (gsize)(p - lb - 1);
            if (p < end && *p == '}' && plen > 0 && plen < ALERT_PROTO_MAX &&
                (p + 1 == end || p[1] == ' ')) {
                memcpy(a->proto, lb + 1, plen); /* ASCII, shorter than the field */
                a->proto[plen] = '\0';
                const char *t = p + 1 == end ? end : p + 2;
                if (!parse_tail_addrs(t, (gsize)(end - t), a))
                    return NULL;
                meta_end = lb - 1;
            }
        }
    }

    if (!meta_end) {
        /* Snort 2 prints nothing after the message of an alert without an IP header. */
        a->proto[0] = '\0';
        meta_end = end;
    }

    *free_text_end = meta_end;
    const char *items = alert_parse_meta(msg_start, meta_end, a);
    if (!items)
        return NULL;
    if (items != meta_end && a->priority < 0)
        return NULL;
    /* Snort 3 always prints the priority and the packet type; Suricata always the priority. */
    if (a->producer != ALERT_PRODUCER_SNORT2 && a->priority < 0)
        return NULL;
    /* What is left is "msg [**]" (or "[**]" for a rule without msg). */
    gsize left = (gsize)(items - msg_start);
    /* Trim the one space between " [**]" and the first item. */
    if (items != meta_end) {
        if (left == 0 || msg_start[left - 1] != ' ')
            return NULL;
        left--;
    }
    if (alert_has_suffix(msg_start, left, ALERT_LIT(" [**]")))
        return msg_start + left - 5;
    if (left == 4 && memcmp(msg_start, "[**]", 4) == 0)
        return msg_start;
    return NULL;
}

/* The optional interface (-I, older layouts) and drop marker between the timestamp and
 * "[**] ", at p: sets the action and *iface_end (the interface is p..*iface_end), and returns
 * the byte after "[**] ", or NULL when the line is not an alert. */
static const char *
parse_marks(const char *p, const char *end, Alert *out, const char **iface_end)
{
    *iface_end = p;
    if (p < end && *p == '<') {
        const char *gt = memchr(p, '>', (gsize)(end - p));
        if (!gt || gt + 1 >= end || gt[1] != ' ')
            return NULL;
        *iface_end = gt;
        p = gt + 2;
        if (p < end && *p == ' ')
            p++;
    }
    if (p < end && *p == '[' && !(end - p >= 4 && memcmp(p, "[**]", 4) == 0)) {
        const char *q = p + 1;
        while (q < end && (g_ascii_isalpha(*q) || *q == '_'))
            q++;
        gsize mlen = (gsize)(q - p - 1);
        if (mlen == 0 || mlen >= ALERT_ACTION_MAX || q + 1 >= end || q[0] != ']' || q[1] != ' ')
            return NULL;
        for (gsize i = 0; i < mlen; i++) {
            char c = p[1 + i];
            out->action[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        out->action[mlen] = '\0';
        p = q + 2;
    }
    if (!alert_has_prefix(p, (gsize)(end - p), ALERT_LIT("[**] ")))
        return NULL;
    return p + 5;
}

AlertSkipReason
alert_fast_parse(const char *line, gsize len, Alert *out)
{
    const char *end = line + len;
    alert_init_fields(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);

    gsize ts_len;
    AlertTsKind kind = alert_ts_scan(line, len, &ts_len);
    if (kind == ALERT_TS_NONE)
        goto not_alert;
    const char *p = line + ts_len;
    gsize spaces = 0;
    while (p < end && *p == ' ' && spaces < 3) {
        p++;
        spaces++;
    }
    if (kind == ALERT_TS_ERROR || kind == ALERT_TS_LONG_YEAR) {
        if (spaces != 2)
            goto not_alert;
        out->producer = ALERT_PRODUCER_SURICATA;
    } else if (spaces == 1) {
        out->producer = ALERT_PRODUCER_SNORT3;
    } else if (spaces == 2) {
        out->producer = ALERT_PRODUCER_SNORT2;
    } else {
        goto not_alert;
    }
    /* The longest fixed shape is 26 bytes, a broken clock's at most 33: no truncation. */
    G_STATIC_ASSERT(ALERT_TIMESTAMP_MAX > 33);
    memcpy(out->timestamp, line, ts_len);
    out->timestamp[ts_len] = '\0';
    /* A broken clock's timestamp is kept and flagged: the rule and addresses still hold. */
    gboolean ts_ok = kind == ALERT_TS_BROKEN || alert_ts_valid(line, kind);
    out->timestamp_bad = kind == ALERT_TS_BROKEN;

    const char *iface = p, *iface_end = p;
    p = parse_marks(p, end, out, &iface_end);
    if (!p)
        goto not_alert;

    /* From here on the line is clearly meant as an alert: failures are "malformed". */
    if (!ts_ok)
        goto malformed;
    p = alert_parse_gsr_at(p, end, out);
    if (!p)
        goto malformed;
    if (p >= end || *p != ' ')
        goto malformed;
    p++;
    /* -I: " <iface> " after the rule id */
    if (end - p >= 2 && p[0] == ' ' && p[1] == '<') {
        const char *gt = memchr(p, '>', (gsize)(end - p));
        if (!gt || gt + 1 >= end || gt[1] != ' ')
            goto malformed;
        iface = p + 1; /* the "<" */
        iface_end = gt;
        p = gt + 2;
    }

    /* One trailing space is what Snort writes after "[**]" or "{ARP}" when nothing follows. */
    const char *e = end;
    if (e > p && e[-1] == ' ')
        e--;
    const char *free_end;
    const char *msg_end = parse_right(p, e, out, &free_end);
    if (!msg_end)
        goto malformed;
    /* Everything else was read character by character; the message, the bracket items and
     * the interface name are free text that may hide control bytes. */
    if ((iface_end > iface && alert_has_control_bytes(iface, (gsize)(iface_end - iface))) ||
        alert_has_control_bytes(p, (gsize)(free_end - p)))
        goto binary;
    gboolean quoted;
    alert_set_msg(out, p, (gsize)(msg_end - p), &quoted);
    if (iface_end > iface) /* "<eth0" */
        alert_copy_field(out->interface, sizeof out->interface, iface + 1,
                         (gsize)(iface_end - iface - 1));
    return ALERT_SKIP_NONE;

binary:
    alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
    return ALERT_SKIP_BINARY;
malformed:
    alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
    return alert_has_control_bytes(line, len) ? ALERT_SKIP_BINARY : ALERT_SKIP_MALFORMED;
not_alert:
    alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
    if (alert_has_control_bytes(line, len))
        return ALERT_SKIP_BINARY;
    /* Junk before an otherwise well-formed alert still says "alert": report it as malformed. */
    return alert_has_stars(line, len) ? ALERT_SKIP_MALFORMED : ALERT_SKIP_NOT_ALERT;
}
