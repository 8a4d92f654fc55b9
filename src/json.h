// SPDX-License-Identifier: GPL-2.0-or-later
// A small JSON writer on GString: the one place strings are escaped for JSON output.
#pragma once

#include <glib.h>

/* Appends s (len bytes, or up to its NUL when len < 0) as a quoted JSON string. Quote,
 * backslash and control characters are escaped (\n, \t, ..., else \u00XX, and DEL as
 * \u007f); bytes that are not valid UTF-8 become U+FFFD, so the output is always valid UTF-8
 * JSON whatever the input. A NULL s appends null. */
void json_append_string(GString *out, const char *s, gssize len);

void json_append_null(GString *out);
void json_append_int(GString *out, gint64 v);
void json_append_uint(GString *out, guint64 v);
void json_append_bool(GString *out, gboolean v);

/* Objects and arrays. json_append_key() writes the separating comma when the object already
 * has a member, then "key": (key is trusted ASCII but is escaped anyway). For arrays,
 * json_next_element() writes the comma before every element but the first. */
void json_begin_object(GString *out);
void json_end_object(GString *out);
void json_append_key(GString *out, const char *key);
void json_begin_array(GString *out);
void json_end_array(GString *out);
void json_next_element(GString *out);

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
char *json_write_int(char *dst, gint64 v);
