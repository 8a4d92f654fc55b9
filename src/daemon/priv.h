// SPDX-License-Identifier: GPL-2.0-or-later
// Least privilege outside systemd: the daemon becomes the configured user (user =) before it
// starts, and once started keeps only the capabilities its firewall and log reading need.
#pragma once

#include <glib.h>

#include "config.h"

/* With user = NAME and the daemon running as root: creates the state directory (and the
 * socket's directory and the xtables lock when missing) for NAME, makes the state files its
 * own, then switches to NAME, its group and its supplementary groups from the group database,
 * keeping CAP_NET_ADMIN and CAP_NET_RAW (bounding set included). Every step is checked; FALSE
 * with an error when one fails or when the result is not exactly that. TRUE and nothing done
 * when user is empty or the daemon already runs as NAME (as under the unit's User=). */
gboolean priv_become_user(const Config *cfg, GError **error);

/* Drops every capability but CAP_NET_ADMIN and CAP_NET_RAW (and, for a daemon running as
 * root, CAP_DAC_READ_SEARCH, so that it can still open the sensor's rotated logs), from the
 * bounding set too when it may, and sets no_new_privs. Call after the daemon started: the
 * socket's group was set and the state opened. Checked; FALSE with an error on any failure. */
gboolean priv_restrict(GError **error);

/* FALSE with an error naming the fix when socket_group is set and the daemon can neither
 * give the socket that group as a member of it nor with CAP_CHOWN: the common mistake of a
 * unit whose user is not in the group. */
gboolean priv_check_socket_group(const Config *cfg, GError **error);

/* The process's effective capabilities as text ("net_admin, net_raw"); free with g_free(). */
char *priv_describe(void);
