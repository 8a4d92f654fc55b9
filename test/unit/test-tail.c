// SPDX-License-Identifier: GPL-2.0-or-later
// Tests of the tailer against real files in a temp directory: appends, rotations,
// truncation, deletion, symlinks, globs, inotify overflow and restarts from checkpoints,
// each asserting the exact lines delivered.
#include "tail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "error.h"
#include "tail_match.h"
#include "testutil.h"

#define DEADLINE_MS 10000
#define TEST_IDLE_MS 40

/* What the callbacks saw. */
typedef struct {
    char *dir;
    Tail *tail;
    GPtrArray *lines;     /* "basename:line" in delivery order */
    GHashTable *last_end; /* file id -> last end_offset (guint64 stored in a pointer) */
    GPtrArray *events;    /* "opened:base" "truncated:base" "closed:base" "idle:base" */
    guint idles;
    gboolean idle_since_line; /* an idle callback came after the last line */
    GPtrArray *files_seen;    /* TailFile* of the last line, for checkpoints */
    TailFile *last_file;
    guint64 last_end_offset;
    GArray *inline_cps; /* when set: a checkpoint taken inside each line callback */
} Fx;

static const char *
base_of(TailFile *f)
{
    const char *p = strrchr(tail_file_get_path(f), '/');
    return p ? p + 1 : tail_file_get_path(f);
}

static void
on_line(TailFile *f, const char *line, gsize len, guint64 end_offset, gpointer user_data)
{
    Fx *fx = user_data;
    g_assert_null(memchr(line, '\n', len));
    gpointer key = GSIZE_TO_POINTER((gsize)tail_file_get_id(f));
    guint64 prev = GPOINTER_TO_SIZE(g_hash_table_lookup(fx->last_end, key));
    g_assert_cmpuint(end_offset, >, prev); /* in file order, each once */
    g_assert_cmpuint(end_offset, ==, tail_file_get_delivered(f));
    g_hash_table_insert(fx->last_end, key, GSIZE_TO_POINTER((gsize)end_offset));
    g_ptr_array_add(fx->lines, g_strdup_printf("%s:%.*s", base_of(f), (int)len, line));
    fx->idle_since_line = FALSE;
    fx->last_file = f;
    fx->last_end_offset = end_offset;
    if (fx->inline_cps) {
        TailCheckpoint cp;
        g_assert_true(tail_checkpoint(fx->tail, f, end_offset, &cp, NULL));
        g_array_append_val(fx->inline_cps, cp);
    }
}

static void
on_idle(TailFile *f, gpointer user_data)
{
    Fx *fx = user_data;
    fx->idles++;
    fx->idle_since_line = TRUE;
    g_ptr_array_add(fx->events, g_strdup_printf("idle:%s", base_of(f)));
}

static void
on_event(TailFile *f, TailEvent ev, gpointer user_data)
{
    Fx *fx = user_data;
    static const char *const names[] = {"opened", "truncated", "closed"};
    g_ptr_array_add(fx->events, g_strdup_printf("%s:%s", names[ev], base_of(f)));
    gpointer key = GSIZE_TO_POINTER((gsize)tail_file_get_id(f));
    if (ev == TAIL_EVENT_TRUNCATED)
        g_hash_table_insert(fx->last_end, key, GSIZE_TO_POINTER(0));
    if (ev == TAIL_EVENT_CLOSED && fx->last_file == f)
        fx->last_file = NULL;
}

static const TailCallbacks callbacks = {on_line, on_idle, on_event};

static void
fx_setup(Fx *fx, gconstpointer data)
{
    (void)data;
    fx->dir = test_mkdtemp();
    fx->lines = g_ptr_array_new_with_free_func(g_free);
    fx->events = g_ptr_array_new_with_free_func(g_free);
    fx->last_end = g_hash_table_new(g_direct_hash, g_direct_equal);
    test_log_clear();
}

static void
fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    g_clear_pointer(&fx->tail, tail_free);
    g_ptr_array_unref(fx->lines);
    g_ptr_array_unref(fx->events);
    g_hash_table_unref(fx->last_end);
    test_rm_rf(fx->dir);
    g_free(fx->dir);
}

static char *
fx_path(Fx *fx, const char *name)
{
    return g_build_filename(fx->dir, name, NULL);
}

static Tail *
fx_start_full(Fx *fx, const char *const *names, guint n, TailStartAt start_at, gsize line_max,
              const TailCheckpoint *cps, gsize n_cps)
{
    g_autoptr(GPtrArray) patterns = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(patterns, fx_path(fx, names[i]));
    TailConfig cfg = {
        .patterns = (const char *const *)patterns->pdata,
        .n_patterns = n,
        .start_at = start_at,
        .idle_ms = TEST_IDLE_MS,
        .line_max = line_max,
    };
    g_autoptr(GError) error = NULL;
    Tail *t = tail_new(&cfg, &callbacks, fx, &error);
    g_assert_no_error(error);
    g_assert_true(tail_start(t, cps, n_cps, &error));
    g_assert_no_error(error);
    fx->tail = t;
    return t;
}

static Tail *
fx_start(Fx *fx, const char *name, TailStartAt start_at)
{
    const char *names[] = {name};
    return fx_start_full(fx, names, 1, start_at, 0, NULL, 0);
}

static gboolean
on_deadline(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

/* Runs the loop until *count >= want or the deadline passes; TRUE when reached. */
static gboolean
run_until_count(const guint *count, guint want)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add(DEADLINE_MS, on_deadline, &expired);
    while (*count < want && !expired)
        g_main_context_iteration(NULL, TRUE);
    if (!expired)
        g_source_remove(id);
    return *count >= want;
}

/* Runs the loop until pred(fx) holds or the deadline passes. */
static void
run_until(gboolean (*pred)(Fx *), Fx *fx)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add(DEADLINE_MS, on_deadline, &expired);
    while (!pred(fx) && !expired)
        g_main_context_iteration(NULL, TRUE);
    g_assert_false(expired);
    g_source_remove(id);
}

/* Runs the loop until the tailer has gone idle after its last line: nothing more is coming. */
static void
run_until_quiet(Fx *fx)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add(DEADLINE_MS, on_deadline, &expired);
    while (!fx->idle_since_line && !expired)
        g_main_context_iteration(NULL, TRUE);
    g_assert_false(expired);
    g_source_remove(id);
}

/* Spins the loop without blocking, as a busy daemon would between writes. */
static void
pump(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static void
write_all(int fd, const char *text)
{
    gsize len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        g_assert_cmpint(n, >, 0);
        done += (gsize)n;
    }
}

static int
open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    g_assert_cmpint(fd, >=, 0);
    return fd;
}

