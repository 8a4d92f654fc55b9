// SPDX-License-Identifier: GPL-2.0-or-later
// Shared decisions: their wire fields, the outbox encoding, and the checks on a peer's values.
#include "share_entry.h"

#include <string.h>

#include "error.h"

enum {
    F_OP,
    F_ADDR,
    F_EXPIRES,
    F_NODE,
    F_RULE,
    F_MSG,
    F_REASON,
};

static const char *const field_names[SHARE_ENTRY_FIELDS] = {
    [F_OP] = "op",     [F_ADDR] = "addr", [F_EXPIRES] = "expires", [F_NODE] = "node",
    [F_RULE] = "rule", [F_MSG] = "msg",   [F_REASON] = "reason",
};

/* Each field's longest value. */
static const gsize field_max[SHARE_ENTRY_FIELDS] = {
    [F_OP] = 5,         [F_ADDR] = IPADDR_STRLEN - 1,   [F_EXPIRES] = 20,
    [F_NODE] = SHARE_NODE_MAX, [F_RULE] = 32, [F_MSG] = SHARE_MSG_MAX,
    [F_REASON] = SHARE_REASON_MAX,
};

guint
share_entry_fields(const ShareEntry *e, ShareEntryText *text, ShareField out[SHARE_ENTRY_FIELDS])
{
    g_return_val_if_fail(e != NULL && text != NULL && out != NULL, 0);
    ipprefix_format(&e->prefix, text->addr);
    g_snprintf(text->expires, sizeof text->expires, "%" G_GINT64_FORMAT,
               e->op == SHARE_OP_BAN ? e->expires_s : 0);
    g_snprintf(text->rule, sizeof text->rule, "%u:%u:%u", e->gid, e->sid, e->rev);
    const char *values[SHARE_ENTRY_FIELDS] = {
        [F_OP] = e->op == SHARE_OP_BAN ? "ban" : "unban",
        [F_ADDR] = text->addr,
        [F_EXPIRES] = text->expires,
        [F_NODE] = e->node,
        [F_RULE] = text->rule,
        [F_MSG] = e->msg,
        [F_REASON] = e->reason,
    };
    for (guint i = 0; i < SHARE_ENTRY_FIELDS; i++) {
        out[i].name = field_names[i];
        out[i].name_len = strlen(field_names[i]);
        out[i].value = values[i];
        out[i].value_len = strlen(values[i]);
    }
    return SHARE_ENTRY_FIELDS;
}

gboolean
share_node_is_valid(const char *name)
{
    gsize len = name ? strlen(name) : 0;
    if (len == 0 || len > SHARE_NODE_MAX)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        char c = name[i];
        if (!g_ascii_isalnum(c) && c != '.' && c != '_' && c != '-')
            return FALSE;
    }
    return TRUE;
}

static gboolean
fail(GError **error, const char *field, const char *what)
{
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE, "field %s: %s", field, what);
    return FALSE;
}

/* Text fields must be printable: a peer's msg ends up in logs, the CLI and JSON. */
static gboolean
text_is_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return FALSE;
    return TRUE;
}

static gboolean
parse_u32(const char *text, guint32 *out)
{
    guint64 v;
    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &v, NULL))
        return FALSE;
    *out = (guint32)v;
    return TRUE;
}

static gboolean
parse_rule(const char *text, ShareEntry *out)
{
    g_auto(GStrv) parts = g_strsplit(text, ":", 4);
    return g_strv_length(parts) == 3 && parse_u32(parts[0], &out->gid) &&
           parse_u32(parts[1], &out->sid) && parse_u32(parts[2], &out->rev);
}

