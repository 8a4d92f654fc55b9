// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the interned string pool: one copy per text, counted references, the last
// unref freeing it.
#include "strpool.h"
#include "strpool_internal.h"

#include <string.h>

#include "testutil.h"

/* A script of refs ("+text") and unrefs ("-text") with the pool's size and reference count
 * expected after each step. NULL text stands for a NULL argument to strpool_ref(). */
typedef struct {
    char op; /* '+' or '-' */
    const char *text;
    guint size;
    guint64 refs;
} PoolStep;

typedef struct {
    const char *name;
    const PoolStep *steps;
    guint n_steps;
} PoolCase;

static const PoolStep steps_dedup[] = {
    {'+', "ET SCAN", 1, 1}, {'+', "ET SCAN", 1, 2}, {'+', "threshold", 2, 3},
    {'-', "ET SCAN", 2, 2}, {'-', "ET SCAN", 1, 1}, {'-', "threshold", 0, 0},
};
static const PoolStep steps_null_is_empty[] = {
    {'+', NULL, 1, 1}, {'+', "", 1, 2}, {'-', "", 1, 1}, {'-', "", 0, 0},
};
static const PoolStep steps_reuse_after_free[] = {
    {'+', "a", 1, 1}, {'-', "a", 0, 0}, {'+', "a", 1, 1}, {'+', "b", 2, 2}, {'-', "a", 1, 1},
};
static const PoolStep steps_case_matters[] = {
    {'+', "Manual", 1, 1}, {'+', "manual", 2, 2}, {'+', "manual ", 3, 3},
};

static const PoolCase pool_cases[] = {
    {"dedup", steps_dedup, G_N_ELEMENTS(steps_dedup)},
    {"null-is-empty", steps_null_is_empty, G_N_ELEMENTS(steps_null_is_empty)},
    {"reuse-after-free", steps_reuse_after_free, G_N_ELEMENTS(steps_reuse_after_free)},
    {"case-and-space-matter", steps_case_matters, G_N_ELEMENTS(steps_case_matters)},
};

static void
test_pool_script(gconstpointer data)
{
    const PoolCase *c = data;
    g_autoptr(StrPool) pool = strpool_new();
    /* What each text is interned as, to unref the pool's pointer and check identity. */
    g_autoptr(GHashTable) held = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < c->n_steps; i++) {
        const PoolStep *s = &c->steps[i];
        const char *key = s->text ? s->text : "";
        if (s->op == '+') {
            /* A copy of the caller's text: the pool must not keep the argument. */
            g_autofree char *arg = s->text ? g_strdup(s->text) : NULL;
            const char *got = strpool_ref(pool, arg);
            g_assert_cmpstr(got, ==, key);
            g_assert_true(got != arg);
            const char *before = g_hash_table_lookup(held, key);
            if (before)
                g_assert_true(got == before); /* one copy per text */
            g_hash_table_insert(held, (gpointer)key, (gpointer)got);
            g_hash_table_insert(counts, (gpointer)key,
                                GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(counts, key)) + 1));
        } else {
            const char *got = g_hash_table_lookup(held, key);
            g_assert_nonnull(got);
            strpool_unref(pool, got);
            guint left = GPOINTER_TO_UINT(g_hash_table_lookup(counts, key)) - 1;
            g_hash_table_insert(counts, (gpointer)key, GUINT_TO_POINTER(left));
            if (left == 0)
                g_hash_table_remove(held, key); /* freed: the next ref is a new copy */
        }
        g_assert_cmpuint(strpool_size(pool), ==, s->size);
        g_assert_cmpuint(strpool_refs(pool), ==, s->refs);
    }
}

/* Many records sharing few texts: the pool holds the distinct texts only, and emptying it
 * reference by reference leaves nothing (ASan sees any leak or double free). */
static void
test_pool_many(void)
{
    g_autoptr(StrPool) pool = strpool_new();
    enum { N = 10000, DISTINCT = 7 };
    g_autofree const char **refs = g_new(const char *, N);
    for (guint i = 0; i < N; i++) {
        char text[32];
        g_snprintf(text, sizeof text, "rule %u", i % DISTINCT);
        refs[i] = strpool_ref(pool, text);
        g_assert_cmpstr(refs[i], ==, text);
    }
    g_assert_cmpuint(strpool_size(pool), ==, DISTINCT);
    g_assert_cmpuint(strpool_refs(pool), ==, N);
    for (guint i = 0; i < N; i++) {
        g_assert_true(refs[i] == refs[i % DISTINCT]);
        strpool_unref(pool, refs[i]);
    }
    g_assert_cmpuint(strpool_size(pool), ==, 0);
    g_assert_cmpuint(strpool_refs(pool), ==, 0);
    /* Freeing a pool that still holds references frees them too. */
    for (guint i = 0; i < 100; i++)
        strpool_ref(pool, i % 2 ? "odd" : "even");
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (guint i = 0; i < G_N_ELEMENTS(pool_cases); i++) {
        g_autofree char *path = g_strdup_printf("/strpool/ref/%s", pool_cases[i].name);
        g_test_add_data_func(path, &pool_cases[i], test_pool_script);
    }
    g_test_add_func("/strpool/ref/many-records", test_pool_many);
    return g_test_run();
}
