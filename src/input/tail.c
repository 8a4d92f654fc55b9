// SPDX-License-Identifier: GPL-2.0-or-later
// Follows alert logs with one raw inotify descriptor in the GLib loop, so a line reaches the
// parser within milliseconds and rotation, truncation and restarts lose and repeat nothing.
#include "tail.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>

#include "alert.h"
#include "error.h"
#include "log.h"
#include "tail_lines.h"
#include "tail_match.h"

/*
 * Model. A pattern names a directory and a file name (maybe a glob). Each concrete path it
 * matches is an Input; an Input reads at most one TailFile (an open descriptor on one inode)
 * at a time. Every inotify event, and every overflow, only marks inputs dirty; input_check()
 * then looks at the state of the world rather than at the event: it reads the current file
 * to its end, detects truncation (size below our offset at EOF), and stats the path. When
 * the path names another inode (rename rotation, delete + recreate, a re-pointed symlink),
 * we keep reading the old descriptor until the new file has data, because a logger keeps
 * writing to its old descriptor until it reopens; then we drain the old one to EOF, close
 * it and read the new one from offset 0. Being level-triggered, the same code recovers
 * from a lost event (IN_Q_OVERFLOW) by marking everything dirty.
 *
 * Watches: each directory (names appearing, moving, disappearing), each open file through
 * /proc/self/fd (so the watch is on exactly the inode we read, also through symlinks), and
 * the waiting successor of a rotated file (its first write is what makes us switch).
 */

#define READ_BUF_SIZE (64 * 1024)
#define EVENT_BUF_SIZE (64 * 1024)
#define READ_BUDGET (4 * 1024 * 1024) /* per input per loop turn, so one file can't starve */
#define DIR_RETRY_MS 1000
/* An unlinked file is closed after this many idle periods without new bytes: a logger that
 * has not noticed the deletion yet may still write to it. */
#define ORPHAN_GRACE_IDLES 10

#define DIR_MASK                                                                                   \
    (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF |            \
     IN_MOVE_SELF | IN_ONLYDIR)
#define FILE_MASK (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)

typedef struct Dir Dir;
typedef struct Input Input;

struct Dir {
    char *path;
    int wd; /* -1: not watched (missing) */
    GPtrArray *globs;
    gboolean symlink_target; /* only watched for a symlink's target: not waited for */
};

struct Input {
    Tail *tail;
    Dir *dir;
    char *path;
    char *name;
    TailFile *file;  /* NULL: waiting for the file */
    int next_wd;     /* watch on the file that replaced ours at path, -1 if none */
    Dir *target_dir; /* when path is a symlink: where its target lives, and the target's name */
    char *target_name;
    gboolean dirty;
    gboolean backlog;     /* stopped at READ_BUDGET with more to read */
    gboolean from_glob;   /* made by a glob's match, not named by a pattern */
    gint64 gone_since_us; /* tail_forget_gone(): when its path was first seen gone; 0: not */
};

struct TailFile {
    Tail *tail;
    Input *input;
    guint64 id;
    int fd;
    int wd;
    guint64 dev, ino;
    char *opened_as; /* the name opened, which differs from input->path for a rotated file */
    TailLines lines;
    gboolean idle_pending;  /* lines delivered since the last idle callback */
    gint64 idle_due_us;     /* 0: no idle check scheduled */
    gint64 orphan_since_us; /* when we first saw it unlinked and quiet, 0 if not */
    /* The last bytes read, [offset - recent_len, offset): if they are no longer in the file
     * the next time we read, it was truncated and written again past our offset. */
    char recent[TAIL_FINGERPRINT_MAX];
    gsize recent_len;
    /* While the lines of a read are being delivered: that read's bytes, which start at file
     * offset chunk_start. A checkpoint asked for from a line callback (one per alert, in the
     * daemon) is then fingerprinted from memory instead of with a pread per call. */
    const char *chunk;
    gsize chunk_len;
    guint64 chunk_start;
    gpointer user_data;
};

struct Tail {
    GStrv patterns;
    TailStartAt start_at;
    guint idle_ms;
    gsize line_max;
    TailCallbacks cb;
    gpointer user_data;

    GMainContext *ctx;
    int ifd;
    GSource *ifd_source;
    GSource *idle_source;
    gint64 idle_source_due_us;
    GSource *catchup_source;
    GSource *dir_retry_source;

    GPtrArray *dirs;   /* Dir*, owned */
    GPtrArray *inputs; /* Input*, owned */
    char *rbuf;
    guint64 next_id;
    TailStats stats;
};

static void input_check(Input *in, gsize budget);
static void input_watch_target(Input *in);
static Dir *dir_get(Tail *t, const char *path);
static void file_close(TailFile *f);
static void arm_idle(Tail *t, gint64 due_us);
static void arm_catchup(Tail *t);
static void arm_dir_retry(Tail *t);

static const char *
esc(const char *s, char buf[LOG_ESCAPE_BUFSIZE])
{
    return log_escape(s, strlen(s), buf);
}

static GSource *
attach(Tail *t, GSource *src, GSourceFunc fn)
{
    g_source_set_callback(src, fn, t, NULL);
    g_source_attach(src, t->ctx);
    return src;
}

static void
drop_source(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

/* ---- watches ------------------------------------------------------------------------- */

static gboolean
wd_in_use(Tail *t, int wd)
{
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        if (in->next_wd == wd || (in->file && in->file->wd == wd))
            return TRUE;
    }
    return FALSE;
}

