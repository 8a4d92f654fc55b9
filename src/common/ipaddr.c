// SPDX-License-Identifier: GPL-2.0-or-later
// IPv4 and IPv6 addresses and prefixes as fixed-size values: parse, format, compare, classify.
#include "ipaddr.h"

#include <arpa/inet.h>
#include <string.h>

#include "error.h"

static const guint8 v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

gboolean
ipaddr_parse_len(const char *text, gsize len, IpAddr *out)
{
    char buf[INET6_ADDRSTRLEN + 1];
    g_return_val_if_fail(out != NULL, FALSE);

    memset(out, 0, sizeof *out);
    if (len == 0 || len >= sizeof buf)
        return FALSE;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (memchr(buf, '\0', len))
        return FALSE;

    if (inet_pton(AF_INET, buf, out->bytes) == 1) {
        out->family = AF_INET;
        return TRUE;
    }
    if (inet_pton(AF_INET6, buf, out->bytes) != 1) {
        memset(out, 0, sizeof *out);
        return FALSE;
    }
    if (memcmp(out->bytes, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
        out->family = AF_INET;
    } else {
        out->family = AF_INET6;
    }
    return TRUE;
}

gboolean
ipaddr_parse(const char *text, IpAddr *out)
{
    g_return_val_if_fail(text != NULL, FALSE);
    return ipaddr_parse_len(text, strlen(text), out);
}

const char *
ipaddr_format(const IpAddr *a, char buf[IPADDR_STRLEN])
{
    buf[0] = '\0';
    /* glibc's inet_ntop writes RFC 5952 text: lower case, the longest run of two or more zero
     * groups compressed (the first of equal runs), no leading zeros. */
    if (a->family == AF_INET || a->family == AF_INET6)
        inet_ntop(a->family, a->bytes, buf, IPADDR_STRLEN);
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
