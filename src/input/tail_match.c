// SPDX-License-Identifier: GPL-2.0-or-later
// Pure helpers that decide whether a file is the one a checkpoint or a pattern means.
#include "tail_match.h"

#include <string.h>

#include "error.h"

guint64
tail_fingerprint(const void *data, gsize len)
{
    const guchar *p = data;
    guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325);
    for (gsize i = 0; i < len; i++) {
        h ^= p[i];
        h *= G_GUINT64_CONSTANT(0x100000001b3);
    }
    return h;
}

gboolean
tail_name_is_rotated(const char *base, const char *candidate)
{
    static const char *const compressed[] = {".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z"};
    g_return_val_if_fail(base != NULL && candidate != NULL, FALSE);

    gsize n = strlen(base);
    if (n == 0 || strncmp(candidate, base, n) != 0)
        return FALSE;
    const char *rest = candidate + n;
    if ((rest[0] != '.' && rest[0] != '-' && rest[0] != '_') || !g_ascii_isdigit(rest[1]))
        return FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(compressed); i++) {
        if (g_str_has_suffix(rest, compressed[i]))
            return FALSE;
    }
    return TRUE;
}

static gboolean
has_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

gboolean
tail_pattern_split(const char *pattern, char **dir, char **name, gboolean *is_glob, GError **error)
{
    g_return_val_if_fail(pattern != NULL, FALSE);

    gsize len = strlen(pattern);
    if (len == 0 || pattern[len - 1] == '/') {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "tail: '%s' does not name a file",
                    pattern);
        return FALSE;
    }
    g_autofree char *d = g_path_get_dirname(pattern);
    g_autofree char *b = g_path_get_basename(pattern);
    if (has_glob(d)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "tail: '%s': wildcards are only allowed in the file name", pattern);
        return FALSE;
    }
    *is_glob = has_glob(b);
    *dir = g_steal_pointer(&d);
    *name = g_steal_pointer(&b);
    return TRUE;
}
