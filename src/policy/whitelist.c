// SPDX-License-Identifier: GPL-2.0-or-later
// The never-ban set: built-in address classes, protected networks, whitelisted addresses and
// networks (longest-prefix lookup), and whitelisted rules.
#include "whitelist.h"

#include <stdlib.h>
#include <string.h>

/*
 * A PrefixSet answers "which is the longest network containing this address" for tens of
 * thousands of entries without a tree of pointers: per family, one sorted array of masked
 * network keys per prefix length. A lookup masks the address to each length in use, longest
 * first, and binary-searches that length's array; the first hit is the longest match. Real
 * whitelists use few distinct lengths (/32, /24, /128, /64, ...), so a lookup is a handful of
 * binary searches. Additions go to the end of an array and mark the set unsorted; the next
 * lookup sorts and de-duplicates once. Keys are 128-bit (IPv4 in the low 32 bits).
 */

typedef struct {
    guint64 hi, lo;
} Key128;

typedef struct {
    GArray *by_len[129]; /* Key128, sorted and unique when !dirty; NULL when never used */
    guint8 lens[129];    /* lengths with entries, longest first (valid when !dirty) */
    guint n_lens;
    gboolean dirty;
    guint added; /* entries added, duplicates included */
} PrefixSet;

struct Whitelist {
    PrefixSet protect[2], address[2]; /* [0] IPv4, [1] IPv6 */
    GHashTable *rules_exact;          /* guint64* (gid << 32 | sid) */
    GHashTable *rules_gid;            /* G:*  : gid + 1 */
    GHashTable *rules_sid;            /* *:S  : sid + 1 */
    gboolean rules_any;               /* *:* */
};

const char *
whitelist_reason_name(WhitelistReason reason)
{
    switch (reason) {
    case WHITELIST_NONE:
        return "none";
    case WHITELIST_UNSPECIFIED:
        return "unspecified";
    case WHITELIST_LOOPBACK:
        return "loopback";
    case WHITELIST_MULTICAST:
        return "multicast";
    case WHITELIST_BROADCAST:
        return "broadcast";
    case WHITELIST_LINK_LOCAL:
        return "link_local";
    case WHITELIST_PROTECTED:
        return "protected";
    case WHITELIST_ADDRESS:
        return "whitelisted_address";
    }
    return "unknown";
}

static Key128
key_of(const IpAddr *a)
{
    Key128 k = {0, 0};
    if (a->family == AF_INET) {
        k.lo = (guint64)a->bytes[0] << 24 | (guint64)a->bytes[1] << 16 | (guint64)a->bytes[2] << 8 |
               a->bytes[3];
    } else {
        for (int i = 0; i < 8; i++) {
            k.hi = k.hi << 8 | a->bytes[i];
            k.lo = k.lo << 8 | a->bytes[8 + i];
        }
    }
    return k;
}

static guint64
mask64(guint bits)
{
    return bits == 0 ? 0 : bits >= 64 ? G_MAXUINT64 : G_MAXUINT64 << (64 - bits);
}

static Key128
key_mask(Key128 k, gboolean v6, guint len)
{
    if (!v6) {
        k.lo &= len == 0 ? 0 : (0xffffffffull << (32 - len)) & 0xffffffffull;
        return k;
    }
    if (len <= 64) {
        k.hi &= mask64(len);
        k.lo = 0;
    } else {
        k.lo &= mask64(len - 64);
    }
    return k;
}

static int
key_cmp(const void *pa, const void *pb)
{
    const Key128 *a = pa, *b = pb;
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    return 0;
}

static void
prefix_set_add(PrefixSet *s, gboolean v6, const IpPrefix *p)
{
    guint len = p->len;
    if (!s->by_len[len])
        s->by_len[len] = g_array_new(FALSE, FALSE, sizeof(Key128));
    Key128 k = key_mask(key_of(&p->addr), v6, len);
    g_array_append_val(s->by_len[len], k);
    s->dirty = TRUE;
    s->added++;
}

static void
prefix_set_sort(PrefixSet *s, guint max_len)
{
    s->n_lens = 0;
    for (int len = (int)max_len; len >= 0; len--) {
        GArray *arr = s->by_len[len];
        if (!arr || arr->len == 0)
            continue;
        qsort(arr->data, arr->len, sizeof(Key128), key_cmp);
        guint out = 1;
        Key128 *k = (Key128 *)(void *)arr->data;
        for (guint i = 1; i < arr->len; i++) {
            if (key_cmp(&k[i], &k[out - 1]) != 0)
                k[out++] = k[i];
        }
        g_array_set_size(arr, out);
        s->lens[s->n_lens++] = (guint8)len;
    }
    s->dirty = FALSE;
}

