// SPDX-License-Identifier: GPL-2.0-or-later
// The one GError domain every alertban module reports runtime failures in.
#include "error.h"

G_DEFINE_QUARK(alertban-error-quark, alertban_error)