/* Removes a file watch unless another file or successor still relies on it (inotify gives
 * one wd per inode, so two users of one inode share it). */
static void
watch_release(Tail *t, int wd)
{
    if (wd >= 0 && !wd_in_use(t, wd))
        inotify_rm_watch(t->ifd, wd);
}

/* Watches the inode behind fd; by name when /proc is not available (then a rename between
 * open and here could watch the wrong inode, which the directory watch makes up for). */
static int
watch_fd(Tail *t, int fd, const char *name)
{
    char proc[64];
    g_snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    int wd = inotify_add_watch(t->ifd, proc, FILE_MASK);
    if (wd < 0)
        wd = inotify_add_watch(t->ifd, name, FILE_MASK);
    if (wd < 0) {
        char buf[LOG_ESCAPE_BUFSIZE];
        g_warning("tail: cannot watch %s: %s; it is only read on directory events", esc(name, buf),
                  g_strerror(errno));
    }
    return wd;
}

/* ---- reading ------------------------------------------------------------------------- */

static void
deliver(const char *line, gsize len, guint64 end_offset, gpointer user_data)
{
    TailFile *f = user_data;
    f->tail->stats.lines++;
    f->tail->cb.line(f, line, len, end_offset, f->tail->user_data);
}

static void
file_idle(TailFile *f)
{
    if (!f->idle_pending)
        return;
    f->idle_pending = FALSE;
    if (f->tail->cb.idle)
        f->tail->cb.idle(f, f->tail->user_data);
}

static void
emit(TailFile *f, TailEvent ev)
{
    if (f->tail->cb.event)
        f->tail->cb.event(f, ev, f->tail->user_data);
}

static void
file_truncated(TailFile *f, guint64 size)
{
    Tail *t = f->tail;
    char buf[LOG_ESCAPE_BUFSIZE];
    g_message("tail: %s truncated (size %" G_GUINT64_FORMAT ", offset %" G_GUINT64_FORMAT
              "); reading from its start",
              esc(f->input->path, buf), size, f->lines.offset);
    t->stats.truncations++;
    file_idle(f);
    tail_lines_reset(&f->lines, 0);
    f->recent_len = 0;
    emit(f, TAIL_EVENT_TRUNCATED);
}

static void
remember_recent(TailFile *f, const char *data, gsize n)
{
    if (n >= sizeof(f->recent)) {
        memcpy(f->recent, data + n - sizeof(f->recent), sizeof(f->recent));
        f->recent_len = sizeof(f->recent);
        return;
    }
    gsize keep = MIN(f->recent_len, sizeof(f->recent) - n);
    memmove(f->recent, f->recent + f->recent_len - keep, keep);
    memcpy(f->recent + keep, data, n);
    f->recent_len = keep + n;
}

/* TRUE when the bytes we read last are still where we read them. A copytruncate followed by
 * enough new writes leaves the size above our offset, but not these bytes. */