static gboolean
prefix_set_lookup(PrefixSet *s, const IpAddr *a, IpPrefix *matched)
{
    gboolean v6 = a->family == AF_INET6;
    if (s->dirty)
        prefix_set_sort(s, v6 ? 128 : 32);
    if (s->n_lens == 0)
        return FALSE;
    Key128 full = key_of(a);
    for (guint i = 0; i < s->n_lens; i++) {
        guint len = s->lens[i];
        Key128 k = key_mask(full, v6, len);
        GArray *arr = s->by_len[len];
        if (bsearch(&k, arr->data, arr->len, sizeof(Key128), key_cmp)) {
            if (matched) {
                matched->addr = *a;
                /* Clear the host bits of the copy. */
                guint bits = ipaddr_bits(a);
                for (guint b = len; b < bits; b++)
                    matched->addr.bytes[b / 8] &= (guint8) ~(0x80 >> (b % 8));
                matched->len = (guint8)len;
            }
            return TRUE;
        }
    }
    return FALSE;
}

static void
prefix_set_clear(PrefixSet *s)
{
    for (guint i = 0; i < G_N_ELEMENTS(s->by_len); i++)
        g_clear_pointer(&s->by_len[i], g_array_unref);
}

static guint
family_index(const IpAddr *a)
{
    return a->family == AF_INET6 ? 1 : 0;
}

Whitelist *
whitelist_new(void)
{
    Whitelist *wl = g_new0(Whitelist, 1);
    wl->rules_exact = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    wl->rules_gid = g_hash_table_new(g_direct_hash, g_direct_equal);
    wl->rules_sid = g_hash_table_new(g_direct_hash, g_direct_equal);
    return wl;
}

Whitelist *
whitelist_new_from_config(const Config *cfg)
{
    Whitelist *wl = whitelist_new();
    for (guint i = 0; i < cfg->policy.protect->len; i++)
        whitelist_add_protected(wl, &g_array_index(cfg->policy.protect, IpPrefix, i));
    const GArray *addrs[] = {cfg->whitelist.addresses, cfg->whitelist.file_addresses};
    for (gsize j = 0; j < G_N_ELEMENTS(addrs); j++) {
        for (guint i = 0; i < addrs[j]->len; i++)
            whitelist_add_address(wl, &g_array_index(addrs[j], IpPrefix, i));
    }
    const GArray *rules[] = {cfg->whitelist.rules, cfg->whitelist.file_rules};
    for (gsize j = 0; j < G_N_ELEMENTS(rules); j++) {
        for (guint i = 0; i < rules[j]->len; i++)
            whitelist_add_rule(wl, &g_array_index(rules[j], RulePattern, i));
    }
    return wl;
}

void
whitelist_add_protected(Whitelist *wl, const IpPrefix *p)
{
    g_return_if_fail(p->addr.family == AF_INET || p->addr.family == AF_INET6);
    prefix_set_add(&wl->protect[family_index(&p->addr)], p->addr.family == AF_INET6, p);
}

void
whitelist_add_address(Whitelist *wl, const IpPrefix *p)
{
    g_return_if_fail(p->addr.family == AF_INET || p->addr.family == AF_INET6);
    prefix_set_add(&wl->address[family_index(&p->addr)], p->addr.family == AF_INET6, p);
}

void
whitelist_add_rule(Whitelist *wl, const RulePattern *p)
{
    if (p->any_gid && p->any_sid) {
        wl->rules_any = TRUE;
    } else if (p->any_sid) {
        g_hash_table_add(wl->rules_gid, GSIZE_TO_POINTER((gsize)p->gid + 1));
    } else if (p->any_gid) {
        g_hash_table_add(wl->rules_sid, GSIZE_TO_POINTER((gsize)p->sid + 1));
    } else {
        gint64 *k = g_new(gint64, 1);
        *k = (gint64)((guint64)p->gid << 32 | p->sid);
        g_hash_table_add(wl->rules_exact, k);
    }
}

WhitelistReason
whitelist_contains(Whitelist *wl, const IpAddr *a, IpPrefix *matched)
{
    g_return_val_if_fail(wl != NULL && a != NULL, WHITELIST_NONE);
    IpAddrClass c = ipaddr_classify(a);
    if (c & IPADDR_CLASS_UNSPECIFIED)
        return WHITELIST_UNSPECIFIED;
    if (c & IPADDR_CLASS_LOOPBACK)
        return WHITELIST_LOOPBACK;
    if (c & IPADDR_CLASS_MULTICAST)
        return WHITELIST_MULTICAST;
    if (c & IPADDR_CLASS_BROADCAST)
        return WHITELIST_BROADCAST;
    if (c & IPADDR_CLASS_LINK_LOCAL)
        return WHITELIST_LINK_LOCAL;
    guint f = family_index(a);
    if (prefix_set_lookup(&wl->protect[f], a, matched))
        return WHITELIST_PROTECTED;
    if (prefix_set_lookup(&wl->address[f], a, matched))
        return WHITELIST_ADDRESS;
    return WHITELIST_NONE;
}

