// SPDX-License-Identifier: GPL-2.0-or-later
// The seam between the ipset backend's two halves, which cannot share a compilation unit
// because libipset's and libiptc's headers clash: fw_ipset.c keeps the sets through libipset,
// and the libiptc backend (fw_iptc.c, in "set mode") keeps the rules that match them.
#pragma once

#include <glib.h>

#include "fw.h"

#define FW_IPSET_NAME_MAX 32 /* IPSET_MAXNAMELEN, with the NUL */

/* The libiptc half: one rule per family and hook matching set4/set6 (xt_set revision 4) by
 * source, and by destination on OUTPUT and the other non-INPUT hooks with direction = both;
 * the target is DROP, or the verdict chain cfg->chain + "-SET" with log or reject. cfg is
 * copied. The handle's ensure creates and repairs these rules (the sets must exist), apply
 * re-creates a missing rule at the top of its hook, reconcile is ensure (hooks_fixed
 * counted), flush removes the rules and the verdict chain. list returns nothing. Every
 * operation holds the xtables lock. */
Fw *fw_iptc_set_rules_new(const FwConfig *cfg, const char *set4, const char *set6, GError **error);
