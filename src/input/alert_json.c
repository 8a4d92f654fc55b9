// SPDX-License-Identifier: GPL-2.0-or-later
// JSON alert records, one per line: Suricata EVE (event_type "alert") and Snort 3 alert_json
// with any field set, read through jansson into the same Alert the text formats fill.
//
//   EVE      {"timestamp":"2019-01-02T10:00:00.123456+0000","flow_id":1,"in_iface":"eth0",
//             "event_type":"alert","src_ip":"192.0.2.1","src_port":4242,"dest_ip":...,
//             "dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,
//             "signature_id":2000,"rev":3,"signature":"...","category":"...","severity":2},
//             ... flow, http, tls, dns, payload, packet, metadata ...}
//   Snort 3  { "timestamp" : "08/10-12:01:56.546290", "pkt_num" : 1, "proto" : "TCP",
//             "pkt_gen" : "raw", "pkt_len" : 60, "dir" : "C2S", "src_ap" : "192.0.2.1:4242",
//             "dst_ap" : "198.51.100.2:80", "rule" : "1:1000001:0", "action" : "allow" }
//             (the default field set; `fields` may add gid, sid, rev, msg, priority, class,
//             src_addr, dst_addr, src_port, dst_port, iface, ... or leave any out)
//
// Most of a real eve.json is not alerts (flow, dns, http, tls, fileinfo, stats), and an alert
// is mostly what alertban never reads (payload, packet, flow, app-layer objects). jansson reads
// 15-20 MB/s of such text (it decodes every string byte by byte), so a record is first walked
// member by member at the top level, strings skipped with memchr: a record whose event_type is
// not "alert" ends there; of any other record, only the members alertban reads (and any whose
// key has an escape, which might spell one of them) are handed to jansson, which reads them
// exactly: types, integers, escapes, UTF-8, and duplicate keys refused, as two src_ip in one
// record can only be an attempt to mislead. The walk checks the record's shape (strings closed,
// brackets balanced, members separated, plain scalars, nothing after the end); what it does not
// check inside the members it skips (escapes, UTF-8, the grammar of nested objects) costs no
// field alertban uses. Measured in doc/PERFORMANCE.md.
#define _GNU_SOURCE /* alert_field.h: memrchr, memmem */
#include "alert_formats.h"

#include <jansson.h>

#include "alert_field.h"

static const char *
skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p is at a string's opening quote: returns the byte after its closing quote, or NULL. A quote
 * is escaped when an odd number of backslashes precede it. */
static const char *
skip_string(const char *p, const char *end)
{
    const char *from = p + 1;
    for (;;) {
        const char *q = memchr(from, '"', (gsize)(end - from));
        if (!q)
            return NULL;
        const char *b = q;
        while (b > from && b[-1] == '\\')
            b--;
        if (((q - b) & 1) == 0)
            return q + 1;
        from = q + 1;
    }
}

/* A scalar that is not a string: a number's characters, or true, false, null. */
static const char *
skip_scalar(const char *p, const char *end)
{
    const char *s = p;
    while (p < end && (g_ascii_isdigit(*p) || *p == '-' || *p == '+' || *p == '.' || *p == 'e' ||
                       *p == 'E'))
        p++;
    if (p > s)
        return g_ascii_isdigit(p[-1]) ? p : NULL;
    gsize room = (gsize)(end - p);
    if (room >= 4 && (memcmp(p, "true", 4) == 0 || memcmp(p, "null", 4) == 0))
        return p + 4;
    if (room >= 5 && memcmp(p, "false", 5) == 0)
        return p + 5;
    return NULL;
}

/* Skips one value at p; NULL when it does not end well. Nested values are skipped by counting
 * brackets outside strings (the brackets must match in kind). */
static const char *
skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p != '{' && *p != '[')
        return skip_scalar(p, end);
    char stack[64]; /* deeper than any sensor writes; deeper is refused */
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            p = skip_string(p, end);
            if (!p)
                return NULL;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == (int)sizeof stack)
                return NULL;
            stack[depth++] = c == '{' ? '}' : ']';
        } else if (c == '}' || c == ']') {
            if (depth == 0 || stack[depth - 1] != c)
                return NULL;
            if (--depth == 0)
                return p + 1;
        }
        p++;
    }
    return NULL;
}

typedef struct {
    const char *name;
    gsize len;
} KeyName;
#define KEY(s) {(s), sizeof(s) - 1}

