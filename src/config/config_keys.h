// SPDX-License-Identifier: GPL-2.0-or-later
// The one table of configuration keys that loading, defaults, printing and freeing all walk.
#pragma once

#include <stddef.h>

#include "config.h"

/* The sections, in the order config_format() prints them; [rule GID:SID] sections repeat and
 * come last. A new section is one value here and its name in config_section_names. */
typedef enum {
    CONFIG_SECTION_NONE, /* before the first header */
    CONFIG_SECTION_DAEMON,
    CONFIG_SECTION_INPUT,
    CONFIG_SECTION_POLICY,
    CONFIG_SECTION_WHITELIST,
    CONFIG_SECTION_FIREWALL,
    CONFIG_SECTION_SHARE,
    CONFIG_SECTION_METRICS,
    CONFIG_SECTION_RULE,
} ConfigSection;

/* Header names by section ("" for CONFIG_SECTION_NONE). */
extern const char *const config_section_names[];

typedef struct ConfigKey ConfigKey;

/* How one kind of value is read, printed and freed. A key's field lives in its base: the
 * Config, or the ConfigRule for keys of a [rule] section. */
typedef struct {
    /* Reads text into the field; relative paths resolve against dir (NULL: the working
     * directory). The error message does not name the key: the caller prefixes it. */
    gboolean (*parse)(const ConfigKey *key, void *base, const char *text, const char *dir,
                      GError **error);
    /* Appends the key's "key = value" line(s), or nothing when it has no value to show. */
    void (*format)(const ConfigKey *key, const void *base, GString *out);
    /* Lists only: empties the list, creating it when it does not exist yet. A list key may be
     * repeated, each adding to the list; the first one in a file replaces the default. */
    void (*clear)(const ConfigKey *key, void *base);
    /* Frees what the field owns; NULL when it owns nothing. */
    void (*free)(const ConfigKey *key, void *base);
} ConfigValueType;

/* The value types (config_values.c), with the field each writes and the row members it reads.
 * The last few serve one key each and reach their fields through the Config. */
extern const ConfigValueType config_value_bool;      /* gboolean; yes/no, true/false, on/off */
extern const ConfigValueType config_value_uint;      /* guint from min to max */
extern const ConfigValueType config_value_seconds;   /* guint64 s, a duration from min to max */
extern const ConfigValueType config_value_millis;    /* guint ms, a duration (ms too) to max */
extern const ConfigValueType config_value_period;    /* guint s, whole seconds from 0 to max */
extern const ConfigValueType config_value_factor;    /* double from min to max */
extern const ConfigValueType config_value_choice;    /* int-sized enum, one of choices */
extern const ConfigValueType config_value_text;      /* char *, printable; outer quotes dropped */
extern const ConfigValueType config_value_text_buf;  /* char[max], printable */
extern const ConfigValueType config_value_group;     /* char *, a group name or empty */
extern const ConfigValueType config_value_user;      /* char *, a user name or empty */
extern const ConfigValueType config_value_path;      /* char *, made absolute; check */
extern const ConfigValueType config_value_path_buf;  /* char[max], made absolute */
extern const ConfigValueType config_value_paths;     /* GPtrArray of char *, a list */
extern const ConfigValueType config_value_prefixes;  /* GArray of IpPrefix, a list */
extern const ConfigValueType config_value_rules;     /* GArray of RulePattern, a list */
extern const ConfigValueType config_value_threshold; /* Threshold, N/T */
extern const ConfigValueType config_value_chain;     /* char[max], a chain name of ours */
extern const ConfigValueType config_value_whitelist_files;     /* [whitelist] file */
extern const ConfigValueType config_value_extend;              /* [policy] extend */
extern const ConfigValueType config_value_priorities;          /* [policy] priorities */
extern const ConfigValueType config_value_priority_thresholds; /* [policy] priority_thresholds */
extern const ConfigValueType config_value_hooks;               /* [firewall] hooks */

/* One name of an enumerated value. */
typedef struct {
    const char *name;
    int value;
} ConfigChoice;

/* One key. Only the members its type reads need to be set. */
struct ConfigKey {
    ConfigSection section;
    const char *name;
    const ConfigValueType *type;
    gsize offset;     /* of the field in its base */
    gsize present;    /* when not 0: offset of a gboolean set when the key is given, and without
                       * which the key is not printed ([rule] keys that may stay unset) */
    guint64 min, max; /* numbers and durations: the range; text in a buffer: its size */
    const ConfigChoice *choices; /* enumerations: the names, ending with a NULL name */
    /* Further checks of a path once resolved (the socket's length); NULL: none. */
    gboolean (*check)(const char *value, GError **error);
    const char *def;     /* the default, as it would be written in the file; NULL: unset */
    const char *def_env; /* an environment variable whose non-empty value is the default */
    const char *doc;     /* one line for people */
};

extern const ConfigKey config_keys[];
extern const gsize config_n_keys;

/* The key name of section, or NULL. */
const ConfigKey *config_key_find(ConfigSection section, const char *name);

/* Parses text into key's field of base, and marks it present. */
gboolean config_key_parse(const ConfigKey *key, void *base, const char *text, const char *dir,
                          GError **error);

/* Gives every key of section its default in base (a zeroed Config or ConfigRule): lists are
 * created, and defaults are parsed as if they were written in the file. */
void config_keys_init_defaults(ConfigSection section, void *base);

/* Frees what the keys of section own in base. */
void config_keys_free(ConfigSection section, void *base);
