// SPDX-License-Identifier: GPL-2.0-or-later
// Writes benchmark alerts and watches the kernel's IPv4 filter table in-process through
// libiptc, so scripts/bench compare can time alertband and fail2ban the same way without
// forking a command per poll. The bans are the rules of CHAIN whose source is a single IPv4
// address (alertband's ALERTBAN, fail2ban's f2b-<jail>); an absent chain holds none.
//
// Addresses: benchmark address I (from 0) is 198.18.0.0 + I, so I < 131072 (198.18.0.0/15).
// Alert lines are Snort 2 alert_fast lines stamped with the current local time.
//
// SOURCE is CHAIN, or ipset:NAME for the members of an ipset (fail2ban's ipset action), which
// are counted with `ipset list -t NAME`: a fork per count, so every 20 ms only.
//
// bench-kernel count SOURCE
//     prints the number of bans in SOURCE.
// bench-kernel lines N FIRST
//     prints N alert lines for addresses FIRST.. (modulo the /15) on standard output.
// bench-kernel latency LOG CHAIN N FIRST TIMEOUT_MS
//     N times: appends one alert for address FIRST+i to LOG with one write() and polls CHAIN
//     until that address is banned; prints the microseconds from the write() to the ban seen
//     (or "timeout") one a line; waits a random 0 to 100 ms before the next alert.
// bench-kernel burst LOG SOURCE N FIRST PID TIMEOUT_MS
//     appends N alerts for addresses FIRST.. in one write() and polls until SOURCE holds N
//     more bans than before; prints write_epoch_us, time_us (or timed_out_us), banned, and
//     PID's CPU seconds (user+system, waited-for children included) spent meanwhile and its
//     peak RSS (VmHWM, kB).
// bench-kernel wait SOURCE ge|le N TIMEOUT_MS
//     polls until SOURCE holds at least (ge) or at most (le) N bans; prints the wall clock in
//     microseconds since the epoch when it does; exit 1 on timeout.
// bench-kernel watch SOURCE N TIMEOUT_MS READYFILE
//     for a restart: samples SOURCE continuously; creates READYFILE once sampling; SIGUSR1 marks
//     "stop begins", SIGUSR2 "start issued"; ends when SOURCE holds N bans again after SIGUSR2
//     and prints the time from SIGUSR1 and from SIGUSR2 to that moment, the fewest bans seen
//     from SIGUSR1 on, and the number of samples; SIGTERM or TIMEOUT_MS ends it early
//     ("timed_out=1", exit 1).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libiptc/libiptc.h>

#define ADDR_COUNT 131072u
#define POLL_NS 200000L /* between two reads of the table: 0.2 ms */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench-kernel: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static long long
mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long
epoch_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
pause_poll(void)
{
    struct timespec ts = {0, POLL_NS};
    nanosleep(&ts, NULL);
}

static unsigned long
parse_ulong(const char *text, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
        die("bad %s \"%s\"", what, text);
    return v;
}

static uint32_t
bench_addr(unsigned long i)
{
    if (i >= ADDR_COUNT)
        die("address index %lu is outside 198.18.0.0/15", i);
    return (198u << 24 | 18u << 16) + (uint32_t)i;
}

/* Appends the alert line for address index i to buf (at least 160 bytes free). */
static size_t
format_alert(char *buf, size_t size, unsigned long i)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    uint32_t a = bench_addr(i);
    int n = snprintf(buf, size,
                     "%02d/%02d-%02d:%02d:%02d.%06ld  [**] [1:2001219:20] ET SCAN bench "
                     "[**] [Priority: 2] {TCP} %u.%u.%u.%u:40000 -> 192.0.2.1:22\n",
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000,
                     a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    if (n < 0 || (size_t)n >= size)
        die("alert line too long");
    return (size_t)n;
}

static void
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("write: %s", strerror(errno));
        }
        buf += n;
        len -= (size_t)n;
    }
}

static int
open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        die("%s: %s", path, strerror(errno));
    return fd;
}

/* The bans in chain (rules whose source is one IPv4 address); with want != 0, whether the
 * address want (network order) is among them is stored in *found. */