/* Whether k (n bytes, as written) is one of keys; a key with an escape could spell any of
 * them, and jansson decides. */
static gboolean
key_in(const char *k, gsize n, const KeyName *keys, gsize n_keys)
{
    if (memchr(k, '\\', n))
        return TRUE;
    for (gsize i = 0; i < n_keys; i++) {
        if (keys[i].len == n && memcmp(keys[i].name, k, n) == 0)
            return TRUE;
    }
    return FALSE;
}

/* The top-level members alertban reads, EVE's and Snort 3's. */
static gboolean
wanted_key(const char *k, gsize n)
{
    static const KeyName keys[] = {
        KEY("timestamp"), KEY("flow_id"),  KEY("in_iface"), KEY("event_type"), KEY("src_ip"),
        KEY("src_port"),  KEY("dest_ip"),  KEY("dest_port"), KEY("proto"),     KEY("alert"),
        KEY("rule"),      KEY("gid"),      KEY("sid"),       KEY("rev"),       KEY("msg"),
        KEY("class"),     KEY("priority"), KEY("action"),    KEY("iface"),     KEY("src_ap"),
        KEY("dst_ap"),    KEY("src_addr"), KEY("dst_addr"),  KEY("dst_port"),
    };
    return key_in(k, n, keys, G_N_ELEMENTS(keys));
}

/* The members of EVE's alert object alertban reads (not metadata, rule text, source/target). */
static gboolean
wanted_alert_key(const char *k, gsize n)
{
    static const KeyName keys[] = {KEY("action"),    KEY("gid"),      KEY("signature_id"),
                                   KEY("rev"),       KEY("signature"), KEY("category"),
                                   KEY("severity")};
    return key_in(k, n, keys, G_N_ELEMENTS(keys));
}

/* Copies the members of the object at v (already skipped whole: its shape is sound) that
 * wanted() names, as an object, to *o. FALSE when a member is not "key": value. */
static gboolean
copy_object_members(const char *v, const char *end, gboolean (*wanted)(const char *, gsize),
                    char **o)
{
    char *d = *o;
    char *first = d + 1;
    *d++ = '{';
    const char *p = skip_ws(v + 1, end);
    if (p < end && *p == '}') {
        *d++ = '}';
        *o = d;
        return TRUE;
    }
    for (;;) {
        if (p >= end || *p != '"')
            return FALSE;
        const char *member = p, *k = p + 1;
        const char *q = skip_string(p, end);
        if (!q)
            return FALSE;
        gsize klen = (gsize)(q - 1 - k);
        p = skip_ws(q, end);
        if (p >= end || *p != ':')
            return FALSE;
        p = skip_value(skip_ws(p + 1, end), end);
        if (!p)
            return FALSE;
        if (wanted(k, klen)) {
            if (d > first)
                *d++ = ',';
            memcpy(d, member, (gsize)(p - member));
            d += p - member;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            break;
        return FALSE;
    }
    *d++ = '}';
    *o = d;
    return TRUE;
}

typedef enum {
    WALK_BROKEN,    /* not a well-formed object */
    WALK_NOT_ALERT, /* event_type is plainly something else */
    WALK_REDUCED,   /* the members to read are in the buffer, as one object */
} WalkResult;

/* Walks the record's top-level members, copying the wanted ones into out (room for len + 2
 * bytes) as an object of their own; *out_len gets its length. */
static WalkResult
walk_record(const char *line, gsize len, char *out, gsize *out_len)
{
    const char *p = line, *end = line + len;
    char *o = out;
    gboolean escaped_key = FALSE;
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        return WALK_BROKEN;
    *o++ = '{';
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
        goto done;
    }
    for (;;) {
        if (p >= end || *p != '"')
            return WALK_BROKEN;
        const char *member = p;
        const char *k = p + 1;
        const char *q = skip_string(p, end);
        if (!q)
            return WALK_BROKEN;
        gsize klen = (gsize)(q - 1 - k);
        p = skip_ws(q, end);
        if (p >= end || *p != ':')
            return WALK_BROKEN;
        p = skip_ws(p + 1, end);
        const char *v = p;
        p = skip_value(p, end);
        if (!p)
            return WALK_BROKEN;
        gboolean esc = memchr(k, '\\', klen) != NULL;
        escaped_key |= esc;
        /* A plain event_type that is not "alert" settles it, unless an escaped key before it
         * could be a second event_type (then jansson refuses the duplicate). */
        if (!escaped_key && klen == 10 && memcmp(k, "event_type", 10) == 0 && *v == '"') {
            gsize vlen = (gsize)(p - v - 2);
            if (!memchr(v + 1, '\\', vlen) && !(vlen == 5 && memcmp(v + 1, "alert", 5) == 0))
                return WALK_NOT_ALERT;
        }
        if (wanted_key(k, klen)) {
            if (o > out + 1)
                *o++ = ',';
            if (klen == 5 && memcmp(k, "alert", 5) == 0 && *v == '{') {
                /* Of EVE's alert object, only what is read: metadata and the rule's text
                 * (Suricata 7 can log it) are most of it. */
                memcpy(o, member, (gsize)(v - member));
                o += v - member;
                if (!copy_object_members(v, p, wanted_alert_key, &o))
                    return WALK_BROKEN;
            } else {
                memcpy(o, member, (gsize)(p - member));
                o += p - member;
            }
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') {
            p++;
            break;
        }
        return WALK_BROKEN;
    }
done:
    if (skip_ws(p, end) != end)
        return WALK_BROKEN;
    *o++ = '}';
    *out_len = (gsize)(o - out);
    return WALK_REDUCED;
}