/* An entry of s inside p (longer than p, its first p->len bits equal to p's), the first
 * found in the order of lengths (longest first). */
static gboolean
prefix_set_find_inside(PrefixSet *s, const IpPrefix *p, IpPrefix *matched)
{
    gboolean v6 = p->addr.family == AF_INET6;
    if (s->dirty)
        prefix_set_sort(s, v6 ? 128 : 32);
    Key128 pk = key_mask(key_of(&p->addr), v6, p->len);
    for (guint i = 0; i < s->n_lens; i++) {
        guint len = s->lens[i];
        if (len <= p->len)
            continue;
        GArray *arr = s->by_len[len];
        const Key128 *k = (const Key128 *)(const void *)arr->data;
        /* The first key not below p's network key: inside p when it masks back to it. */
        guint lo = 0, hi = arr->len;
        while (lo < hi) {
            guint mid = lo + (hi - lo) / 2;
            if (key_cmp(&k[mid], &pk) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == arr->len)
            continue;
        Key128 back = key_mask(k[lo], v6, p->len);
        if (key_cmp(&back, &pk) != 0)
            continue;
        if (matched) {
            memset(matched, 0, sizeof *matched);
            matched->addr.family = p->addr.family;
            if (v6) {
                for (int b = 0; b < 8; b++) {
                    matched->addr.bytes[b] = (guint8)(k[lo].hi >> (56 - 8 * b));
                    matched->addr.bytes[8 + b] = (guint8)(k[lo].lo >> (56 - 8 * b));
                }
            } else {
                for (int b = 0; b < 4; b++)
                    matched->addr.bytes[b] = (guint8)(k[lo].lo >> (24 - 8 * b));
            }
            matched->len = (guint8)len;
        }
        return TRUE;
    }
    return FALSE;
}

/* The built-in classes as networks, for the overlap test. */
static const struct {
    const char *prefix;
    WhitelistReason reason;
} builtin_nets[] = {
    {"0.0.0.0/8", WHITELIST_UNSPECIFIED},     {"127.0.0.0/8", WHITELIST_LOOPBACK},
    {"224.0.0.0/4", WHITELIST_MULTICAST},     {"255.255.255.255/32", WHITELIST_BROADCAST},
    {"169.254.0.0/16", WHITELIST_LINK_LOCAL}, {"::/128", WHITELIST_UNSPECIFIED},
    {"::1/128", WHITELIST_LOOPBACK},          {"ff00::/8", WHITELIST_MULTICAST},
    {"fe80::/10", WHITELIST_LINK_LOCAL},
};

WhitelistReason
whitelist_overlaps(Whitelist *wl, const IpPrefix *p, IpPrefix *matched)
{
    g_return_val_if_fail(wl != NULL && p != NULL, WHITELIST_NONE);
    IpPrefix m = {0};
    /* Whatever contains p's network address contains part of p. */
    WhitelistReason r = whitelist_contains(wl, &p->addr, &m);
    if (r != WHITELIST_NONE) {
        if (matched)
            *matched = m;
        return r;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(builtin_nets); i++) {
        IpPrefix b;
        if (!ipprefix_parse(builtin_nets[i].prefix, &b, NULL))
            continue;
        if (b.addr.family == p->addr.family && b.len > p->len && ipprefix_contains(p, &b.addr)) {
            if (matched)
                *matched = b;
            return builtin_nets[i].reason;
        }
    }
    guint f = family_index(&p->addr);
    if (prefix_set_find_inside(&wl->protect[f], p, matched))
        return WHITELIST_PROTECTED;
    if (prefix_set_find_inside(&wl->address[f], p, matched))
        return WHITELIST_ADDRESS;
    return WHITELIST_NONE;
}

gboolean
whitelist_contains_rule(const Whitelist *wl, guint32 gid, guint32 sid)
{
    if (wl->rules_any)
        return TRUE;
    if (g_hash_table_contains(wl->rules_gid, GSIZE_TO_POINTER((gsize)gid + 1)))
        return TRUE;
    if (g_hash_table_contains(wl->rules_sid, GSIZE_TO_POINTER((gsize)sid + 1)))
        return TRUE;
    gint64 k = (gint64)((guint64)gid << 32 | sid);
    return g_hash_table_contains(wl->rules_exact, &k);
}

guint
whitelist_size(const Whitelist *wl)
{
    return wl->protect[0].added + wl->protect[1].added + wl->address[0].added +
           wl->address[1].added;
}

void
whitelist_free(Whitelist *wl)
{
    if (!wl)
        return;
    for (int i = 0; i < 2; i++) {
        prefix_set_clear(&wl->protect[i]);
        prefix_set_clear(&wl->address[i]);
    }
    g_hash_table_unref(wl->rules_exact);
    g_hash_table_unref(wl->rules_gid);
    g_hash_table_unref(wl->rules_sid);
    g_free(wl);
}
