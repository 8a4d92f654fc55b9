// SPDX-License-Identifier: GPL-2.0-or-later
// The field readers the alert format parsers share: timestamps, rule ids, protocols, endpoints,
// bracket items, message text and byte checks, below the format parsers and above ipaddr.
#define _GNU_SOURCE /* memrchr, memmem */
#include "alert_field.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

const char *
alert_memrmem(const char *hay, gsize len, const char *needle, gsize nlen)
{
    if (nlen == 0 || len < nlen)
        return NULL;
    for (gsize i = len - nlen + 1; i-- > 0;) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return hay + i;
    }
    return NULL;
}

gboolean
alert_has_stars(const char *s, gsize len)
{
    const char *p = s, *end = s + len;
    while ((p = memchr(p, '[', (gsize)(end - p))) != NULL) {
        if (end - p >= 4 && p[1] == '*' && p[2] == '*' && p[3] == ']')
            return TRUE;
        p++;
    }
    return FALSE;
}

void
alert_copy_field(char *dst, gsize cap, const char *src, gsize len)
{
    if (len >= cap) {
        len = cap - 1;
        /* Do not leave half a UTF-8 character at the cut: back up over continuation bytes
         * and the lead byte whose sequence they belong to. */
        gsize cut = len;
        while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
            cut--;
        if (cut < len || ((unsigned char)src[len] & 0xC0) == 0x80)
            len = cut;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void
alert_init(Alert *a, AlertProducer producer, AlertFormat format)
{
    memset(a, 0, sizeof *a);
    a->producer = producer;
    a->format = format;
    a->priority = -1;
    a->src_port = -1;
    a->dst_port = -1;
}

void
alert_init_fields(Alert *a, AlertProducer producer, AlertFormat format)
{
    a->producer = producer;
    a->format = format;
    a->timestamp[0] = '\0';
    a->gid = a->sid = a->rev = 0;
    a->msg[0] = '\0';
    a->classification[0] = '\0';
    a->priority = -1;
    a->proto[0] = '\0';
    memset(&a->src, 0, sizeof a->src);
    memset(&a->dst, 0, sizeof a->dst);
    a->src_port = -1;
    a->dst_port = -1;
    a->action[0] = '\0';
    a->interface[0] = '\0';
    a->flow_id = 0;
    a->timestamp_bad = FALSE;
}

/* Two ASCII digits at s. */
static inline gboolean
d2(const char *s)
{
    return (unsigned)(guchar)s[0] - '0' <= 9 && (unsigned)(guchar)s[1] - '0' <= 9;
}

/* Eight bytes at s as a little-endian number: byte i of the text is bits 8i..8i+7. */
static inline guint64
load8_le(const char *s)
{
    guint64 x;
    memcpy(&x, s, 8);
    return GUINT64_FROM_LE(x);
}

#define BYTES8 G_GUINT64_CONSTANT(0x0101010101010101)

/* Whether the bytes of x selected by mask (0xFF per byte) are all ASCII digits. With
 * v = x ^ '0', a byte is a digit exactly when its v is 0..9, i.e. when neither v nor v + 6 has
 * a bit in the high nibble. The + 6 only carries out of a byte whose v is 0xFA or more, which
 * is then no digit itself; a carry never turns a non-digit into a digit, so an answer of TRUE
 * is always right, and any FALSE caused by a carry out of an unselected byte is right too, as
 * long as the caller also requires that byte to be the punctuation it must be. */
static inline gboolean
digits8(guint64 x, guint64 mask)
{
    guint64 v = x ^ (BYTES8 * '0');
    return (((v + BYTES8 * 6) | v) & (BYTES8 * 0xF0) & mask) == 0;
}

/* Byte masks and values for the fixed shapes, byte 0 lowest. */
#define B(i) (G_GUINT64_CONSTANT(0xFF) << (8 * (i)))
#define C(i, c) ((guint64)(guchar)(c) << (8 * (i)))

/* One field of a broken clock's timestamp: "-?D{1,2}" (printf's %02d of a negative number is
 * "-3" or "-33"); counts the signs it saw. */
static gboolean
broken_field(const char *s, gsize len, gsize *p, guint *signs)
{
    gsize i = *p;
    if (i < len && s[i] == '-') {
        i++;
        (*signs)++;
    }
    gsize d = i;
    while (i < len && i - d < 2 && g_ascii_isdigit(s[i]))
        i++;
    if (i == d)
        return FALSE;
    *p = i;
    return TRUE;
}

/* The slow path of alert_ts_scan() for what the fixed shapes refused: a Snort timestamp with
 * some field printed negative, MM/DD[/YY[YY]]-HH:MM:SS.uuuuuu. */
static AlertTsKind
ts_scan_broken(const char *s, gsize len, gsize *ts_len)
{
    gsize p = 0;
    guint signs = 0;
    if (!broken_field(s, len, &p, &signs) || p >= len || s[p++] != '/' ||
        !broken_field(s, len, &p, &signs))
        return ALERT_TS_NONE;
    if (p < len && s[p] == '/') { /* a year: two or four digits */
        gsize y = ++p;
        while (p < len && p - y < 4 && g_ascii_isdigit(s[p]))
            p++;
        if (p - y != 2 && p - y != 4)
            return ALERT_TS_NONE;
    }
    if (p >= len || s[p++] != '-')
        return ALERT_TS_NONE;
    for (int i = 0; i < 3; i++) {
        if (!broken_field(s, len, &p, &signs))
            return ALERT_TS_NONE;
        if (p >= len || s[p++] != (i < 2 ? ':' : '.'))
            return ALERT_TS_NONE;
    }
    gsize u = p;
    while (p < len && p - u < 6 && g_ascii_isdigit(s[p]))
        p++;
    if (p - u != 6 || signs == 0 || (p < len && s[p] != ' '))
        return ALERT_TS_NONE;
    *ts_len = p;
    return ALERT_TS_BROKEN;
}

AlertTsKind
alert_ts_scan(const char *s, gsize len, gsize *ts_len)
{
    /* "DD/DD" then "-" | "/DD-" | "/DDDD-", then "DD:DD:DD.DDDDDD", read eight bytes at a
     * time (every shape is at least 21 bytes) */
    if (len < 21) {
        if (alert_has_prefix(s, len, ALERT_LIT("ts-error"))) {
            *ts_len = 8;
            return ALERT_TS_ERROR;
        }
        return ALERT_TS_NONE;
    }
    guint64 x = load8_le(s);
    if ((x & B(2)) != C(2, '/') || !digits8(x, B(0) | B(1) | B(3) | B(4))) {
        if (alert_has_prefix(s, len, ALERT_LIT("ts-error"))) {
            *ts_len = 8;
            return ALERT_TS_ERROR;
        }
        return ts_scan_broken(s, len, ts_len);
    }
    gsize p;
    AlertTsKind kind;
    if (s[5] == '-') {
        kind = ALERT_TS_NO_YEAR;
        p = 6;
    } else if (s[5] == '/' && d2(s + 6) && s[8] == '-') {
        kind = ALERT_TS_SHORT_YEAR;
        p = 9;
    } else if (s[5] == '/' && d2(s + 6) && d2(s + 8) && s[10] == '-') {
        kind = ALERT_TS_LONG_YEAR;
        p = 11;
    } else {
        return ts_scan_broken(s, len, ts_len);
    }
    if (len < p + 15)
        return ts_scan_broken(s, len, ts_len);
    /* "HH:MM:SS" then "S.uuuuuu" (the second load overlaps the first by one byte) */
    guint64 c1 = load8_le(s + p), c2 = load8_le(s + p + 7);
    if ((c1 & (B(2) | B(5))) != (C(2, ':') | C(5, ':')) || (c2 & B(1)) != C(1, '.') ||
        !digits8(c1, B(0) | B(1) | B(3) | B(4) | B(6) | B(7)) || !digits8(c2, ~B(1)))
        return ts_scan_broken(s, len, ts_len);
    *ts_len = p + 15;
    return kind;
}

#undef B
#undef C

static int
num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static gboolean
month_day_ok(int mon, int day)
{
    return mon >= 1 && mon <= 12 && day >= 1 && day <= 31;
}

gboolean
alert_ts_valid(const char *s, AlertTsKind kind)
{
    const char *clock;
    switch (kind) {
    case ALERT_TS_ERROR:
        return TRUE;
    case ALERT_TS_BROKEN:
        return FALSE;
    case ALERT_TS_NO_YEAR:
        if (!month_day_ok(num2(s), num2(s + 3)))
            return FALSE;
        clock = s + 6;
        break;
    case ALERT_TS_SHORT_YEAR:
        /* MM/DD/YY (Snort 2, older Snort 3) or YY/MM/DD (newer Snort 3): either will do. */
        if (!month_day_ok(num2(s), num2(s + 3)) && !month_day_ok(num2(s + 3), num2(s + 6)))
            return FALSE;
        clock = s + 9;
        break;
    case ALERT_TS_LONG_YEAR:
        if (!month_day_ok(num2(s), num2(s + 3)))
            return FALSE;
        clock = s + 11;
        break;
    case ALERT_TS_NONE:
    default:
        return FALSE;
    }
    return num2(clock) <= 23 && num2(clock + 3) <= 59 && num2(clock + 6) <= 60;
}

/* A strict decimal of one to ten digits that fits 32 bits at *pp, then sep; moves *pp past
 * sep. Never reads at or past end. */
static inline gboolean
dec32_sep(const char **pp, const char *end, char sep, guint32 *out)
{
    const char *p = *pp;
    gsize room = (gsize)(end - p);
    if (room > 11)
        room = 11; /* ten digits and the separator */
    const char *stop = p + room;
    guint64 x = 0;
    unsigned d;
    while (p < stop && (d = (unsigned)(guchar)*p - '0') <= 9) {
        x = x * 10 + d;
        p++;
    }
    if (p == *pp || p == stop || *p != sep || x > G_MAXUINT32)
        return FALSE;
    *out = (guint32)x;
    *pp = p + 1;
    return TRUE;
}

const char *
alert_parse_gsr_at(const char *p, const char *end, Alert *a)
{
    /* "[" gid ":" sid ":" rev "]", each a strict decimal of at most ten digits that fits 32
     * bits; read straight from the line, so the first ']' after p is the one that ends it. */
    guint32 gid, sid, rev;
    if (end - p < 7 || *p != '[')
        return NULL;
    p++;
    if (!dec32_sep(&p, end, ':', &gid) || !dec32_sep(&p, end, ':', &sid) ||
        !dec32_sep(&p, end, ']', &rev))
        return NULL;
    a->gid = gid;
    a->sid = sid;
    a->rev = rev;
    return p;
}

gboolean
alert_parse_gsr(const char *s, gsize len, Alert *a)
{
    Alert tmp;
    if (alert_parse_gsr_at(s, s + len, &tmp) != s + len)
        return FALSE;
    a->gid = tmp.gid;
    a->sid = tmp.sid;
    a->rev = tmp.rev;
    return TRUE;
}

/* Names as the producers print them: Snort's protocol_names[] (from /etc/protocols, upper
 * case, or "PROTO:%03d"), Snort 3's packet types, Suricata's known_proto[] ("IPv6-ICMP"). */
/* ASCII case-insensitive comparison of a string of known length with an upper-case literal. */
static inline gboolean
eq_upper(const char *s, const char *upper, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c != upper[i])
            return FALSE;
    }
    return TRUE;
}