static void
append(const char *path, const char *text)
{
    int fd = open_append(path);
    write_all(fd, text);
    g_assert_cmpint(close(fd), ==, 0);
}

/* Writes lines first..last-1 ("NAME:line-00042") to fd, one write() per line. */
static void
write_lines(int fd, const char *tag, guint first, guint last)
{
    for (guint i = first; i < last; i++) {
        char buf[128];
        g_snprintf(buf, sizeof(buf), "%s-line-%05u alert text\n", tag, i);
        write_all(fd, buf);
    }
}

static void
expect_lines(GPtrArray *want, const char *base, const char *tag, guint first, guint last)
{
    for (guint i = first; i < last; i++)
        g_ptr_array_add(want, g_strdup_printf("%s:%s-line-%05u alert text", base, tag, i));
}

/* The delivered lines must equal want exactly: same lines, same order, nothing extra. */
static void
assert_lines(Fx *fx, GPtrArray *want)
{
    guint n = MIN(fx->lines->len, want->len);
    for (guint i = 0; i < n; i++) {
        if (strcmp(fx->lines->pdata[i], want->pdata[i]) != 0)
            g_error("line %u: got '%s', want '%s'", i, (char *)fx->lines->pdata[i],
                    (char *)want->pdata[i]);
    }
    if (fx->lines->len != want->len)
        g_error("got %u lines, want %u (next got: %s, next want: %s)", fx->lines->len, want->len,
                n < fx->lines->len ? (char *)fx->lines->pdata[n] : "-",
                n < want->len ? (char *)want->pdata[n] : "-");
}

static guint
count_events(Fx *fx, const char *event)
{
    guint n = 0;
    for (guint i = 0; i < fx->events->len; i++)
        n += strcmp(fx->events->pdata[i], event) == 0;
    return n;
}

static gboolean
saw_truncation(Fx *fx)
{
    return tail_get_stats(fx->tail)->truncations > 0;
}

static gboolean
saw_close(Fx *fx)
{
    return count_events(fx, "closed:alert") > 0;
}

/* ---- appends ------------------------------------------------------------------------- */

static void
test_split_writes(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    append(path, "first\nsec");
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    g_assert_true(run_until_count(&fx->lines->len, 1));

    int fd = open_append(path);
    write_all(fd, "ond");
    pump();
    write_all(fd, " half\nthi");
    g_assert_true(run_until_count(&fx->lines->len, 2));
    write_all(fd, "rd\n\nfourth\n");
    g_assert_true(run_until_count(&fx->lines->len, 5));
    close(fd);
    run_until_quiet(fx);

    const char *want[] = {"alert:first", "alert:second half", "alert:third",
                          "alert:", "alert:fourth"};
    g_assert_cmpuint(fx->lines->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < G_N_ELEMENTS(want); i++)
        g_assert_cmpstr(fx->lines->pdata[i], ==, want[i]);
    g_assert_cmpuint(fx->last_end_offset, ==, strlen("first\nsecond half\nthird\n\nfourth\n"));
    g_assert_cmpuint(tail_get_stats(fx->tail)->lines, ==, 5);
}

/* An alert_full block arrives in pieces with no trailing blank line: its lines come in order,
 * and exactly one idle notification follows the quiet period, then another after more. */
static void
test_block_idle(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    append(path, "");
    fx_start(fx, "alert", TAIL_START_END);
    pump();
    int fd = open_append(path);
    write_all(fd, "[**] [1:2001219:20] ET SCAN Potential SSH Scan [**]\n[Classifi");
    pump();
    write_all(fd, "cation: Attempted Information Leak] [Priority: 2] \n11/22-17:01:16.123456 "
                  "203.0.113.7:4242 -> 192.0.2.1:22\n");
    pump();
    write_all(fd, "TCP TTL:64 TOS:0x0 ID:1 IpLen:20 DgmLen:60\n");
    g_assert_true(run_until_count(&fx->lines->len, 4));
    guint idles_before = fx->idles;
    run_until_quiet(fx);
    g_assert_cmpuint(fx->idles, ==, idles_before + 1);
    g_assert_cmpstr(fx->lines->pdata[0], ==,
                    "alert:[**] [1:2001219:20] ET SCAN Potential SSH Scan [**]");
    g_assert_cmpstr(fx->lines->pdata[1], ==,
                    "alert:[Classification: Attempted Information Leak] [Priority: 2] ");
    g_assert_cmpstr(fx->lines->pdata[3], ==, "alert:TCP TTL:64 TOS:0x0 ID:1 IpLen:20 DgmLen:60");

    /* no idle without new lines: run a few idle periods worth of loop with nothing written */
    gboolean expired = FALSE;
    g_timeout_add(TEST_IDLE_MS * 4, on_deadline, &expired);
    while (!expired)
        g_main_context_iteration(NULL, TRUE);
    g_assert_cmpuint(fx->idles, ==, idles_before + 1);

    write_all(fd, "\n[**] [1:1:1] next [**]\n");
    g_assert_true(run_until_count(&fx->lines->len, 6));
    run_until_quiet(fx);
    g_assert_cmpuint(fx->idles, ==, idles_before + 2);
    g_assert_cmpstr(fx->lines->pdata[5], ==, "alert:[**] [1:1:1] next [**]");
    close(fd);
}

/* start_at=end skips what is there, including the rest of an unfinished last line. */
static void
test_start_end(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    append(path, "old1\nold2\nunfini");
    fx_start(fx, "alert", TAIL_START_END);
    pump();
    append(path, "shed\nnew1\n");
    g_assert_true(run_until_count(&fx->lines->len, 1));
    run_until_quiet(fx);
    g_assert_cmpuint(fx->lines->len, ==, 1);
    g_assert_cmpstr(fx->lines->pdata[0], ==, "alert:new1");
}

static void
test_overlong(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    append(path, "");
    const char *names[] = {"alert"};
    fx_start_full(fx, names, 1, TAIL_START_BEGINNING, 64, NULL, 0);
    pump();
    int fd = open_append(path);
    write_all(fd, "short one\n");
    /* 200 bytes arriving 40 at a time: dropped as soon as it passes 64, before its newline */
    char chunk[41];
    memset(chunk, 'x', 40);
    chunk[40] = '\0';
    for (int i = 0; i < 5; i++) {
        write_all(fd, chunk);
        pump();
        if (i == 1)
            g_assert_cmpuint(tail_get_stats(fx->tail)->dropped_too_long, ==, 1);
    }
    write_all(fd, "\nshort two\n");
    char exact[66];
    memset(exact, 'y', 64);
    exact[64] = '\n';
    exact[65] = '\0';
    write_all(fd, exact);
    g_assert_true(run_until_count(&fx->lines->len, 3));
    run_until_quiet(fx);
    close(fd);
    g_assert_cmpuint(fx->lines->len, ==, 3);
    g_assert_cmpstr(fx->lines->pdata[0], ==, "alert:short one");
    g_assert_cmpstr(fx->lines->pdata[1], ==, "alert:short two");
    g_assert_cmpuint(strlen(fx->lines->pdata[2]), ==, strlen("alert:") + 64);
    g_assert_cmpuint(tail_get_stats(fx->tail)->dropped_too_long, ==, 1);
}

