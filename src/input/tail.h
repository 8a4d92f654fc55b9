// SPDX-License-Identifier: GPL-2.0-or-later
// Follows alert logs with inotify and hands their complete lines to the parser, surviving
// rotation, truncation, deletion and restarts without losing or repeating a line.
#pragma once

#include <glib.h>

#define TAIL_PATH_MAX 4096
/* How many bytes before a checkpoint's offset its fingerprint covers (fewer near the start). */
#define TAIL_FINGERPRINT_MAX 128
/* Default quiet time after which an input is reported idle (ends an open alert_full block). */
#define TAIL_IDLE_MS_DEFAULT 250

/* Where to start in a file that exists at start and has no matching checkpoint. Files that
 * appear later, and the new file after a rotation, are always read from their start. */
typedef enum {
    TAIL_START_END,       /* default: only what is written from now on */
    TAIL_START_BEGINNING, /* everything already in the file */
} TailStartAt;

typedef struct {
    /* Files to follow. The directory part is literal; the last component may be a glob
     * (fnmatch: * ? [...]), e.g. "*_alert_fast.txt" in /var/log/snort. Repeats are harmless. */
    const char *const *patterns;
    guint n_patterns;
    TailStartAt start_at;
    guint idle_ms;  /* 0: TAIL_IDLE_MS_DEFAULT */
    gsize line_max; /* longest line delivered, without its newline; 0: ALERT_LINE_MAX */
} TailConfig;

/* A stored position in one file: which file (device, inode), where, and a hash of the bytes
 * just before offset so a reused inode or a rewritten file is not mistaken for it. path is
 * the followed path (the name the pattern matched), the key a caller stores it under. */
typedef struct {
    char path[TAIL_PATH_MAX];
    guint64 device;
    guint64 inode;
    guint64 offset;
    guint64 fingerprint;     /* FNV-1a 64 (tail_match.h) of the fingerprint_len bytes before */
    guint32 fingerprint_len; /* min(offset, TAIL_FINGERPRINT_MAX) */
} TailCheckpoint;

/* One open file being read (one inode). A followed path gets a new TailFile after each
 * rotation; a truncation keeps the TailFile but restarts its offsets at 0. Borrowed: valid
 * from its TAIL_EVENT_OPENED until its TAIL_EVENT_CLOSED returns, or until tail_free(). */
typedef struct TailFile TailFile;
typedef struct Tail Tail;

typedef enum {
    TAIL_EVENT_OPENED,    /* the file is now followed; offsets below are its own */
    TAIL_EVENT_TRUNCATED, /* truncated under us (copytruncate): reading restarts at 0,
                           * so per-file parser state (and its safe offset) must be reset */
    TAIL_EVENT_CLOSED,    /* rotated away and drained to its end, or deleted: no more lines */
} TailEvent;

typedef struct {
    /* A complete line of file, without its newline (line is not NUL-terminated, and only valid
     * during the call). end_offset is the file offset just past the newline. Lines of a file
     * arrive in file order. Required. */
    void (*line)(TailFile *file, const char *line, gsize len, guint64 end_offset,
                 gpointer user_data);
    /* file had no new bytes for idle_ms after delivering lines (also called right before a
     * TRUNCATED or CLOSED event when lines came since the last idle): end any open block.
     * Optional. */
    void (*idle)(TailFile *file, gpointer user_data);
    /* Life-cycle events, for logging and per-file reader state. Optional. */
    void (*event)(TailFile *file, TailEvent event, gpointer user_data);
} TailCallbacks;

/* Counters since tail_new(). */
typedef struct {
    guint64 lines;            /* delivered */
    guint64 bytes;            /* read from files */
    guint64 dropped_too_long; /* lines over line_max, skipped */
    guint64 rotations;        /* a followed path moved on to a new file */
    guint64 truncations;      /* a file was truncated under us (or while we were stopped) */
    guint64 overflows;        /* inotify queue overflows (each followed by a full re-scan) */
    guint64 resumed;          /* files resumed from a checkpoint at start */
} TailStats;

/* One followed path, for `alertban status`. lag_bytes = size - offset. */
typedef struct {
    char path[TAIL_PATH_MAX];
    gboolean open; /* FALSE: waiting for the file to appear */
    guint64 device;
    guint64 inode;
    guint64 offset; /* bytes read and split (complete lines delivered, plus a held partial) */
    guint64 size;
    guint64 lag_bytes;
} TailInputStatus;

/* Makes a tailer; nothing is opened until tail_start(). cfg is copied. NULL with
 * ALERTBAN_ERROR_CONFIG for a bad pattern (empty, glob in the directory part). */
Tail *tail_new(const TailConfig *cfg, const TailCallbacks *callbacks, gpointer user_data,
               GError **error);
/* Closes everything without callbacks: free per-file user data first (tail_list_files()). */
void tail_free(Tail *tail);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Tail, tail_free)

/* Opens the inotify descriptor in the thread-default main context, watches the patterns'
 * directories and opens the files present. A checkpoint whose file (device, inode and
 * fingerprint) is still at its path resumes there; one whose file was renamed in the same
 * directory (NAME.1, NAME.<epoch>, NAME-YYYYMMDD...) is finished first, then the new file is
 * read from its start. Other files start per start_at. TAIL_EVENT_OPENED for the files present
 * comes from inside this call; lines only ever from the main loop. FALSE when inotify cannot
 * be set up or a directory cannot be watched (a missing one is waited for). */
gboolean tail_start(Tail *tail, const TailCheckpoint *checkpoints, gsize n_checkpoints,
                    GError **error);

/* Makes in out the checkpoint of file at offset, which must be <= tail_file_get_delivered()
 * (e.g. the parser's safe offset, possibly the start of an open block). FALSE with an error
 * when offset is out of range or the bytes before it cannot be read back. */
gboolean tail_checkpoint(Tail *tail, TailFile *file, guint64 offset, TailCheckpoint *out,
                         GError **error);

/* The files currently open, in no particular order. The array is the caller's; the files
 * are borrowed. */
GPtrArray *tail_list_files(Tail *tail);

/* The followed path (the name the pattern matched, kept across rotations). */
const char *tail_file_get_path(const TailFile *file);
/* Distinct for every TailFile a Tail opens. */
guint64 tail_file_get_id(const TailFile *file);
/* End offset of the last line delivered (or the start offset before any). */
guint64 tail_file_get_delivered(const TailFile *file);
/* A pointer the caller keeps with the file (e.g. its parser state). */
void tail_file_set_user_data(TailFile *file, gpointer data);
gpointer tail_file_get_user_data(const TailFile *file);

const TailStats *tail_get_stats(const Tail *tail);

/* How long a file a glob matched must be gone before its input (and, in the daemon, its
 * checkpoint) is forgotten: log rotation schemes recreate a name within a week, and a name
 * gone for longer is not coming back. */
#define TAIL_FORGET_AFTER_S (7 * 86400)

/* Forgets the inputs a glob made whose path has been gone (no such file, nothing open on it)
 * for grace_us or longer at now_us (monotonic): the first call that finds a path gone starts
 * its clock, and one that finds it back stops it. Appends the forgotten paths to forgotten
 * (may be NULL; give it g_free as free func) and returns how many. Named (non-glob) paths are
 * never forgotten. */
guint tail_forget_gone(Tail *tail, gint64 now_us, gint64 grace_us, GPtrArray *forgotten);
/* Status of every followed path, sorted by path: an array of TailInputStatus, the caller's. */
GArray *tail_get_status(Tail *tail);

/* For tests: handles an inotify queue overflow as if the kernel had reported one. */
void tail_simulate_overflow(Tail *tail);
