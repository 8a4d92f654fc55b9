// SPDX-License-Identifier: GPL-2.0-or-later
// JSON for the whole project: the one string escaper (and its low-level cursor form), a writer
// that tracks nesting, and the strict reading (jansson's) the control protocol's requests and
// replies go through.
#pragma once

#include <glib.h>
#include <jansson.h>
#include <string.h>

/* Appends s (len bytes, or up to its NUL when len < 0) as a quoted JSON string. Quote,
 * backslash and control characters are escaped (\n, \t, ..., else \u00XX, and DEL as
 * \u007f); bytes that are not valid UTF-8 become U+FFFD, so the output is always valid UTF-8
 * JSON whatever the input. A NULL s appends null. */
void json_append_string(GString *out, const char *s, gssize len);

/* Low-level form for writers that format many values at once (one alert per line, a million
 * lines a second): reserve room in the GString, write with a cursor, commit the end.
 *
 *   char *p = json_reserve(out, bound);   ... p = json_write_string(p, s, n); ...
 *   json_commit(out, p);
 *
 * bound must cover everything written before the commit; JSON_STRING_BOUND(n) is the most
 * json_write_string() writes for n input bytes, JSON_UINT_BOUND the most for a number. */
#define JSON_STRING_BOUND(n) ((gsize)(n)*6 + 2)
#define JSON_UINT_BOUND 21

char *json_reserve(GString *out, gsize bound);
void json_commit(GString *out, char *end);
/* The escaping itself (json_append_string() calls it): writes "s" at dst, returns the end. */
char *json_write_string(char *dst, const char *s, gsize len);
char *json_write_uint(char *dst, guint64 v);

/* Copies len bytes as they are (punctuation, literals, text already made safe). Inline, so a
 * literal's copy is a few moves. */
static inline char *
json_write_raw(char *dst, const char *s, gsize len)
{
    memcpy(dst, s, len);
    return dst + len;
}
#define JSON_WRITE_LIT(dst, lit) json_write_raw((dst), (lit), sizeof(lit) - 1)

/* Writes s in quotes without escaping: only for text the caller built from a character set
 * that needs none (digits, letters, punctuation other than quote and backslash). */
static inline char *
json_write_plain_string(char *dst, const char *s)
{
    gsize n = strlen(s);
    *dst++ = '"';
    memcpy(dst, s, n);
    dst += n;
    *dst++ = '"';
    return dst;
}

/* ---- writer ---------------------------------------------------------------------------
 * The writer every JSON output goes through. It tracks nesting, so each value is one call
 * that writes its separator and key: key is NULL for array items and the top value. Strings
 * go through json_append_string(), so hostile text from logs or peers cannot break the
 * framing: the output never contains a raw newline. */

#define JSON_DEPTH_MAX 32

typedef struct {
    GString *out;
    guint depth;
    guint32 has_member; /* bit d: the container at depth d already has a member */
} JsonWriter;

void json_writer_init(JsonWriter *w, GString *out);
void json_object_begin(JsonWriter *w, const char *key);
void json_object_end(JsonWriter *w);
void json_array_begin(JsonWriter *w, const char *key);
void json_array_end(JsonWriter *w);
/* value NULL writes null. */
void json_add_string(JsonWriter *w, const char *key, const char *value);
void json_add_string_len(JsonWriter *w, const char *key, const char *value, gsize len);
void json_add_int(JsonWriter *w, const char *key, gint64 value);
void json_add_uint(JsonWriter *w, const char *key, guint64 value);
void json_add_bool(JsonWriter *w, const char *key, gboolean value);
void json_add_null(JsonWriter *w, const char *key);

/* ---- reader ---------------------------------------------------------------------------
 * Reading is jansson's, with the strictness the control protocol needs. jansson itself refuses
 * duplicate keys (JSON_REJECT_DUPLICATES), NUL characters raw or as \u0000 (no JSON_ALLOW_NUL),
 * invalid UTF-8 and lone surrogates, leading zeros, integers outside gint64 and trailing data
 * (its end-of-input check stays on). json_parse() adds what jansson accepts but the protocol
 * does not: non-integer numbers (1.5, 1.0 and 1e3 alike) and nesting beyond max_depth. */

G_STATIC_ASSERT(sizeof(json_int_t) == sizeof(gint64));
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)

/* Parses exactly one JSON value filling text[0..len) (whitespace around it allowed).
 * max_depth counts containers (at most JSON_DEPTH_MAX): 1 allows a flat object. Returns a new
 * reference or NULL with a PROTO error. */
json_t *json_parse(const char *text, gsize len, guint max_depth, GError **error);

/* The member named key of an object, or NULL (also when v is NULL or not an object). */
json_t *json_get(const json_t *v, const char *key);
/* Typed getters: the member's value, or NULL / def when absent or of another type. */
const char *json_get_string(const json_t *v, const char *key);
gint64 json_get_int(const json_t *v, const char *key, gint64 def);
gboolean json_get_bool(const json_t *v, const char *key, gboolean def);