static gboolean
recent_unchanged(TailFile *f)
{
    char buf[TAIL_FINGERPRINT_MAX];
    gsize got = 0;
    off_t at = (off_t)(f->lines.offset - f->recent_len);
    while (got < f->recent_len) {
        ssize_t n = pread(f->fd, buf + got, f->recent_len - got, at + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        got += (gsize)n;
    }
    return memcmp(buf, f->recent, f->recent_len) == 0;
}

/* Reads f from its offset until EOF or until budget bytes were read (then TRUE: more may be
 * waiting). The file was truncated under us when the bytes before our offset changed, or,
 * at EOF, when its size is below our offset. */
static gboolean
file_read(TailFile *f, gsize budget)
{
    Tail *t = f->tail;
    gsize done = 0;
    gboolean truncation_checked = FALSE;

    if (f->recent_len > 0 && !recent_unchanged(f)) {
        struct stat st;
        truncation_checked = TRUE;
        file_truncated(f, fstat(f->fd, &st) == 0 ? (guint64)st.st_size : 0);
    }

    for (;;) {
        if (done >= budget)
            return TRUE;
        ssize_t n = pread(f->fd, t->rbuf, READ_BUF_SIZE, (off_t)f->lines.offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            char buf[LOG_ESCAPE_BUFSIZE];
            g_warning("tail: reading %s: %s", esc(f->opened_as, buf), g_strerror(errno));
            return FALSE;
        }
        if (n == 0) {
            struct stat st;
            if (!truncation_checked && fstat(f->fd, &st) == 0 &&
                (guint64)st.st_size < f->lines.offset) {
                truncation_checked = TRUE;
                file_truncated(f, (guint64)st.st_size);
                continue;
            }
            return FALSE;
        }
        done += (gsize)n;
        t->stats.bytes += (guint64)n;
        remember_recent(f, t->rbuf, (gsize)n);
        guint64 before = f->lines.dropped;
        f->chunk = t->rbuf;
        f->chunk_len = (gsize)n;
        f->chunk_start = f->lines.offset;
        guint64 delivered = tail_lines_feed(&f->lines, t->rbuf, (gsize)n, deliver, f);
        f->chunk = NULL;
        if (delivered > 0)
            f->idle_pending = TRUE;
        t->stats.dropped_too_long += f->lines.dropped - before;
        if (f->idle_pending || f->lines.held_len > 0) {
            f->idle_due_us = g_get_monotonic_time() + (gint64)t->idle_ms * 1000;
            arm_idle(t, f->idle_due_us);
        }
    }
}

/* Reads to the very end, whatever the budget: the file is about to be closed. */
static void
file_drain(TailFile *f)
{
    while (file_read(f, G_MAXSIZE))
        ;
}

/* Fingerprint of the (up to TAIL_FINGERPRINT_MAX) bytes before offset, read back from fd. */
static gboolean
fingerprint_at(int fd, guint64 offset, guint64 *hash, guint32 *len)
{
    char buf[TAIL_FINGERPRINT_MAX];
    gsize want = (gsize)MIN(offset, (guint64)TAIL_FINGERPRINT_MAX);
    gsize got = 0;
    while (got < want) {
        ssize_t n = pread(fd, buf + got, want - got, (off_t)(offset - want + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        got += (gsize)n;
    }
    *hash = tail_fingerprint(buf, want);
    *len = (guint32)want;
    return TRUE;
}

static gboolean
checkpoint_matches(int fd, const struct stat *st, const TailCheckpoint *cp)
{
    guint64 hash;
    guint32 len;
    return (guint64)st->st_dev == cp->device && (guint64)st->st_ino == cp->inode &&
           (guint64)st->st_size >= cp->offset && fingerprint_at(fd, cp->offset, &hash, &len) &&
           len == cp->fingerprint_len && hash == cp->fingerprint;
}

/* ---- files --------------------------------------------------------------------------- */

static gboolean
inode_followed(Tail *t, const struct stat *st)
{
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        if (in->file && in->file->dev == (guint64)st->st_dev &&
            in->file->ino == (guint64)st->st_ino)
            return TRUE;
    }
    return FALSE;
}

/* Makes fd (open on st, named opened_as) the input's file, reading from offset. */
static TailFile *
file_new(Input *in, int fd, const struct stat *st, const char *opened_as, guint64 offset,
         gboolean skip_partial)
{
    Tail *t = in->tail;
    g_assert(in->file == NULL);
    TailFile *f = g_new0(TailFile, 1);
    f->tail = t;
    f->input = in;
    f->id = ++t->next_id;
    f->fd = fd;
    f->dev = (guint64)st->st_dev;
    f->ino = (guint64)st->st_ino;
    f->opened_as = g_strdup(opened_as);
    tail_lines_init(&f->lines, t->line_max, offset, skip_partial);
    in->file = f;
    f->wd = watch_fd(t, fd, opened_as);
    input_watch_target(in);
    if (in->next_wd >= 0 && in->next_wd != f->wd) {
        int old = in->next_wd;
        in->next_wd = -1;
        watch_release(t, old);
    }
    in->next_wd = -1;
    char buf[LOG_ESCAPE_BUFSIZE];
    g_info("tail: following %s (inode %" G_GUINT64_FORMAT ") from offset %" G_GUINT64_FORMAT,
           esc(opened_as, buf), f->ino, offset);
    emit(f, TAIL_EVENT_OPENED);
    return f;
}

/* Flushes, reports and closes the input's file. */
static void
file_close(TailFile *f)
{
    Input *in = f->input;
    Tail *t = f->tail;
    file_idle(f);
    emit(f, TAIL_EVENT_CLOSED);
    in->file = NULL;
    watch_release(t, f->wd);
    close(f->fd);
    tail_lines_clear(&f->lines);
    g_free(f->opened_as);
    g_free(f);
}

static int
open_regular(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

/* Opens the file at the input's path from offset 0 (it appeared, or replaced ours). */
static void
input_open_new(Input *in)
{
    struct stat st;
    int fd = open_regular(in->path, &st);
    if (fd < 0)
        return;
    if (inode_followed(in->tail, &st)) {
        close(fd);
        return;
    }
    file_new(in, fd, &st, in->path, 0, FALSE);
}

/* Watches the file now at the input's path while we finish the old one, so its first write
 * wakes us. */
static void
input_watch_next(Input *in)
{
    Tail *t = in->tail;
    int wd = inotify_add_watch(t->ifd, in->path, FILE_MASK);
    if (wd < 0 || wd == in->next_wd)
        return;
    int old = in->next_wd;
    in->next_wd = wd;
    watch_release(t, old);
}

/*
 * The one place that decides what an input reads next; see the model at the top. Called for
 * every event touching the input, after an overflow, and for backlog.
 */
static void
input_check(Input *in, gsize budget)
{
    Tail *t = in->tail;
    TailFile *f = in->file;
    char buf[LOG_ESCAPE_BUFSIZE];

    in->dirty = FALSE;
    in->backlog = FALSE;
    if (f && file_read(f, budget)) {
        in->backlog = TRUE;
        arm_catchup(t);
        return;
    }

    struct stat st;
    if (stat(in->path, &st) != 0 || !S_ISREG(st.st_mode)) {
        /* Gone (or not a file): keep reading what we have; once it is unlinked for good,
         * the idle check closes it. */
        struct stat fst;
        if (f && fstat(f->fd, &fst) == 0 && fst.st_nlink == 0 && f->idle_due_us == 0) {
            f->idle_due_us = g_get_monotonic_time() + (gint64)t->idle_ms * 1000;
            arm_idle(t, f->idle_due_us);
        }
        return;
    }
    if (f && f->dev == (guint64)st.st_dev && f->ino == (guint64)st.st_ino) {
        if (in->next_wd >= 0) {
            int old = in->next_wd;
            in->next_wd = -1;
            watch_release(t, old);
        }
        return;
    }
    if (inode_followed(t, &st))
        return; /* another input (a symlink, a second name) reads this inode */
    if (!f) {
        input_open_new(in);
        if (in->file && file_read(in->file, budget)) {
            in->backlog = TRUE;
            arm_catchup(t);
        }
        return;
    }
    if (st.st_size == 0) {
        /* The successor exists but the writer may still write to the old one. If the old
         * one was unlinked, the idle check closes it once quiet, and the successor
         * becomes the file. */
        struct stat fst;
        input_watch_next(in);
        if (fstat(f->fd, &fst) == 0 && fst.st_nlink == 0 && f->idle_due_us == 0) {
            f->idle_due_us = g_get_monotonic_time() + (gint64)t->idle_ms * 1000;
            arm_idle(t, f->idle_due_us);
        }
        return;
    }
    file_drain(f);
    g_message("tail: %s rotated: finished inode %" G_GUINT64_FORMAT " at offset %" G_GUINT64_FORMAT
              ", following inode %" G_GUINT64_FORMAT " from its start",
              esc(in->path, buf), f->ino, f->lines.offset, (guint64)st.st_ino);
    if (f->lines.held_len > 0 || f->lines.dropping)
        g_message("tail: %s: rotated file ended without a final newline; its last %" G_GSIZE_FORMAT
                  " bytes are ignored",
                  esc(f->opened_as, buf), f->lines.held_len);
    t->stats.rotations++;
    file_close(f);
    input_open_new(in);
    if (in->file && file_read(in->file, budget)) {
        in->backlog = TRUE;
        arm_catchup(t);
    }
}

/* ---- inputs and directories ---------------------------------------------------------- */

static Input *
input_find(Tail *t, const char *path)
{
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        if (strcmp(in->path, path) == 0)
            return in;
    }
    return NULL;
}

static Input *
input_add(Tail *t, Dir *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir->path, name, NULL);
    Input *in = input_find(t, path);
    if (in)
        return in;
    in = g_new0(Input, 1);
    in->tail = t;
    in->dir = dir;
    in->path = g_steal_pointer(&path);
    in->name = g_strdup(name);
    in->next_wd = -1;
    g_ptr_array_add(t->inputs, in);
    return in;
}

static void
input_free(Input *in)
{
    if (in->file) {
        close(in->file->fd);
        tail_lines_clear(&in->file->lines);
        g_free(in->file->opened_as);
        g_free(in->file);
    }
    g_free(in->path);
    g_free(in->name);
    g_free(in->target_name);
    g_free(in);
}

static Dir *
dir_get(Tail *t, const char *path)
{
    for (guint i = 0; i < t->dirs->len; i++) {
        Dir *d = t->dirs->pdata[i];
        if (strcmp(d->path, path) == 0)
            return d;
    }
    Dir *d = g_new0(Dir, 1);
    d->path = g_strdup(path);
    d->wd = -1;
    d->globs = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(t->dirs, d);
    return d;
}

static void
dir_free(Dir *d)
{
    g_ptr_array_unref(d->globs);
    g_free(d->path);
    g_free(d);
}

static gboolean
dir_glob_matches(const Dir *d, const char *name)
{
    for (guint i = 0; i < d->globs->len; i++) {
        if (fnmatch(d->globs->pdata[i], name, FNM_PERIOD) == 0)
            return TRUE;
    }
    return FALSE;
}

/* A name a glob matches is not followed when it is a rotated copy of another followed name
 * (NAME.1 beside NAME): its lines were read as NAME's. */
static gboolean
dir_is_rotated_copy(Tail *t, const Dir *d, const char *name, GPtrArray *also)
{
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        if (in->dir == d && tail_name_is_rotated(in->name, name))
            return TRUE;
    }
    for (guint i = 0; also && i < also->len; i++) {
        if (tail_name_is_rotated(also->pdata[i], name))
            return TRUE;
    }
    return FALSE;
}