AlertProtoClass
alert_proto_class(const char *proto)
{
    gsize n = strlen(proto);
    switch (n) {
    case 1:
        return proto[0] == '6'   ? ALERT_PROTO_TCP_UDP
               : proto[0] == '1' ? ALERT_PROTO_ICMP
                                 : ALERT_PROTO_OTHER;
    case 2:
        return memcmp(proto, "17", 2) == 0   ? ALERT_PROTO_TCP_UDP
               : memcmp(proto, "58", 2) == 0 ? ALERT_PROTO_ICMP
                                             : ALERT_PROTO_OTHER;
    case 3:
        return eq_upper(proto, "TCP", 3) || eq_upper(proto, "UDP", 3) ? ALERT_PROTO_TCP_UDP
                                                                      : ALERT_PROTO_OTHER;
    case 4:
        return eq_upper(proto, "ICMP", 4) ? ALERT_PROTO_ICMP : ALERT_PROTO_OTHER;
    case 5:
        return eq_upper(proto, "ICMP6", 5) ? ALERT_PROTO_ICMP : ALERT_PROTO_OTHER;
    case 6:
        return eq_upper(proto, "ICMPV6", 6) ? ALERT_PROTO_ICMP : ALERT_PROTO_OTHER;
    case 9:
        if (eq_upper(proto, "IPV6-ICMP", 9) || memcmp(proto, "PROTO:001", 9) == 0 ||
            memcmp(proto, "PROTO:058", 9) == 0)
            return ALERT_PROTO_ICMP;
        if (memcmp(proto, "PROTO:006", 9) == 0 || memcmp(proto, "PROTO:017", 9) == 0)
            return ALERT_PROTO_TCP_UDP;
        return ALERT_PROTO_OTHER;
    default:
        return ALERT_PROTO_OTHER;
    }
}