/* ---- rotation ------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *rotated;           /* name the file is renamed to */
    guint late_lines;              /* lines written to the renamed descriptor after the rename */
    gboolean create_before_reopen; /* the new file exists (empty) while the old is written */
    gboolean unobserved; /* the loop does not run between the steps: all of it found at once */
} RotateCase;

static const RotateCase rotate_cases[] = {
    {"logrotate", "alert.1", 200, TRUE, FALSE},
    {"logrotate-nocreate", "alert.1", 200, FALSE, FALSE},
    {"snort-limit", "alert.1763830000", 0, FALSE, FALSE},
    {"snort-limit-late", "alert.1763830000", 50, TRUE, FALSE},
    {"logrotate-unobserved", "alert.1", 200, TRUE, TRUE},
    {"snort-limit-unobserved", "alert.1763830000", 50, FALSE, TRUE},
};

static void
step(const RotateCase *c)
{
    if (!c->unobserved)
        pump();
}

/* A logger writes a burst; the file is renamed mid-burst; the logger goes on writing to its
 * old descriptor for a while (as between logrotate's rename and the logger's reopen), then
 * reopens the path and continues. Every line arrives once, in order. */
static void
test_rotate_rename(Fx *fx, gconstpointer data)
{
    const RotateCase *c = data;
    g_autofree char *path = fx_path(fx, "alert");
    g_autofree char *rotated = fx_path(fx, c->rotated);
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    int fd = open_append(path);
    fx_start(fx, "alert", TAIL_START_BEGINNING);

    guint n = 0;
    for (guint burst = 0; burst < 5; burst++, n += 100) {
        write_lines(fd, "a", n, n + 100);
        step(c);
    }
    g_assert_cmpint(rename(path, rotated), ==, 0);
    write_lines(fd, "a", n, n + c->late_lines / 2);
    step(c);
    if (c->create_before_reopen)
        close(open_append(path));
    step(c);
    write_lines(fd, "a", n + c->late_lines / 2, n + c->late_lines);
    n += c->late_lines;
    step(c);
    g_assert_cmpint(close(fd), ==, 0);
    fd = open_append(path);
    write_lines(fd, "b", 0, 300);
    step(c);
    write_lines(fd, "b", 300, 400);
    g_assert_cmpint(close(fd), ==, 0);

    expect_lines(want, "alert", "a", 0, n);
    expect_lines(want, "alert", "b", 0, 400);
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    run_until_quiet(fx);
    assert_lines(fx, want);
    g_assert_cmpuint(tail_get_stats(fx->tail)->rotations, ==, 1);
    g_assert_cmpuint(count_events(fx, "closed:alert"), ==, 1);
    g_assert_cmpuint(count_events(fx, "opened:alert"), ==, 2);
    test_log_assert("tail: *alert rotated: finished inode*");
}

/* A logger thread writes a long burst while the main loop follows; mid-burst the file is
 * renamed, the logger writes on to its old descriptor, then reopens the path. The races
 * between the logger and the tailer are real here; the outcome must still be exact. */
typedef struct {
    char *path;
    char *rotated;
    guint before, late, after;
} BurstWriter;

static gpointer
burst_writer(gpointer data)
{
    BurstWriter *w = data;
    int fd = open_append(w->path);
    for (guint i = 0; i < w->before; i += 10)
        write_lines(fd, "a", i, i + 10);
    g_assert_cmpint(rename(w->path, w->rotated), ==, 0);
    close(open_append(w->path)); /* logrotate's create */
    write_lines(fd, "a", w->before, w->before + w->late);
    g_assert_cmpint(close(fd), ==, 0);
    fd = open_append(w->path);
    for (guint i = 0; i < w->after; i += 10)
        write_lines(fd, "b", i, i + 10);
    g_assert_cmpint(close(fd), ==, 0);
    return NULL;
}

static void
test_rotate_threaded(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    g_autofree char *rotated = fx_path(fx, "alert.1");
    BurstWriter w = {path, rotated, 20000, 2000, 20000};
    close(open_append(path));
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    pump();
    GThread *th = g_thread_new("writer", burst_writer, &w);
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    expect_lines(want, "alert", "a", 0, w.before + w.late);
    expect_lines(want, "alert", "b", 0, w.after);
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    g_thread_join(th);
    run_until_quiet(fx);
    assert_lines(fx, want);
    g_assert_cmpuint(tail_get_stats(fx->tail)->rotations, ==, 1);
}

typedef struct {
    const char *name;
    gboolean wait_before_writing; /* let the tailer see the truncation before new lines */
    guint new_lines;              /* written after the truncation */
} TruncCase;

static const TruncCase trunc_cases[] = {
    {"noticed", TRUE, 100},
    {"racing-writer", FALSE, 100},
    /* the file grows past the old offset before the tailer looks: only the bytes before the
     * offset tell */
    {"regrown-unobserved", FALSE, 400},
};

/* copytruncate: the file is copied, then truncated in place; the writer keeps its O_APPEND
 * descriptor. The tailer starts over at 0 and reads what follows. */
static void
test_copytruncate(Fx *fx, gconstpointer data)
{
    const TruncCase *c = data;
    g_autofree char *path = fx_path(fx, "alert");
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    int fd = open_append(path);
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    write_lines(fd, "a", 0, 300);
    expect_lines(want, "alert", "a", 0, 300);
    g_assert_true(run_until_count(&fx->lines->len, 300));

    g_autofree char *contents = NULL;
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_autofree char *copy = fx_path(fx, "alert.1");
    g_assert_true(g_file_set_contents(copy, contents, -1, NULL));
    g_assert_cmpint(truncate(path, 0), ==, 0);
    if (c->wait_before_writing)
        run_until(saw_truncation, fx);
    write_lines(fd, "b", 0, c->new_lines);
    expect_lines(want, "alert", "b", 0, c->new_lines);
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    run_until_quiet(fx);
    close(fd);
    assert_lines(fx, want);
    g_assert_cmpuint(tail_get_stats(fx->tail)->truncations, ==, 1);
    g_assert_cmpuint(count_events(fx, "truncated:alert"), ==, 1);
    g_assert_cmpuint(tail_get_stats(fx->tail)->rotations, ==, 0);
}