/* Adds an input for every name in d that a glob matches; returns the new inputs' count. */
static guint
dir_scan(Tail *t, Dir *d)
{
    if (d->globs->len == 0)
        return 0;
    GDir *gd = g_dir_open(d->path, 0, NULL);
    if (!gd)
        return 0;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(gd)) != NULL) {
        if (dir_glob_matches(d, name))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_dir_close(gd);
    guint added = 0;
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(d->path, names->pdata[i], NULL);
        if (input_find(t, path) || dir_is_rotated_copy(t, d, names->pdata[i], names))
            continue;
        Input *in = input_add(t, d, names->pdata[i]);
        in->from_glob = TRUE;
        in->dirty = TRUE;
        added++;
    }
    return added;
}

static gboolean
dir_watch(Tail *t, Dir *d, GError **error)
{
    d->wd = inotify_add_watch(t->ifd, d->path, DIR_MASK);
    if (d->wd >= 0)
        return TRUE;
    int e = errno;
    char buf[LOG_ESCAPE_BUFSIZE];
    if (e == ENOENT || e == ENOTDIR) {
        g_message("tail: waiting for directory %s to appear", esc(d->path, buf));
        arm_dir_retry(t);
        return TRUE;
    }
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "tail: cannot watch %s: %s",
                esc(d->path, buf), g_strerror(e));
    return FALSE;
}

