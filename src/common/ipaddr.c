// SPDX-License-Identifier: GPL-2.0-or-later
// IPv4 and IPv6 addresses and prefixes as fixed-size values: parse, format, compare, classify.
#include "ipaddr.h"

#include <string.h>

#include "error.h"

static const guint8 v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* ---- reading ----
 * One reader per family, written for the alert parser's million lines a second: no copy, no
 * bounds test per byte. Both need the text to be followed by a byte that ends it (a NUL, or
 * the ':' before a port), which every scan stops at; ipaddr_parse_len() makes such a copy.
 * They accept exactly what glibc's inet_pton() accepts, which the tests hold them to. */

/* One part of a dotted quad at *pp: 0..255, no leading zero (inet_pton() rejects "01"). */
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

gsize
ipaddr_scan_ipv4(const char *s, IpAddr *out)
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

/* A dotted quad that ends IPv6 text at q (end is the text's end) into b[0..3]. Kept out of
 * line: it is rare, and inlined it would cost the common path a stack frame. */
static G_GNUC_NO_INLINE gboolean
ipv6_dotted_tail(const guchar *q, const guchar *end, guint8 *b)
{
    IpAddr v4;
    if ((const guchar *)q + ipaddr_scan_ipv4((const char *)q, &v4) != end)
        return FALSE;
    memcpy(b, v4.bytes, 4);
    return TRUE;
}

/* Hex digit values plus one; 0 for anything else. */
static const signed char hex_values[256] = {
    ['0'] = 0 + 1,  ['1'] = 1 + 1,  ['2'] = 2 + 1,  ['3'] = 3 + 1,  ['4'] = 4 + 1,  ['5'] = 5 + 1,
    ['6'] = 6 + 1,  ['7'] = 7 + 1,  ['8'] = 8 + 1,  ['9'] = 9 + 1,  ['a'] = 10 + 1, ['b'] = 11 + 1,
    ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1,
    ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1, ['F'] = 15 + 1,
};

/* One group of up to four hex digits at p, stopped by the first byte that is not one. Returns
 * the byte after the group, or NULL when p does not start with a hex digit. */
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

