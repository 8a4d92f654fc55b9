// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the JSON writer: string escaping (including bytes that are not UTF-8),
// numbers, and the separators between object members and array elements; and for the strict
// reading through jansson: what the protocol refuses that jansson alone would accept.
#include "json.h"

#include <string.h>

#include "error.h"
#include "testutil.h"

typedef struct {
    const char *name;
    const char *input;
    gssize len; /* -1: up to the NUL */
    const char *json;
} StringCase;

static const StringCase string_cases[] = {
    {"plain", "abc", -1, "\"abc\""},
    {"empty", "", -1, "\"\""},
    {"quote-backslash", "a\"b\\c", -1, "\"a\\\"b\\\\c\""},
    {"short-escapes", "\b\f\n\r\t", -1, "\"\\b\\f\\n\\r\\t\""},
    {"control-u00xx", "\x01\x1f", -1, "\"\\u0001\\u001f\""},
    {"del", "\x7f", -1, "\"\\u007f\""},
    {"nul-inside", "a\0b", 3, "\"a\\u0000b\""},
    {"utf8-2-3-4", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", -1,
     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
    {"slash-kept", "a/b", -1, "\"a/b\""},
    {"invalid-lone-continuation", "a\x80z", -1, "\"a\\ufffdz\""},
    {"invalid-lead-ff", "\xff", -1, "\"\\ufffd\""},
    {"invalid-truncated", "\xe2\x82", -1, "\"\\ufffd\\ufffd\""},
    {"invalid-overlong", "\xc0\xaf", -1, "\"\\ufffd\\ufffd\""},
    {"invalid-overlong-3", "\xe0\x80\xaf", -1, "\"\\ufffd\\ufffd\\ufffd\""},
    {"invalid-surrogate", "\xed\xa0\x80", -1, "\"\\ufffd\\ufffd\\ufffd\""},
    {"invalid-above-10ffff", "\xf4\x90\x80\x80", -1, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
    {"max-code-point", "\xf4\x8f\xbf\xbf", -1, "\"\xf4\x8f\xbf\xbf\""},
    {"len-stops-early", "abcdef", 3, "\"abc\""},
};

static void
test_string(gconstpointer data)
{
    const StringCase *c = data;
    g_autoptr(GString) out = g_string_new(NULL);
    json_append_string(out, c->input, c->len);
    g_assert_cmpstr(out->str, ==, c->json);
    g_assert_true(g_utf8_validate(out->str, (gssize)out->len, NULL));
}

static void
test_string_null(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    json_append_string(out, NULL, -1);
    g_assert_cmpstr(out->str, ==, "null");
}

/* Every byte value, alone: the output is valid UTF-8 and has no raw control characters. */
static void
test_string_every_byte(void)
{
    for (int b = 0; b < 256; b++) {
        char in[1] = {(char)b};
        g_autoptr(GString) out = g_string_new(NULL);
        json_append_string(out, in, 1);
        g_assert_true(g_utf8_validate(out->str, (gssize)out->len, NULL));
        for (gsize i = 0; i < out->len; i++)
            g_assert_cmpint((guchar)out->str[i], >=, 0x20);
        g_assert_cmpint(out->str[0], ==, '"');
        g_assert_cmpint(out->str[out->len - 1], ==, '"');
    }
}

static void
test_numbers(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    JsonWriter w;
    json_writer_init(&w, out);
    json_array_begin(&w, NULL);
    const gint64 ints[] = {0, 1, -1, 42, G_MININT64, G_MAXINT64};
    for (gsize i = 0; i < G_N_ELEMENTS(ints); i++)
        json_add_int(&w, NULL, ints[i]);
    json_add_uint(&w, NULL, G_MAXUINT64);
    json_add_bool(&w, NULL, TRUE);
    json_add_bool(&w, NULL, FALSE);
    json_add_null(&w, NULL);
    json_array_end(&w);
    g_assert_cmpstr(out->str, ==,
                    "[0,1,-1,42,-9223372036854775808,9223372036854775807,"
                    "18446744073709551615,true,false,null]");
}

/* The cursor form: reserve, write, commit; what is committed is exactly what was written. */
static void
test_cursor(void)
{
    g_autoptr(GString) out = g_string_new("x");
    const guint64 nums[] = {0, 9, 10, 65535, G_MAXUINT64};
    gsize bound = 64 + G_N_ELEMENTS(nums) * (JSON_UINT_BOUND + 1) + JSON_STRING_BOUND(3);
    char *d = json_reserve(out, bound);
    d = JSON_WRITE_LIT(d, "{\"n\":[");
    for (gsize i = 0; i < G_N_ELEMENTS(nums); i++) {
        if (i)
            *d++ = ',';
        d = json_write_uint(d, nums[i]);
    }
    d = JSON_WRITE_LIT(d, "],\"p\":");
    d = json_write_plain_string(d, "11/22-10:00:00.000001");
    d = JSON_WRITE_LIT(d, ",\"e\":");
    d = json_write_plain_string(d, "");
    d = JSON_WRITE_LIT(d, ",\"s\":");
    d = json_write_string(d, "a\"\n", 3);
    d = json_write_raw(d, "}", 1);
    json_commit(out, d);
    g_assert_cmpstr(out->str, ==,
                    "x{\"n\":[0,9,10,65535,18446744073709551615],"
                    "\"p\":\"11/22-10:00:00.000001\",\"e\":\"\",\"s\":\"a\\\"\\n\"}");
    g_assert_cmpuint(out->len, ==, strlen(out->str));
}

static void
test_object(void)
{
    g_autoptr(GString) out = g_string_new("prefix ");
    JsonWriter w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    json_add_int(&w, "a", 1);
    json_object_begin(&w, "b\"");
    json_object_end(&w);
    json_array_begin(&w, "c");
    json_object_begin(&w, NULL);
    json_add_null(&w, "d");
    json_object_end(&w);
    json_array_begin(&w, NULL);
    json_array_end(&w);
    json_array_end(&w);
    json_object_end(&w);
    g_assert_cmpstr(out->str, ==, "prefix {\"a\":1,\"b\\\"\":{},\"c\":[{\"d\":null},[]]}");
}

/* ---- reader ------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *text;
    gsize len;           /* 0: strlen */
    const char *message; /* NULL: accepted; else a glob the error must match */
} ReadCase;

/* Deep inside a reply as well as at the top: the checks walk the whole value. */
static const ReadCase read_cases[] = {
    {"ints", "{\"a\":[0,-0,9223372036854775807,-9223372036854775808]}", 0, NULL},
    {"real-deep", "{\"a\":[{\"b\":[1,2.5]}]}", 0, "invalid JSON: only integers are accepted"},
    {"real-1.0", "[1.0]", 0, "invalid JSON: only integers are accepted"},
    {"real-1e3", "{\"a\":1e3}", 0, "invalid JSON: only integers are accepted"},
    {"real-neg-exp", "[-1E-2]", 0, "invalid JSON: only integers are accepted"},
    {"int-2p63", "[9223372036854775808]", 0, "invalid JSON at byte *: too big integer*"},
    {"int-huge-neg", "[-92233720368547758080]", 0, "*too big negative integer*"},
    {"dup-nested", "[{\"a\":1,\"b\":{\"c\":1,\"c\":1}}]", 0, "*duplicate object key*"},
    {"nul-escape-deep", "[[\"a\\u0000\"]]", 0, "*\\u0000 is not allowed*"},
    {"nul-raw", "[\"a\0b\"]", 6, "*control character 0x0*"},
    {"nul-after", "[1]\0", 4, "*end of file expected*"},
    {"bad-utf8", "[\"\xff\"]", 0, "*unable to decode byte 0xff*"},
    {"surrogate-utf8", "[\"\xed\xa0\x80\"]", 0, "*unable to decode byte 0xed*"},
    {"pair-ok", "[\"\\ud83d\\ude00\"]", 0, NULL},
    {"trailing", "{} []", 0, "*end of file expected*"},
    {"scalar-top", "7", 0, NULL},
    /* The error quotes the input near it: only printable ASCII reaches the message. */
    {"quoted-safe", "[\x01\x7f]", 0, "invalid JSON at byte 2: invalid token near '?'"},
};

static void
test_read(gconstpointer data)
{
    const ReadCase *c = data;
    gsize len = c->len ? c->len : strlen(c->text);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) v = json_parse(c->text, len, JSON_DEPTH_MAX, &error);
    if (!c->message) {
        g_assert_no_error(error);
        g_assert_nonnull(v);
        return;
    }
    g_assert_null(v);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO);
    if (!g_pattern_match_simple(c->message, error->message))
        g_error("error \"%s\" does not match \"%s\"", error->message, c->message);
}