static void
test_delete_recreate(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    int fd = open_append(path);
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    write_lines(fd, "a", 0, 200);
    pump();
    g_assert_cmpint(g_unlink(path), ==, 0);
    write_lines(fd, "a", 200, 250); /* into the deleted file, before the writer notices */
    close(fd);
    pump();
    fd = open_append(path);
    write_lines(fd, "b", 0, 200);
    close(fd);
    expect_lines(want, "alert", "a", 0, 250);
    expect_lines(want, "alert", "b", 0, 200);
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    run_until_quiet(fx);
    assert_lines(fx, want);
    g_assert_cmpuint(count_events(fx, "closed:alert"), ==, 1);
}

/* Deleted and not recreated: the old file is closed after it has been quiet. */
static void
test_delete_only(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    append(path, "one\n");
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    g_assert_true(run_until_count(&fx->lines->len, 1));
    g_assert_cmpint(g_unlink(path), ==, 0);
    run_until(saw_close, fx);
    g_autoptr(GArray) st = tail_get_status(fx->tail);
    g_assert_cmpuint(st->len, ==, 1);
    g_assert_false(g_array_index(st, TailInputStatus, 0).open);
    append(path, "two\n");
    g_assert_true(run_until_count(&fx->lines->len, 2));
    g_assert_cmpstr(fx->lines->pdata[1], ==, "alert:two");
}

static void
test_missing_appears(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    /* start_at=end does not apply to a file that appears later: it is read from its start */
    fx_start(fx, "alert", TAIL_START_END);
    pump();
    g_assert_cmpuint(fx->lines->len, ==, 0);
    test_log_assert("tail: waiting for *alert to appear");
    g_autofree char *tmp = fx_path(fx, "alert.tmp");
    append(tmp, "written before the rename\n");
    g_assert_cmpint(rename(tmp, path), ==, 0);
    append(path, "after\n");
    g_assert_true(run_until_count(&fx->lines->len, 2));
    run_until_quiet(fx);
    g_assert_cmpuint(fx->lines->len, ==, 2);
    g_assert_cmpstr(fx->lines->pdata[0], ==, "alert:written before the rename");
    g_assert_cmpstr(fx->lines->pdata[1], ==, "alert:after");
}

/* The directory itself is missing at start. */
static void
test_missing_dir(Fx *fx, gconstpointer data)
{
    (void)data;
    const char *names[] = {"sub/alert"};
    fx_start_full(fx, names, 1, TAIL_START_END, 0, NULL, 0);
    test_log_assert("tail: waiting for directory *sub to appear");
    g_autofree char *sub = fx_path(fx, "sub");
    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
    g_autofree char *path = fx_path(fx, "sub/alert");
    append(path, "hello\n");
    g_assert_true(run_until_count(&fx->lines->len, 1));
    g_assert_cmpstr(fx->lines->pdata[0], ==, "alert:hello");
}

static void
test_symlink(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *target1 = fx_path(fx, "real-1");
    g_autofree char *target2 = fx_path(fx, "real-2");
    g_autofree char *link = fx_path(fx, "alert");
    g_autofree char *tmplink = fx_path(fx, "alert.new");
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    int fd = open_append(target1);
    g_assert_cmpint(symlink("real-1", link), ==, 0);
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    write_lines(fd, "a", 0, 100);
    g_assert_true(run_until_count(&fx->lines->len, 100));

    /* re-point atomically, as ln -sfn does: a new link renamed over the old one */
    int fd2 = open_append(target2);
    g_assert_cmpint(symlink("real-2", tmplink), ==, 0);
    g_assert_cmpint(rename(tmplink, link), ==, 0);
    write_lines(fd, "a", 100, 150); /* the writer has not switched yet */
    pump();
    close(fd);
    write_lines(fd2, "b", 0, 100);
    close(fd2);
    expect_lines(want, "alert", "a", 0, 150);
    expect_lines(want, "alert", "b", 0, 100);
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    run_until_quiet(fx);
    assert_lines(fx, want);
    g_assert_cmpuint(tail_get_stats(fx->tail)->rotations, ==, 1);
}

/* The link stays; its target is rotated in its own directory (renamed, recreated under the
 * same name). Nothing happens in the link's directory, yet the new target is followed. */
static void
test_symlink_target_rotated(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *logs = fx_path(fx, "logs");
    g_autofree char *target = fx_path(fx, "logs/real");
    g_autofree char *rotated = fx_path(fx, "logs/real.1");
    g_autofree char *link = fx_path(fx, "alert");
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    g_assert_cmpint(g_mkdir(logs, 0755), ==, 0);
    int fd = open_append(target);
    g_assert_cmpint(symlink("logs/real", link), ==, 0);
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    write_lines(fd, "a", 0, 50);
    g_assert_true(run_until_count(&fx->lines->len, 50));
    g_assert_cmpint(rename(target, rotated), ==, 0);
    write_lines(fd, "a", 50, 60);
    close(fd);
    g_assert_true(run_until_count(&fx->lines->len, 60));
    pump();
    fd = open_append(target);
    write_lines(fd, "b", 0, 50);
    close(fd);
    expect_lines(want, "alert", "a", 0, 60);
    expect_lines(want, "alert", "b", 0, 50);
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    run_until_quiet(fx);
    assert_lines(fx, want);
}

/* Several files by glob (Snort 3 with packet threads); a file appearing later is followed
 * from its start; rotated copies matching the glob are not read twice. */