/* IPv4-mapped IPv6 is stored as the IPv4 address it maps. */
static inline void
set_v6_family(IpAddr *out)
{
    if (memcmp(out->bytes, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
        out->family = AF_INET;
    } else {
        out->family = AF_INET6;
    }
}

/* Moves the groups read after "::" (gap..n-1, two bytes each) to the end of b, last first,
 * and zeroes the places they leave that the "::" run covers; the groups never written (n..)
 * are zero already. No memset() of a variable length: the call costs more than the run. */
static inline void
ipv6_expand_gap(guint8 *b, guint n, guint gap)
{
    guint tail = n - gap, to = 8 - tail;
    for (guint k = tail; k-- > 0;) {
        guint src = gap + k;
        b[2 * (to + k)] = b[2 * src];
        b[2 * (to + k) + 1] = b[2 * src + 1];
        if (src < to)
            b[2 * src] = b[2 * src + 1] = 0;
    }
}

/* Groups go straight into out->bytes, as if there were no "::", and the ones after it move to
 * the end at the finish. A dotted quad may stand for the last two groups. n counts groups, the
 * dotted quad as two; out is unspecified when this returns FALSE. */
gboolean
ipaddr_scan_ipv6(const char *s, gsize len, IpAddr *out, guint *groups, gboolean *compressed)
{
    if (len < 2 || len > IPADDR_TEXT_MAX)
        return FALSE;
    guint8 *b = out->bytes;
    if (len == 39 && ipv6_expanded((const guchar *)s, b)) {
        set_v6_family(out);
        *groups = 8;
        *compressed = FALSE;
        return TRUE;
    }
    const guchar *p = (const guchar *)s, *end = p + len;
    memset(b, 0, 16); /* what a "::" stands for */
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
        /* p < end here; the terminator is no hex digit, so a group stops at end */
        unsigned v;
        const guchar *q = p;
        if (n == 8 || (p = hex_group(q, &v)) == NULL)
            return FALSE;
        b[2 * n] = (guint8)(v >> 8);
        b[2 * n + 1] = (guint8)v;
        n++;
        if (p == end)
            break;
        if (*p != ':') {
            /* A dotted quad, in place of the group just read, ends the text and needs room
             * for two groups ("::" at least one more); anything else (a fifth hex digit, ...)
             * is no address. */
            if (*p != '.' || n > (gap >= 0 ? 6u : 7u) || !ipv6_dotted_tail(q, end, b + 2 * (n - 1)))
                return FALSE;
            n++;
            break;
        }
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
    if (gap < 0 ? n != 8 : n > 7)
        return FALSE;
    if (gap >= 0)
        ipv6_expand_gap(b, n, (guint)gap);
    set_v6_family(out);
    *groups = n;
    *compressed = gap >= 0;
    return TRUE;
}

gboolean
ipaddr_parse_len(const char *text, gsize len, IpAddr *out)
{
    g_return_val_if_fail(out != NULL, FALSE);
    /* A terminated copy for the readers; a NUL inside the text stops them short of len. */
    char buf[IPADDR_TEXT_MAX + 1];
    guint groups;
    gboolean compressed;
    if (len == 0 || len > IPADDR_TEXT_MAX)
        goto fail;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (ipaddr_scan_ipv4(buf, out) == len || ipaddr_scan_ipv6(buf, len, out, &groups, &compressed))
        return TRUE;
fail:
    memset(out, 0, sizeof *out);
    return FALSE;
}

gboolean
ipaddr_parse(const char *text, IpAddr *out)
{
    g_return_val_if_fail(text != NULL, FALSE);
    return ipaddr_parse_len(text, strlen(text), out);
}

/* ---- writing ---- */

static char *
write_ipv4(char *d, const guint8 *b)
{
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
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

/* RFC 5952, as glibc's inet_ntop() writes it: lower-case hex without leading zeros, the first
 * longest run of two or more zero groups as "::", and ::a.b.c.d / ::ffff:a.b.c.d for the
 * IPv4-compatible and IPv4-mapped forms. */
static char *
write_ipv6(char *d, const guint8 *b)
{
    static const char hex[] = "0123456789abcdef";
    unsigned w[8];
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    for (int i = 0; i < 8; i++) {
        w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
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
    if (best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
        memcpy(d, best_len == 6 ? "::" : "::ffff:", best_len == 6 ? 2 : 7);
        d += best_len == 6 ? 2 : 7;
        return write_ipv4(d, b + 12);
    }
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

char *
ipaddr_write(char *dst, const IpAddr *a)
{
    if (a->family == AF_INET)
        return write_ipv4(dst, a->bytes);
    if (a->family == AF_INET6)
        return write_ipv6(dst, a->bytes);
    return dst;
}

const char *
ipaddr_format(const IpAddr *a, char buf[IPADDR_STRLEN])
{
    *ipaddr_write(buf, a) = '\0';
    return buf;
}

guint
ipaddr_bits(const IpAddr *a)
{
    return a->family == AF_INET ? 32 : a->family == AF_INET6 ? 128 : 0;
}

gboolean
ipaddr_equal(const IpAddr *a, const IpAddr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

int
ipaddr_compare(const IpAddr *a, const IpAddr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->bytes, b->bytes, sizeof a->bytes);
}

guint
ipaddr_hash(const IpAddr *a)
{
    /* FNV-1a over the significant bytes: cheap, and good enough for addresses chosen by an
     * attacker because GHashTable resolves collisions by probing, not by chains. */
    guint32 h = 2166136261u ^ a->family;
    gsize n = a->family == AF_INET ? 4 : 16;
    for (gsize i = 0; i < n; i++) {
        h ^= a->bytes[i];
        h *= 16777619u;
    }
    return h;
}

guint
ipaddr_hash_func(gconstpointer a)
{
    return ipaddr_hash(a);
}

gboolean
ipaddr_equal_func(gconstpointer a, gconstpointer b)
{
    return ipaddr_equal(a, b);
}

IpAddrClass
ipaddr_classify(const IpAddr *a)
{
    const guint8 *b = a->bytes;
    static const guint8 zero[16];
    IpAddrClass c = IPADDR_CLASS_NORMAL;

    if (a->family == AF_INET) {
        if (b[0] == 0)
            c |= IPADDR_CLASS_UNSPECIFIED;
        if (b[0] == 127)
            c |= IPADDR_CLASS_LOOPBACK;
        if ((b[0] & 0xf0) == 224)
            c |= IPADDR_CLASS_MULTICAST;
        if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
            c |= IPADDR_CLASS_BROADCAST;
        if (b[0] == 169 && b[1] == 254)
            c |= IPADDR_CLASS_LINK_LOCAL;
    } else if (a->family == AF_INET6) {
        if (memcmp(b, zero, 16) == 0)
            c |= IPADDR_CLASS_UNSPECIFIED;
        if (memcmp(b, zero, 15) == 0 && b[15] == 1)
            c |= IPADDR_CLASS_LOOPBACK;
        if (b[0] == 0xff)
            c |= IPADDR_CLASS_MULTICAST;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
            c |= IPADDR_CLASS_LINK_LOCAL;
    } else {
        c |= IPADDR_CLASS_UNSPECIFIED;
    }
    return c;
}

static gboolean
host_bits_clear(const IpAddr *a, guint len)
{
    guint bits = ipaddr_bits(a);
    for (guint i = len; i < bits; i++) {
        if (a->bytes[i / 8] & (0x80 >> (i % 8)))
            return FALSE;
    }
    return TRUE;
}

gboolean
ipprefix_parse(const char *text, IpPrefix *out, GError **error)
{
    g_return_val_if_fail(text != NULL && out != NULL, FALSE);
    memset(out, 0, sizeof *out);

    const char *slash = strchr(text, '/');
    gsize addr_len = slash ? (gsize)(slash - text) : strlen(text);
    if (!ipaddr_parse_len(text, addr_len, &out->addr)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                    "'%s' is not an IPv4 or IPv6 address or network", text);
        return FALSE;
    }
    guint bits = ipaddr_bits(&out->addr);
    if (!slash) {
        out->len = (guint8)bits;
        return TRUE;
    }
    /* An IPv4-mapped IPv6 network (::ffff:a.b.c.d/LEN) keeps its meaning as IPv4. */
    gboolean mapped = out->addr.family == AF_INET && memchr(text, ':', addr_len) != NULL;
    if (mapped)
        bits = 128;
    guint64 len;
    if (!g_ascii_string_to_unsigned(slash + 1, 10, 0, bits, &len, NULL)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                    "'%s': prefix length must be a number from 0 to %u", text, bits);
        return FALSE;
    }
    if (mapped) {
        if (len < 96) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                        "'%s': an IPv4-mapped network needs a prefix length of 96 or more", text);
            return FALSE;
        }
        len -= 96;
    }
    if (!host_bits_clear(&out->addr, (guint)len)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE,
                    "'%s': address has bits set past the /%u prefix", text, (guint)len);
        return FALSE;
    }
    out->len = (guint8)len;
    return TRUE;
}

