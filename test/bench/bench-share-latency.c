// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmark driver for test/bench/share.sh: appends one alert at a time to a sensor's log and
// times, with a netlink ipset test every 200 us (no process per check), until the address is
// in the gateway's kernel set; prints one latency per alert in microseconds.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libipset/ipset.h>
#include <libipset/types.h>

static long long
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "is NOT in set" is the expected answer while polling: kept quiet. */
static int
quiet_error(struct ipset *ipset, void *p, int status, const char *msg, ...)
{
    (void)ipset;
    (void)p;
    (void)status;
    (void)msg;
    return -1;
}

static int
quiet_standard_error(struct ipset *ipset, void *p)
{
    (void)ipset;
    (void)p;
    return -1;
}

static int
quiet_print(struct ipset_session *session, void *p, const char *fmt, ...)
{
    (void)session;
    (void)p;
    (void)fmt;
    return 0;
}

static int
in_set(struct ipset *ipset, const char *set, const char *addr)
{
    /* ipset_parse_argv() takes writable strings. */
    char prog[] = "ipset", cmd[] = "test", name[64], elem[64];
    snprintf(name, sizeof name, "%s", set);
    snprintf(elem, sizeof elem, "%s", addr);
    char *argv[] = {prog, cmd, name, elem, NULL};
    return ipset_parse_argv(ipset, 4, argv) == 0;
}

int
main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s ALERT-LOG SET COUNT TIMEOUT-MS\n", argv[0]);
        return 2;
    }
    const char *log = argv[1], *set = argv[2];
    int count = atoi(argv[3]);
    long long timeout_us = atoll(argv[4]) * 1000;
    if (count <= 0 || count > 62500 || timeout_us <= 0) {
        fprintf(stderr, "bench-share-latency: bad COUNT or TIMEOUT-MS\n");
        return 2;
    }
    int fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "bench-share-latency: %s: %s\n", log, strerror(errno));
        return 1;
    }
    ipset_load_types();
    struct ipset *ipset = ipset_init();
    if (!ipset) {
        fprintf(stderr, "bench-share-latency: cannot start libipset\n");
        return 1;
    }
    ipset_custom_printf(ipset, quiet_error, quiet_standard_error, quiet_print, NULL);
    for (int i = 0; i < count; i++) {
        char addr[32], line[512];
        snprintf(addr, sizeof addr, "198.19.%d.%d", i / 250, i % 250 + 1);
        if (in_set(ipset, set, addr)) {
            fprintf(stderr, "bench-share-latency: %s is in %s already\n", addr, set);
            return 1;
        }
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%m/%d-%H:%M:%S", &tm);
        int len = snprintf(line, sizeof line,
                           "%s.000000  [**] [1:2001219:1] ET SCAN latency [**] [Classification: "
                           "Attempted Information Leak] [Priority: 2] {TCP} %s:4444 -> "
                           "10.0.0.1:22\n",
                           stamp, addr);
        long long t0 = now_us();
        if (write(fd, line, (size_t)len) != len) {
            fprintf(stderr, "bench-share-latency: writing %s: %s\n", log, strerror(errno));
            return 1;
        }
        while (!in_set(ipset, set, addr)) {
            if (now_us() - t0 > timeout_us) {
                fprintf(stderr, "bench-share-latency: %s not in %s within %s ms\n", addr, set,
                        argv[4]);
                return 1;
            }
            struct timespec pause = {0, 200 * 1000};
            nanosleep(&pause, NULL);
        }
        printf("%lld\n", now_us() - t0);
        fflush(stdout);
    }
    ipset_fini(ipset);
    close(fd);
    return 0;
}
