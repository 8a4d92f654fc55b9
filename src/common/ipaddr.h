// SPDX-License-Identifier: GPL-2.0-or-later
// IPv4 and IPv6 addresses and prefixes as fixed-size values: parse, format, compare, classify.
#pragma once

#include <glib.h>
#include <sys/socket.h>

/* An address of either family, stored in network byte order. IPv4 uses bytes[0..3] and leaves
 * the rest zero, so two equal addresses are equal byte for byte (memcmp and hashing work).
 * family is AF_INET, AF_INET6, or 0 for "no address". */
typedef struct {
    guint8 family;
    guint8 bytes[16];
} IpAddr;

/* An address with a prefix length (0..32 or 0..128); bits past len are always zero. */
typedef struct {
    IpAddr addr;
    guint8 len;
} IpPrefix;

/* Big enough for any address ipaddr_format() writes, and for a prefix with "/128". */
#define IPADDR_STRLEN 64

/* Classes of addresses no one should ban (bit flags; ipaddr_classify() may return several). */
typedef enum {
    IPADDR_CLASS_NORMAL = 0,
    IPADDR_CLASS_UNSPECIFIED = 1 << 0, /* 0.0.0.0/8, :: */
    IPADDR_CLASS_LOOPBACK = 1 << 1,    /* 127.0.0.0/8, ::1 */
    IPADDR_CLASS_MULTICAST = 1 << 2,   /* 224.0.0.0/4, ff00::/8 */
    IPADDR_CLASS_BROADCAST = 1 << 3,   /* 255.255.255.255 */
    IPADDR_CLASS_LINK_LOCAL = 1 << 4,  /* 169.254.0.0/16, fe80::/10 */
} IpAddrClass;

/* Longest numeric address text: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255". */
#define IPADDR_TEXT_MAX 45

/* Parses a numeric IPv4 (dotted quad) or IPv6 address of exactly len bytes, with nothing
 * before or after it: what inet_pton() accepts. IPv4-mapped IPv6 (::ffff:a.b.c.d) is stored
 * as the IPv4 address. On failure out is all zero. */
gboolean ipaddr_parse_len(const char *text, gsize len, IpAddr *out);

/* ipaddr_parse_len() on a NUL-terminated string. */
gboolean ipaddr_parse(const char *text, IpAddr *out);

/* The readers ipaddr_parse_len() uses, for callers that split fields themselves (the alert
 * parser) and can skip its copy. The text must be followed by a byte that cannot continue an
 * address (a NUL, or the ':' before a port).
 *
 * ipaddr_scan_ipv4() reads a dotted quad at the start of s and returns its length, 0 when s
 * does not start with one (out is then untouched).
 * ipaddr_scan_ipv6() reads IPv6 text of exactly len bytes; *groups (a dotted quad counts two)
 * and *compressed ("::" present) describe the text. FALSE when it is not an address, with out
 * unspecified. */
gsize ipaddr_scan_ipv4(const char *s, IpAddr *out);
gboolean ipaddr_scan_ipv6(const char *s, gsize len, IpAddr *out, guint *groups,
                          gboolean *compressed);

/* Writes the canonical text of a (RFC 5952 for IPv6: lower case, longest zero run
 * compressed, never a single zero group; as inet_ntop() writes it) into buf and returns buf;
 * "" when family is 0. */
const char *ipaddr_format(const IpAddr *a, char buf[IPADDR_STRLEN]);

/* The same text written at dst without a NUL (at most IPADDR_TEXT_MAX bytes); returns its
 * end. For writers that build a line with a cursor. */
char *ipaddr_write(char *dst, const IpAddr *a);

gboolean ipaddr_equal(const IpAddr *a, const IpAddr *b);
int ipaddr_compare(const IpAddr *a, const IpAddr *b); /* IPv4 sorts before IPv6 */
guint ipaddr_hash(const IpAddr *a);
/* GHashTable adapters for tables keyed by IpAddr pointers. */
guint ipaddr_hash_func(gconstpointer a);
gboolean ipaddr_equal_func(gconstpointer a, gconstpointer b);

/* Address length in bits: 32, 128, or 0 for no address. */
guint ipaddr_bits(const IpAddr *a);

IpAddrClass ipaddr_classify(const IpAddr *a);

/* Parses "ADDR" (a host prefix) or "ADDR/LEN". Host bits past LEN are an error, so a typo such
 * as 192.0.2.1/8 is caught rather than silently widened. */
gboolean ipprefix_parse(const char *text, IpPrefix *out, GError **error);

/* TRUE when p has a family, a length that fits it and no bit set past the length: the
 * prefixes ipprefix_parse() makes. */
gboolean ipprefix_is_valid(const IpPrefix *p);

/* The host prefix (/32 or /128) of a. */
void ipprefix_from_addr(const IpAddr *a, IpPrefix *out);

/* Writes "ADDR/LEN", or just "ADDR" for a host prefix, into buf and returns buf. */
const char *ipprefix_format(const IpPrefix *p, char buf[IPADDR_STRLEN]);

gboolean ipprefix_contains(const IpPrefix *p, const IpAddr *a);
gboolean ipprefix_equal(const IpPrefix *a, const IpPrefix *b);
/* GHashTable adapters for tables keyed by IpPrefix pointers. */
guint ipprefix_hash_func(gconstpointer p);
gboolean ipprefix_equal_func(gconstpointer a, gconstpointer b);