static void
test_glob(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *f0 = fx_path(fx, "0_alert_fast.txt");
    g_autofree char *f1 = fx_path(fx, "1_alert_fast.txt");
    g_autofree char *f0r = fx_path(fx, "0_alert_fast.txt.1763830000");
    g_autofree char *other = fx_path(fx, "unrelated.log");
    append(f0, "0-old\n");
    append(other, "not followed\n");
    const char *names[] = {"*_alert_fast.txt*", "*_alert_fast.txt*"};
    fx_start_full(fx, names, 2, TAIL_START_BEGINNING, 0, NULL, 0);
    g_assert_true(run_until_count(&fx->lines->len, 1));

    int fd0 = open_append(f0);
    write_lines(fd0, "z", 0, 50);
    append(f1, "1-first\n");
    int fd1 = open_append(f1);
    write_lines(fd1, "o", 0, 50);
    g_assert_true(run_until_count(&fx->lines->len, 102));
    /* rotate 0_ as Snort's limit does */
    g_assert_cmpint(rename(f0, f0r), ==, 0);
    write_lines(fd0, "z", 50, 60);
    close(fd0);
    fd0 = open_append(f0);
    write_lines(fd0, "y", 0, 20);
    close(fd0);
    write_lines(fd1, "o", 50, 70);
    close(fd1);
    append(other, "still not followed\n");
    g_assert_true(run_until_count(&fx->lines->len, 152));
    run_until_quiet(fx);

    /* per file order */
    g_autoptr(GPtrArray) got0 = g_ptr_array_new();
    g_autoptr(GPtrArray) got1 = g_ptr_array_new();
    for (guint i = 0; i < fx->lines->len; i++) {
        char *l = fx->lines->pdata[i];
        g_assert_true(g_str_has_prefix(l, "0_alert_fast.txt:") ||
                      g_str_has_prefix(l, "1_alert_fast.txt:"));
        g_ptr_array_add(l[0] == '0' ? got0 : got1, l);
    }
    g_autoptr(GPtrArray) want0 = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) want1 = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(want0, g_strdup("0_alert_fast.txt:0-old"));
    expect_lines(want0, "0_alert_fast.txt", "z", 0, 60);
    expect_lines(want0, "0_alert_fast.txt", "y", 0, 20);
    g_ptr_array_add(want1, g_strdup("1_alert_fast.txt:1-first"));
    expect_lines(want1, "1_alert_fast.txt", "o", 0, 70);
    g_assert_cmpuint(got0->len, ==, want0->len);
    g_assert_cmpuint(got1->len, ==, want1->len);
    for (guint i = 0; i < want0->len; i++)
        g_assert_cmpstr(got0->pdata[i], ==, want0->pdata[i]);
    for (guint i = 0; i < want1->len; i++)
        g_assert_cmpstr(got1->pdata[i], ==, want1->pdata[i]);
    g_autoptr(GArray) st = tail_get_status(fx->tail);
    g_assert_cmpuint(st->len, ==, 2);
    g_assert_true(
        g_str_has_suffix(g_array_index(st, TailInputStatus, 0).path, "/0_alert_fast.txt"));
    g_assert_true(
        g_str_has_suffix(g_array_index(st, TailInputStatus, 1).path, "/1_alert_fast.txt"));
}

static gboolean
saw_close_a(Fx *fx)
{
    return count_events(fx, "closed:a.log") > 0;
}

/* A file a glob matched and that is gone is forgotten once it has been gone for the grace
 * period (its clock starts when a call first finds it gone), never before, never while open,
 * and never for a named path; a name that comes back is followed again. */
static void
test_glob_forget(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *a = fx_path(fx, "a.log");
    g_autofree char *named = fx_path(fx, "named");
    append(a, "a1\n");
    append(named, "n1\n");
    const char *names[] = {"*.log", "named"};
    fx_start_full(fx, names, 2, TAIL_START_BEGINNING, 0, NULL, 0);
    g_assert_true(run_until_count(&fx->lines->len, 2));
    const gint64 grace = (gint64)TAIL_FORGET_AFTER_S * G_USEC_PER_SEC, t0 = 1000;
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
    /* Present: nothing is forgotten, however late. */
    g_assert_cmpuint(tail_forget_gone(fx->tail, t0 + 10 * grace, grace, gone), ==, 0);
    g_assert_cmpint(g_unlink(a), ==, 0);
    g_assert_cmpint(g_unlink(named), ==, 0);
    /* Still open (a logger may write to it): not forgotten. */
    g_assert_cmpuint(tail_forget_gone(fx->tail, t0, grace, gone), ==, 0);
    run_until(saw_close_a, fx);
    g_assert_cmpuint(tail_forget_gone(fx->tail, t0, grace, gone), ==, 0);
    g_assert_cmpuint(tail_forget_gone(fx->tail, t0 + grace - 1, grace, gone), ==, 0);
    g_autoptr(GArray) st = tail_get_status(fx->tail);
    g_assert_cmpuint(st->len, ==, 2);
    g_assert_cmpuint(tail_forget_gone(fx->tail, t0 + grace, grace, gone), ==, 1);
    g_assert_cmpuint(gone->len, ==, 1);
    g_assert_cmpstr(gone->pdata[0], ==, a);
    test_log_assert("*tail: forgetting */a.log, gone for 604800 s*");
    g_clear_pointer(&st, g_array_unref);
    st = tail_get_status(fx->tail);
    g_assert_cmpuint(st->len, ==, 1);
    g_assert_true(g_str_has_suffix(g_array_index(st, TailInputStatus, 0).path, "/named"));
    /* The named path stays, gone or not. */
    g_assert_cmpuint(tail_forget_gone(fx->tail, t0 + 100 * grace, grace, gone), ==, 0);
    /* The glob's name back: followed again from its start. */
    append(a, "a2\n");
    g_assert_true(run_until_count(&fx->lines->len, 3));
    g_assert_cmpstr(fx->lines->pdata[2], ==, "a.log:a2");
}

/* ---- inotify overflow ---------------------------------------------------------------- */

/* Events lost: the overflow handler alone must find the new file and the new lines. */
static void
test_overflow_injected(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *f0 = fx_path(fx, "0.log");
    g_autofree char *f1 = fx_path(fx, "1.log");
    append(f0, "a\n");
    const char *names[] = {"*.log"};
    fx_start_full(fx, names, 1, TAIL_START_BEGINNING, 0, NULL, 0);
    g_assert_true(run_until_count(&fx->lines->len, 1));
    append(f0, "b\n");
    append(f1, "c\n");
    /* without running the loop: the overflow path reads and discovers by itself */
    tail_simulate_overflow(fx->tail);
    g_assert_cmpuint(fx->lines->len, ==, 3);
    g_assert_cmpstr(fx->lines->pdata[1], ==, "0.log:b");
    g_assert_cmpstr(fx->lines->pdata[2], ==, "1.log:c");
    g_assert_cmpuint(tail_get_stats(fx->tail)->overflows, ==, 1);
    test_log_assert("tail: inotify queue overflowed*");
    /* the queued events for what was already handled deliver nothing twice */
    run_until_quiet(fx);
    g_assert_cmpuint(fx->lines->len, ==, 3);
}

static guint
read_max_queued_events(void)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents("/proc/sys/fs/inotify/max_queued_events", &text, NULL, NULL))
        return 0;
    return (guint)g_ascii_strtoull(text, NULL, 10);
}

/* A real overflow: more directory events than the kernel queues, while lines are written
 * between them and the loop does not run. */
