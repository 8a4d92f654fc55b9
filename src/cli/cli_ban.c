// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban ban`: a manual ban, installed by the daemon at once.
#include "cli.h"

#include <string.h>

#include "cli_ctl.h"
#include "duration.h"
#include "ipaddr.h"

/* One ban request and its line of output; the exit status. */
static int
ban_one(CliCtlOptions *opts, const CtlRequest *req)
{
    g_autoptr(json_t) reply = NULL;
    int rc = cli_ctl_call(opts, req, &reply);
    if (rc != CLI_EXIT_OK || opts->json)
        return rc;
    char buf[IPADDR_STRLEN];
    const json_t *ban = json_get(reply, "ban");
    const char *addr = json_get_string(ban, "addr");
    if (!addr)
        addr = ipprefix_format(&req->addr, buf);
    gint64 expires = json_get_int(ban, "expires", 0);
    if (json_get_bool(ban, "permanent", req->permanent) || expires <= 0) {
        printf("banned %s permanently\n", addr);
    } else {
        gint64 now = json_get_int(reply, "now", g_get_real_time() / G_USEC_PER_SEC);
        char d[DURATION_STRLEN];
        g_autofree char *at = cli_format_time(expires);
        /* The length asked for, printed back exactly ("--for 90" is "1m30s"). */
        gint64 len_s = req->for_s > 0 ? req->for_s : cli_seconds_until(expires, now);
        printf("banned %s for %s (until %s)\n", addr,
               duration_format_exact((guint64)MAX(len_s, 0), d), at);
    }
    return CLI_EXIT_OK;
}

int
cli_ban(int argc, char **argv)
{
    g_auto(CliCtlOptions) opts = {0};
    g_autofree char *duration = NULL;
    g_autofree char *reason = NULL;
    gboolean permanent = FALSE, force = FALSE;
    const GOptionEntry entries[] = {
        {"for", 'f', 0, G_OPTION_ARG_STRING, &duration,
         "Ban time: 3600, 90s, 45m, 12h, 7d, 2w or 1h30m (default: the daemon's ban time)",
         "DURATION"},
        {"permanent", 'p', 0, G_OPTION_ARG_NONE, &permanent, "Ban until unbanned", NULL},
        {"reason", 'r', 0, G_OPTION_ARG_STRING, &reason, "Why (stored and logged)", "TEXT"},
        {"force", 0, 0, G_OPTION_ARG_NONE, &force,
         "Ban even an address the policy protects (own addresses, gateways, whitelist)", NULL},
        G_OPTION_ENTRY_NULL,
    };
    int rc = cli_ctl_parse("ban", "ADDR|CIDR...",
                           "Bans addresses or networks now, one request each (the exit status "
                           "is the worst of them). A ban on an address already banned by the "
                           "policy becomes manual and keeps its history.",
                           entries, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    if (argc < 2)
        return cli_ctl_usage_error("ban", "expected one address or network, or more");
    CtlRequest req = {.cmd = CTL_CMD_BAN, .has_addr = TRUE, .permanent = permanent, .force = force};
    g_autoptr(GError) error = NULL;
    /* Every argument is checked before the first request, so a typo bans nothing. */
    g_autoptr(GArray) addrs = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    for (int i = 1; i < argc; i++) {
        IpPrefix p;
        if (!ipprefix_parse(argv[i], &p, &error))
            return cli_ctl_usage_error("ban", "%s", error->message);
        g_array_append_val(addrs, p);
    }
    if (duration && permanent)
        return cli_ctl_usage_error("ban", "--for and --permanent exclude each other");
    if (duration && !ctl_duration_parse(duration, &req.for_s, &error))
        return cli_ctl_usage_error("ban", "%s", error->message);
    if (reason) {
        if (strlen(reason) > CTL_REASON_MAX)
            return cli_ctl_usage_error("ban", "--reason is longer than %d bytes", CTL_REASON_MAX);
        if (!g_utf8_validate(reason, -1, NULL))
            return cli_ctl_usage_error("ban", "--reason is not valid UTF-8");
        for (const char *p = reason; *p; p++) {
            if ((guchar)*p < 0x20 || *p == 0x7f)
                return cli_ctl_usage_error("ban", "--reason contains a control character");
        }
        g_strlcpy(req.reason, reason, sizeof req.reason);
    }
    int worst = CLI_EXIT_OK;
    for (guint i = 0; i < addrs->len; i++) {
        req.addr = g_array_index(addrs, IpPrefix, i);
        worst = cli_exit_worst(worst, ban_one(&opts, &req));
    }
    return worst;
}