static gboolean
parse_port(const char *s, gsize len, gint32 *port)
{
    guint64 v;
    if (!alert_parse_uint(s, len, 65535, &v))
        return FALSE;
    *port = (gint32)v;
    return TRUE;
}

/* Longest endpoint text worth reading: an expanded IPv6 address and a port are 45 bytes. */
#define ENDPOINT_MAX 63

/* An address of len bytes at s, where s[len] ends it for ipaddr's readers (a NUL or a ':');
 * maybe_v4 is FALSE when the text holds no '.', so cannot be IPv4. */
static gboolean
parse_addr_terminated(const char *s, gsize len, gboolean maybe_v4, IpAddr *out)
{
    guint groups;
    gboolean compressed;
    IpAddr a;
    if (maybe_v4 && ipaddr_scan_ipv4(s, &a) == len) {
        *out = a;
        return TRUE;
    }
    return ipaddr_scan_ipv6(s, len, out, &groups, &compressed);
}

gboolean
alert_parse_endpoint(const char *s, gsize len, gboolean ports, gboolean expanded, IpAddr *addr,
                     gint32 *port)
{
    *port = -1;
    /* A terminated copy lets the IPv4 reader run without bounds tests. */
    char buf[ENDPOINT_MAX + 1];
    if (len > ENDPOINT_MAX)
        return FALSE;
    memcpy(buf, s, len);
    buf[len] = '\0';
    s = buf;
    /* The common case first: "a.b.c.d" or "a.b.c.d:port". */
    gsize n4 = ipaddr_scan_ipv4(s, addr);
    if (n4 == len)
        return TRUE;
    if (n4 > 0 && s[n4] == ':' && parse_port(s + n4 + 1, len - n4 - 1, port))
        return TRUE;
    *port = -1;
    const char *last_colon = alert_memrchr(s, ':', len);
    /* Every address read below is followed by a NUL or by a ':' in buf, which stops both fast
     * paths; the dotted quad at the start was tried above. */
    if (!last_colon)
        return parse_addr_terminated(s, len, FALSE, addr);
    gsize alen = (gsize)(last_colon - s);
    const char *after = last_colon + 1;
    gsize plen = len - alen - 1;

    const char *last_dot = alert_memrchr(s, '.', len);
    if (last_dot) {
        /* IPv4, or IPv4-mapped IPv6: a colon after the last dot starts the port. */
        if (last_colon < last_dot)
            return parse_addr_terminated(s, len, TRUE, addr);
        return parse_port(after, plen, port) && parse_addr_terminated(s, alen, TRUE, addr);
    }

    guint groups;
    gboolean compressed;
    if (expanded) {
        /* Suricata prints IPv6 with all eight groups, so a ninth is the port. */
        if (ipaddr_scan_ipv6(s, alen, addr, &groups, &compressed) && groups == 8 && !compressed &&
            parse_port(after, plen, port))
            return TRUE;
        *port = -1;
        if (ipaddr_scan_ipv6(s, len, addr, &groups, &compressed) && groups == 8 && !compressed)
            return TRUE;
        /* Not Suricata's shape after all: fall through to the compressed rules. */
    }

    /* Snort prints compressed IPv6 and appends ":port" for TCP and UDP only (and not for
     * fragments, so fall back to the whole text being the address). */
    if (ports && plen > 0 && plen <= 5 && parse_port(after, plen, port) &&
        parse_addr_terminated(s, alen, FALSE, addr))
        return TRUE;
    *port = -1;
    return parse_addr_terminated(s, len, FALSE, addr);
}

