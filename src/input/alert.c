// SPDX-License-Identifier: GPL-2.0-or-later
// The alert parser's front: per-line checks and format dispatch, the AlertReader that turns a
// stream of lines into alerts with a safe checkpoint offset, and the field helpers that the
// fast and full format parsers share.
#define _GNU_SOURCE /* memrchr, memmem */
#include "alert.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alert_formats.h"
#include "json.h"

/* Longest alert_full block, in lines, before the reader ends it on its own. Blocks carry at most
 * a packet dump (4096 lines for a 64 KiB packet); the cap only keeps a headerless flood from
 * pinning the checkpoint at a block start forever. No line is buffered either way. */
#define ALERT_BLOCK_MAX_LINES 8192

typedef enum {
    BLOCK_NONE,       /* no block open */
    BLOCK_WANT_TS,    /* after the header: classification/priority, AppID, then the timestamp */
    BLOCK_WANT_ADDRS, /* timestamp line held link-layer addresses: the IP ones are next */
    BLOCK_WANT_PROTO, /* addresses seen: the protocol header line is next */
    BLOCK_BODY,       /* everything needed is known: skip to the end of the block */
    BLOCK_BAD,        /* the header was malformed: swallow the block, count it once */
} BlockState;

struct AlertReader {
    AlertStats stats;
    guint64 last_end;    /* end_offset of the last line fed */
    gboolean have_last;  /* last_end is known */
    guint64 block_start; /* offset of the open block's header line */
    BlockState state;
    AlertSkipReason bad_reason; /* what a BLOCK_BAD block counts as */
    guint block_lines;
    gboolean have_ts;
    Alert block;
    /* Addresses of a full block's timestamp line, kept as text until the protocol line says
     * whether an IPv6 address ends in a port. */
    char src_text[IPADDR_STRLEN + 8];
    char dst_text[IPADDR_STRLEN + 8];
};

static const char *const skip_names[ALERT_SKIP_N_REASONS] = {
    [ALERT_SKIP_NONE] = "none",         [ALERT_SKIP_EMPTY] = "empty",
    [ALERT_SKIP_TOO_LONG] = "too_long", [ALERT_SKIP_NOT_ALERT] = "not_alert",
    [ALERT_SKIP_BINARY] = "binary",     [ALERT_SKIP_MALFORMED] = "malformed",
};

const char *
alert_skip_reason_name(AlertSkipReason reason)
{
    if ((guint)reason >= ALERT_SKIP_N_REASONS)
        return "unknown";
    return skip_names[reason];
}

const char *
alert_producer_name(AlertProducer producer)
{
    switch (producer) {
    case ALERT_PRODUCER_SNORT2:
        return "snort2";
    case ALERT_PRODUCER_SNORT3:
        return "snort3";
    case ALERT_PRODUCER_SURICATA:
        return "suricata";
    case ALERT_PRODUCER_UNKNOWN:
        break;
    }
    return NULL;
}

const char *
alert_format_name(AlertFormat format)
{
    return format == ALERT_FORMAT_FULL ? "full" : "fast";
}

/* ---- shared field helpers ---- */

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
        return ALERT_TS_NONE;
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
        return ALERT_TS_NONE;
    }
    if (len < p + 15)
        return ALERT_TS_NONE;
    /* "HH:MM:SS" then "S.uuuuuu" (the second load overlaps the first by one byte) */
    guint64 c1 = load8_le(s + p), c2 = load8_le(s + p + 7);
    if ((c1 & (B(2) | B(5))) != (C(2, ':') | C(5, ':')) || (c2 & B(1)) != C(1, '.') ||
        !digits8(c1, B(0) | B(1) | B(3) | B(4) | B(6) | B(7)) || !digits8(c2, ~B(1)))
        return ALERT_TS_NONE;
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

/* Reads a dotted quad at the start of s: each part 0..255 without leading zeros, which is what
 * inet_pton() and so ipaddr_parse_len() accept for IPv4. Returns the bytes it used, 0 when s does
 * not start with one. */
/* One part of a dotted quad at *pp: 0..255, no leading zero. The text must be followed by a
 * byte that is neither a digit nor '.', which stops every scan without a bounds test. */
