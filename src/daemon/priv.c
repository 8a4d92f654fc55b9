// SPDX-License-Identifier: GPL-2.0-or-later
// Least privilege outside systemd: the daemon becomes the configured user (user =) before it
// starts, and once started keeps only the capabilities its firewall and log reading need.
#define _GNU_SOURCE /* getresuid(), getresgid() */
#include "priv.h"

#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/* LeakSanitizer stops the threads with ptrace() at exit, which takes CAP_SYS_PTRACE here;
 * without it every block only a thread still references is reported as a leak. Sanitized
 * builds of a daemon running as root keep it; release builds never do. */
#if defined(__SANITIZE_ADDRESS__)
#define PRIV_KEEP_PTRACE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define PRIV_KEEP_PTRACE 1
#endif
#endif
#ifndef PRIV_KEEP_PTRACE
#define PRIV_KEEP_PTRACE 0
#endif

static gboolean
fail_errno(GError **error, int err, const char *what, const char *arg)
{
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "%s%s%s: %s", what, arg ? " " : "",
                arg ? arg : "", g_strerror(err));
    return FALSE;
}

static gboolean G_GNUC_PRINTF(2, 3) fail(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, msg);
    return FALSE;
}

static gboolean
lookup_user(const char *name, uid_t *uid, gid_t *gid, GError **error)
{
    struct passwd pw, *res = NULL;
    gsize buflen = 16384;
    for (int tries = 0; tries < 6; tries++, buflen *= 4) {
        g_autofree char *buf = g_malloc(buflen);
        int rc = getpwnam_r(name, &pw, buf, buflen, &res);
        if (rc == ERANGE)
            continue;
        if (rc != 0)
            return fail_errno(error, rc, "looking up user", name);
        if (!res) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "user \"%s\" is not a known user", name);
            return FALSE;
        }
        *uid = pw.pw_uid;
        *gid = pw.pw_gid;
        return TRUE;
    }
    return fail(error, "looking up user \"%s\": entry too large", name);
}

/* The state directory and the files in it become the user's, as systemd's StateDirectory=
 * does: a daemon that ran as root before leaves a database the user could not write. Only
 * the directory's own entries: the daemon keeps no subdirectories there. */
static gboolean
own_state_dir(const char *dir, uid_t uid, gid_t gid, GError **error)
{
    if (g_mkdir_with_parents(dir, 0700) != 0)
        return fail_errno(error, errno, "creating", dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return fail_errno(error, errno, "opening", dir);
    if (fchown(dfd, uid, gid) != 0 || fchmod(dfd, 0700) != 0) {
        int err = errno;
        close(dfd);
        return fail_errno(error, err, "making the state directory the user's:", dir);
    }
    DIR *d = fdopendir(dfd);
    if (!d) {
        int err = errno;
        close(dfd);
        return fail_errno(error, err, "reading", dir);
    }
    gboolean ok = TRUE;
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            ok = fail_errno(error, errno, "stat in the state directory:", de->d_name);
        } else if (S_ISREG(st.st_mode) && (st.st_uid != uid || st.st_gid != gid) &&
                   fchownat(dfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
            ok = fail_errno(error, errno, "chown in the state directory:", de->d_name);
        }
    }
    closedir(d);
    return ok;
}

/* The socket's directory, when missing, is made for the user with the mode of the unit's
 * RuntimeDirectoryMode= (0755: the socket's own mode and group decide who connects). An
 * existing one is left alone: the user must be able to write it. */
static gboolean
make_socket_dir(const char *socket, uid_t uid, gid_t gid, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(socket);
    struct stat st;
    if (stat(dir, &st) == 0)
        return TRUE;
    if (errno != ENOENT)
        return fail_errno(error, errno, "stat", dir);
    if (g_mkdir_with_parents(dir, 0755) != 0)
        return fail_errno(error, errno, "creating", dir);
    if (chown(dir, uid, gid) != 0 || chmod(dir, 0755) != 0)
        return fail_errno(error, errno, "making the socket directory the user's:", dir);
    return TRUE;
}

/* The xtables lock lives in a directory (/run) the user cannot create files in; the daemon
 * opens it read-only to flock() it, as iptables does. */
static void
make_lock_file(const char *path)
{
    if (!path || !*path)
        return;
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        g_warning("priv: creating the xtables lock %s: %s", path, g_strerror(errno));
    else
        close(fd);
}

/* Exactly the capabilities in keep[] (count n) are permitted, and no others. */
static gboolean
check_caps(const int *keep, guint n, GError **error)
{
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() != 0)
        return fail_errno(error, errno, "reading the process's capabilities", NULL);
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        gboolean want = FALSE;
        for (guint i = 0; i < n; i++)
            want = want || keep[i] == cap;
        gboolean have = capng_have_capability(CAPNG_PERMITTED, (unsigned)cap) != 0;
        gboolean eff = capng_have_capability(CAPNG_EFFECTIVE, (unsigned)cap) != 0;
        if (have != want || eff != want) {
            const char *cap_name = capng_capability_to_name((unsigned)cap);
            return fail(error, "capability %s is %s after dropping privileges",
                        cap_name ? cap_name : "(unnamed)", want ? "missing" : "still held");
        }
    }
    return TRUE;
}

