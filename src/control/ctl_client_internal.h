// SPDX-License-Identifier: GPL-2.0-or-later
// Entry points of the control client that only the tests and benchmark drivers use: one
// whole exchange in a call (the CLI sends and reads in steps of its own).
#pragma once

#include "ctl_client.h"

/* Sends req and reads its reply. Returns the reply object (*ok tells ok:true or false), or
 * NULL with an error when the exchange failed or the reply was malformed. */
json_t *ctl_client_call(CtlClient *client, const CtlRequest *req, guint timeout_ms, gboolean *ok,
                        GError **error);

/* A client on a connected stream socket the caller made (a socketpair in the fuzz target);
 * the client owns fd from then on. */
CtlClient *ctl_client_new_fd(int fd);
