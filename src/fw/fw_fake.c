// SPDX-License-Identifier: GPL-2.0-or-later
// An in-memory firewall backend with the same contract as the real ones, for unit tests of the
// ban table: it counts commits, can be told to fail, and keeps duplicates like a real chain.
#include "fw_backends.h"

#include <string.h>

#include "error.h"

typedef struct {
    Fw parent;
    GArray *entries; /* IpPrefix, in insertion order, duplicates possible (via inject) */
    gboolean ensured;
    guint fail_next;
    guint commits;
} FwFake;

static gssize
fake_find(FwFake *f, const IpPrefix *p)
{
    for (guint i = 0; i < f->entries->len; i++) {
        if (ipprefix_equal(&g_array_index(f->entries, IpPrefix, i), p))
            return i;
    }
    return -1;
}

static gboolean
fake_check_fail(FwFake *f, const char *op, GError **error)
{
    if (f->fail_next == 0)
        return TRUE;
    f->fail_next--;
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "fake: %s failed (injected)", op);
    return FALSE;
}

static gboolean
fake_ensure(Fw *fw, GError **error)
{
    FwFake *f = (FwFake *)fw;
    if (!fake_check_fail(f, "ensure", error))
        return FALSE;
    f->ensured = TRUE;
    return TRUE;
}

static gboolean
fake_apply(Fw *fw, const FwChange *changes, gsize n, GError **error)
{
    FwFake *f = (FwFake *)fw;
    if (!fake_check_fail(f, "apply", error))
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        gssize at = fake_find(f, &changes[i].prefix);
        if (changes[i].kind == FW_CHANGE_ADD && at < 0)
            g_array_append_val(f->entries, changes[i].prefix);
        else if (changes[i].kind == FW_CHANGE_REMOVE && at >= 0)
            g_array_remove_index(f->entries, (guint)at);
    }
    f->commits++;
    return TRUE;
}

static gboolean
fake_list(Fw *fw, GArray *out, GError **error)
{
    FwFake *f = (FwFake *)fw;
    (void)error;
    g_array_append_vals(out, f->entries->data, f->entries->len);
    return TRUE;
}

static gboolean
fake_reconcile(Fw *fw, const IpPrefix *desired, gsize n, FwReconcileStats *stats,
               GError **error)
{
    FwFake *f = (FwFake *)fw;
    FwReconcileStats s = {0};
    if (!fake_check_fail(f, "reconcile", error))
        return FALSE;
    if (!f->ensured) {
        f->ensured = TRUE;
        s.hooks_fixed++;
    }
    /* Quadratic, which is fine for the small sets unit tests use. */
    GArray *kept = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    for (guint i = 0; i < f->entries->len; i++) {
        const IpPrefix *e = &g_array_index(f->entries, IpPrefix, i);
        gboolean wanted = FALSE;
        for (gsize j = 0; j < n && !wanted; j++)
            wanted = ipprefix_equal(&desired[j], e);
        gboolean seen = FALSE;
        for (guint j = 0; j < kept->len && !seen; j++)
            seen = ipprefix_equal(&g_array_index(kept, IpPrefix, j), e);
        if (!wanted)
            s.removed++;
        else if (seen)
            s.duplicates++;
        else
            g_array_append_val(kept, *e);
    }
    for (gsize j = 0; j < n; j++) {
        gboolean have = FALSE;
        for (guint i = 0; i < kept->len && !have; i++)
            have = ipprefix_equal(&g_array_index(kept, IpPrefix, i), &desired[j]);
        if (!have) {
            g_array_append_val(kept, desired[j]);
            s.added++;
        }
    }
    g_array_unref(f->entries);
    f->entries = kept;
    f->commits++;
    if (stats)
        *stats = s;
    return TRUE;
}

static gboolean
fake_flush(Fw *fw, GError **error)
{
    FwFake *f = (FwFake *)fw;
    if (!fake_check_fail(f, "flush", error))
        return FALSE;
    g_array_set_size(f->entries, 0);
    f->ensured = FALSE;
    return TRUE;
}

static void
fake_free(Fw *fw)
{
    FwFake *f = (FwFake *)fw;
    g_array_unref(f->entries);
    g_free(f);
}

static const FwOps fake_ops = {
    .kind = FW_BACKEND_FAKE,
    .name = "fake",
    .ensure = fake_ensure,
    .apply = fake_apply,
    .list = fake_list,
    .reconcile = fake_reconcile,
    .flush = fake_flush,
    .free = fake_free,
};

Fw *
fw_fake_new(void)
{
    FwFake *f = g_new0(FwFake, 1);
    f->parent.ops = &fake_ops;
    f->entries = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    return &f->parent;
}

void
fw_fake_fail_next(Fw *fw, guint n)
{
    g_return_if_fail(fw->ops == &fake_ops);
    ((FwFake *)fw)->fail_next = n;
}

guint
fw_fake_commits(Fw *fw)
{
    g_return_val_if_fail(fw->ops == &fake_ops, 0);
    return ((FwFake *)fw)->commits;
}

void
fw_fake_inject(Fw *fw, const IpPrefix *prefix)
{
    g_return_if_fail(fw->ops == &fake_ops);
    g_array_append_val(((FwFake *)fw)->entries, *prefix);
}