static void
dir_name_event(Tail *t, Dir *d, const char *name, guint32 mask)
{
    g_autofree char *path = g_build_filename(d->path, name, NULL);
    Input *in = input_find(t, path);
    if (!in && (mask & (IN_CREATE | IN_MOVED_TO)) && dir_glob_matches(d, name) &&
        !dir_is_rotated_copy(t, d, name, NULL)) {
        in = input_add(t, d, name);
        in->from_glob = TRUE;
    }
    if (in)
        in->dirty = TRUE;
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *other = t->inputs->pdata[i];
        if (other->target_dir == d && strcmp(other->target_name, name) == 0)
            other->dirty = TRUE;
    }
}

/* When the path is a symlink, the target's own directory is watched too: a target rotated
 * in place (renamed, then recreated under its name) makes no event in the link's directory. */
static void
input_watch_target(Input *in)
{
    Tail *t = in->tail;
    struct stat lst;
    if (lstat(in->path, &lst) != 0 || !S_ISLNK(lst.st_mode))
        return;
    char *real = realpath(in->path, NULL);
    if (!real)
        return;
    g_autofree char *dir = g_path_get_dirname(real);
    g_autofree char *name = g_path_get_basename(real);
    free(real);
    guint n_dirs = t->dirs->len;
    Dir *d = dir_get(t, dir);
    if (t->dirs->len > n_dirs)
        d->symlink_target = TRUE;
    if (d->wd < 0 && d->symlink_target)
        d->wd = inotify_add_watch(t->ifd, d->path, DIR_MASK);
    in->target_dir = d;
    g_free(in->target_name);
    in->target_name = g_steal_pointer(&name);
}

/* ---- the loop ------------------------------------------------------------------------ */

static void
check_dirty(Tail *t)
{
    /* input_check() may add nothing to t->inputs, so indices stay valid. */
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        if (in->dirty)
            input_check(in, READ_BUDGET);
    }
}

static void
rescan_all(Tail *t)
{
    for (guint i = 0; i < t->dirs->len; i++) {
        Dir *d = t->dirs->pdata[i];
        if (d->symlink_target || (d->wd < 0 && !dir_watch(t, d, NULL)))
            continue;
        dir_scan(t, d);
    }
    for (guint i = 0; i < t->inputs->len; i++)
        ((Input *)t->inputs->pdata[i])->dirty = TRUE;
    check_dirty(t);
}

static void
handle_overflow(Tail *t)
{
    t->stats.overflows++;
    g_warning("tail: inotify queue overflowed; re-checking all %u inputs (raise "
              "fs.inotify.max_queued_events if this repeats)",
              t->inputs->len);
    rescan_all(t);
}

static void
forget_wd(Tail *t, int wd)
{
    for (guint i = 0; i < t->dirs->len; i++) {
        Dir *d = t->dirs->pdata[i];
        if (d->wd == wd) {
            d->wd = -1;
            if (!d->symlink_target)
                arm_dir_retry(t);
        }
    }
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        if (in->next_wd == wd)
            in->next_wd = -1;
        if (in->file && in->file->wd == wd)
            in->file->wd = -1;
    }
}

static void
handle_event(Tail *t, const struct inotify_event *ev)
{
    if (ev->mask & IN_IGNORED) {
        forget_wd(t, ev->wd);
        return;
    }
    for (guint i = 0; i < t->dirs->len; i++) {
        Dir *d = t->dirs->pdata[i];
        if (d->wd != ev->wd)
            continue;
        if (ev->len > 0)
            dir_name_event(t, d, ev->name, ev->mask);
        else if ((ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) && !d->symlink_target) {
            char buf[LOG_ESCAPE_BUFSIZE];
            g_message("tail: directory %s went away; waiting for it", esc(d->path, buf));
            inotify_rm_watch(t->ifd, d->wd);
            d->wd = -1;
            arm_dir_retry(t);
        }
        return;
    }
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        if (in->next_wd == ev->wd || (in->file && in->file->wd == ev->wd))
            in->dirty = TRUE;
    }
}

