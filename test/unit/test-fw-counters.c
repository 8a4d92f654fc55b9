// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the counters' reader before it reaches the kernel: which backends have a
// spec (the fake has none), and the GTask plumbing of the asynchronous read (the spec copied,
// so the caller frees it at once; a cancelled read ends in G_IO_ERROR_CANCELLED). The reads
// themselves run against a real kernel in test/integration/fw-counters.sh.
#include "fw_counters.h"

#include "fw_backends.h"
#include "testutil.h"

static const FwBackend real_kinds[] = {FW_BACKEND_IPTABLES, FW_BACKEND_NFTABLES, FW_BACKEND_IPSET};

static void
test_spec(void)
{
    FwConfig cfg;
    fw_config_init_defaults(&cfg);
    for (gsize i = 0; i < G_N_ELEMENTS(real_kinds); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Fw) fw = fw_new_backend(real_kinds[i], &cfg, &error);
        g_assert_no_error(error);
        g_autoptr(FwCounterSpec) spec = fw_counter_spec_new(fw);
        g_assert_nonnull(spec);
    }
    g_autoptr(Fw) fake = fw_fake_new();
    g_assert_null(fw_counter_spec_new(fake));
}

static void
on_read(GObject *source, GAsyncResult *res, gpointer data)
{
    (void)source;
    GAsyncResult **out = data;
    *out = g_object_ref(res);
}

/* The spec is freed right after the call (ASan: the thread reads its own copy), and the
 * read was cancelled before it started: finish reports it, and nothing is read. */
static void
test_async_cancelled(void)
{
    FwConfig cfg;
    fw_config_init_defaults(&cfg);
    for (gsize i = 0; i < G_N_ELEMENTS(real_kinds); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Fw) fw = fw_new_backend(real_kinds[i], &cfg, &error);
        g_assert_no_error(error);
        FwCounterSpec *spec = fw_counter_spec_new(fw);
        g_autoptr(GCancellable) cancel = g_cancellable_new();
        g_cancellable_cancel(cancel);
        GAsyncResult *res = NULL;
        fw_counters_read_async(spec, cancel, on_read, &res);
        fw_counter_spec_free(spec);
        gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
        while (!res && g_get_monotonic_time() < deadline)
            g_main_context_iteration(NULL, TRUE);
        g_assert_nonnull(res);
        g_autoptr(GArray) counts = fw_counters_read_finish(res, &error);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        g_assert_null(counts);
        g_object_unref(res);
    }
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    g_test_add_func("/fw-counters/spec", test_spec);
    g_test_add_func("/fw-counters/async-cancelled", test_async_cancelled);
    return g_test_run();
}