static void
test_overflow_flood(Fx *fx, gconstpointer data)
{
    (void)data;
    guint max = read_max_queued_events();
    if (max == 0 || max > 200000) {
        g_test_skip("fs.inotify.max_queued_events unreadable or too large to flood");
        return;
    }
    g_autofree char *path = fx_path(fx, "alert");
    g_autofree char *noise = fx_path(fx, "noise");
    g_assert_cmpint(g_mkdir(noise, 0755), ==, 0);
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    int fd = open_append(path);
    const char *names[] = {"alert", "noise/*.log"};
    fx_start_full(fx, names, 2, TAIL_START_BEGINNING, 0, NULL, 0);
    pump();
    /* Directory events on two files in turn (so the kernel cannot merge them with the
     * previous one): mode changes are the cheapest. */
    g_autofree char *na = g_build_filename(noise, "a.tmp", NULL);
    g_autofree char *nb = g_build_filename(noise, "b.tmp", NULL);
    int fa = open_append(na), fb = open_append(nb);
    guint n_events = max + max / 4 + 100;
    for (guint i = 0; i < n_events; i++) {
        g_assert_cmpint(fchmod(i % 2 ? fb : fa, (i / 2) % 2 ? 0600 : 0644), ==, 0);
        if (i % 1000 == 0)
            write_lines(fd, "a", i / 1000, i / 1000 + 1);
    }
    close(fa);
    close(fb);
    guint n = (n_events + 999) / 1000;
    /* a matching file created after the queue overflowed: only a re-scan finds it */
    g_autofree char *late = g_build_filename(noise, "late.log", NULL);
    append(late, "late-1\n");
    close(fd);
    expect_lines(want, "alert", "a", 0, n);
    g_ptr_array_add(want, g_strdup("late.log:late-1"));
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    run_until_quiet(fx);
    g_assert_cmpuint(tail_get_stats(fx->tail)->overflows, >=, 1);
    test_log_assert("tail: inotify queue overflowed*");
    /* order per file: alert lines in order, the late file's one line somewhere */
    g_autoptr(GPtrArray) got = g_ptr_array_new();
    gboolean late_seen = FALSE;
    for (guint i = 0; i < fx->lines->len; i++) {
        if (strcmp(fx->lines->pdata[i], "late.log:late-1") == 0) {
            g_assert_false(late_seen);
            late_seen = TRUE;
        } else {
            g_ptr_array_add(got, fx->lines->pdata[i]);
        }
    }
    g_assert_true(late_seen);
    g_assert_cmpuint(got->len, ==, n);
    for (guint i = 0; i < n; i++)
        g_assert_cmpstr(got->pdata[i], ==, want->pdata[i]);
}

/* ---- checkpoints --------------------------------------------------------------------- */

/* A checkpoint asked for from inside a line callback is fingerprinted from the bytes just
 * read; it must equal the one read back from the file afterwards, also for lines that
 * straddle two reads (lines of many lengths over several 64 KiB reads). */
static void
test_checkpoint_inline(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    g_autoptr(GString) text = g_string_new(NULL);
    guint n = 0;
    for (; text->len < 300 * 1024; n++) {
        g_string_append_printf(text, "%u ", n);
        for (guint k = 0; k < (n * 37) % 300; k++)
            g_string_append_c(text, (char)('a' + (n + k) % 26));
        g_string_append_c(text, '\n');
    }
    append(path, text->str);
    fx->inline_cps = g_array_new(FALSE, FALSE, sizeof(TailCheckpoint));
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    g_assert_true(run_until_count(&fx->lines->len, n));
    g_assert_cmpuint(fx->inline_cps->len, ==, n);
    for (guint i = 0; i < fx->inline_cps->len; i++) {
        const TailCheckpoint *in = &g_array_index(fx->inline_cps, TailCheckpoint, i);
        TailCheckpoint back;
        g_assert_true(tail_checkpoint(fx->tail, fx->last_file, in->offset, &back, NULL));
        gsize want = MIN(in->offset, (guint64)TAIL_FINGERPRINT_MAX);
        g_assert_cmpuint(in->fingerprint_len, ==, want);
        g_assert_cmpuint(in->fingerprint, ==, back.fingerprint);
        g_assert_cmpuint(in->fingerprint, ==,
                         tail_fingerprint(text->str + in->offset - want, want));
    }
    g_array_unref(fx->inline_cps);
    fx->inline_cps = NULL;
}

static void
test_checkpoint_range(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    append(path, "abc\ndef\npartial");
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    g_assert_true(run_until_count(&fx->lines->len, 2));
    TailFile *f = fx->last_file;
    g_assert_nonnull(f);
    g_assert_cmpuint(tail_file_get_delivered(f), ==, 8);

    TailCheckpoint cp;
    g_autoptr(GError) error = NULL;
    g_assert_true(tail_checkpoint(fx->tail, f, 8, &cp, &error));
    g_assert_no_error(error);
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpstr(cp.path, ==, path);
    g_assert_cmpuint(cp.device, ==, (guint64)st.st_dev);
    g_assert_cmpuint(cp.inode, ==, (guint64)st.st_ino);
    g_assert_cmpuint(cp.offset, ==, 8);
    g_assert_cmpuint(cp.fingerprint_len, ==, 8);
    g_assert_cmpuint(cp.fingerprint, ==, tail_fingerprint("abc\ndef\n", 8));

    g_assert_true(tail_checkpoint(fx->tail, f, 4, &cp, NULL));
    g_assert_cmpuint(cp.fingerprint, ==, tail_fingerprint("abc\n", 4));
    g_assert_true(tail_checkpoint(fx->tail, f, 0, &cp, NULL));
    g_assert_cmpuint(cp.fingerprint_len, ==, 0);

    /* beyond what was delivered (the held partial line) is refused */
    g_assert_false(tail_checkpoint(fx->tail, f, 9, &cp, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED);

    /* a long file: the fingerprint covers TAIL_FINGERPRINT_MAX bytes */
    g_clear_error(&error);
    append(path, "\n");
    g_autoptr(GString) big = g_string_new(NULL);
    for (int i = 0; i < 40; i++)
        g_string_append_printf(big, "line %d\n", i);
    append(path, big->str);
    g_assert_true(run_until_count(&fx->lines->len, 43));
    guint64 end = tail_file_get_delivered(f);
    g_assert_true(tail_checkpoint(fx->tail, f, end, &cp, NULL));
    g_assert_cmpuint(cp.fingerprint_len, ==, TAIL_FINGERPRINT_MAX);
    g_autofree char *all = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(path, &all, &len, NULL));
    g_assert_cmpuint(len, ==, end);
    g_assert_cmpuint(cp.fingerprint, ==,
                     tail_fingerprint(all + end - TAIL_FINGERPRINT_MAX, TAIL_FINGERPRINT_MAX));
}

typedef enum {
    RESTART_SAME_FILE, /* more lines appended while stopped */
    RESTART_ROTATED,   /* appended, then rotated by rename, then the new file written */
    RESTART_ROTATED_EPOCH,
    RESTART_ROTATED_EMPTY_NEW, /* rotated, new file created but still empty */
    RESTART_TRUNCATED,         /* copytruncate while stopped */
    RESTART_REPLACED,          /* a different file with other contents: start_at decides */
} RestartKind;

typedef struct {
    const char *name;
    RestartKind kind;
    const char *rotated;
} RestartCase;