static gboolean
on_inotify(int fd, GIOCondition cond, gpointer data)
{
    Tail *t = data;
    (void)fd;
    (void)cond;
    /* Aligned for struct inotify_event, as inotify(7) recommends. */
    char evbuf[EVENT_BUF_SIZE] __attribute__((aligned(__alignof__(struct inotify_event))));
    gboolean overflow = FALSE;

    /* A bounded number of reads per turn: under a flood the fd stays readable and the loop
     * comes back, after the other sources had their turn. */
    for (int reads = 0; reads < 8; reads++) {
        ssize_t n = read(t->ifd, evbuf, sizeof(evbuf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (char *p = evbuf; p < evbuf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->mask & IN_Q_OVERFLOW)
                overflow = TRUE;
            else
                handle_event(t, ev);
            p += sizeof(struct inotify_event) + ev->len;
        }
    }
    if (overflow)
        handle_overflow(t);
    else
        check_dirty(t);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_idle_timer(gpointer data)
{
    Tail *t = data;
    gint64 now = g_get_monotonic_time(), next = G_MAXINT64;

    g_source_unref(t->idle_source);
    t->idle_source = NULL;
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        TailFile *f = in->file;
        if (!f || f->idle_due_us == 0)
            continue;
        if (f->idle_due_us > now) {
            next = MIN(next, f->idle_due_us);
            continue;
        }
        f->idle_due_us = 0;
        file_idle(f);
        /* A file unlinked for good (no new file at the path took over): once it has been
         * quiet for the grace period, the writer has let go of it too. */
        struct stat st;
        if (fstat(f->fd, &st) != 0 || st.st_nlink > 0)
            continue;
        guint64 before = f->lines.offset;
        file_drain(f);
        gint64 grace_us = (gint64)t->idle_ms * 1000 * ORPHAN_GRACE_IDLES;
        if (f->lines.offset != before) {
            f->orphan_since_us = 0; /* still written: file_read() set a new idle time */
        } else if (f->orphan_since_us == 0) {
            f->orphan_since_us = now;
            f->idle_due_us = now + grace_us;
        } else if (now - f->orphan_since_us >= grace_us) {
            char buf[LOG_ESCAPE_BUFSIZE];
            g_message("tail: %s was deleted; closed it at offset %" G_GUINT64_FORMAT,
                      esc(f->opened_as, buf), f->lines.offset);
            file_close(f);
            in->dirty = TRUE;
            continue;
        } else {
            f->idle_due_us = f->orphan_since_us + grace_us;
        }
        if (f->idle_due_us)
            next = MIN(next, f->idle_due_us);
    }
    check_dirty(t);
    if (next != G_MAXINT64)
        arm_idle(t, next);
    return G_SOURCE_REMOVE;
}

/* Makes sure the idle timer fires no later than due_us. One timer serves every file: it is
 * only re-armed when due_us is earlier than the pending one, so a busy file costs nothing. */
static void
arm_idle(Tail *t, gint64 due_us)
{
    if (t->idle_source && t->idle_source_due_us <= due_us)
        return;
    drop_source(&t->idle_source);
    gint64 wait_ms = MAX((due_us - g_get_monotonic_time() + 999) / 1000, 0);
    t->idle_source_due_us = due_us;
    t->idle_source = attach(t, g_timeout_source_new((guint)wait_ms), on_idle_timer);
}

static gboolean
on_catchup(gpointer data)
{
    Tail *t = data;
    g_source_unref(t->catchup_source);
    t->catchup_source = NULL;
    for (guint i = 0; i < t->inputs->len; i++) {
        Input *in = t->inputs->pdata[i];
        if (in->backlog || in->dirty)
            input_check(in, READ_BUDGET);
    }
    return G_SOURCE_REMOVE;
}

static void
arm_catchup(Tail *t)
{
    if (!t->catchup_source)
        t->catchup_source = attach(t, g_idle_source_new(), on_catchup);
}

static gboolean
on_dir_retry(gpointer data)
{
    Tail *t = data;
    gboolean missing = FALSE;
    for (guint i = 0; i < t->dirs->len; i++) {
        Dir *d = t->dirs->pdata[i];
        if (d->wd >= 0 || d->symlink_target)
            continue;
        d->wd = inotify_add_watch(t->ifd, d->path, DIR_MASK);
        if (d->wd < 0) {
            missing = TRUE;
            continue;
        }
        char buf[LOG_ESCAPE_BUFSIZE];
        g_message("tail: directory %s appeared", esc(d->path, buf));
        dir_scan(t, d);
        for (guint j = 0; j < t->inputs->len; j++) {
            Input *in = t->inputs->pdata[j];
            if (in->dir == d)
                in->dirty = TRUE;
        }
    }
    check_dirty(t);
    if (missing)
        return G_SOURCE_CONTINUE;
    g_source_unref(t->dir_retry_source);
    t->dir_retry_source = NULL;
    return G_SOURCE_REMOVE;
}

static void
arm_dir_retry(Tail *t)
{
    if (!t->dir_retry_source)
        t->dir_retry_source = attach(t, g_timeout_source_new(DIR_RETRY_MS), on_dir_retry);
}

/* ---- start --------------------------------------------------------------------------- */

static const TailCheckpoint *
checkpoint_for(const char *path, const TailCheckpoint *cps, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        if (strncmp(cps[i].path, path, TAIL_PATH_MAX) == 0)
            return &cps[i];
    }
    return NULL;
}

/* Looks in the input's directory for its checkpointed inode under a rotated name. */
static gboolean
open_rotated(Input *in, const TailCheckpoint *cp)
{
    GDir *gd = g_dir_open(in->dir->path, 0, NULL);
    if (!gd)
        return FALSE;
    const char *name;
    gboolean found = FALSE;
    while (!found && (name = g_dir_read_name(gd)) != NULL) {
        if (!tail_name_is_rotated(in->name, name))
            continue;
        g_autofree char *path = g_build_filename(in->dir->path, name, NULL);
        struct stat st;
        if (stat(path, &st) != 0 || (guint64)st.st_ino != cp->inode ||
            (guint64)st.st_dev != cp->device)
            continue;
        int fd = open_regular(path, &st);
        if (fd < 0)
            continue;
        char buf[LOG_ESCAPE_BUFSIZE], buf2[LOG_ESCAPE_BUFSIZE];
        if (!checkpoint_matches(fd, &st, cp)) {
            g_message("tail: %s has the checkpointed inode but other contents; not resuming it",
                      esc(path, buf));
            close(fd);
            continue;
        }
        g_message("tail: %s was rotated while stopped: finishing %s from offset %" G_GUINT64_FORMAT
                  " first",
                  esc(in->path, buf), esc(path, buf2), cp->offset);
        in->tail->stats.resumed++;
        file_new(in, fd, &st, path, cp->offset, FALSE);
        found = TRUE;
    }
    g_dir_close(gd);
    return found;
}

