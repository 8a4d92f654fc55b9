// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the line splitter and the file-matching helpers the tailer is built on.
#include "tail_lines.h"

#include <string.h>

#include "error.h"
#include "tail_match.h"
#include "testutil.h"

/* ---- splitter ------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    gsize line_max;
    gboolean skip_partial;
    const char *const pieces[8]; /* fed one after another */
    const char *expect;          /* delivered lines as "line@end_offset|..." */
    guint64 dropped;
    gsize held; /* bytes held at the end */
} SplitCase;

static const SplitCase split_cases[] = {
    {"simple", 100, FALSE, {"a\nbb\n"}, "a@2|bb@5|", 0, 0},
    {"split-line", 100, FALSE, {"ab", "c", "d\ne", "f\n"}, "abcd@5|ef@8|", 0, 0},
    {"partial-held", 100, FALSE, {"x\npart"}, "x@2|", 0, 4},
    {"empty-lines", 100, FALSE, {"\n\na\n"}, "@1|@2|a@4|", 0, 0},
    {"newline-alone", 100, FALSE, {"abc", "\n"}, "abc@4|", 0, 0},
    {"exactly-max", 4, FALSE, {"abcd\nabcde\nx\n"}, "abcd@5|x@13|", 1, 0},
    {"exactly-max-split", 4, FALSE, {"ab", "cd", "\n"}, "abcd@5|", 0, 0},
    {"overlong-in-one", 4, FALSE, {"a\n0123456789\nb\n"}, "a@2|b@15|", 1, 0},
    {"overlong-arriving", 4, FALSE, {"012", "34", "56", "78\nok\n"}, "ok@13|", 1, 0},
    {"overlong-no-newline-yet", 4, FALSE, {"0123", "456789"}, "", 1, 0},
    {"overlong-twice", 3, FALSE, {"abcd\nefgh\nij\n"}, "ij@13|", 2, 0},
    {"skip-partial", 100, TRUE, {"tail of old\nnew\n"}, "new@16|", 0, 0},
    {"skip-partial-split", 100, TRUE, {"tail", " of old", "\nnew\n"}, "new@16|", 0, 0},
    {"crlf-kept", 100, FALSE, {"a\r\n"}, "a\r@3|", 0, 0},
};

static void
collect(const char *line, gsize len, guint64 end_offset, gpointer user_data)
{
    GString *out = user_data;
    g_assert_null(memchr(line, '\n', len));
    g_string_append_len(out, line, (gssize)len);
    g_string_append_printf(out, "@%" G_GUINT64_FORMAT "|", end_offset);
}

static void
test_split(gconstpointer data)
{
    const SplitCase *c = data;
    TailLines l;
    g_autoptr(GString) out = g_string_new(NULL);
    guint64 total = 0, fed = 0;

    tail_lines_init(&l, c->line_max, 0, c->skip_partial);
    for (guint i = 0; i < G_N_ELEMENTS(c->pieces) && c->pieces[i]; i++) {
        total += tail_lines_feed(&l, c->pieces[i], strlen(c->pieces[i]), collect, out);
        fed += strlen(c->pieces[i]);
        g_assert_cmpuint(l.held_len, <=, c->line_max);
    }
    g_assert_cmpstr(out->str, ==, c->expect);
    g_assert_cmpuint(l.dropped, ==, c->dropped);
    g_assert_cmpuint(l.held_len, ==, c->held);
    g_assert_cmpuint(l.offset, ==, fed);
    /* delivered is the end of the last complete (or skipped) line */
    guint64 lines = 0;
    for (const char *p = out->str; (p = strchr(p, '|')); p++)
        lines++;
    g_assert_cmpuint(total, ==, lines);
    tail_lines_clear(&l);
}

/* Every way of cutting a stream into two pieces gives the same lines. */
static void
test_split_every_cut(void)
{
    const char *stream = "first line\n\nsecond\n0123456789abcdef\nthird\npartial";
    gsize n = strlen(stream);
    g_autoptr(GString) want = g_string_new(NULL);
    TailLines l;

    tail_lines_init(&l, 10, 0, FALSE);
    tail_lines_feed(&l, stream, n, collect, want);
    tail_lines_clear(&l);
    g_assert_cmpstr(want->str, ==, "first line@11|@12|second@19|third@42|");

    for (gsize cut = 0; cut <= n; cut++) {
        g_autoptr(GString) got = g_string_new(NULL);
        tail_lines_init(&l, 10, 0, FALSE);
        tail_lines_feed(&l, stream, cut, collect, got);
        tail_lines_feed(&l, stream + cut, n - cut, collect, got);
        g_assert_cmpstr(got->str, ==, want->str);
        g_assert_cmpuint(l.dropped, ==, 1);
        g_assert_cmpuint(l.held_len, ==, 7);
        g_assert_cmpuint(l.delivered, ==, 42);
        tail_lines_clear(&l);
    }
}