static inline gboolean
ipv4_octet(const guchar **pp, unsigned *out)
{
    const guchar *p = *pp;
    unsigned x = (unsigned)p[0] - '0', d;
    if (x > 9)
        return FALSE;
    p++;
    if ((d = (unsigned)p[0] - '0') <= 9) {
        if (x == 0)
            return FALSE; /* leading zero */
        x = x * 10 + d;
        p++;
        if ((d = (unsigned)p[0] - '0') <= 9) {
            x = x * 10 + d;
            p++;
            if (x > 255)
                return FALSE;
        }
    }
    *pp = p;
    *out = x;
    return TRUE;
}

/* Reads a dotted quad at the start of s, which is followed by a terminator (see above): each
 * part 0..255 without leading zeros, which is what inet_pton() and so ipaddr_parse_len()
 * accept for IPv4. Returns the bytes it used, 0 when s does not start with one. */
static gsize
ipv4_prefix(const char *s, IpAddr *out)
{
    const guchar *p = (const guchar *)s;
    unsigned a, b, c, d;
    if (!ipv4_octet(&p, &a) || *p++ != '.' || !ipv4_octet(&p, &b) || *p++ != '.' ||
        !ipv4_octet(&p, &c) || *p++ != '.' || !ipv4_octet(&p, &d))
        return 0;
    if ((unsigned)*p - '0' <= 9 || *p == '.')
        return 0; /* a fourth digit or a fifth part */
    memset(out, 0, sizeof *out);
    out->family = AF_INET;
    out->bytes[0] = (guint8)a;
    out->bytes[1] = (guint8)b;
    out->bytes[2] = (guint8)c;
    out->bytes[3] = (guint8)d;
    return (gsize)(p - (const guchar *)s);
}

/* Longest endpoint text worth reading: an expanded IPv6 address and a port are 45 bytes. */
#define ENDPOINT_MAX 63

gboolean
alert_parse_ipv4(const char *s, gsize len, IpAddr *out)
{
    char buf[16];
    IpAddr a;
    if (len < 7 || len > 15)
        return FALSE;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (ipv4_prefix(buf, &a) != len)
        return FALSE;
    *out = a;
    return TRUE;
}

/* Hex digit values, -1 for anything else. */
static const signed char hex_values[256] = {
    ['0'] = 0 + 1,  ['1'] = 1 + 1,  ['2'] = 2 + 1,  ['3'] = 3 + 1,  ['4'] = 4 + 1,  ['5'] = 5 + 1,
    ['6'] = 6 + 1,  ['7'] = 7 + 1,  ['8'] = 8 + 1,  ['9'] = 9 + 1,  ['a'] = 10 + 1, ['b'] = 11 + 1,
    ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1,
    ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1, ['F'] = 15 + 1,
};

static const guint8 v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* One group of up to four hex digits at p; the text must be followed by a byte that is not a
 * hex digit, which stops the read without a bounds test. Returns the byte after the group, or
 * NULL when p does not start with a hex digit. */
static inline const guchar *
hex_group(const guchar *p, unsigned *out)
{
    int h = hex_values[p[0]];
    if (!h)
        return NULL;
    unsigned v = (unsigned)(h - 1);
    if ((h = hex_values[p[1]]) != 0) {
        v = v << 4 | (unsigned)(h - 1);
        if ((h = hex_values[p[2]]) != 0) {
            v = v << 4 | (unsigned)(h - 1);
            if ((h = hex_values[p[3]]) != 0) {
                *out = v << 4 | (unsigned)(h - 1);
                return p + 4;
            }
            *out = v;
            return p + 3;
        }
        *out = v;
        return p + 2;
    }
    *out = v;
    return p + 1;
}

/* Numeric IPv6 without an embedded IPv4 part, in one pass. s[len] must be readable and not a
 * hex digit (a NUL, or the ':' before a port). Groups go straight into out->bytes, as if there
 * were no "::", and the ones after it move to the end at the finish; out is unspecified when
 * this returns FALSE. */
/* Hex digit value at p, or all bits set for anything else. */
#define HEXV(p) ((unsigned)hex_values[(p)] - 1u)

/* Suricata's form, eight groups of exactly four hex digits, in straight-line code: one flag
 * collects every digit's validity. s is 39 bytes. FALSE when it is not that shape. */
