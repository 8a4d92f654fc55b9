// SPDX-License-Identifier: GPL-2.0-or-later
// Pure helpers that decide whether a file is the one a checkpoint or a pattern means: the
// fingerprint hash, rotated-name matching and pattern splitting.
#pragma once

#include <glib.h>

/* 64-bit FNV-1a of len bytes: the fingerprint of the bytes before a checkpoint's offset. */
guint64 tail_fingerprint(const void *data, gsize len);

/* TRUE when candidate is a name logrotate, Snort or a sensor gives base when rotating it:
 * base.N, base.<epoch>, base-YYYYMMDD[...], base_YYYY..., base.YYYY-MM-DD...; i.e. base then
 * '.', '-' or '_' then a digit. Compressed copies (.gz .bz2 .xz .zst .lz4 .Z) are not, since
 * they cannot be read as text. */
gboolean tail_name_is_rotated(const char *base, const char *candidate);

/* Splits a pattern into its directory (literal, "." when there is none) and last component,
 * which may be a glob; is_glob tells whether it contains * ? or [. FALSE with
 * ALERTBAN_ERROR_CONFIG for an empty pattern, one ending in '/', or a glob in the directory. */
gboolean tail_pattern_split(const char *pattern, char **dir, char **name, gboolean *is_glob,
                            GError **error);