/* ---- typed field access: absent is fine, a wrong type is not ---- */

typedef enum { FIELD_ABSENT, FIELD_OK, FIELD_BAD } FieldResult;

static FieldResult
get_string(json_t *obj, const char *key, const char **s, gsize *len)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return FIELD_ABSENT;
    if (!json_is_string(v))
        return FIELD_BAD;
    *s = json_string_value(v);
    *len = json_string_length(v);
    return FIELD_OK;
}

static FieldResult
get_uint(json_t *obj, const char *key, guint64 max, guint64 *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return FIELD_ABSENT;
    if (!json_is_integer(v))
        return FIELD_BAD;
    json_int_t i = json_integer_value(v);
    if (i < 0 || (guint64)i > max)
        return FIELD_BAD;
    *out = (guint64)i;
    return FIELD_OK;
}

/* A short token of letters, digits and _-:. (protocol names, actions): copied lower-cased
 * for actions, as printed for protocols. FALSE when it holds anything else or is too long. */
static gboolean
copy_token(char *dst, gsize cap, const char *s, gsize len, gboolean lower)
{
    if (len == 0 || len >= cap)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        char c = s[i];
        if (!(g_ascii_isalnum(c) || c == '_' || c == '-' || c == ':' || c == '.'))
            return FALSE;
        dst[i] = lower ? g_ascii_tolower(c) : c;
    }
    dst[len] = '\0';
    return TRUE;
}

/* Free text (msg, classification, interface): kept as decoded; output escapes it. */
static void
copy_text(char *dst, gsize cap, const char *s, gsize len)
{
    alert_copy_field(dst, cap, s, len);
}

static gboolean
parse_addr(const char *s, gsize len, IpAddr *out)
{
    return len > 0 && ipaddr_parse_len(s, len, out);
}

/* "2019-01-02T10:00:00.123456+0100": the shape Suricata writes (offset with or without the
 * colon, or Z), with a possible date and time of day. */
static gboolean
iso_timestamp_ok(const char *s, gsize len)
{
    if (len < 19)
        return FALSE;
    for (gsize i = 0; i < 19; i++) {
        char c = s[i];
        char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : '0';
        if (want == '0' ? !g_ascii_isdigit(c) : c != want)
            return FALSE;
    }
    int mon = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
    int hh = (s[11] - '0') * 10 + (s[12] - '0'), mm = (s[14] - '0') * 10 + (s[15] - '0');
    int ss = (s[17] - '0') * 10 + (s[18] - '0');
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return FALSE;
    gsize p = 19;
    if (p < len && s[p] == '.') {
        p++;
        gsize d = p;
        while (p < len && g_ascii_isdigit(s[p]))
            p++;
        if (p == d || p - d > 9)
            return FALSE;
    }
    if (p == len)
        return FALSE; /* no offset: the time would be ambiguous */
    if (s[p] == 'Z')
        return p + 1 == len;
    if (s[p] != '+' && s[p] != '-')
        return FALSE;
    gsize rest = len - p - 1;
    const char *o = s + p + 1;
    if (rest == 4)
        return g_ascii_isdigit(o[0]) && g_ascii_isdigit(o[1]) && g_ascii_isdigit(o[2]) &&
               g_ascii_isdigit(o[3]);
    if (rest == 5)
        return g_ascii_isdigit(o[0]) && g_ascii_isdigit(o[1]) && o[2] == ':' &&
               g_ascii_isdigit(o[3]) && g_ascii_isdigit(o[4]);
    return FALSE;
}