static inline gboolean
ipv6_expanded(const guchar *s, guint8 *b)
{
    if (s[4] != ':' || s[9] != ':' || s[14] != ':' || s[19] != ':' || s[24] != ':' ||
        s[29] != ':' || s[34] != ':')
        return FALSE;
    unsigned bad = 0;
    for (int g = 0; g < 8; g++) {
        const guchar *q = s + 5 * g;
        unsigned h0 = HEXV(q[0]), h1 = HEXV(q[1]), h2 = HEXV(q[2]), h3 = HEXV(q[3]);
        bad |= h0 | h1 | h2 | h3;
        b[2 * g] = (guint8)(h0 << 4 | h1);
        b[2 * g + 1] = (guint8)(h2 << 4 | h3);
    }
    return bad <= 15;
}

#undef HEXV

static gboolean
ipv6_terminated(const char *s, gsize len, IpAddr *out, guint *groups, gboolean *compressed)
{
    if (len < 2 || len > 39)
        return FALSE;
    if (len == 39 && ipv6_expanded((const guchar *)s, out->bytes)) {
        if (memcmp(out->bytes, v4_mapped, sizeof v4_mapped) == 0) {
            memmove(out->bytes, out->bytes + 12, 4);
            memset(out->bytes + 4, 0, 12);
            out->family = AF_INET;
        } else {
            out->family = AF_INET6;
        }
        *groups = 8;
        *compressed = FALSE;
        return TRUE;
    }
    const guchar *p = (const guchar *)s, *end = p + len;
    guint8 *b = out->bytes;
    guint n = 0;
    int gap = -1; /* groups before "::" */
    if (p[0] == ':') {
        if (p[1] != ':')
            return FALSE;
        gap = 0;
        p += 2;
        if (p == end)
            goto done;
    }
    for (;;) {
        /* p <= end here; at end the terminator is no hex digit, so the group read fails */
        unsigned v;
        if (n == 8 || (p = hex_group(p, &v)) == NULL)
            return FALSE;
        b[2 * n] = (guint8)(v >> 8);
        b[2 * n + 1] = (guint8)v;
        n++;
        if (p == end)
            break;
        if (*p != ':')
            return FALSE; /* a fifth hex digit, a '.', anything else */
        p++;
        if (p < end && *p == ':') {
            if (gap >= 0)
                return FALSE;
            gap = (int)n;
            p++;
            if (p == end)
                break;
        } else if (p == end) {
            return FALSE; /* a single trailing ':' */
        }
    }
done:
    if (gap < 0) {
        if (n != 8)
            return FALSE;
    } else {
        if (n > 7)
            return FALSE;
        /* groups gap..n-1 go to 8-(n-gap)..7, last first; the "::" run becomes zeros */
        guint tail = n - (guint)gap, to = 8 - tail;
        for (guint k = tail; k-- > 0;) {
            b[2 * (to + k)] = b[2 * ((guint)gap + k)];
            b[2 * (to + k) + 1] = b[2 * ((guint)gap + k) + 1];
        }
        memset(b + 2 * gap, 0, 2 * (to - (guint)gap));
    }
    if (memcmp(b, v4_mapped, sizeof v4_mapped) == 0) {
        memmove(b, b + 12, 4);
        memset(b + 4, 0, 12);
        out->family = AF_INET;
    } else {
        out->family = AF_INET6;
    }
    *groups = n;
    *compressed = gap >= 0;
    return TRUE;
}

gboolean
alert_parse_ipv6(const char *s, gsize len, IpAddr *out, guint *groups, gboolean *compressed)
{
    char buf[40];
    if (len < 2 || len > 39)
        return FALSE;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return ipv6_terminated(buf, len, out, groups, compressed);
}

/* An address of len bytes at s, where s[len] is a terminator for both fast paths (a NUL or a
 * ':'); maybe_v4 is FALSE when the text holds no '.', so cannot be IPv4. */
static gboolean
parse_addr_terminated(const char *s, gsize len, gboolean maybe_v4, IpAddr *out)
{
    guint groups;
    gboolean compressed;
    IpAddr a;
    if (maybe_v4 && ipv4_prefix(s, &a) == len) {
        *out = a;
        return TRUE;
    }
    return ipv6_terminated(s, len, out, &groups, &compressed) || ipaddr_parse_len(s, len, out);
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
    gsize n4 = ipv4_prefix(s, addr);
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
        if (ipv6_terminated(s, alen, addr, &groups, &compressed) && groups == 8 && !compressed &&
            parse_port(after, plen, port))
            return TRUE;
        *port = -1;
        if (ipv6_terminated(s, len, addr, &groups, &compressed) && groups == 8 && !compressed)
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

/* ---- per line ---- */

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

static gboolean
is_blank(const char *s, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t')
            return FALSE;
    }
    return TRUE;
}