static const RestartCase restart_cases[] = {
    {"same-file", RESTART_SAME_FILE, NULL},
    {"rotated", RESTART_ROTATED, "alert.1"},
    {"rotated-epoch", RESTART_ROTATED_EPOCH, "alert.1763830000"},
    {"rotated-dateext", RESTART_ROTATED, "alert-20261122"},
    {"rotated-new-empty", RESTART_ROTATED_EMPTY_NEW, "alert.1"},
    {"truncated", RESTART_TRUNCATED, NULL},
    {"replaced", RESTART_REPLACED, "alert.old"},
};

/*
 * The consumer handles lines 0..59, but its parser has an open block starting at line 60,
 * so it checkpoints at the start of line 60 although lines up to 99 were delivered. The
 * tailer stops; more is written (and the file rotated); a new tailer starts from the saved
 * checkpoint. What the consumer handled in the first run plus everything the second run
 * delivers must be the input exactly.
 */
static void
test_restart(Fx *fx, gconstpointer data)
{
    const RestartCase *c = data;
    g_autofree char *path = fx_path(fx, "alert");
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    int fd = open_append(path);
    write_lines(fd, "a", 0, 100);
    fx_start(fx, "alert", TAIL_START_BEGINNING);
    g_assert_true(run_until_count(&fx->lines->len, 100));

    /* checkpoint at the end of line 59 = start of line 60 */
    TailFile *f = fx->last_file;
    gsize line_len = strlen("a-line-00000 alert text\n");
    guint64 safe = 60 * line_len;
    TailCheckpoint cp;
    g_autoptr(GError) error = NULL;
    g_assert_true(tail_checkpoint(fx->tail, f, safe, &cp, &error));
    g_assert_no_error(error);
    g_ptr_array_set_size(fx->lines, 60); /* what the consumer handled */
    g_clear_pointer(&fx->tail, tail_free);
    g_hash_table_remove_all(fx->last_end);
    expect_lines(want, "alert", "a", 0, 60);

    /* while stopped */
    TailStartAt start_at = TAIL_START_END;
    g_autofree char *rotated = c->rotated ? fx_path(fx, c->rotated) : NULL;
    switch (c->kind) {
    case RESTART_SAME_FILE:
        write_lines(fd, "a", 100, 150);
        expect_lines(want, "alert", "a", 60, 150);
        break;
    case RESTART_ROTATED:
    case RESTART_ROTATED_EPOCH:
    case RESTART_ROTATED_EMPTY_NEW:
        write_lines(fd, "a", 100, 130);
        g_assert_cmpint(rename(path, rotated), ==, 0);
        write_lines(fd, "a", 130, 140);
        close(fd);
        fd = open_append(path);
        expect_lines(want, "alert", "a", 60, 140);
        if (c->kind != RESTART_ROTATED_EMPTY_NEW) {
            write_lines(fd, "b", 0, 70);
            expect_lines(want, "alert", "b", 0, 70);
        }
        break;
    case RESTART_TRUNCATED:
        g_assert_cmpint(ftruncate(fd, 0), ==, 0);
        write_lines(fd, "b", 0, 20);
        expect_lines(want, "alert", "b", 0, 20);
        break;
    case RESTART_REPLACED:
        /* same size, other bytes, other inode: nothing to resume; start_at=beginning */
        g_assert_cmpint(rename(path, rotated), ==, 0);
        close(fd);
        fd = open_append(path);
        write_lines(fd, "c", 0, 100);
        start_at = TAIL_START_BEGINNING;
        expect_lines(want, "alert", "c", 0, 100);
        break;
    }

    /* the saved checkpoint goes through a plain copy, as a store would keep it */
    TailCheckpoint saved;
    memcpy(&saved, &cp, sizeof(saved));
    const char *names[] = {"alert"};
    fx_start_full(fx, names, 1, start_at, 0, &saved, 1);
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    run_until_quiet(fx);

    /* a line written after the restart still arrives */
    write_lines(fd, "d", 0, 3);
    close(fd);
    expect_lines(want, "alert", "d", 0, 3);
    g_assert_true(run_until_count(&fx->lines->len, want->len));
    run_until_quiet(fx);
    assert_lines(fx, want);

    const TailStats *s = tail_get_stats(fx->tail);
    switch (c->kind) {
    case RESTART_SAME_FILE:
        g_assert_cmpuint(s->resumed, ==, 1);
        test_log_assert("tail: resuming *alert at offset 1440");
        break;
    case RESTART_ROTATED:
    case RESTART_ROTATED_EPOCH:
        g_assert_cmpuint(s->resumed, ==, 1);
        g_assert_cmpuint(s->rotations, ==, 1);
        test_log_assert("tail: *alert was rotated while stopped: finishing *");
        break;
    case RESTART_ROTATED_EMPTY_NEW:
        /* the rotated file is finished, then its empty successor takes the 'd' lines */
        g_assert_cmpuint(s->resumed, ==, 1);
        g_assert_cmpuint(s->rotations, ==, 1);
        break;
    case RESTART_TRUNCATED:
        g_assert_cmpuint(s->truncations, ==, 1);
        break;
    case RESTART_REPLACED:
        g_assert_cmpuint(s->resumed, ==, 0);
        test_log_assert("tail: checkpoint for *alert matches no file*");
        break;
    }
}

/* The lines delivered for one file, in order. */
static GPtrArray *
lines_of(Fx *fx, const char *base)
{
    GPtrArray *out = g_ptr_array_new();
    g_autofree char *prefix = g_strdup_printf("%s:", base);
    for (guint i = 0; i < fx->lines->len; i++) {
        if (g_str_has_prefix(fx->lines->pdata[i], prefix))
            g_ptr_array_add(out, fx->lines->pdata[i]);
    }
    return out;
}

static void
assert_file_lines(Fx *fx, const char *base, GPtrArray *want)
{
    g_autoptr(GPtrArray) got = lines_of(fx, base);
    for (guint i = 0; i < MIN(got->len, want->len); i++)
        g_assert_cmpstr(got->pdata[i], ==, want->pdata[i]);
    g_assert_cmpuint(got->len, ==, want->len);
}

/* Several files by glob: each resumes from its own checkpoint; one was rotated while
 * stopped (Snort's NAME.<epoch>, which the glob also matches), one appeared meanwhile. */