static void
test_read_values(void)
{
    const char *text = "{\"n\":-9223372036854775808,\"z\":-0,\"s\":\"caf\\u00e9\",\"t\":true,"
                       "\"o\":{\"k\":1},\"x\":null}";
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) v = json_parse(text, strlen(text), 2, &error);
    g_assert_no_error(error);
    g_assert_cmpint(json_get_int(v, "n", 0), ==, G_MININT64);
    g_assert_cmpint(json_get_int(v, "z", 7), ==, 0);
    g_assert_cmpstr(json_get_string(v, "s"), ==, "caf\xc3\xa9");
    g_assert_true(json_get_bool(v, "t", FALSE));
    g_assert_cmpint(json_get_int(json_get(v, "o"), "k", 0), ==, 1);
    /* Absent, wrong type, or not an object at all: the default. */
    g_assert_cmpint(json_get_int(v, "s", 7), ==, 7);
    g_assert_true(json_get_bool(v, "x", TRUE));
    g_assert_null(json_get_string(NULL, "s"));
    g_assert_null(json_get(json_get(v, "s"), "k"));
    /* max_depth 1 refuses the nested object. */
    g_autoptr(json_t) flat = json_parse(text, strlen(text), 1, &error);
    g_assert_null(flat);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(string_cases); i++) {
        g_autofree char *p = g_strdup_printf("/json/append_string/%s", string_cases[i].name);
        g_test_add_data_func(p, &string_cases[i], test_string);
    }
    g_test_add_func("/json/append_string/null", test_string_null);
    g_test_add_func("/json/append_string/every-byte", test_string_every_byte);
    g_test_add_func("/json/numbers", test_numbers);
    g_test_add_func("/json/cursor", test_cursor);
    g_test_add_func("/json/object", test_object);
    for (gsize i = 0; i < G_N_ELEMENTS(read_cases); i++) {
        g_autofree char *p = g_strdup_printf("/json/parse/%s", read_cases[i].name);
        g_test_add_data_func(p, &read_cases[i], test_read);
    }
    g_test_add_func("/json/parse/values", test_read_values);
    return g_test_run();
}