gboolean
share_entry_from_fields(const ShareField *fields, guint n, ShareEntry *out, GError **error)
{
    g_return_val_if_fail(out != NULL && (fields != NULL || n == 0), FALSE);
    memset(out, 0, sizeof *out);
    if (n > SHARE_FIELDS_MAX) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE, "%u fields (at most %u)", n,
                    SHARE_FIELDS_MAX);
        return FALSE;
    }
    /* Copies of the known values, NUL-terminated once their length is checked. */
    char values[SHARE_ENTRY_FIELDS][SHARE_VALUE_MAX + 1];
    gboolean seen[SHARE_ENTRY_FIELDS] = {FALSE};
    for (guint i = 0; i < n; i++) {
        const ShareField *f = &fields[i];
        if (f->name_len == 0 || f->name_len > SHARE_NAME_MAX) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE, "a field name of %zu bytes",
                        f->name_len);
            return FALSE;
        }
        guint k = 0;
        while (k < SHARE_ENTRY_FIELDS && (strlen(field_names[k]) != f->name_len ||
                                          memcmp(field_names[k], f->name, f->name_len) != 0))
            k++;
        if (k == SHARE_ENTRY_FIELDS)
            continue; /* a later version's field */
        if (seen[k])
            return fail(error, field_names[k], "given twice");
        if (f->value_len > field_max[k])
            return fail(error, field_names[k], "too long");
        if (f->value_len > 0 && memchr(f->value, '\0', f->value_len))
            return fail(error, field_names[k], "contains a NUL byte");
        if (f->value_len > 0)
            memcpy(values[k], f->value, f->value_len);
        values[k][f->value_len] = '\0';
        seen[k] = TRUE;
    }
    for (guint k = 0; k < SHARE_ENTRY_FIELDS; k++) {
        if (!seen[k] && k != F_MSG && k != F_REASON)
            return fail(error, field_names[k], "missing");
        if (!seen[k])
            values[k][0] = '\0';
    }

    if (strcmp(values[F_OP], "ban") == 0)
        out->op = SHARE_OP_BAN;
    else if (strcmp(values[F_OP], "unban") == 0)
        out->op = SHARE_OP_UNBAN;
    else
        return fail(error, "op", "neither ban nor unban");

    g_autoptr(GError) perr = NULL;
    if (!ipprefix_parse(values[F_ADDR], &out->prefix, &perr))
        return fail(error, "addr", perr->message);
    if (out->prefix.len == 0)
        return fail(error, "addr", "a zero-length prefix (every address)");

    guint64 expires;
    if (!g_ascii_string_to_unsigned(values[F_EXPIRES], 10, 0, G_MAXINT64 / G_USEC_PER_SEC - 1,
                                    &expires, NULL))
        return fail(error, "expires", "not a Unix time");
    out->expires_s = out->op == SHARE_OP_BAN ? (gint64)expires : 0;

    if (!share_node_is_valid(values[F_NODE]))
        return fail(error, "node", "not a node name ([A-Za-z0-9._-], 1 to 63 bytes)");
    g_strlcpy(out->node, values[F_NODE], sizeof out->node);

    if (!parse_rule(values[F_RULE], out))
        return fail(error, "rule", "not G:S:R");
    if (!text_is_clean(values[F_MSG]))
        return fail(error, "msg", "contains control characters");
    if (!text_is_clean(values[F_REASON]))
        return fail(error, "reason", "contains control characters");
    g_strlcpy(out->msg, values[F_MSG], sizeof out->msg);
    g_strlcpy(out->reason, values[F_REASON], sizeof out->reason);
    return TRUE;
}

/*
 * The outbox form: name NUL value NUL, for each field in order. Texts never hold a NUL (the
 * checks above refuse it), so the split is unambiguous, and decoding goes through the same
 * checks as a peer's entry: a damaged row is refused, not sent.
 */
GBytes *
share_entry_encode(const ShareEntry *e)
{
    g_return_val_if_fail(e != NULL, NULL);
    ShareEntryText text;
    ShareField fields[SHARE_ENTRY_FIELDS];
    guint n = share_entry_fields(e, &text, fields);
    GByteArray *out = g_byte_array_sized_new(256);
    for (guint i = 0; i < n; i++) {
        g_byte_array_append(out, (const guint8 *)fields[i].name, (guint)fields[i].name_len + 1);
        g_byte_array_append(out, (const guint8 *)fields[i].value,
                            (guint)fields[i].value_len + 1);
    }
    return g_byte_array_free_to_bytes(out);
}

gboolean
share_entry_decode(gconstpointer data, gsize len, ShareEntry *out, GError **error)
{
    g_return_val_if_fail(out != NULL, FALSE);
    ShareField fields[SHARE_FIELDS_MAX];
    const char *p = data, *end = p + len;
    guint n = 0;
    if (len == 0 || p[len - 1] != '\0') {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE, "not an encoded entry");
        return FALSE;
    }
    while (p < end) {
        const char *name = p;
        const char *name_end = memchr(p, '\0', (gsize)(end - p));
        if (!name_end || name_end + 1 >= end || n == SHARE_FIELDS_MAX) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE, "not an encoded entry");
            return FALSE;
        }
        const char *value = name_end + 1;
        const char *value_end = memchr(value, '\0', (gsize)(end - value));
        g_assert(value_end != NULL); /* the data ends with a NUL */
        fields[n++] = (ShareField){name, (gsize)(name_end - name), value,
                                   (gsize)(value_end - value)};
        p = value_end + 1;
    }
    return share_entry_from_fields(fields, n, out, error);
}

ShareTime
share_entry_check_time(const ShareEntry *e, gint64 now_s, gint64 max_ban_s)
{
    g_return_val_if_fail(e != NULL, SHARE_TIME_OK);
    if (e->op != SHARE_OP_BAN || e->expires_s == 0)
        return SHARE_TIME_OK;
    if (e->expires_s < now_s - SHARE_CLOCK_SKEW_S)
        return SHARE_TIME_PAST;
    if (e->expires_s <= now_s)
        return SHARE_TIME_EXPIRED;
    if (max_ban_s > 0 && e->expires_s > now_s + max_ban_s + SHARE_CLOCK_SKEW_S)
        return SHARE_TIME_FAR;
    return SHARE_TIME_OK;
}