static unsigned long
read_chain(const char *chain, uint32_t want, int *found)
{
    struct xtc_handle *h = NULL;
    for (int tries = 0; h == NULL; tries++) {
        h = iptc_init("filter");
        /* EAGAIN: the table changed while it was read; read it again. */
        if (h == NULL && (errno != EAGAIN || tries > 100))
            die("iptc_init: %s", iptc_strerror(errno));
    }
    unsigned long n = 0;
    if (found != NULL)
        *found = 0;
    if (iptc_is_chain(chain, h)) {
        for (const struct ipt_entry *e = iptc_first_rule(chain, h); e != NULL;
             e = iptc_next_rule(e, h)) {
            if (e->ip.smsk.s_addr != 0xffffffffu)
                continue;
            n++;
            if (found != NULL && e->ip.src.s_addr == want)
                *found = 1;
        }
    }
    iptc_free(h);
    return n;
}

static unsigned long
count_ipset(const char *set)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ipset list -t %s 2>/dev/null", set);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        die("popen: %s", strerror(errno));
    char line[256];
    unsigned long n = 0;
    while (fgets(line, sizeof line, p) != NULL)
        if (strncmp(line, "Number of entries:", 18) == 0)
            n = strtoul(line + 18, NULL, 10);
    pclose(p);
    return n;
}

/* user+system CPU seconds of pid, with its waited-for children (utime stime cutime cstime). */
static double
proc_cpu_s(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strrchr(buf, ')'); /* after the command name, which may hold spaces */
    if (p == NULL)
        return -1;
    unsigned long long v[15] = {0};
    /* fields from 3 (state) on; utime..cstime are fields 14..17 */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &v[0],
               &v[1], &v[2], &v[3]) != 4)
        return -1;
    return (double)(v[0] + v[1] + v[2] + v[3]) / (double)sysconf(_SC_CLK_TCK);
}

static long
proc_hwm_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

/* The bans of SOURCE: CHAIN, or ipset:NAME for the members of an ipset. */
static unsigned long
count_bans(const char *source)
{
    if (strncmp(source, "ipset:", 6) == 0)
        return count_ipset(source + 6);
    return read_chain(source, 0, NULL);
}

/* Between two counts: 0.2 ms for a chain, 20 ms for an ipset (each count forks ipset). */
static void
pause_source(const char *source)
{
    if (strncmp(source, "ipset:", 6) == 0) {
        struct timespec ts = {0, 20000000L};
        nanosleep(&ts, NULL);
    } else {
        pause_poll();
    }
}

static int
cmd_latency(char **argv)
{
    const char *chain = argv[1];
    unsigned long n = parse_ulong(argv[2], "count");
    unsigned long first = parse_ulong(argv[3], "first address");
    long long timeout_us = (long long)parse_ulong(argv[4], "timeout") * 1000;
    int fd = open_log(argv[0]);
    char line[256];
    srandom((unsigned)getpid());
    for (unsigned long i = 0; i < n; i++) {
        uint32_t want = htonl(bench_addr(first + i));
        size_t len = format_alert(line, sizeof line, first + i);
        long long t0 = mono_us();
        write_all(fd, line, len);
        int found = 0;
        long long t;
        for (;;) {
            read_chain(chain, want, &found);
            t = mono_us();
            if (found || t - t0 > timeout_us)
                break;
            pause_poll();
        }
        if (found)
            printf("%lld\n", t - t0);
        else
            printf("timeout\n");
        fflush(stdout);
        /* A random pause of 0 to 100 ms before the next alert, so the writes do not lock onto
         * the phase of a daemon that polls on a fixed period (fail2ban's threads do). */
        struct timespec gap = {0, (long)(random() % 100000) * 1000L};
        nanosleep(&gap, NULL);
    }
    close(fd);
    return 0;
}

static int
cmd_burst(char **argv)
{
    const char *source = argv[1];
    unsigned long n = parse_ulong(argv[2], "count");
    unsigned long first = parse_ulong(argv[3], "first address");
    long pid = (long)parse_ulong(argv[4], "pid");
    long long timeout_us = (long long)parse_ulong(argv[5], "timeout") * 1000;
    size_t size = n * 160 + 1;
    char *buf = malloc(size);
    if (buf == NULL)
        die("out of memory");
    size_t len = 0;
    for (unsigned long i = 0; i < n; i++)
        len += format_alert(buf + len, size - len, first + i);
    int fd = open_log(argv[0]);
    unsigned long before = count_bans(source);
    double cpu0 = proc_cpu_s(pid);
    long long w = epoch_us();
    long long t0 = mono_us();
    write_all(fd, buf, len);
    unsigned long have;
    long long t;
    for (;;) {
        have = count_bans(source);
        t = mono_us();
        if (have >= before + n || t - t0 > timeout_us)
            break;
        pause_source(source);
    }
    double cpu1 = proc_cpu_s(pid);
    int done = have >= before + n;
    printf("write_epoch_us=%lld %s=%lld banned=%lu cpu_s=%.2f hwm_kb=%ld\n", w,
           done ? "time_us" : "timed_out_us", t - t0, have - before,
           cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1.0, proc_hwm_kb(pid));
    close(fd);
    free(buf);
    return done ? 0 : 1;
}

