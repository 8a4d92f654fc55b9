// SPDX-License-Identifier: GPL-2.0-or-later
// Reads what the bans dropped from the kernel's counters, for any backend, in the caller's
// thread or a GTask's: the spec is a copy of the backend's settings, so the reader opens
// handles of its own and never shares the Fw with the main loop.
#include "fw_counters.h"

#include "error.h"
#include "fw_backends.h"
#include "fw_ipset_rules.h"

struct FwCounterSpec {
    FwBackend kind; /* iptables, nftables or ipset */
    FwConfig cfg;
    /* iptables: what the handle's deleted rules counted (a reference), else NULL */
    FwIptcRetired *retired;
};

FwCounterSpec *
fw_counter_spec_new(Fw *fw)
{
    g_return_val_if_fail(fw != NULL, NULL);
    const FwConfig *cfg;
    switch (fw_kind(fw)) {
    case FW_BACKEND_IPTABLES:
        cfg = fw_iptc_config(fw);
        break;
    case FW_BACKEND_NFTABLES:
        cfg = fw_nft_config(fw);
        break;
    case FW_BACKEND_IPSET:
        cfg = fw_ipset_config(fw);
        break;
    default: /* the fake counts nothing */
        return NULL;
    }
    FwCounterSpec *spec = g_new0(FwCounterSpec, 1);
    spec->kind = fw_kind(fw);
    spec->cfg = *cfg;
    if (spec->kind == FW_BACKEND_IPTABLES)
        spec->retired = fw_iptc_retired_get(fw);
    return spec;
}

static FwCounterSpec *
spec_copy(const FwCounterSpec *spec)
{
    FwCounterSpec *copy = g_memdup2(spec, sizeof *spec);
    if (copy->retired)
        copy->retired = fw_iptc_retired_ref(copy->retired);
    return copy;
}

void
fw_counter_spec_free(FwCounterSpec *spec)
{
    if (!spec)
        return;
    fw_iptc_retired_unref(spec->retired);
    g_free(spec);
}

gboolean
fw_counters_read(const FwCounterSpec *spec, GArray *out, GError **error)
{
    g_return_val_if_fail(spec != NULL, FALSE);
    g_return_val_if_fail(g_array_get_element_size(out) == sizeof(FwDropCount), FALSE);
    switch (spec->kind) {
    case FW_BACKEND_IPTABLES:
        return fw_iptc_counters_read(&spec->cfg, NULL, NULL, spec->retired, out, error);
    case FW_BACKEND_NFTABLES:
        return fw_nft_counters_read(&spec->cfg, out, error);
    case FW_BACKEND_IPSET: {
        /* The names fw_ipset_new() gives the sets. */
        char set4[FW_IPSET_NAME_MAX], set6[FW_IPSET_NAME_MAX];
        g_snprintf(set4, sizeof set4, "%s4", spec->cfg.chain);
        g_snprintf(set6, sizeof set6, "%s6", spec->cfg.chain);
        return fw_iptc_counters_read(&spec->cfg, set4, set6, NULL, out, error);
    }
    default:
        break;
    }
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                "fw-counters: the %s backend keeps no counters", fw_backend_name(spec->kind));
    return FALSE;
}

static void
read_in_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    (void)source;
    (void)cancellable; /* checked once: a read cannot be interrupted */
    const FwCounterSpec *spec = task_data;
    if (g_task_return_error_if_cancelled(task))
        return;
    GError *error = NULL;
    GArray *out = g_array_new(FALSE, FALSE, sizeof(FwDropCount));
    if (!fw_counters_read(spec, out, &error)) {
        g_array_unref(out);
        g_task_return_error(task, error);
        return;
    }
    g_task_return_pointer(task, out, (GDestroyNotify)g_array_unref);
}

void
fw_counters_read_async(const FwCounterSpec *spec, GCancellable *cancellable, GAsyncReadyCallback cb,
                       gpointer user_data)
{
    g_return_if_fail(spec != NULL);
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, cb, user_data);
    g_task_set_source_tag(task, fw_counters_read_async);
    g_task_set_task_data(task, spec_copy(spec), (GDestroyNotify)fw_counter_spec_free);
    g_task_run_in_thread(task, read_in_thread);
}

GArray *
fw_counters_read_finish(GAsyncResult *res, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(res, NULL), NULL);
    return g_task_propagate_pointer(G_TASK(res), error);
}
