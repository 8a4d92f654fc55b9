// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for duration: the one grammar of the configuration and the command line, and
// the exact and short printed forms.
#include "duration.h"

#include <string.h>

typedef struct {
    const char *text;
    gboolean allow_ms;
    DurationResult result;
    guint64 ms;
} ParseCase;

#define MAX_MS (3650ULL * 86400 * 1000)

static const ParseCase parse_cases[] = {
    {"90", FALSE, DURATION_OK, 90000},
    {"0", FALSE, DURATION_OK, 0},
    {"45s", FALSE, DURATION_OK, 45000},
    {"10m", FALSE, DURATION_OK, 600000},
    {"1h30m", FALSE, DURATION_OK, 5400000},
    {"1m30s", FALSE, DURATION_OK, 90000},
    {"2w", FALSE, DURATION_OK, 1209600000},
    {"1w2d3h4m5s", FALSE, DURATION_OK, (9 * 86400ULL + 3 * 3600 + 4 * 60 + 5) * 1000},
    {"1500ms", TRUE, DURATION_OK, 1500},
    {"1s500ms", TRUE, DURATION_OK, 1500},
    {"1500ms", FALSE, DURATION_BAD, 0},
    {"3650d", FALSE, DURATION_OK, MAX_MS},
    {"3651d", FALSE, DURATION_RANGE, 0},
    {"522w", FALSE, DURATION_RANGE, 0},
    {"99999999999999999999", FALSE, DURATION_RANGE, 0},
    {"99999999999999999999s", FALSE, DURATION_BAD, 0},
    {"3651d x", FALSE, DURATION_BAD, 0},
    {"", FALSE, DURATION_BAD, 0},
    {"s", FALSE, DURATION_BAD, 0},
    {"1h30", FALSE, DURATION_BAD, 0},
    {"30m1h", FALSE, DURATION_BAD, 0},
    {"1m1m", FALSE, DURATION_BAD, 0},
    {"1.5h", FALSE, DURATION_BAD, 0},
    {"+5", FALSE, DURATION_BAD, 0},
    {"-5m", FALSE, DURATION_BAD, 0},
    {" 5m", FALSE, DURATION_BAD, 0},
    {"5m ", FALSE, DURATION_BAD, 0},
    {"5 m", FALSE, DURATION_BAD, 0},
    {"5M", FALSE, DURATION_BAD, 0},
    {"10x", FALSE, DURATION_BAD, 0},
};

/* Found by fuzz-duration: with a maximum near 2^64 the sum of the terms wrapped around, so
 * "1h" plus nearly 2^64 ms was accepted as a few minutes. */
static void
test_parse_no_wrap(void)
{
    guint64 ms = 424242;
    g_assert_cmpint(duration_parse_ms("1h18446744073709551165ms", TRUE, G_MAXUINT64, &ms), ==,
                    DURATION_RANGE);
    g_assert_cmpuint(ms, ==, 424242);
    g_assert_cmpint(duration_parse_ms("1ms18446744073709551614ms", TRUE, G_MAXUINT64, &ms), ==,
                    DURATION_BAD);
    g_assert_cmpint(duration_parse_ms("1s18446744073709550615ms", TRUE, G_MAXUINT64, &ms), ==,
                    DURATION_OK);
    g_assert_cmpuint(ms, ==, G_MAXUINT64);
    g_assert_cmpint(duration_parse_ms("1s18446744073709550616ms", TRUE, G_MAXUINT64, &ms), ==,
                    DURATION_RANGE);
    guint64 s = 0;
    g_assert_cmpint(duration_parse_s("2w18446744073708342s", G_MAXUINT64, &s), ==, DURATION_RANGE);
}

static void
test_parse(gconstpointer data)
{
    const ParseCase *c = data;
    guint64 ms = 424242;
    g_assert_cmpint(duration_parse_ms(c->text, c->allow_ms, MAX_MS, &ms), ==, c->result);
    g_assert_cmpuint(ms, ==, c->result == DURATION_OK ? c->ms : 424242);
}

/* What is printed exactly parses back to the same number, for every unit boundary. */
static void
test_exact_roundtrip(void)
{
    static const struct {
        guint64 s;
        const char *text;
    } cases[] = {
        {0, "0s"},          {1, "1s"},        {59, "59s"},      {60, "1m"},
        {90, "1m30s"},      {3600, "1h"},     {5400, "1h30m"},  {86400, "1d"},
        {604800, "1w"},     {1209600, "2w"},  {694861, "1w1d1h1m1s"},
        {315360000, "521w3d"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char buf[DURATION_STRLEN];
        g_assert_cmpstr(duration_format_exact(cases[i].s, buf), ==, cases[i].text);
        guint64 back = 0;
        g_assert_cmpint(duration_parse_s(buf, 3650 * 86400ULL, &back), ==, DURATION_OK);
        g_assert_cmpuint(back, ==, cases[i].s);
    }
    for (guint64 s = 0; s < 200000; s += 997) {
        char buf[DURATION_STRLEN];
        guint64 back = 0;
        g_assert_cmpint(duration_parse_s(duration_format_exact(s, buf), G_MAXUINT64, &back), ==,
                        DURATION_OK);
        g_assert_cmpuint(back, ==, s);
    }
    char buf[DURATION_STRLEN];
    g_assert_cmpuint(strlen(duration_format_exact(G_MAXUINT64, buf)), <, DURATION_STRLEN);
}

static void
test_short(void)
{
    static const struct {
        gint64 s;
        const char *text;
    } cases[] = {
        {0, "0s"},          {59, "59s"},        {60, "1m"},         {2599, "43m"},
        {3600, "1h00m"},    {18420, "5h07m"},   {86399, "23h59m"},  {86400, "1d00h"},
        {273600, "3d04h"},  {-2599, "43m"},     {G_MININT64, "106751991167300d15h"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char buf[DURATION_STRLEN];
        g_assert_cmpstr(duration_format_short(cases[i].s, buf), ==, cases[i].text);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
        g_autofree char *p = g_strdup_printf("/duration/parse/%" G_GSIZE_FORMAT "-%s", i,
                                             parse_cases[i].text);
        g_test_add_data_func(p, &parse_cases[i], test_parse);
    }
    g_test_add_func("/duration/parse/no-wrap", test_parse_no_wrap);
    g_test_add_func("/duration/format/exact-roundtrip", test_exact_roundtrip);
    g_test_add_func("/duration/format/short", test_short);
    return g_test_run();
}