static void
input_open_initial(Input *in, const TailCheckpoint *cps, gsize n_cps)
{
    Tail *t = in->tail;
    char buf[LOG_ESCAPE_BUFSIZE];
    const TailCheckpoint *cp = checkpoint_for(in->path, cps, n_cps);
    struct stat st;
    int fd = open_regular(in->path, &st);

    if (fd >= 0 && inode_followed(t, &st)) {
        close(fd);
        return;
    }
    if (cp) {
        gboolean same =
            fd >= 0 && (guint64)st.st_dev == cp->device && (guint64)st.st_ino == cp->inode;
        if (same && checkpoint_matches(fd, &st, cp)) {
            g_message("tail: resuming %s at offset %" G_GUINT64_FORMAT, esc(in->path, buf),
                      cp->offset);
            t->stats.resumed++;
            file_new(in, fd, &st, in->path, cp->offset, FALSE);
            return;
        }
        if (same && (guint64)st.st_size < cp->offset) {
            g_message("tail: %s shrank while stopped (truncated); reading it from its start",
                      esc(in->path, buf));
            t->stats.truncations++;
            file_new(in, fd, &st, in->path, 0, FALSE);
            return;
        }
        if (!same && open_rotated(in, cp)) {
            if (fd >= 0)
                close(fd);
            in->dirty = TRUE; /* then the file now at the path, from its start */
            return;
        }
        g_message("tail: checkpoint for %s matches no file; starting at its %s", esc(in->path, buf),
                  t->start_at == TAIL_START_END ? "end" : "beginning");
    }
    if (fd < 0) {
        g_message("tail: waiting for %s to appear", esc(in->path, buf));
        return;
    }
    guint64 offset = 0;
    gboolean skip = FALSE;
    if (t->start_at == TAIL_START_END && st.st_size > 0) {
        char last;
        offset = (guint64)st.st_size;
        skip = pread(fd, &last, 1, (off_t)offset - 1) == 1 && last != '\n';
    }
    file_new(in, fd, &st, in->path, offset, skip);
}

Tail *
tail_new(const TailConfig *cfg, const TailCallbacks *callbacks, gpointer user_data, GError **error)
{
    g_return_val_if_fail(cfg != NULL && callbacks != NULL && callbacks->line != NULL, NULL);
    g_return_val_if_fail(cfg->n_patterns == 0 || cfg->patterns != NULL, NULL);

    if (cfg->n_patterns == 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "tail: no file to follow");
        return NULL;
    }
    g_autoptr(Tail) t = g_new0(Tail, 1);
    t->ifd = -1;
    t->dirs = g_ptr_array_new_with_free_func((GDestroyNotify)dir_free);
    t->inputs = g_ptr_array_new_with_free_func((GDestroyNotify)input_free);
    t->patterns = g_new0(char *, cfg->n_patterns + 1);
    for (guint i = 0; i < cfg->n_patterns; i++) {
        g_autofree char *dir = NULL, *name = NULL;
        gboolean is_glob;
        if (!tail_pattern_split(cfg->patterns[i], &dir, &name, &is_glob, error))
            return NULL;
        t->patterns[i] = g_strdup(cfg->patterns[i]);
        Dir *d = dir_get(t, dir);
        if (is_glob) {
            gboolean seen = FALSE;
            for (guint j = 0; j < d->globs->len; j++)
                seen = seen || strcmp(d->globs->pdata[j], name) == 0;
            if (!seen)
                g_ptr_array_add(d->globs, g_strdup(name));
        } else {
            input_add(t, d, name);
        }
    }
    t->start_at = cfg->start_at;
    t->idle_ms = cfg->idle_ms ? cfg->idle_ms : TAIL_IDLE_MS_DEFAULT;
    t->line_max = cfg->line_max ? cfg->line_max : ALERT_LINE_MAX;
    t->cb = *callbacks;
    t->user_data = user_data;
    t->rbuf = g_malloc(READ_BUF_SIZE);
    return g_steal_pointer(&t);
}

void
tail_free(Tail *tail)
{
    if (!tail)
        return;
    drop_source(&tail->ifd_source);
    drop_source(&tail->idle_source);
    drop_source(&tail->catchup_source);
    drop_source(&tail->dir_retry_source);
    /* Inputs close their files without callbacks. */
    g_ptr_array_unref(tail->inputs);
    g_ptr_array_unref(tail->dirs);
    if (tail->ifd >= 0)
        close(tail->ifd);
    if (tail->ctx)
        g_main_context_unref(tail->ctx);
    g_strfreev(tail->patterns);
    g_free(tail->rbuf);
    g_free(tail);
}

gboolean
tail_start(Tail *tail, const TailCheckpoint *checkpoints, gsize n_checkpoints, GError **error)
{
    g_return_val_if_fail(tail != NULL, FALSE);
    g_return_val_if_fail(tail->ifd < 0, FALSE);
    g_return_val_if_fail(n_checkpoints == 0 || checkpoints != NULL, FALSE);

    tail->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (tail->ifd < 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "tail: inotify: %s",
                    g_strerror(errno));
        return FALSE;
    }
    tail->ctx = g_main_context_ref_thread_default();
    tail->ifd_source =
        attach(tail, g_unix_fd_source_new(tail->ifd, G_IO_IN), G_SOURCE_FUNC(on_inotify));

    for (guint i = 0; i < tail->dirs->len; i++) {
        Dir *d = tail->dirs->pdata[i];
        if (!dir_watch(tail, d, error))
            return FALSE;
        if (d->wd >= 0)
            dir_scan(tail, d);
    }
    for (guint i = 0; i < tail->inputs->len; i++)
        input_open_initial(tail->inputs->pdata[i], checkpoints, n_checkpoints);
    /* What is already there is read from the loop, like everything after it. */
    for (guint i = 0; i < tail->inputs->len; i++)
        ((Input *)tail->inputs->pdata[i])->backlog = TRUE;
    arm_catchup(tail);
    return TRUE;
}