/* A timestamp string as text: printable ASCII without quote or backslash, so that every
 * output may print it as it is. FALSE for anything else. */
static gboolean
copy_timestamp(Alert *a, const char *s, gsize len)
{
    if (len == 0 || len >= sizeof a->timestamp)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return FALSE;
    }
    memcpy(a->timestamp, s, len);
    a->timestamp[len] = '\0';
    return TRUE;
}

static gboolean
set_proto(Alert *a, json_t *root)
{
    json_t *v = json_object_get(root, "proto");
    if (!v || json_is_null(v))
        return TRUE;
    if (json_is_integer(v)) { /* a protocol number, as some writers print it */
        json_int_t n = json_integer_value(v);
        if (n < 0 || n > 255)
            return FALSE;
        g_snprintf(a->proto, sizeof a->proto, "%d", (int)n);
        return TRUE;
    }
    if (!json_is_string(v))
        return FALSE;
    return copy_token(a->proto, sizeof a->proto, json_string_value(v), json_string_length(v),
                      FALSE);
}

/* A port means nothing without its address (a record that lost its dest_ip keeps its
 * dest_port): absent with it, as the Alert promises. */
static void
drop_lone_ports(Alert *a)
{
    if (!a->src.family)
        a->src_port = -1;
    if (!a->dst.family)
        a->dst_port = -1;
}

/* ---- Suricata EVE ---- */

static gboolean
eve_port(json_t *root, const char *key, gint32 *port)
{
    guint64 v;
    FieldResult r = get_uint(root, key, 65535, &v);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK)
        *port = (gint32)v;
    return TRUE;
}

static gboolean
eve_addr(json_t *root, const char *key, IpAddr *addr)
{
    const char *s;
    gsize n;
    FieldResult r = get_string(root, key, &s, &n);
    if (r == FIELD_BAD)
        return FALSE;
    return r == FIELD_ABSENT || parse_addr(s, n, addr);
}

static gboolean
parse_eve(json_t *root, Alert *a)
{
    a->producer = ALERT_PRODUCER_SURICATA;
    a->format = ALERT_FORMAT_EVE;
    json_t *al = json_object_get(root, "alert");
    if (!json_is_object(al))
        return FALSE;

    const char *s;
    gsize n;
    if (get_string(root, "timestamp", &s, &n) != FIELD_OK || !copy_timestamp(a, s, n))
        return FALSE;
    a->timestamp_bad = !iso_timestamp_ok(s, n);

    guint64 v;
    if (get_uint(al, "signature_id", G_MAXUINT32, &v) != FIELD_OK)
        return FALSE;
    a->sid = (guint32)v;
    FieldResult r = get_uint(al, "gid", G_MAXUINT32, &v);
    if (r == FIELD_BAD)
        return FALSE;
    a->gid = r == FIELD_OK ? (guint32)v : 1; /* every Suricata writes it; 1 is its default */
    r = get_uint(al, "rev", G_MAXUINT32, &v);
    if (r == FIELD_BAD)
        return FALSE;
    a->rev = r == FIELD_OK ? (guint32)v : 0;
    r = get_uint(al, "severity", G_MAXINT32, &v);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK)
        a->priority = (gint32)v;

    r = get_string(al, "signature", &s, &n);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK)
        copy_text(a->msg, sizeof a->msg, s, n);
    r = get_string(al, "category", &s, &n);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK && !(n == 6 && memcmp(s, "(null)", 6) == 0))
        copy_text(a->classification, sizeof a->classification, s, n);
    r = get_string(al, "action", &s, &n);
    if (r == FIELD_BAD || (r == FIELD_OK && !copy_token(a->action, sizeof a->action, s, n, TRUE)))
        return FALSE;

    r = get_string(root, "in_iface", &s, &n);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK)
        copy_text(a->interface, sizeof a->interface, s, n);
    if (get_uint(root, "flow_id", G_MAXINT64, &a->flow_id) == FIELD_BAD)
        return FALSE;

    if (!set_proto(a, root))
        return FALSE;
    if (!eve_addr(root, "src_ip", &a->src) || !eve_addr(root, "dest_ip", &a->dst))
        return FALSE;
    if (!eve_port(root, "src_port", &a->src_port) || !eve_port(root, "dest_port", &a->dst_port))
        return FALSE;
    drop_lone_ports(a);
    return TRUE;
}