gboolean
alert_parse_addrs(const char *s, gsize len, gboolean expanded, Alert *a)
{
    const char *arrow = alert_find_arrow(s, len);
    if (!arrow)
        return FALSE;
    gsize slen = (gsize)(arrow - s);
    const char *d = arrow + 4;
    gsize dlen = len - slen - 4;
    return alert_parse_endpoints(s, slen, d, dlen, expanded, a);
}

gboolean
alert_parse_endpoints(const char *s, gsize slen, const char *d, gsize dlen, gboolean expanded,
                      Alert *a)
{
    /* No space check needed: every address and port parser rejects a space. */
    if (slen == 0 || dlen == 0)
        return FALSE;
    AlertProtoClass pc = alert_proto_class(a->proto);
    gboolean icmp = pc == ALERT_PROTO_ICMP;
    gboolean ports = expanded ? !icmp : pc == ALERT_PROTO_TCP_UDP;
    if (!alert_parse_endpoint(s, slen, ports, expanded, &a->src, &a->src_port) ||
        !alert_parse_endpoint(d, dlen, ports, expanded, &a->dst, &a->dst_port)) {
        memset(&a->src, 0, sizeof a->src);
        memset(&a->dst, 0, sizeof a->dst);
        a->src_port = a->dst_port = -1;
        return FALSE;
    }
    if (icmp) /* type and code, printed where ports would be */
        a->src_port = a->dst_port = -1;
    return TRUE;
}

