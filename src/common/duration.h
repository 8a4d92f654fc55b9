// SPDX-License-Identifier: GPL-2.0-or-later
// Durations as people write them, with one grammar for the configuration and the command
// line, and their exact and short printed forms.
#pragma once

#include <glib.h>

typedef enum {
    DURATION_OK,
    DURATION_BAD,   /* not a duration */
    DURATION_RANGE, /* a duration, but over the caller's maximum */
} DurationResult;

/* Parses text into milliseconds. The grammar: a bare number of seconds ("90"), or one or more
 * terms <digits><unit> with units w, d, h, m, s (and ms when allow_ms), each unit at most
 * once and largest first ("2w", "1h30m", "1m30s", "1500ms"). Nothing else: no sign, no space,
 * no fraction. Values over max_ms are DURATION_RANGE. *out_ms is set only on DURATION_OK. */
DurationResult duration_parse_ms(const char *text, gboolean allow_ms, guint64 max_ms,
                                 guint64 *out_ms);

/* The same in whole seconds (no ms unit). */
DurationResult duration_parse_s(const char *text, guint64 max_s, guint64 *out_s);

/* Longest text either formatter writes, with its NUL. */
#define DURATION_STRLEN 48

/* The exact duration in the grammar above, largest unit first with zero units left out:
 * 90 -> "1m30s", 5400 -> "1h30m", 1209600 -> "2w", 0 -> "0s". Parsing it gives seconds
 * back. Returns buf. */
const char *duration_format_exact(guint64 seconds, char buf[DURATION_STRLEN]);

/* A short, rounded-down form for times left ("45s", "43m", "5h07m", "3d04h"); a negative
 * duration is printed as its magnitude. Returns buf. */
const char *duration_format_short(gint64 seconds, char buf[DURATION_STRLEN]);
