// SPDX-License-Identifier: GPL-2.0-or-later
// Reads libipset's "save" output (create and add lines) into set headers and members, so the
// ipset backend can compare what the kernel holds with the bans it wants.
#include "fw_ipset_parse.h"

#include <string.h>
#include <sys/socket.h>

#include "error.h"

#define MAX_TOKENS 32
#define LINE_MAX_BYTES 1024

static gboolean
bad(GError **error, const char *what, const char *line)
{
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE, "ipset save line \"%s\": %s", line,
                what);
    return FALSE;
}

static gboolean
copy_name(char *dst, const char *src)
{
    return g_strlcpy(dst, src, FW_IPSET_NAME_MAX) < FW_IPSET_NAME_MAX;
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

gboolean
fw_ipset_parse_save_line(const char *line, gsize len, FwIpsetLineKind *kind, FwIpsetHeader *header,
                         FwIpsetMember *member, GError **error)
{
    *kind = FW_IPSET_LINE_OTHER;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len >= LINE_MAX_BYTES) {
        g_autofree char *head = g_strndup(line, 64);
        return bad(error, "longer than any line of ours", head);
    }
    /* A NUL would silently end the line early: what the kernel lists never holds one. */
    if (memchr(line, '\0', len)) {
        g_autofree char *head = g_strndup(line, MIN(len, 64));
        return bad(error, "NUL byte in the line", head);
    }
    char buf[LINE_MAX_BYTES];
    memcpy(buf, line, len);
    buf[len] = '\0';
    char copy[LINE_MAX_BYTES];
    memcpy(copy, buf, len + 1);

    char *tok[MAX_TOKENS];
    guint n = 0;
    /* Words are split at any ASCII white space, so a stray \r or \f never ends up inside a
     * set's name or type (and lost when the line's own end is trimmed). */
    static const char space[] = " \t\r\n\v\f";
    for (char *save = NULL, *t = strtok_r(buf, space, &save); t; t = strtok_r(NULL, space, &save)) {
        if (n == MAX_TOKENS)
            return bad(error, "too many words", copy);
        tok[n++] = t;
    }
    if (n == 0)
        return TRUE;

    if (strcmp(tok[0], "create") == 0) {
        if (n < 3)
            return bad(error, "a create line needs a name and a type", copy);
        memset(header, 0, sizeof *header);
        if (!copy_name(header->name, tok[1]) || !copy_name(header->type, tok[2]))
            return bad(error, "name or type too long", copy);
        for (guint i = 3; i < n; i++) {
            const char *val = i + 1 < n ? tok[i + 1] : NULL;
            if (strcmp(tok[i], "family") == 0 && val) {
                if (strcmp(val, "inet") == 0)
                    header->family = AF_INET;
                else if (strcmp(val, "inet6") == 0)
                    header->family = AF_INET6;
                else
                    return bad(error, "unknown family", copy);
                i++;
            } else if (strcmp(tok[i], "timeout") == 0 && val) {
                guint32 t;
                if (!parse_u32(val, &t))
                    return bad(error, "bad timeout", copy);
                header->has_timeout = TRUE;
                i++;
            } else if (strcmp(tok[i], "maxelem") == 0 && val) {
                if (!parse_u32(val, &header->maxelem))
                    return bad(error, "bad maxelem", copy);
                i++;
            }
            /* Other options (hashsize, bucketsize, initval, counters, comment...) do not
             * matter here; those with a value are skipped as words. */
        }
        *kind = FW_IPSET_LINE_CREATE;
        return TRUE;
    }

    if (strcmp(tok[0], "add") == 0) {
        if (n < 3)
            return bad(error, "an add line needs a name and an element", copy);
        memset(member, 0, sizeof *member);
        if (!copy_name(member->name, tok[1]))
            return bad(error, "name too long", copy);
        g_autoptr(GError) err = NULL;
        if (!ipprefix_parse(tok[2], &member->entry.prefix, &err))
            return bad(error, err->message, copy);
        for (guint i = 3; i < n; i++) {
            if (strcmp(tok[i], "timeout") == 0 && i + 1 < n) {
                if (!parse_u32(tok[i + 1], &member->entry.timeout_s))
                    return bad(error, "bad timeout", copy);
                i++;
            } else if (strcmp(tok[i], "nomatch") == 0) {
                member->nomatch = TRUE;
            }
        }
        *kind = FW_IPSET_LINE_ADD;
        return TRUE;
    }
    return TRUE;
}
