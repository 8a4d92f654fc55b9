// SPDX-License-Identifier: GPL-2.0-or-later
// Durations as people write them: one parser for the configuration and the command line, so
// "1h30m" or "2w" means the same everywhere, and the two ways of printing one back.
#include "duration.h"

#include <string.h>

typedef struct {
    const char *suffix;
    guint64 ms;
} Unit;

/* Largest first: a term's unit must come after the previous term's in this table. "ms" is
 * before "m" so that "500ms" is not read as 500 minutes followed by "s". */
static const Unit units[] = {
    {"w", 7 * 86400 * 1000ULL}, {"d", 86400 * 1000ULL}, {"h", 3600 * 1000ULL},
    {"ms", 1},                  {"m", 60 * 1000ULL},    {"s", 1000},
};

/* Order of the units by size, for the "largest first" rule (ms is the smallest). */
static const guint unit_rank[G_N_ELEMENTS(units)] = {0, 1, 2, 5, 3, 4};

/* Reads <digits><unit> at *p. Returns the unit's index, or -1. */
static int
read_term(const char **p, guint64 *count)
{
    const char *q = *p;
    guint64 n = 0;
    if (!g_ascii_isdigit(*q))
        return -1;
    while (g_ascii_isdigit(*q)) {
        if (n > (G_MAXUINT64 - 9) / 10)
            return -1;
        n = n * 10 + (guint64)(*q - '0');
        q++;
    }
    for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
        gsize len = strlen(units[i].suffix);
        if (strncmp(q, units[i].suffix, len) == 0) {
            *p = q + len;
            *count = n;
            return (int)i;
        }
    }
    return -1;
}

DurationResult
duration_parse_ms(const char *text, gboolean allow_ms, guint64 max_ms, guint64 *out_ms)
{
    g_return_val_if_fail(text != NULL && out_ms != NULL, DURATION_BAD);
    gsize digits = strspn(text, "0123456789");
    if (digits > 0 && text[digits] == '\0') {
        /* A bare number: seconds. */
        guint64 n;
        if (digits > 15 || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &n, NULL))
            return DURATION_RANGE;
        if (n > max_ms / 1000)
            return DURATION_RANGE;
        *out_ms = n * 1000;
        return DURATION_OK;
    }
    const char *p = text;
    guint64 total = 0;
    int last_rank = -1;
    gboolean over = FALSE;
    if (!*p)
        return DURATION_BAD;
    while (*p) {
        guint64 n;
        int u = read_term(&p, &n);
        if (u < 0 || (int)unit_rank[u] <= last_rank || (!allow_ms && units[u].ms == 1))
            return DURATION_BAD;
        last_rank = (int)unit_rank[u];
        /* total <= max_ms here, so max_ms - total cannot wrap, and neither can the sum when a
         * maximum near 2^64 lets a term alone come close to it. */
        if (over || n > (max_ms - total) / units[u].ms)
            over = TRUE; /* keep reading: a malformed tail is BAD, not RANGE */
        else
            total += n * units[u].ms;
    }
    if (over)
        return DURATION_RANGE;
    *out_ms = total;
    return DURATION_OK;
}

DurationResult
duration_parse_s(const char *text, guint64 max_s, guint64 *out_s)
{
    guint64 ms;
    guint64 max_ms = max_s > G_MAXUINT64 / 1000 ? G_MAXUINT64 : max_s * 1000;
    DurationResult r = duration_parse_ms(text, FALSE, max_ms, &ms);
    if (r == DURATION_OK)
        *out_s = ms / 1000;
    return r;
}

const char *
duration_format_exact(guint64 seconds, char buf[DURATION_STRLEN])
{
    static const struct {
        char suffix;
        guint64 s;
    } parts[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    if (seconds == 0) {
        g_strlcpy(buf, "0s", DURATION_STRLEN);
        return buf;
    }
    gsize len = 0;
    buf[0] = '\0';
    for (guint i = 0; i < G_N_ELEMENTS(parts); i++) {
        guint64 n = seconds / parts[i].s;
        seconds %= parts[i].s;
        if (n > 0)
            len += (gsize)g_snprintf(buf + len, DURATION_STRLEN - len, "%" G_GUINT64_FORMAT "%c",
                                     n, parts[i].suffix);
    }
    return buf;
}

const char *
duration_format_short(gint64 seconds, char buf[DURATION_STRLEN])
{
    guint64 s = seconds < 0 ? (guint64)0 - (guint64)seconds : (guint64)seconds;
    if (s < 60)
        g_snprintf(buf, DURATION_STRLEN, "%" G_GUINT64_FORMAT "s", s);
    else if (s < 3600)
        g_snprintf(buf, DURATION_STRLEN, "%" G_GUINT64_FORMAT "m", s / 60);
    else if (s < 86400)
        g_snprintf(buf, DURATION_STRLEN, "%" G_GUINT64_FORMAT "h%02" G_GUINT64_FORMAT "m",
                   s / 3600, s % 3600 / 60);
    else
        g_snprintf(buf, DURATION_STRLEN, "%" G_GUINT64_FORMAT "d%02" G_GUINT64_FORMAT "h",
                   s / 86400, s % 86400 / 3600);
    return buf;
}