/* Checks before any format looks at a line: length, a CR left by a CRLF system, blank. */
static AlertSkipReason
precheck_light(const char *line, gsize *len)
{
    if (*len > ALERT_LINE_MAX)
        return ALERT_SKIP_TOO_LONG;
    if (*len > 0 && line[*len - 1] == '\r')
        (*len)--;
    if (is_blank(line, *len))
        return ALERT_SKIP_EMPTY;
    return ALERT_SKIP_NONE;
}

/* The same plus a scan of every byte, for lines that no format parser checks byte by byte. */
static AlertSkipReason
precheck(const char *line, gsize *len)
{
    AlertSkipReason why = precheck_light(line, len);
    if (why == ALERT_SKIP_NONE && alert_has_control_bytes(line, *len))
        return ALERT_SKIP_BINARY;
    if (why == ALERT_SKIP_EMPTY && alert_has_control_bytes(line, *len))
        return ALERT_SKIP_BINARY;
    return why;
}

AlertSkipReason
alert_parse_line(const char *line, gsize len, Alert *out)
{
    g_return_val_if_fail(out != NULL, ALERT_SKIP_MALFORMED);
    g_return_val_if_fail(line != NULL || len == 0, ALERT_SKIP_MALFORMED);
    AlertSkipReason why = precheck_light(line, &len);
    if (why != ALERT_SKIP_NONE) {
        alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
        return why;
    }
    /* Checks the bytes itself, and leaves out cleared when the line is not an alert. */
    return alert_fast_parse(line, len, out);
}

/* ---- the reader ---- */

AlertReader *
alert_reader_new(void)
{
    AlertReader *r = g_new0(AlertReader, 1);
    r->state = BLOCK_NONE;
    return r;
}

void
alert_reader_free(AlertReader *r)
{
    g_free(r);
}

static void
count_skip(AlertReader *r, AlertSkipReason why)
{
    r->stats.skipped[why]++;
}

/* Ends the open block: emits it when it got as far as its timestamp line. */
static void
block_end(AlertReader *r, AlertSinkFunc sink, gpointer user_data)
{
    BlockState st = r->state;
    r->state = BLOCK_NONE;
    if (st == BLOCK_NONE)
        return;
    if (st == BLOCK_BAD || !r->have_ts) {
        count_skip(r, st == BLOCK_BAD ? r->bad_reason : ALERT_SKIP_MALFORMED);
        return;
    }
    if (r->src_text[0] && !alert_full_resolve_addrs(&r->block, r->src_text, r->dst_text)) {
        /* Addresses seen but no protocol line, and they do not read as addresses. */
        count_skip(r, ALERT_SKIP_MALFORMED);
        return;
    }
    r->stats.parsed++;
    if (sink)
        sink(&r->block, user_data);
}

static void
block_begin(AlertReader *r, const char *line, gsize len, guint64 start)
{
    r->block_start = start;
    r->block_lines = 1;
    r->have_ts = FALSE;
    r->src_text[0] = r->dst_text[0] = '\0';
    r->bad_reason = ALERT_SKIP_MALFORMED;
    if (alert_has_control_bytes(line, len)) {
        r->bad_reason = ALERT_SKIP_BINARY;
        r->state = BLOCK_BAD;
        return;
    }
    r->state = alert_full_parse_header(line, len, &r->block) ? BLOCK_WANT_TS : BLOCK_BAD;
}

