// SPDX-License-Identifier: GPL-2.0-or-later
// The ban record that the ban table, the store and the control replies share.
#include "ban.h"

/* Ban's two views of its core fields must be the same bytes. */
G_STATIC_ASSERT(G_STRUCT_OFFSET(Ban, core) == 0);
G_STATIC_ASSERT(G_STRUCT_OFFSET(Ban, prefix) == G_STRUCT_OFFSET(BanCore, prefix));
G_STATIC_ASSERT(G_STRUCT_OFFSET(Ban, last_seen_us) == G_STRUCT_OFFSET(BanCore, last_seen_us));
G_STATIC_ASSERT(G_STRUCT_OFFSET(Ban, reason) == sizeof(BanCore));
G_STATIC_ASSERT(G_STRUCT_OFFSET(BanCore, prefix) == 0);
G_STATIC_ASSERT(sizeof(BanCore) == 72);

const char *
ban_source_name(BanSource source)
{
    return source == BAN_SOURCE_MANUAL ? "manual" : "policy";
}

gboolean
ban_source_parse(const char *text, BanSource *out)
{
    if (g_strcmp0(text, "policy") == 0)
        *out = BAN_SOURCE_POLICY;
    else if (g_strcmp0(text, "manual") == 0)
        *out = BAN_SOURCE_MANUAL;
    else
        return FALSE;
    return TRUE;
}
