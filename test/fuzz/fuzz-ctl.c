// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target for the control socket's request parser, which reads bytes from any local peer.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so reading one byte past the line is caught by ASan. */
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    CtlRequest req;
    GError *error = NULL;
    if (ctl_proto_parse_request(line, size, &req, &error)) {
        /* An accepted request formats to a line that parses back to the same request. */
        GString *out = g_string_new(NULL);
        ctl_proto_format_request(&req, out);
        CtlRequest again;
        if (!ctl_proto_parse_request(out->str, out->len - 1, &again, NULL) ||
            memcmp(&req, &again, sizeof req) != 0)
            abort();
        g_string_free(out, TRUE);
    } else {
        /* A rejection always says why, in text that is safe to send back. */
        if (!error || !error->message[0])
            abort();
        GString *reply = g_string_new(NULL);
        ctl_proto_reply_error(reply, "proto", error->message);
        if (memchr(reply->str, '\n', reply->len) != reply->str + reply->len - 1)
            abort();
        g_string_free(reply, TRUE);
        g_error_free(error);
    }
    /* The same bytes through the generic reader at full depth, as the CLI reads replies. */
    json_t *v = json_parse(line, size, JSON_DEPTH_MAX, NULL);
    if (v)
        json_decref(v);
    free(line);
    return 0;
}