static int
cmd_wait(char **argv)
{
    const char *chain = argv[0];
    int ge = strcmp(argv[1], "ge") == 0;
    if (!ge && strcmp(argv[1], "le") != 0)
        die("wait: expected ge or le, not \"%s\"", argv[1]);
    unsigned long n = parse_ulong(argv[2], "count");
    long long timeout_us = (long long)parse_ulong(argv[3], "timeout") * 1000;
    long long t0 = mono_us();
    for (;;) {
        unsigned long have = count_bans(chain);
        if (ge ? have >= n : have <= n) {
            printf("%lld\n", epoch_us());
            return 0;
        }
        if (mono_us() - t0 > timeout_us) {
            fprintf(stderr, "bench-kernel: %s holds %lu bans after %lld ms\n", chain, have,
                    timeout_us / 1000);
            return 1;
        }
        pause_source(chain);
    }
}

static volatile sig_atomic_t got_stop, got_start, got_quit;

static void
on_signal(int sig)
{
    if (sig == SIGUSR1)
        got_stop = 1;
    else if (sig == SIGUSR2)
        got_start = 1;
    else
        got_quit = 1;
}

static int
cmd_watch(char **argv)
{
    const char *chain = argv[0];
    unsigned long n = parse_ulong(argv[1], "count");
    long long timeout_us = (long long)parse_ulong(argv[2], "timeout") * 1000;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        die("%s: %s", argv[3], strerror(errno));
    close(fd);
    long long t_begin = mono_us(), t_stop = -1, t_start = -1, t;
    unsigned long fewest = (unsigned long)-1, samples = 0, have;
    for (;;) {
        have = count_bans(chain);
        t = mono_us();
        if (got_stop && t_stop < 0)
            t_stop = t;
        if (got_start && t_start < 0)
            t_start = t;
        if (t_stop >= 0) {
            samples++;
            if (have < fewest)
                fewest = have;
        }
        if (t_start >= 0 && have >= n)
            break;
        if (got_quit || t - t_begin > timeout_us) {
            printf("timed_out=1 fewest=%lu samples=%lu have=%lu\n", fewest, samples, have);
            return 1;
        }
        pause_source(chain);
    }
    printf("from_stop_us=%lld from_start_us=%lld fewest=%lu samples=%lu\n", t - t_stop, t - t_start,
           fewest, samples);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "count") == 0) {
        printf("%lu\n", count_bans(argv[2]));
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "lines") == 0) {
        unsigned long n = parse_ulong(argv[2], "count");
        unsigned long first = parse_ulong(argv[3], "first address");
        char line[256];
        for (unsigned long i = 0; i < n; i++) {
            size_t len = format_alert(line, sizeof line, (first + i) % ADDR_COUNT);
            fwrite(line, 1, len, stdout);
        }
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (argc == 7 && strcmp(argv[1], "latency") == 0)
        return cmd_latency(argv + 2);
    if (argc == 8 && strcmp(argv[1], "burst") == 0)
        return cmd_burst(argv + 2);
    if (argc == 6 && strcmp(argv[1], "wait") == 0)
        return cmd_wait(argv + 2);
    if (argc == 6 && strcmp(argv[1], "watch") == 0)
        return cmd_watch(argv + 2);
    fprintf(stderr,
            "usage: bench-kernel count SOURCE | lines N FIRST |\n"
            "  latency LOG CHAIN N FIRST TIMEOUT_MS | burst LOG SOURCE N FIRST PID TIMEOUT_MS |\n"
            "  wait SOURCE ge|le N TIMEOUT_MS | watch SOURCE N TIMEOUT_MS READYFILE\n");
    return 2;
}
