// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target for the duration parser (configuration values and `ban --for`): what it accepts
// is consistent across maxima and units, and the exact form prints back to the same value.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* parse(format(s)) == s wherever the value fits the parser's millisecond range. */
static void
check_round_trip(guint64 s)
{
    char buf[DURATION_STRLEN];
    const char *text = duration_format_exact(s, buf);
    if (strlen(text) >= DURATION_STRLEN)
        abort();
    guint64 back = 0;
    if (s <= G_MAXUINT64 / 1000) {
        if (duration_parse_s(text, s, &back) != DURATION_OK || back != s)
            abort();
        if (s > 0 && duration_parse_s(text, s - 1, &back) != DURATION_RANGE)
            abort();
    }
    char short_buf[DURATION_STRLEN];
    duration_format_short((gint64)s, short_buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    /* The parser reads C strings: the text is the data up to its first NUL. */
    char *text = g_strndup((const char *)data, size);
    static const guint64 maxima[] = {0, 1000, 316224000000ull, G_MAXUINT64 / 2, G_MAXUINT64};
    for (gsize m = 0; m < G_N_ELEMENTS(maxima); m++) {
        for (int allow_ms = 0; allow_ms < 2; allow_ms++) {
            guint64 ms = 0;
            DurationResult r = duration_parse_ms(text, allow_ms, maxima[m], &ms);
            if (r == DURATION_OK) {
                if (ms > maxima[m])
                    abort();
                /* The value is the least maximum that accepts it. */
                guint64 again = 0;
                if (duration_parse_ms(text, allow_ms, ms, &again) != DURATION_OK || again != ms)
                    abort();
                if (ms > 0 && duration_parse_ms(text, allow_ms, ms - 1, &again) != DURATION_RANGE)
                    abort();
                /* Whole seconds read the same either way; ms is only allowed when asked. */
                guint64 s = 0;
                DurationResult rs = duration_parse_s(text, ms / 1000, &s);
                if (ms % 1000 == 0 && (rs != DURATION_OK || s * 1000 != ms) && !allow_ms)
                    abort();
                if (!allow_ms && ms % 1000 != 0)
                    abort();
                if (ms % 1000 == 0)
                    check_round_trip(ms / 1000);
            } else if (r == DURATION_RANGE) {
                /* Out of range means well formed: a larger maximum accepts it (or the value
                 * is beyond what any maximum can hold). */
                guint64 ms2 = 0;
                if (duration_parse_ms(text, allow_ms, G_MAXUINT64, &ms2) == DURATION_BAD)
                    abort();
            } else if (allow_ms == 0) {
                /* Refused without ms: with ms allowed it is refused too unless it uses ms. */
                guint64 ms2 = 0;
                if (duration_parse_ms(text, TRUE, maxima[m], &ms2) != DURATION_BAD &&
                    !strstr(text, "ms"))
                    abort();
            }
        }
    }
    /* The data's first eight bytes as a value, through the exact form and back. */
    guint64 v = 0;
    memcpy(&v, data, MIN(size, sizeof v));
    check_round_trip(v);
    check_round_trip(v % (3650ull * 86400 + 1));
    g_free(text);
    return 0;
}