static void
test_reset(void)
{
    TailLines l;
    g_autoptr(GString) out = g_string_new(NULL);
    tail_lines_init(&l, 100, 50, FALSE);
    tail_lines_feed(&l, "a\nhalf", 6, collect, out);
    tail_lines_reset(&l, 0);
    tail_lines_feed(&l, "b\n", 2, collect, out);
    g_assert_cmpstr(out->str, ==, "a@52|b@2|");
    tail_lines_clear(&l);
}

/* ---- fingerprint, rotated names, patterns ------------------------------------------- */

static void
test_fingerprint(void)
{
    /* FNV-1a 64 reference values */
    g_assert_cmpuint(tail_fingerprint("", 0), ==, G_GUINT64_CONSTANT(0xcbf29ce484222325));
    g_assert_cmpuint(tail_fingerprint("a", 1), ==, G_GUINT64_CONSTANT(0xaf63dc4c8601ec8c));
    g_assert_cmpuint(tail_fingerprint("foobar", 6), ==, G_GUINT64_CONSTANT(0x85944171f73967e8));
    g_assert_cmpuint(tail_fingerprint("ab", 2), !=, tail_fingerprint("ba", 2));
}

typedef struct {
    const char *base;
    const char *candidate;
    gboolean rotated;
} RotCase;

static const RotCase rot_cases[] = {
    {"alert", "alert.1", TRUE},
    {"alert", "alert.12", TRUE},
    {"alert_fast.txt", "alert_fast.txt.1700000000", TRUE},
    {"fast.log", "fast.log-20261122", TRUE},
    {"fast.log", "fast.log-2026112213", TRUE},
    {"fast.log", "fast.log_2026-11-22", TRUE},
    {"fast.log", "fast.log.2026-11-22", TRUE},
    {"alert", "alert.1.gz", FALSE},
    {"alert", "alert-20261122.xz", FALSE},
    {"alert", "alert", FALSE},
    {"alert", "alert.", FALSE},
    {"alert", "alert.old", FALSE},
    {"alert", "alerts.1", FALSE},
    {"alert", "other.1", FALSE},
    {"alert", "xalert.1", FALSE},
    {"0_alert_fast.txt", "1_alert_fast.txt", FALSE},
};

static void
test_rotated(gconstpointer data)
{
    const RotCase *c = data;
    g_assert_cmpint(tail_name_is_rotated(c->base, c->candidate), ==, c->rotated);
}

typedef struct {
    const char *pattern;
    const char *dir; /* NULL: error */
    const char *name;
    gboolean is_glob;
} PatCase;

static const PatCase pat_cases[] = {
    {"/var/log/snort/alert", "/var/log/snort", "alert", FALSE},
    {"/var/log/snort/*_alert_fast.txt", "/var/log/snort", "*_alert_fast.txt", TRUE},
    {"/var/log/fast.log.[0-9]", "/var/log", "fast.log.[0-9]", TRUE},
    {"alert", ".", "alert", FALSE},
    {"logs/a?", "logs", "a?", TRUE},
    {"", NULL, NULL, FALSE},
    {"/var/log/", NULL, NULL, FALSE},
    {"/var/*/alert", NULL, NULL, FALSE},
};

static void
test_pattern(gconstpointer data)
{
    const PatCase *c = data;
    g_autofree char *dir = NULL, *name = NULL;
    gboolean is_glob = FALSE;
    g_autoptr(GError) error = NULL;
    gboolean ok = tail_pattern_split(c->pattern, &dir, &name, &is_glob, &error);
    if (!c->dir) {
        g_assert_false(ok);
        g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
        return;
    }
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpstr(dir, ==, c->dir);
    g_assert_cmpstr(name, ==, c->name);
    g_assert_cmpint(is_glob, ==, c->is_glob);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(split_cases); i++) {
        g_autofree char *p = g_strdup_printf("/tail-lines/feed/%s", split_cases[i].name);
        g_test_add_data_func(p, &split_cases[i], test_split);
    }
    g_test_add_func("/tail-lines/feed/every-cut", test_split_every_cut);
    g_test_add_func("/tail-lines/reset/truncation", test_reset);
    g_test_add_func("/tail-match/fingerprint/fnv1a", test_fingerprint);
    for (gsize i = 0; i < G_N_ELEMENTS(rot_cases); i++) {
        g_autofree char *p = g_strdup_printf("/tail-match/name-is-rotated/%s/%s", rot_cases[i].base,
                                             rot_cases[i].candidate);
        g_test_add_data_func(p, &rot_cases[i], test_rotated);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(pat_cases); i++) {
        g_autofree char *p = g_strdup_printf("/tail-match/pattern-split/%" G_GSIZE_FORMAT, i);
        g_test_add_data_func(p, &pat_cases[i], test_pattern);
    }
    return g_test_run();
}