gboolean
ipprefix_is_valid(const IpPrefix *p)
{
    guint bits = ipaddr_bits(&p->addr);
    return bits > 0 && p->len <= bits && host_bits_clear(&p->addr, p->len);
}

void
ipprefix_from_addr(const IpAddr *a, IpPrefix *out)
{
    out->addr = *a;
    out->len = (guint8)ipaddr_bits(a);
}

const char *
ipprefix_format(const IpPrefix *p, char buf[IPADDR_STRLEN])
{
    ipaddr_format(&p->addr, buf);
    if (p->len != ipaddr_bits(&p->addr) && buf[0]) {
        gsize n = strlen(buf);
        g_snprintf(buf + n, IPADDR_STRLEN - n, "/%u", p->len);
    }
    return buf;
}

gboolean
ipprefix_contains(const IpPrefix *p, const IpAddr *a)
{
    if (p->addr.family != a->family)
        return FALSE;
    guint full = p->len / 8;
    if (memcmp(p->addr.bytes, a->bytes, full) != 0)
        return FALSE;
    guint rest = p->len % 8;
    if (rest == 0)
        return TRUE;
    guint8 mask = (guint8)(0xff << (8 - rest));
    return (p->addr.bytes[full] & mask) == (a->bytes[full] & mask);
}

gboolean
ipprefix_equal(const IpPrefix *a, const IpPrefix *b)
{
    return a->len == b->len && ipaddr_equal(&a->addr, &b->addr);
}

guint
ipprefix_hash_func(gconstpointer p)
{
    const IpPrefix *x = p;
    return ipaddr_hash(&x->addr) * 31u + x->len;
}

gboolean
ipprefix_equal_func(gconstpointer a, gconstpointer b)
{
    return ipprefix_equal(a, b);
}