const char *
alert_parse_meta(const char *start, const char *end, Alert *a)
{
    gboolean seen_prio = FALSE, seen_class = FALSE, seen_appid = FALSE;
    const char *r = end;
    while (r > start && r[-1] == ']') {
        const char *lb = alert_memrchr(start, '[', (gsize)(r - start));
        if (!lb)
            return NULL;
        const char *in = lb + 1;
        gsize ilen = (gsize)(r - 1 - in);
        if (!seen_prio && !seen_class && !seen_appid &&
            alert_has_prefix(in, ilen, ALERT_LIT("AppID: "))) {
            seen_appid = TRUE; /* Snort 3's application name: not kept */
        } else if (!seen_prio && !seen_class &&
                   alert_has_prefix(in, ilen, ALERT_LIT("Priority: "))) {
            guint64 v;
            if (!alert_parse_uint(in + 10, ilen - 10, G_MAXINT32, &v))
                return NULL;
            a->priority = (gint32)v;
            seen_prio = TRUE;
        } else if (!seen_class && alert_has_prefix(in, ilen, ALERT_LIT("Classification: "))) {
            const char *c = in + 16;
            gsize clen = ilen - 16;
            /* Suricata prints a rule without classtype as "(null)". */
            if (!(clen == 6 && memcmp(c, "(null)", 6) == 0))
                alert_copy_field(a->classification, sizeof a->classification, c, clen);
            seen_class = TRUE;
        } else {
            break;
        }
        r = lb;
        if (r > start && r[-1] == ' ')
            r--;
        else
            break;
    }
    if (seen_class && !seen_prio)
        return NULL;
    if (r == end)
        return end;
    /* r points at the space before the leftmost item, or at start. */
    return r < end && *r == ' ' ? r + 1 : r;
}

void
alert_set_msg(Alert *a, const char *s, gsize len, gboolean *quoted)
{
    *quoted = len >= 2 && s[0] == '"' && s[len - 1] == '"';
    if (*quoted) {
        s++;
        len -= 2;
    }
    alert_copy_field(a->msg, sizeof a->msg, s, len);
}

/* ---- bytes ---- */

#define ONES G_GUINT64_CONSTANT(0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT(0x8080808080808080)

static gboolean
bad_byte(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Control bytes other than tab (and DEL) mean the text is not a log line. Eight bytes at a
 * time, where (x - 0x20..) & ~x & 0x80.. is nonzero exactly when some byte is below 0x20
 * (and the same on x ^ 0x7f.. for DEL); candidates are then checked one by one (tab is
 * allowed). */
gboolean
alert_has_control_bytes_portable(const char *s, gsize len)
{
    gsize i = 0;
    for (; i + 8 <= len; i += 8) {
        guint64 x;
        memcpy(&x, s + i, 8);
        guint64 y = x ^ (ONES * 0x7f);
        if ((((x - ONES * 0x20) & ~x) | ((y - ONES) & ~y)) & HIGHS) {
            for (gsize j = i; j < i + 8; j++) {
                if (bad_byte((unsigned char)s[j]))
                    return TRUE;
            }
        }
    }
    for (; i < len; i++) {
        if (bad_byte((unsigned char)s[i]))
            return TRUE;
    }
    return FALSE;
}

#ifdef __SSE2__
/* 0xFF in each byte of x that is a control byte: below 0x20 but not tab, or DEL. */
static inline __m128i
control_mask(__m128i x)
{
    const __m128i c1f = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f), tab = _mm_set1_epi8('\t');
    /* min(x, 0x1f) == x exactly when x <= 0x1f (unsigned) */
    __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x);
    __m128i bad = _mm_or_si128(low, _mm_cmpeq_epi8(x, del));
    return _mm_andnot_si128(_mm_cmpeq_epi8(x, tab), bad);
}