/* One line inside an open block (not blank, not a header, no "[**]"). */
static void
block_line(AlertReader *r, const char *line, gsize len)
{
    switch (r->state) {
    case BLOCK_WANT_TS: {
        AlertFullTsResult res = alert_full_parse_ts_line(line, len, &r->block, r->src_text,
                                                         r->dst_text, sizeof r->src_text);
        if (res == ALERT_FULL_TS_NOT) {
            /* The classification/priority line and Snort 3's AppID line come first. */
            alert_full_parse_meta_line(line, len, &r->block);
            return;
        }
        r->have_ts = TRUE;
        switch (res) {
        case ALERT_FULL_TS_ADDRS:
            r->state = BLOCK_WANT_PROTO;
            break;
        case ALERT_FULL_TS_LINK:
            r->state = BLOCK_WANT_ADDRS;
            break;
        case ALERT_FULL_TS_ONLY:
            r->state = BLOCK_BODY;
            break;
        case ALERT_FULL_TS_BAD:
        case ALERT_FULL_TS_NOT:
            r->state = BLOCK_BAD;
            break;
        }
        return;
    }
    case BLOCK_WANT_ADDRS:
        /* "SRC -> DST PROTO TTL:..." after a link-layer line. */
        r->state = alert_full_parse_addr_proto_line(line, len, &r->block) ? BLOCK_BODY : BLOCK_BAD;
        return;
    case BLOCK_WANT_PROTO: {
        alert_full_parse_proto_line(line, len, &r->block);
        gboolean ok = alert_full_resolve_addrs(&r->block, r->src_text, r->dst_text);
        r->src_text[0] = r->dst_text[0] = '\0';
        r->state = ok ? BLOCK_BODY : BLOCK_BAD;
        return;
    }
    case BLOCK_BODY:
    case BLOCK_BAD:
    case BLOCK_NONE:
        return;
    }
}

void
alert_reader_feed(AlertReader *r, const char *line, gsize len, guint64 end_offset,
                  AlertSinkFunc sink, gpointer user_data)
{
    g_return_if_fail(r != NULL);
    g_return_if_fail(line != NULL || len == 0);

    /* Where this line starts: the end of the previous one, when lines come in order. */
    guint64 start = r->have_last ? r->last_end : end_offset > len ? end_offset - len - 1 : 0;
    r->last_end = end_offset;
    r->have_last = TRUE;

    gsize n = len;
    AlertSkipReason why;

    if (r->state != BLOCK_NONE) {
        why = precheck(line, &n);
        if (why == ALERT_SKIP_EMPTY) { /* the blank line that ends a block belongs to it */
            block_end(r, sink, user_data);
            return;
        }
        if (why == ALERT_SKIP_NONE && alert_has_stars(line, n)) {
            /* A header or a fast line: the open block ended without its blank line. */
            block_end(r, sink, user_data);
        } else {
            if (why != ALERT_SKIP_NONE) {
                count_skip(r, why); /* a dump line too long or binary: the block goes on */
            } else {
                block_line(r, line, n);
            }
            if (++r->block_lines >= ALERT_BLOCK_MAX_LINES)
                block_end(r, sink, user_data);
            return;
        }
    }

    n = len;
    why = precheck_light(line, &n);
    if (why != ALERT_SKIP_NONE) {
        count_skip(r, why);
        return;
    }
    if (alert_full_is_header(line, n)) {
        block_begin(r, line, n, start);
        return;
    }
    Alert a; /* alert_fast_parse() checks the bytes itself */
    why = alert_fast_parse(line, n, &a);
    if (why != ALERT_SKIP_NONE) {
        count_skip(r, why);
        return;
    }
    r->stats.parsed++;
    if (sink)
        sink(&a, user_data);
}

void
alert_reader_feed_overlong(AlertReader *r, guint64 end_offset)
{
    g_return_if_fail(r != NULL);
    r->last_end = end_offset;
    r->have_last = TRUE;
    count_skip(r, ALERT_SKIP_TOO_LONG);
    if (r->state != BLOCK_NONE)
        r->block_lines++;
}

void
alert_reader_flush(AlertReader *r, AlertSinkFunc sink, gpointer user_data)
{
    g_return_if_fail(r != NULL);
    block_end(r, sink, user_data);
}

guint64
alert_reader_safe_offset(const AlertReader *r)
{
    g_return_val_if_fail(r != NULL, 0);
    if (r->state != BLOCK_NONE)
        return r->block_start;
    return r->last_end;
}

gboolean
alert_reader_pending(const AlertReader *r)
{
    g_return_val_if_fail(r != NULL, FALSE);
    return r->state != BLOCK_NONE;
}

void
alert_stats_add(AlertStats *sum, const AlertStats *s)
{
    sum->parsed += s->parsed;
    for (guint i = 0; i < ALERT_SKIP_N_REASONS; i++)
        sum->skipped[i] += s->skipped[i];
}

const AlertStats *
alert_reader_stats(const AlertReader *r)
{
    g_return_val_if_fail(r != NULL, NULL);
    return &r->stats;
}

/* ---- output ---- */

