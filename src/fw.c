// SPDX-License-Identifier: GPL-2.0-or-later
// Settings shared by every firewall backend.
#include "fw.h"

#include <string.h>

void
fw_config_init_defaults(FwConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    g_strlcpy(cfg->chain, "ALERTBAN", sizeof cfg->chain);
    g_strlcpy(cfg->hooks[0], "INPUT", sizeof cfg->hooks[0]);
    cfg->n_hooks = 1;
    cfg->action = FW_ACTION_DROP;
    cfg->direction = FW_DIRECTION_IN;
    cfg->log = FALSE;
    g_strlcpy(cfg->log_prefix, "alertban: ", sizeof cfg->log_prefix);
    const char *lock = g_getenv("XTABLES_LOCKFILE");
    g_strlcpy(cfg->lock_file, lock && *lock ? lock : "/run/xtables.lock", sizeof cfg->lock_file);
    cfg->lock_timeout_ms = 5000;
}