static inline __m128i
load16(const char *s)
{
    return _mm_loadu_si128((const __m128i *)(const void *)s);
}
#endif

/* SSE2: the exact mask of control bytes, 32 then 16 bytes at a time, and the last 16 bytes
 * again (overlapping) for the tail; texts under 16 bytes go the portable way. */
gboolean
alert_has_control_bytes(const char *s, gsize len)
{
#ifdef __SSE2__
    if (len < 16)
        return alert_has_control_bytes_portable(s, len);
    gsize i = 0;
    for (; i + 32 <= len; i += 32) {
        __m128i m = _mm_or_si128(control_mask(load16(s + i)), control_mask(load16(s + i + 16)));
        if (_mm_movemask_epi8(m))
            return TRUE;
    }
    __m128i m = control_mask(load16(s + len - 16));
    if (i + 16 <= len)
        m = _mm_or_si128(m, control_mask(load16(s + i)));
    return _mm_movemask_epi8(m) != 0;
#else
    return alert_has_control_bytes_portable(s, len);
#endif
}

/* ---- time ---- */

gboolean
alert_timestamp_to_unix_us(const Alert *alert, int year, gint64 *out_us)
{
    g_return_val_if_fail(alert != NULL && out_us != NULL, FALSE);
    const char *t = alert->timestamp;
    if (alert->timestamp_bad)
        return FALSE;
    if (alert->format == ALERT_FORMAT_EVE) {
        /* ISO 8601 with its offset: no year or zone to guess. */
        GDateTime *dt = g_date_time_new_from_iso8601(t, NULL);
        if (!dt)
            return FALSE;
        *out_us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
        g_date_time_unref(dt);
        return TRUE;
    }
    gsize ts_len = 0;
    AlertTsKind kind = alert_ts_scan(t, strlen(t), &ts_len);
    int mon, day, y;
    const char *clock;
    switch (kind) {
    case ALERT_TS_NO_YEAR:
        mon = num2(t);
        day = num2(t + 3);
        y = year;
        clock = t + 6;
        break;
    case ALERT_TS_LONG_YEAR:
        mon = num2(t);
        day = num2(t + 3);
        y = num2(t + 6) * 100 + num2(t + 8);
        clock = t + 11;
        break;
    case ALERT_TS_SHORT_YEAR: {
        int a = num2(t), b = num2(t + 3), c = num2(t + 6);
        /* Snort 2 writes MM/DD/YY; Snort 3 writes YY/MM/DD since 3.0 and MM/DD/YY before.
         * For Snort 3, take YY/MM/DD when it is a valid date. */
        if (alert->producer == ALERT_PRODUCER_SNORT3 && b >= 1 && b <= 12 && c >= 1 &&
            c <= g_date_get_days_in_month((GDateMonth)b, (GDateYear)(2000 + a))) {
            y = 2000 + a;
            mon = b;
            day = c;
        } else {
            mon = a;
            day = b;
            y = 2000 + c;
        }
        clock = t + 9;
        break;
    }
    case ALERT_TS_ERROR:
    case ALERT_TS_NONE:
    default:
        return FALSE;
    }
    if (ts_len != strlen(t))
        return FALSE;
    int hh = num2(clock), mm = num2(clock + 3), ss = num2(clock + 6);
    guint64 usec;
    if (!alert_parse_uint(clock + 9, 6, 999999, &usec))
        return FALSE;
    if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || day < 1 ||
        day > g_date_get_days_in_month((GDateMonth)mon, (GDateYear)y) || hh > 23 || mm > 59 ||
        ss > 60)
        return FALSE;
    GDateTime *dt = g_date_time_new_local(y, mon, day, hh, mm, ss);
    if (!dt)
        return FALSE;
    *out_us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + (gint64)usec;
    g_date_time_unref(dt);
    return TRUE;
}