/* Canonical address text at dst (at most IPADDR_STRLEN bytes): IPv4 written here, digit by
 * digit (dotted decimal is already canonical, and glibc's inet_ntop() goes through sprintf),
 * IPv6 through ipaddr_format() for RFC 5952. */
static char *
write_addr(char *d, const IpAddr *a)
{
    if (a->family == AF_INET) {
        for (int i = 0; i < 4; i++) {
            unsigned v = a->bytes[i];
            if (i)
                *d++ = '.';
            if (v >= 100)
                *d++ = (char)('0' + v / 100);
            if (v >= 10)
                *d++ = (char)('0' + v / 10 % 10);
            *d++ = (char)('0' + v % 10);
        }
        return d;
    }
    if (a->family == AF_INET6) {
        /* RFC 5952 as glibc's inet_ntop() writes it: lower-case hex without leading zeros,
         * the first longest run of two or more zero groups as "::". Addresses it prints with
         * an embedded IPv4 part (::a.b.c.d) are left to ipaddr_format(). */
        static const char hex[] = "0123456789abcdef";
        unsigned w[8];
        int best = -1, best_len = 0, cur = -1, cur_len = 0;
        for (int i = 0; i < 8; i++) {
            w[i] = (unsigned)a->bytes[2 * i] << 8 | a->bytes[2 * i + 1];
            if (w[i] == 0) {
                if (cur < 0)
                    cur = i, cur_len = 0;
                if (++cur_len > best_len)
                    best = cur, best_len = cur_len;
            } else {
                cur = -1;
            }
        }
        if (best_len < 2)
            best = -1;
        if (!(best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))) {
            for (int i = 0; i < 8; i++) {
                if (i == best) {
                    *d++ = ':';
                    if (best + best_len == 8)
                        *d++ = ':';
                    i += best_len - 1;
                    continue;
                }
                if (i)
                    *d++ = ':';
                unsigned v = w[i];
                if (v >= 0x1000)
                    *d++ = hex[v >> 12];
                if (v >= 0x100)
                    *d++ = hex[(v >> 8) & 0xF];
                if (v >= 0x10)
                    *d++ = hex[(v >> 4) & 0xF];
                *d++ = hex[v & 0xF];
            }
            return d;
        }
    }
    char buf[IPADDR_STRLEN];
    gsize n = strlen(ipaddr_format(a, buf));
    memcpy(d, buf, n);
    return d + n;
}

gsize
alert_format_addr(const IpAddr *a, char buf[IPADDR_STRLEN])
{
    char *end = a->family ? write_addr(buf, a) : buf;
    *end = '\0';
    return (gsize)(end - buf);
}

static char *
write_lit(char *d, const char *lit, gsize n)
{
    memcpy(d, lit, n);
    return d + n;
}

#define LIT(d, s) write_lit((d), (s), sizeof(s) - 1)

/* Fields the parsers built from a fixed character set (timestamp digits and punctuation,
 * protocol tokens, marker letters, producer names) need no escaping: quoted as they are. */
static char *
write_quoted_plain(char *d, const char *s)
{
    gsize n = strlen(s);
    *d++ = '"';
    memcpy(d, s, n);
    d += n;
    *d++ = '"';
    return d;
}

/* A text field as a JSON string, or null when empty. */
static char *
write_opt_string(char *d, const char *s)
{
    gsize n = strlen(s);
    return n ? json_write_string(d, s, n) : LIT(d, "null");
}

static char *
write_opt_int(char *d, gint32 v)
{
    return v >= 0 ? json_write_uint(d, (guint64)v) : LIT(d, "null");
}

static char *
write_json_addr(char *d, const IpAddr *a)
{
    if (!a->family)
        return LIT(d, "null");
    *d++ = '"';
    d = write_addr(d, a);
    *d++ = '"';
    return d;
}

/* The most any alert needs: fixed text and numbers, addresses, and every text field escaped. */
#define ALERT_JSON_BOUND                                                                           \
    (256 + 2 * (IPADDR_STRLEN + 2) + 6 * JSON_UINT_BOUND +                                         \
     JSON_STRING_BOUND(ALERT_TIMESTAMP_MAX + ALERT_MSG_MAX + ALERT_CLASS_MAX + ALERT_PROTO_MAX +   \
                       ALERT_ACTION_MAX + 16))

