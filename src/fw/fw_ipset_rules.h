// SPDX-License-Identifier: GPL-2.0-or-later
// The seam between the ipset backend's two halves, which cannot share a compilation unit
// because libipset's and libiptc's headers clash: fw_ipset.c keeps the sets through libipset,
// and fw_iptc.c keeps the rules that match them (the libiptc code in its "set mode").
#pragma once

#include <glib.h>

#include "fw.h"

#define FW_IPSET_NAME_MAX 32 /* IPSET_MAXNAMELEN, with the NUL */

/* The rules half: one rule per family and hook matching set4/set6 (xt_set revision 4) by
 * source, and by destination on OUTPUT and the other non-INPUT hooks with direction = both;
 * the target is DROP, or the verdict chain cfg->chain + "-SET" with log or reject. Every
 * call but free holds the xtables lock, and fails while a family's set is missing (the sets
 * come first). */
typedef struct FwSetRules FwSetRules;

/* cfg is copied. Fails with ALERTBAN_ERROR_CONFIG for settings that cannot work; touches the
 * kernel only when a function below is called. */
FwSetRules *fw_set_rules_new(const FwConfig *cfg, const char *set4, const char *set6,
                             GError **error);

/* Puts every rule in place: creates the missing ones and the verdict chain, moves misplaced
 * ones back to the top of their hook, removes ours from chains that are no longer hooks, and
 * drops a verdict chain the settings no longer use. hooks_fixed (may be NULL) gets how many
 * hooks and chains it had to change. */
gboolean fw_set_rules_repair(FwSetRules *r, guint *hooks_fixed, GError **error);

/* The cheap check beside a batch: in each family that changes touches, re-creates a missing
 * rule at the top of its hook and refills the verdict chain, leaving rules that are there
 * where they are (so a batch never fights another tool over the top of a hook). */
gboolean fw_set_rules_restore(FwSetRules *r, const FwChange *changes, gsize n, GError **error);

/* Removes every rule and the verdict chain; nothing there is no error. The sets can be
 * destroyed after it. */
gboolean fw_set_rules_remove(FwSetRules *r, GError **error);

/* fw_set_lock_nowait() for the rules half. */
void fw_set_rules_set_lock_nowait(FwSetRules *r, gboolean nowait);

void fw_set_rules_free(FwSetRules *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwSetRules, fw_set_rules_free)
