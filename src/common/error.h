// SPDX-License-Identifier: GPL-2.0-or-later
// The one GError domain every alertban module reports runtime failures in.
#pragma once

#include <glib.h>

#define ALERTBAN_ERROR (alertban_error_quark())

typedef enum {
    ALERTBAN_ERROR_FAILED,   /* anything without a more specific code */
    ALERTBAN_ERROR_CONFIG,   /* invalid configuration value or file */
    ALERTBAN_ERROR_PARSE,    /* input that is not what it claims to be */
    ALERTBAN_ERROR_FIREWALL, /* the kernel refused or libiptc failed */
    ALERTBAN_ERROR_STORE,    /* SQLite failed */
    ALERTBAN_ERROR_PROTO,    /* malformed control request or reply */
    ALERTBAN_ERROR_BUSY,     /* another program holds what we need (the xtables lock); retry */
    ALERTBAN_ERROR_PENDING,  /* stored, but not in force yet (the firewall change is retried) */
} AlertbanError;

GQuark alertban_error_quark(void);