/* ---- Snort 3 alert_json ---- */

/* "addr:port", the port after the last colon (IPv6 addresses hold colons of their own); an
 * empty address (":0") is a packet without an IP layer. */
static gboolean
snort3_ap(const char *s, gsize n, IpAddr *addr, gint32 *port)
{
    const char *c = alert_memrchr(s, ':', n);
    if (!c)
        return FALSE;
    guint64 p;
    if (!alert_parse_uint(c + 1, (gsize)(s + n - c - 1), 65535, &p))
        return FALSE;
    gsize alen = (gsize)(c - s);
    if (alen == 0)
        return TRUE;
    if (!parse_addr(s, alen, addr))
        return FALSE;
    *port = (gint32)p;
    return TRUE;
}

/* "gid:sid:rev" */
static gboolean
snort3_rule(const char *s, gsize n, Alert *a)
{
    const char *c1 = memchr(s, ':', n);
    if (!c1)
        return FALSE;
    const char *c2 = memchr(c1 + 1, ':', (gsize)(s + n - c1 - 1));
    if (!c2)
        return FALSE;
    guint64 g, si, r;
    if (!alert_parse_uint(s, (gsize)(c1 - s), G_MAXUINT32, &g) ||
        !alert_parse_uint(c1 + 1, (gsize)(c2 - c1 - 1), G_MAXUINT32, &si) ||
        !alert_parse_uint(c2 + 1, (gsize)(s + n - c2 - 1), G_MAXUINT32, &r))
        return FALSE;
    a->gid = (guint32)g;
    a->sid = (guint32)si;
    a->rev = (guint32)r;
    return TRUE;
}

/* A number field that must agree with what "rule" said, when both are there. */
static gboolean
snort3_id(json_t *root, const char *key, gboolean have_rule, guint32 *field, gboolean *seen)
{
    guint64 v;
    FieldResult r = get_uint(root, key, G_MAXUINT32, &v);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK) {
        if (have_rule && *field != (guint32)v)
            return FALSE;
        *field = (guint32)v;
        *seen = TRUE;
    }
    return TRUE;
}