void
alert_append_json(GString *out, const Alert *a)
{
    char *d = json_reserve(out, ALERT_JSON_BOUND);
    const char *producer = alert_producer_name(a->producer);
    d = LIT(d, "{\"producer\":");
    d = producer ? write_quoted_plain(d, producer) : LIT(d, "null");
    d = a->format == ALERT_FORMAT_FULL ? LIT(d, ",\"format\":\"full\"")
                                       : LIT(d, ",\"format\":\"fast\"");
    d = LIT(d, ",\"timestamp\":");
    d = write_quoted_plain(d, a->timestamp);
    d = LIT(d, ",\"gid\":");
    d = json_write_uint(d, a->gid);
    d = LIT(d, ",\"sid\":");
    d = json_write_uint(d, a->sid);
    d = LIT(d, ",\"rev\":");
    d = json_write_uint(d, a->rev);
    d = LIT(d, ",\"msg\":");
    d = json_write_string(d, a->msg, strlen(a->msg));
    d = LIT(d, ",\"classification\":");
    d = write_opt_string(d, a->classification);
    d = LIT(d, ",\"priority\":");
    d = write_opt_int(d, a->priority);
    d = LIT(d, ",\"proto\":");
    d = a->proto[0] ? write_quoted_plain(d, a->proto) : LIT(d, "null");
    d = LIT(d, ",\"src_ip\":");
    d = write_json_addr(d, &a->src);
    d = LIT(d, ",\"src_port\":");
    d = write_opt_int(d, a->src_port);
    d = LIT(d, ",\"dst_ip\":");
    d = write_json_addr(d, &a->dst);
    d = LIT(d, ",\"dst_port\":");
    d = write_opt_int(d, a->dst_port);
    d = LIT(d, ",\"action\":");
    d = a->action[0] ? write_quoted_plain(d, a->action) : LIT(d, "null");
    *d++ = '}';
    json_commit(out, d);
}

static char *
write_endpoint(char *d, const IpAddr *a, gint32 port)
{
    if (!a->family) {
        *d++ = '-';
        return d;
    }
    gboolean bracket = port >= 0 && a->family == AF_INET6;
    if (bracket)
        *d++ = '[';
    d = write_addr(d, a);
    if (bracket)
        *d++ = ']';
    if (port >= 0) {
        *d++ = ':';
        d = json_write_uint(d, (guint64)port);
    }
    return d;
}

/* Copies trusted short text (names, timestamps checked by the parser, proto tokens). */
static char *
write_text(char *d, const char *s)
{
    gsize n = strlen(s);
    memcpy(d, s, n);
    return d + n;
}

void
alert_append_text(GString *out, const Alert *a)
{
    char *d = json_reserve(out, ALERT_JSON_BOUND);
    const char *producer = alert_producer_name(a->producer);
    /* The timestamp, proto and action were checked character by character; msg and
     * classification are free text and go out quoted and escaped. */
    d = write_text(d, a->timestamp);
    *d++ = ' ';
    d = write_text(d, producer ? producer : "-");
    *d++ = ' ';
    d = write_text(d, alert_format_name(a->format));
    *d++ = ' ';
    d = json_write_uint(d, a->gid);
    *d++ = ':';
    d = json_write_uint(d, a->sid);
    *d++ = ':';
    d = json_write_uint(d, a->rev);
    *d++ = ' ';
    if (a->action[0]) {
        d = write_text(d, a->action);
        *d++ = ' ';
    }
    d = write_text(d, a->proto[0] ? a->proto : "-");
    *d++ = ' ';
    d = write_endpoint(d, &a->src, a->src_port);
    d = LIT(d, " -> ");
    d = write_endpoint(d, &a->dst, a->dst_port);
    if (a->priority >= 0) {
        d = LIT(d, " priority=");
        d = json_write_uint(d, (guint64)a->priority);
    }
    if (a->classification[0]) {
        d = LIT(d, " classification=");
        d = json_write_string(d, a->classification, strlen(a->classification));
    }
    d = LIT(d, " msg=");
    d = json_write_string(d, a->msg, strlen(a->msg));
    json_commit(out, d);
}

/* ---- time ---- */

gboolean
alert_timestamp_to_unix_us(const Alert *alert, int year, gint64 *out_us)
{
    g_return_val_if_fail(alert != NULL && out_us != NULL, FALSE);
    const char *t = alert->timestamp;
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
