// SPDX-License-Identifier: GPL-2.0-or-later
// Interned, reference-counted strings: a table of many records that repeat a few texts (a
// rule's msg, a ban's reason) holds each text once and a pointer per record.
#include "strpool.h"
#include "strpool_internal.h"

#include <string.h>

/* One interned text: the count, then the bytes. The table's key points at text. */
typedef struct {
    guint refs;
    char text[];
} PoolStr;

struct StrPool {
    GHashTable *strs; /* const char * (PoolStr.text) -> PoolStr * (owned) */
    guint64 refs;
};

static PoolStr *
pool_str_of(const char *text)
{
    return (PoolStr *)(void *)(text - G_STRUCT_OFFSET(PoolStr, text));
}

StrPool *
strpool_new(void)
{
    StrPool *pool = g_new0(StrPool, 1);
    pool->strs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    return pool;
}

void
strpool_free(StrPool *pool)
{
    if (!pool)
        return;
    g_hash_table_unref(pool->strs);
    g_free(pool);
}

const char *
strpool_ref(StrPool *pool, const char *text)
{
    g_return_val_if_fail(pool != NULL, NULL);
    if (!text)
        text = "";
    PoolStr *s = g_hash_table_lookup(pool->strs, text);
    if (!s) {
        gsize len = strlen(text);
        s = g_malloc(sizeof(PoolStr) + len + 1);
        s->refs = 0;
        memcpy(s->text, text, len + 1);
        g_hash_table_insert(pool->strs, s->text, s);
    }
    s->refs++;
    pool->refs++;
    return s->text;
}

void
strpool_unref(StrPool *pool, const char *interned)
{
    g_return_if_fail(pool != NULL && interned != NULL);
    PoolStr *s = pool_str_of(interned);
    g_return_if_fail(g_hash_table_lookup(pool->strs, interned) == s && s->refs > 0);
    pool->refs--;
    if (--s->refs == 0)
        g_hash_table_remove(pool->strs, interned); /* frees s */
}

guint
strpool_size(const StrPool *pool)
{
    return g_hash_table_size(pool->strs);
}

guint64
strpool_refs(const StrPool *pool)
{
    return pool->refs;
}
