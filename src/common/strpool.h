// SPDX-License-Identifier: GPL-2.0-or-later
// Interned, reference-counted strings: a table of many records that repeat a few texts (a
// rule's msg, a ban's reason) holds each text once and a pointer per record.
#pragma once

#include <glib.h>

typedef struct StrPool StrPool;

StrPool *strpool_new(void);
/* Frees the pool and every string in it, whatever their counts. */
void strpool_free(StrPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StrPool, strpool_free)

/* The pool's copy of text (NULL counts as ""), its count raised by one. The pointer stays
 * valid until the matching strpool_unref() of the last reference. */
const char *strpool_ref(StrPool *pool, const char *text);

/* Drops one reference to a string strpool_ref() returned; the last one frees it. */
void strpool_unref(StrPool *pool, const char *interned);