gboolean
tail_checkpoint(Tail *tail, TailFile *file, guint64 offset, TailCheckpoint *out, GError **error)
{
    g_return_val_if_fail(tail != NULL && file != NULL && out != NULL, FALSE);
    g_return_val_if_fail(file->tail == tail, FALSE);

    if (offset > file->lines.delivered) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "tail: checkpoint offset %" G_GUINT64_FORMAT
                    " is past the delivered offset %" G_GUINT64_FORMAT,
                    offset, file->lines.delivered);
        return FALSE;
    }
    memset(out, 0, sizeof(*out));
    gsize want = (gsize)MIN(offset, (guint64)TAIL_FINGERPRINT_MAX);
    if (file->chunk && offset - want >= file->chunk_start &&
        offset <= file->chunk_start + file->chunk_len) {
        out->fingerprint =
            tail_fingerprint(file->chunk + (offset - want - file->chunk_start), want);
        out->fingerprint_len = (guint32)want;
    } else if (!fingerprint_at(file->fd, offset, &out->fingerprint, &out->fingerprint_len)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "tail: cannot read back %s before offset %" G_GUINT64_FORMAT " (truncated?)",
                    file->input->path, offset);
        return FALSE;
    }
    g_strlcpy(out->path, file->input->path, sizeof(out->path));
    out->device = file->dev;
    out->inode = file->ino;
    out->offset = offset;
    return TRUE;
}

GPtrArray *
tail_list_files(Tail *tail)
{
    g_return_val_if_fail(tail != NULL, NULL);
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < tail->inputs->len; i++) {
        Input *in = tail->inputs->pdata[i];
        if (in->file)
            g_ptr_array_add(out, in->file);
    }
    return out;
}

const char *
tail_file_get_path(const TailFile *file)
{
    g_return_val_if_fail(file != NULL, NULL);
    return file->input->path;
}

guint64
tail_file_get_id(const TailFile *file)
{
    g_return_val_if_fail(file != NULL, 0);
    return file->id;
}

guint64
tail_file_get_delivered(const TailFile *file)
{
    g_return_val_if_fail(file != NULL, 0);
    return file->lines.delivered;
}

void
tail_file_set_user_data(TailFile *file, gpointer data)
{
    g_return_if_fail(file != NULL);
    file->user_data = data;
}

gpointer
tail_file_get_user_data(const TailFile *file)
{
    g_return_val_if_fail(file != NULL, NULL);
    return file->user_data;
}

const TailStats *
tail_get_stats(const Tail *tail)
{
    g_return_val_if_fail(tail != NULL, NULL);
    return &tail->stats;
}

static gint
status_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(((const TailInputStatus *)a)->path, ((const TailInputStatus *)b)->path);
}

GArray *
tail_get_status(Tail *tail)
{
    g_return_val_if_fail(tail != NULL, NULL);
    GArray *out = g_array_sized_new(FALSE, TRUE, sizeof(TailInputStatus), tail->inputs->len);
    for (guint i = 0; i < tail->inputs->len; i++) {
        Input *in = tail->inputs->pdata[i];
        TailInputStatus s;
        memset(&s, 0, sizeof(s));
        g_strlcpy(s.path, in->path, sizeof(s.path));
        struct stat st;
        if (in->file && fstat(in->file->fd, &st) == 0) {
            s.open = TRUE;
            s.device = in->file->dev;
            s.inode = in->file->ino;
            s.offset = in->file->lines.offset;
            s.size = (guint64)st.st_size;
            s.lag_bytes = s.size > s.offset ? s.size - s.offset : 0;
        }
        g_array_append_val(out, s);
    }
    g_array_sort(out, status_cmp);
    return out;
}

void
tail_simulate_overflow(Tail *tail)
{
    g_return_if_fail(tail != NULL);
    handle_overflow(tail);
}

guint
tail_forget_gone(Tail *tail, gint64 now_us, gint64 grace_us, GPtrArray *forgotten)
{
    g_return_val_if_fail(tail != NULL, 0);
    guint n = 0;
    for (guint i = 0; i < tail->inputs->len;) {
        Input *in = tail->inputs->pdata[i];
        struct stat sb;
        /* Only a glob's input with nothing open: a named path is the configuration's, and an
         * open file (even unlinked) is still being drained. */
        if (!in->from_glob || in->file || lstat(in->path, &sb) == 0 || errno != ENOENT) {
            in->gone_since_us = 0;
            i++;
            continue;
        }
        if (in->gone_since_us == 0)
            in->gone_since_us = now_us;
        if (now_us - in->gone_since_us < grace_us) {
            i++;
            continue;
        }
        char buf[LOG_ESCAPE_BUFSIZE];
        g_message("tail: forgetting %s, gone for %" G_GINT64_FORMAT " s", esc(in->path, buf),
                  (now_us - in->gone_since_us) / G_USEC_PER_SEC);
        if (forgotten)
            g_ptr_array_add(forgotten, g_strdup(in->path));
        g_ptr_array_remove_index(tail->inputs, i); /* frees in */
        n++;
    }
    return n;
}