gboolean
priv_become_user(const Config *cfg, GError **error)
{
    g_return_val_if_fail(cfg != NULL, FALSE);
    const char *name = cfg->daemon.user;
    if (!name || !*name)
        return TRUE;
    uid_t uid = 0;
    gid_t gid = 0;
    if (!lookup_user(name, &uid, &gid, error))
        return FALSE;
    if (uid == 0)
        return fail(error, "user = %s is root; leave user empty to run as root", name);
    if (geteuid() == uid && getuid() == uid)
        return TRUE;
    if (geteuid() != 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "user = %s: only root can become another user (running as uid %u)", name,
                    (unsigned)geteuid());
        return FALSE;
    }
    if (!own_state_dir(cfg->daemon.state_dir, uid, gid, error) ||
        !make_socket_dir(cfg->daemon.socket, uid, gid, error))
        return FALSE;
    if (!cfg->daemon.dry_run)
        make_lock_file(cfg->firewall.lock_file);

    /* The bounding set first, while CAP_SETPCAP is still ours; then the identity, keeping the
     * two firewall capabilities across setresuid() (libcap-ng sets PR_SET_KEEPCAPS around it).
     * initgroups() gives the user's groups (CAPNG_DROP_SUPP_GRP would empty them afterwards). */
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
                      CAP_NET_ADMIN, CAP_NET_RAW, -1) != 0)
        return fail(error, "preparing the capability set");
    if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
        return fail_errno(error, errno, "limiting the capability bounding set", NULL);
    int rc = capng_change_id((int)uid, (int)gid, CAPNG_INIT_SUPP_GRP);
    if (rc != 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "becoming user %s (uid %u gid %u) failed at step %d: %s", name, (unsigned)uid,
                    (unsigned)gid, -rc, g_strerror(errno));
        return FALSE;
    }

    /* Trust nothing: the identity is the user's in all three ids, and root cannot come back. */
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
        return fail_errno(error, errno, "reading the process's ids", NULL);
    if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
        return fail(error, "the user ids are not %s's after switching", name);
    if (setuid(0) == 0)
        return fail(error, "setuid(0) succeeded after dropping root");
    static const int keep[] = {CAP_NET_ADMIN, CAP_NET_RAW};
    if (!check_caps(keep, G_N_ELEMENTS(keep), error))
        return FALSE;
    g_message("priv: running as user=%s uid=%u gid=%u", name, (unsigned)uid, (unsigned)gid);
    return TRUE;
}

gboolean
priv_restrict(GError **error)
{
    static const int wanted[] = {CAP_NET_ADMIN, CAP_NET_RAW, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE};
    /* Root's reading of any file goes with CAP_DAC_OVERRIDE; it keeps reading through
     * CAP_DAC_READ_SEARCH alone. Another user reads through its groups. */
    guint n_wanted = geteuid() == 0 ? 3 + PRIV_KEEP_PTRACE : 2;
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() != 0)
        return fail_errno(error, errno, "reading the process's capabilities", NULL);
    gboolean can_bound = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) != 0;
    int keep[G_N_ELEMENTS(wanted)];
    guint n = 0;
    for (guint i = 0; i < n_wanted; i++) {
        if (capng_have_capability(CAPNG_PERMITTED, (unsigned)wanted[i]))
            keep[n++] = wanted[i];
    }
    /* Under the unit the set is already this one: no capset() (which its system call filter
     * would not need to allow), only no_new_privs. */
    g_autoptr(GError) differs = NULL;
    if (!can_bound && check_caps(keep, n, &differs)) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            return fail_errno(error, errno, "setting no_new_privs", NULL);
        return TRUE;
    }
    capng_clear(CAPNG_SELECT_BOTH);
    for (guint i = 0; i < n; i++) {
        if (capng_update(CAPNG_ADD,
                         CAPNG_EFFECTIVE | CAPNG_PERMITTED | (can_bound ? CAPNG_BOUNDING_SET : 0),
                         (unsigned)keep[i]) != 0)
            return fail(error, "preparing the capability set");
    }
    /* Without CAP_SETPCAP (under the unit) the bounding set is already the unit's. */
    if (capng_apply(can_bound ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS) != 0)
        return fail_errno(error, errno, "dropping capabilities", NULL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail_errno(error, errno, "setting no_new_privs", NULL);
    return check_caps(keep, n, error);
}

gboolean
priv_check_socket_group(const Config *cfg, GError **error)
{
    g_return_val_if_fail(cfg != NULL, FALSE);
    const char *name = cfg->daemon.socket_group;
    if (!name || !*name)
        return TRUE;
    struct group gr, *res = NULL;
    char buf[16384];
    int rc = getgrnam_r(name, &gr, buf, sizeof buf, &res);
    if (rc != 0 || !res)
        return TRUE; /* the control server reports an unknown group */
    if (getegid() == gr.gr_gid)
        return TRUE;
    int n = getgroups(0, NULL);
    if (n < 0)
        return fail_errno(error, errno, "getgroups", NULL);
    g_autofree gid_t *groups = g_new(gid_t, MAX(n, 1));
    n = getgroups(n, groups);
    if (n < 0)
        return fail_errno(error, errno, "getgroups", NULL);
    for (int i = 0; i < n; i++) {
        if (groups[i] == gr.gr_gid)
            return TRUE;
    }
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() == 0 && capng_have_capability(CAPNG_EFFECTIVE, CAP_CHOWN))
        return TRUE;
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                "socket_group = %s: alertband (uid %u) is not in group %s and cannot hand it the "
                "socket; add the user to it (adduser USER %s), or under systemd name it in a "
                "drop-in (systemctl edit alertban: [Service] SupplementaryGroups=%s)",
                name, (unsigned)geteuid(), name, name, name);
    return FALSE;
}

char *
priv_describe(void)
{
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() != 0)
        return g_strdup("unknown");
    char *text = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
    char *out = g_strdup(text && *text ? text : "none");
    free(text);
    return out;
}