static void
test_restart_glob(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *f0 = fx_path(fx, "0_alert_fast.txt");
    g_autofree char *f0r = fx_path(fx, "0_alert_fast.txt.1763830000");
    g_autofree char *f1 = fx_path(fx, "1_alert_fast.txt");
    g_autofree char *f2 = fx_path(fx, "2_alert_fast.txt");
    int fd0 = open_append(f0), fd1 = open_append(f1);
    write_lines(fd0, "z", 0, 50);
    write_lines(fd1, "o", 0, 50);
    const char *names[] = {"*_alert_fast.txt*"};
    fx_start_full(fx, names, 1, TAIL_START_BEGINNING, 0, NULL, 0);
    g_assert_true(run_until_count(&fx->lines->len, 100));

    /* 0_ handled to its end; 1_ has an open block from line 30 on */
    TailCheckpoint cps[2];
    g_autoptr(GPtrArray) files = tail_list_files(fx->tail);
    g_assert_cmpuint(files->len, ==, 2);
    for (guint i = 0; i < 2; i++) {
        TailFile *f = files->pdata[i];
        gboolean is0 = g_str_has_suffix(tail_file_get_path(f), "/0_alert_fast.txt");
        guint64 off = is0 ? tail_file_get_delivered(f) : 30 * strlen("o-line-00000 alert text\n");
        g_assert_true(tail_checkpoint(fx->tail, f, off, &cps[i], NULL));
    }
    g_clear_pointer(&fx->tail, tail_free);
    g_ptr_array_set_size(fx->lines, 0);
    g_hash_table_remove_all(fx->last_end);

    write_lines(fd0, "z", 50, 60);
    g_assert_cmpint(rename(f0, f0r), ==, 0);
    close(fd0);
    fd0 = open_append(f0);
    write_lines(fd0, "y", 0, 5);
    close(fd0);
    write_lines(fd1, "o", 50, 60);
    close(fd1);
    append(f2, "2-line\n");

    fx_start_full(fx, names, 1, TAIL_START_BEGINNING, 0, cps, 2);
    g_assert_true(run_until_count(&fx->lines->len, 10 + 5 + 30 + 1));
    run_until_quiet(fx);
    g_assert_cmpuint(fx->lines->len, ==, 46);
    g_autoptr(GPtrArray) want0 = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) want1 = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) want2 = g_ptr_array_new_with_free_func(g_free);
    expect_lines(want0, "0_alert_fast.txt", "z", 50, 60);
    expect_lines(want0, "0_alert_fast.txt", "y", 0, 5);
    expect_lines(want1, "1_alert_fast.txt", "o", 30, 60);
    g_ptr_array_add(want2, g_strdup("2_alert_fast.txt:2-line"));
    assert_file_lines(fx, "0_alert_fast.txt", want0);
    assert_file_lines(fx, "1_alert_fast.txt", want1);
    assert_file_lines(fx, "2_alert_fast.txt", want2);
    g_assert_cmpuint(tail_get_stats(fx->tail)->resumed, ==, 2);
}

/* Status reports the backlog of a file not yet read. */
static void
test_status(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *path = fx_path(fx, "alert");
    append(path, "0123456789\n");
    const char *names[] = {"alert", "missing"};
    fx_start_full(fx, names, 2, TAIL_START_BEGINNING, 0, NULL, 0);
    g_autoptr(GArray) before = tail_get_status(fx->tail);
    g_assert_cmpuint(before->len, ==, 2);
    TailInputStatus *s = &g_array_index(before, TailInputStatus, 0);
    g_assert_true(g_str_has_suffix(s->path, "/alert"));
    g_assert_true(s->open);
    g_assert_cmpuint(s->offset, ==, 0);
    g_assert_cmpuint(s->size, ==, 11);
    g_assert_cmpuint(s->lag_bytes, ==, 11);
    g_assert_false(g_array_index(before, TailInputStatus, 1).open);
    g_assert_true(run_until_count(&fx->lines->len, 1));
    g_autoptr(GArray) after = tail_get_status(fx->tail);
    g_assert_cmpuint(g_array_index(after, TailInputStatus, 0).lag_bytes, ==, 0);
    g_assert_cmpuint(g_array_index(after, TailInputStatus, 0).offset, ==, 11);
    g_autoptr(GPtrArray) files = tail_list_files(fx->tail);
    g_assert_cmpuint(files->len, ==, 1);
}

static void
test_bad_pattern(void)
{
    const char *patterns[] = {"/var/*/alert"};
    TailConfig cfg = {.patterns = patterns, .n_patterns = 1};
    g_autoptr(GError) error = NULL;
    Tail *t = tail_new(&cfg, &callbacks, NULL, &error);
    g_assert_null(t);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
    g_clear_error(&error);
    cfg.n_patterns = 0;
    g_assert_null(tail_new(&cfg, &callbacks, NULL, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG);
}

#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
#define ADD_DATA(path, data, fn) g_test_add(path, Fx, data, fx_setup, fn, fx_teardown)

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    ADD("/tail/append/split-writes", test_split_writes);
    ADD("/tail/append/block-idle", test_block_idle);
    ADD("/tail/append/overlong-line", test_overlong);
    ADD("/tail/start/end-skips-partial", test_start_end);
    ADD("/tail/start/missing-file", test_missing_appears);
    ADD("/tail/start/missing-dir", test_missing_dir);
    for (gsize i = 0; i < G_N_ELEMENTS(rotate_cases); i++) {
        g_autofree char *p = g_strdup_printf("/tail/rotate/rename/%s", rotate_cases[i].name);
        ADD_DATA(p, &rotate_cases[i], test_rotate_rename);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(trunc_cases); i++) {
        g_autofree char *p = g_strdup_printf("/tail/rotate/copytruncate/%s", trunc_cases[i].name);
        ADD_DATA(p, &trunc_cases[i], test_copytruncate);
    }
    ADD("/tail/rotate/rename/threaded-burst", test_rotate_threaded);
    ADD("/tail/rotate/delete-recreate", test_delete_recreate);
    ADD("/tail/rotate/delete-only", test_delete_only);
    ADD("/tail/rotate/symlink-repointed", test_symlink);
    ADD("/tail/rotate/symlink-target-rotated", test_symlink_target_rotated);
    ADD("/tail/glob/gains-file", test_glob);
    ADD("/tail/glob/forgets-gone-file", test_glob_forget);
    ADD("/tail/overflow/injected", test_overflow_injected);
    ADD("/tail/overflow/flood", test_overflow_flood);
    ADD("/tail/checkpoint/range-and-fingerprint", test_checkpoint_range);
    ADD("/tail/checkpoint/inline-equals-read-back", test_checkpoint_inline);
    for (gsize i = 0; i < G_N_ELEMENTS(restart_cases); i++) {
        g_autofree char *p = g_strdup_printf("/tail/checkpoint/restart/%s", restart_cases[i].name);
        ADD_DATA(p, &restart_cases[i], test_restart);
    }
    ADD("/tail/checkpoint/restart-glob", test_restart_glob);
    ADD("/tail/status/lag", test_status);
    g_test_add_func("/tail/new/bad-pattern", test_bad_pattern);
    return g_test_run();
}
