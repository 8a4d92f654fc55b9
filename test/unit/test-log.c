// SPDX-License-Identifier: GPL-2.0-or-later
// Tests of the log module: the journal fields made of a line's key=value pairs, and escaping.
#include "log.h"

#include <string.h>

typedef struct {
    const char *name;
    const char *message;
    const char *want; /* "KEY=value\n" per field, in order */
} FieldsCase;

static const FieldsCase fields_cases[] = {
    {"ban",
     "ban addr=203.0.113.7 rule=1:2001219:20 alerts=5 window_s=60 duration_s=3600 prior_bans=0"
     " violations=5 source=policy reason=threshold msg=\"ET SCAN \\\"ssh\\\" scan\"",
     "ALERTBAN_EVENT=ban\nALERTBAN_ADDR=203.0.113.7\nALERTBAN_RULE=1:2001219:20\n"
     "ALERTBAN_ALERTS=5\nALERTBAN_WINDOW_S=60\nALERTBAN_DURATION_S=3600\n"
     "ALERTBAN_PRIOR_BANS=0\nALERTBAN_VIOLATIONS=5\nALERTBAN_SOURCE=policy\n"
     "ALERTBAN_REASON=threshold\nALERTBAN_MSG=ET SCAN \\\"ssh\\\" scan\n"},
    {"unban-v6", "unban addr=2001:db8::/64 banned_s=8 reason=expired",
     "ALERTBAN_EVENT=unban\nALERTBAN_ADDR=2001:db8::/64\nALERTBAN_BANNED_S=8\n"
     "ALERTBAN_REASON=expired\n"},
    {"module-prefix", "bans: reconciled the firewall: bans=3 added=1",
     "ALERTBAN_BANS=3\nALERTBAN_ADDED=1\n"},
    {"no-pairs", "daemon: stop requested by a signal", ""},
    {"empty", "", ""},
    {"one-word", "ban", ""},
    {"not-keys", "x Addr=1 =2 9a=3 a-b=4 ok=5", "ALERTBAN_EVENT=x\nALERTBAN_OK=5\n"},
    {"quoted-word-skipped", "control: \"a b=c\" d=e", "ALERTBAN_D=e\n"},
    {"empty-values", "ban addr= msg=\"\"", "ALERTBAN_EVENT=ban\nALERTBAN_ADDR=\nALERTBAN_MSG=\n"},
    {"unterminated-quote", "ban msg=\"abc", "ALERTBAN_EVENT=ban\nALERTBAN_MSG=abc\n"},
    {"value-with-equals", "start config=/a=b", "ALERTBAN_EVENT=start\nALERTBAN_CONFIG=/a=b\n"},
};

static void
test_fields(gconstpointer data)
{
    const FieldsCase *c = data;
    LogField f[LOG_FIELDS_MAX];
    gsize n = log_message_fields(c->message, f, G_N_ELEMENTS(f));
    g_autoptr(GString) got = g_string_new(NULL);
    for (gsize i = 0; i < n; i++)
        g_string_append_printf(got, "%s=%s\n", f[i].key, f[i].value);
    g_assert_cmpstr(got->str, ==, c->want);
}

/* More pairs than fit: the first max are kept, nothing is written past them. */
static void
test_fields_cap(void)
{
    g_autoptr(GString) msg = g_string_new("ban");
    for (int i = 0; i < 40; i++)
        g_string_append_printf(msg, " k%d=%d", i, i);
    LogField f[LOG_FIELDS_MAX + 1];
    memset(&f[LOG_FIELDS_MAX], 0x5a, sizeof f[LOG_FIELDS_MAX]);
    gsize n = log_message_fields(msg->str, f, LOG_FIELDS_MAX);
    g_assert_cmpuint(n, ==, LOG_FIELDS_MAX);
    g_assert_cmpstr(f[0].key, ==, "ALERTBAN_EVENT");
    g_assert_cmpstr(f[LOG_FIELDS_MAX - 1].key, ==, "ALERTBAN_K22");
    g_assert_cmpint(f[LOG_FIELDS_MAX].key[0], ==, 0x5a);
    g_assert_cmpuint(log_message_fields(msg->str, f, 0), ==, 0);
}

/* Keys and values longer than a field holds are cut or skipped, never overflow. */
static void
test_fields_long(void)
{
    g_autoptr(GString) msg = g_string_new("ban ");
    for (int i = 0; i < 80; i++)
        g_string_append_c(msg, 'k');
    g_string_append(msg, "=1 v=\"");
    for (int i = 0; i < 5000; i++)
        g_string_append_c(msg, 'x');
    g_string_append(msg, "\" after=2");
    LogField f[LOG_FIELDS_MAX];
    gsize n = log_message_fields(msg->str, f, G_N_ELEMENTS(f));
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmpstr(f[1].key, ==, "ALERTBAN_V");
    g_assert_cmpuint(strlen(f[1].value), ==, sizeof f[1].value - 1);
    g_assert_cmpstr(f[2].key, ==, "ALERTBAN_AFTER");
    g_assert_cmpstr(f[2].value, ==, "2");
}

/* A line made of log_escape()'s output stays one value, whatever the untrusted text held. */
static void
test_fields_escaped(void)
{
    static const char nasty[] = "a\" reason=forged \\ \n\x01 b=c";
    char esc[LOG_ESCAPE_BUFSIZE];
    log_escape(nasty, sizeof nasty - 1, esc);
    g_autofree char *msg = g_strdup_printf("ban addr=192.0.2.1 msg=\"%s\" reason=threshold", esc);
    LogField f[LOG_FIELDS_MAX];
    gsize n = log_message_fields(msg, f, G_N_ELEMENTS(f));
    g_assert_cmpuint(n, ==, 4);
    g_assert_cmpstr(f[2].key, ==, "ALERTBAN_MSG");
    g_assert_cmpstr(f[2].value, ==, esc);
    g_assert_cmpstr(f[3].key, ==, "ALERTBAN_REASON");
    g_assert_cmpstr(f[3].value, ==, "threshold");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(fields_cases); i++) {
        g_autofree char *path = g_strdup_printf("/log/message_fields/%s", fields_cases[i].name);
        g_test_add_data_func(path, &fields_cases[i], test_fields);
    }
    g_test_add_func("/log/message_fields/cap", test_fields_cap);
    g_test_add_func("/log/message_fields/long", test_fields_long);
    g_test_add_func("/log/message_fields/escaped", test_fields_escaped);
    return g_test_run();
}