static gboolean
parse_snort3(json_t *root, Alert *a)
{
    a->producer = ALERT_PRODUCER_SNORT3;
    a->format = ALERT_FORMAT_SNORT3_JSON;
    const char *s;
    gsize n;

    FieldResult r = get_string(root, "rule", &s, &n);
    if (r == FIELD_BAD || (r == FIELD_OK && !snort3_rule(s, n, a)))
        return FALSE;
    gboolean have_rule = r == FIELD_OK, have_gid = FALSE, have_sid = FALSE, have_rev = FALSE;
    if (!snort3_id(root, "gid", have_rule, &a->gid, &have_gid) ||
        !snort3_id(root, "sid", have_rule, &a->sid, &have_sid) ||
        !snort3_id(root, "rev", have_rule, &a->rev, &have_rev))
        return FALSE;
    if (!have_rule && !have_sid)
        return FALSE; /* an alert names its rule */
    if (!have_rule && !have_gid)
        a->gid = 1;

    r = get_string(root, "timestamp", &s, &n);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK) {
        gsize ts_len;
        AlertTsKind kind = alert_ts_scan(s, n, &ts_len);
        if ((kind != ALERT_TS_NO_YEAR && kind != ALERT_TS_SHORT_YEAR && kind != ALERT_TS_BROKEN) ||
            ts_len != n || !copy_timestamp(a, s, n))
            return FALSE;
        if (kind == ALERT_TS_BROKEN)
            a->timestamp_bad = TRUE;
        else if (!alert_ts_valid(s, kind))
            return FALSE;
    }

    r = get_string(root, "msg", &s, &n);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK) {
        gboolean quoted;
        alert_set_msg(a, s, n, &quoted);
    }
    r = get_string(root, "class", &s, &n);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK && !(n == 4 && memcmp(s, "none", 4) == 0))
        copy_text(a->classification, sizeof a->classification, s, n);
    guint64 v;
    r = get_uint(root, "priority", G_MAXINT32, &v);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK)
        a->priority = (gint32)v;
    r = get_string(root, "action", &s, &n);
    if (r == FIELD_BAD || (r == FIELD_OK && !copy_token(a->action, sizeof a->action, s, n, TRUE)))
        return FALSE;
    r = get_string(root, "iface", &s, &n);
    if (r == FIELD_BAD)
        return FALSE;
    if (r == FIELD_OK)
        copy_text(a->interface, sizeof a->interface, s, n);
    if (!set_proto(a, root))
        return FALSE;

    /* Endpoints: src_ap/dst_ap, or src_addr/dst_addr with src_port/dst_port; both when both
     * are configured (they must agree). */
    IpAddr ap_src = {0}, ap_dst = {0};
    gint32 ap_sport = -1, ap_dport = -1;
    gboolean have_ap = FALSE;
    r = get_string(root, "src_ap", &s, &n);
    if (r == FIELD_BAD || (r == FIELD_OK && !snort3_ap(s, n, &ap_src, &ap_sport)))
        return FALSE;
    have_ap |= r == FIELD_OK;
    r = get_string(root, "dst_ap", &s, &n);
    if (r == FIELD_BAD || (r == FIELD_OK && !snort3_ap(s, n, &ap_dst, &ap_dport)))
        return FALSE;
    have_ap |= r == FIELD_OK;
    if (!eve_addr(root, "src_addr", &a->src) || !eve_addr(root, "dst_addr", &a->dst) ||
        !eve_port(root, "src_port", &a->src_port) || !eve_port(root, "dst_port", &a->dst_port))
        return FALSE;
    if (have_ap) {
        if ((a->src.family && !ipaddr_equal(&a->src, &ap_src)) ||
            (a->dst.family && !ipaddr_equal(&a->dst, &ap_dst)))
            return FALSE;
        a->src = ap_src;
        a->dst = ap_dst;
        /* Snort prints port 0 for a protocol without ports; src_port/dst_port are only
         * printed for TCP and UDP. */
        AlertProtoClass pc = alert_proto_class(a->proto);
        if (a->src_port < 0 && (pc == ALERT_PROTO_TCP_UDP || !a->proto[0]))
            a->src_port = a->src.family ? ap_sport : -1;
        if (a->dst_port < 0 && (pc == ALERT_PROTO_TCP_UDP || !a->proto[0]))
            a->dst_port = a->dst.family ? ap_dport : -1;
    }
    drop_lone_ports(a);
    return TRUE;
}

AlertSkipReason
alert_json_parse(const char *line, gsize len, Alert *out)
{
    alert_init_fields(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
    /* Raw control bytes are never JSON (and the walk does not look inside what it skips): say
     * binary, as the text formats do. */
    if (alert_has_control_bytes(line, len)) {
        alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
        return ALERT_SKIP_BINARY;
    }
    /* The members read are a few hundred bytes of a record of several KB; a line is at most
     * ALERT_LINE_MAX: on the stack. */
    char small[ALERT_LINE_MAX + 2];
    char *buf = len + 2 <= sizeof small ? small : g_malloc(len + 2);
    gsize blen = 0;
    WalkResult w = walk_record(line, len, buf, &blen);
    json_t *root = NULL;
    if (w == WALK_REDUCED) {
        json_error_t err;
        root = json_loadb(buf, blen, JSON_REJECT_DUPLICATES, &err);
    }
    if (buf != small)
        g_free(buf);
    if (w == WALK_NOT_ALERT)
        goto not_alert;
    if (!root || !json_is_object(root)) {
        json_decref(root);
        goto malformed;
    }
    gboolean ok;
    json_t *et = json_object_get(root, "event_type");
    if (et) {
        if (!json_is_string(et)) {
            json_decref(root);
            goto malformed;
        }
        if (strcmp(json_string_value(et), "alert") != 0) {
            json_decref(root);
            goto not_alert;
        }
        ok = parse_eve(root, out);
    } else if (json_object_get(root, "rule") || json_object_get(root, "sid")) {
        ok = parse_snort3(root, out);
    } else {
        json_decref(root); /* some other JSON: not a record of a sensor we read */
        goto not_alert;
    }
    json_decref(root);
    if (!ok)
        goto malformed;
    return ALERT_SKIP_NONE;

malformed:
    alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
    return ALERT_SKIP_MALFORMED;
not_alert:
    alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
    return ALERT_SKIP_NOT_ALERT;
}
