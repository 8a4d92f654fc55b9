// SPDX-License-Identifier: GPL-2.0-or-later
// A UDP flood for the set benchmark: sends COUNT small datagrams from SRC to DST:PORT as fast
// as one socket can, and prints the wall and CPU time per packet. Over a veth pair the
// receiving side's softirq (INPUT included) mostly runs in the sender's context, so the
// per-packet times move with the cost of the receiver's firewall.
//
// bench-udpflood SRC DST PORT COUNT
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

static double
seconds(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench-udpflood SRC DST PORT COUNT\n");
        return 2;
    }
    struct sockaddr_storage src = {0}, dst = {0};
    socklen_t len;
    int family;
    guint64 port, count;
    if (!g_ascii_string_to_unsigned(argv[3], 10, 1, 65535, &port, NULL) ||
        !g_ascii_string_to_unsigned(argv[4], 10, 1, 100000000, &count, NULL)) {
        fprintf(stderr, "bench-udpflood: bad port or count\n");
        return 2;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)&src, *d4 = (struct sockaddr_in *)&dst;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&src, *d6 = (struct sockaddr_in6 *)&dst;
    if (inet_pton(AF_INET, argv[1], &s4->sin_addr) == 1 &&
        inet_pton(AF_INET, argv[2], &d4->sin_addr) == 1) {
        family = AF_INET;
        s4->sin_family = d4->sin_family = AF_INET;
        d4->sin_port = htons((guint16)port);
        len = sizeof *s4;
    } else if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) == 1 &&
               inet_pton(AF_INET6, argv[2], &d6->sin6_addr) == 1) {
        family = AF_INET6;
        s6->sin6_family = d6->sin6_family = AF_INET6;
        d6->sin6_port = htons((guint16)port);
        len = sizeof *s6;
    } else {
        fprintf(stderr, "bench-udpflood: bad addresses\n");
        return 2;
    }
    int fd = socket(family, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&src, len) < 0 ||
        connect(fd, (struct sockaddr *)&dst, len) < 0) {
        fprintf(stderr, "bench-udpflood: socket: %s\n", g_strerror(errno));
        return 1;
    }
    static const char payload[16] = "alertban-bench";
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    gint64 t0 = g_get_monotonic_time();
    guint64 errors = 0;
    for (guint64 i = 0; i < count; i++) {
        if (send(fd, payload, sizeof payload, 0) < 0)
            errors++; /* ICMP errors from earlier packets surface here; keep going */
    }
    gint64 t1 = g_get_monotonic_time();
    getrusage(RUSAGE_SELF, &r1);
    double cpu = seconds(&r1.ru_utime) + seconds(&r1.ru_stime) - seconds(&r0.ru_utime) -
                 seconds(&r0.ru_stime);
    printf("packets=%" G_GUINT64_FORMAT " wall_ns_per_packet=%.0f cpu_ns_per_packet=%.0f "
           "send_errors=%" G_GUINT64_FORMAT "\n",
           count, (double)(t1 - t0) * 1000.0 / (double)count, cpu * 1e9 / (double)count, errors);
    close(fd);
    return 0;
}
