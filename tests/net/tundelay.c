/*
 * tundelay.c - a wire with a known delay between two network namespaces, for
 * kernels without sch_netem: one TUN interface in each namespace, and every IP
 * packet read from one side is written to the other after a fixed delay.
 *
 *   tundelay -a NS_A -b NS_B [-i IFNAME] [-d MS_A_TO_B] [-D MS_B_TO_A] [-T SECONDS]
 *
 * NS_A / NS_B are names made with `ip netns add` (/var/run/netns/NAME). The
 * interfaces (default pbtun0) are created here and vanish when this exits;
 * give them addresses with `ip -n NS addr add X peer Y dev pbtun0` after the
 * line "ready" appears on stdout. Exits on SIGTERM/SIGINT or after -T seconds
 * (default 600). Delays may be fractional (0.5 = 500 µs).
 *
 * Copied from shared/bench/tundelay.c (the benchmark's delay line) so that
 * tests/net builds from a clean clone; keep the two in step. Changed here:
 * _GNU_SOURCE only when the build does not define it already.
 */
#ifndef _GNU_SOURCE /* the project defines it for every target */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 4096
#define PKT 2048

struct slot {
    long long due;
    int len;
    unsigned char data[PKT];
};
struct queue {
    struct slot *s;
    unsigned head, tail; /* head: next to send, tail: next free */
    long long delay_ns;
    unsigned long dropped, passed;
};

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_tun_in(const char *ns, const char *ifname)
{
    char path[256];
    snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
        fprintf(stderr, "netns %s: %s\n", ns, strerror(errno));
        exit(1);
    }
    close(nsfd);
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        perror("/dev/net/tun");
        exit(1);
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "TUNSETIFF %s in %s: %s\n", ifname, ns, strerror(errno));
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    const char *nsa = NULL, *nsb = NULL, *ifname = "pbtun0";
    double da = 0, db = 0, limit = 600;
    int opt;
    while ((opt = getopt(argc, argv, "a:b:i:d:D:T:")) != -1) {
        switch (opt) {
        case 'a': nsa = optarg; break;
        case 'b': nsb = optarg; break;
        case 'i': ifname = optarg; break;
        case 'd': da = atof(optarg); break;
        case 'D': db = atof(optarg); break;
        case 'T': limit = atof(optarg); break;
        default:
            fprintf(stderr, "usage: %s -a NS_A -b NS_B [-i IFNAME] [-d MS] [-D MS] [-T SECONDS]\n", argv[0]);
            return 2;
        }
    }
    if (!nsa || !nsb) {
        fprintf(stderr, "need -a and -b\n");
        return 2;
    }
    int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int fa = open_tun_in(nsa, ifname);
    int fb = open_tun_in(nsb, ifname);
    if (home >= 0) {
        setns(home, CLONE_NEWNET);
        close(home);
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    signal(SIGTERM, on_sig);
    signal(SIGINT, on_sig);

    struct queue q[2] = {{calloc(SLOTS, sizeof(struct slot)), 0, 0, (long long)(da * 1e6), 0, 0},
                         {calloc(SLOTS, sizeof(struct slot)), 0, 0, (long long)(db * 1e6), 0, 0}};
    int in[2] = {fa, fb}, out[2] = {fb, fa};
    printf("ready %s<->%s if=%s delay_ms a->b %.3f b->a %.3f\n", nsa, nsb, ifname, da, db);
    fflush(stdout);

    long long end = now_ns() + (long long)(limit * 1e9);
    while (!stop) {
        long long t = now_ns(), wait = end - t;
        if (wait <= 0)
            break;
        for (int d = 0; d < 2; d++)
            if (q[d].head != q[d].tail) {
                long long w = q[d].s[q[d].head % SLOTS].due - t;
                if (w < wait)
                    wait = w;
            }
        if (wait < 0)
            wait = 0;
        struct timespec ts = {wait / 1000000000LL, wait % 1000000000LL};
        struct pollfd p[2] = {{fa, POLLIN, 0}, {fb, POLLIN, 0}};
        if (ppoll(p, 2, &ts, NULL) < 0 && errno != EINTR)
            break;
        for (int d = 0; d < 2; d++) {
            if (!(p[d].revents & POLLIN))
                continue;
            for (;;) {
                struct queue *qq = &q[d];
                if (qq->tail - qq->head >= SLOTS) { /* full: read and drop */
                    unsigned char junk[PKT];
                    if (read(in[d], junk, sizeof junk) <= 0)
                        break;
                    qq->dropped++;
                    continue;
                }
                struct slot *s = &qq->s[qq->tail % SLOTS];
                int n = read(in[d], s->data, PKT);
                if (n <= 0)
                    break;
                s->len = n;
                s->due = now_ns() + qq->delay_ns;
                qq->tail++;
            }
        }
        t = now_ns();
        for (int d = 0; d < 2; d++) {
            struct queue *qq = &q[d];
            while (qq->head != qq->tail && qq->s[qq->head % SLOTS].due <= t) {
                struct slot *s = &qq->s[qq->head % SLOTS];
                if (write(out[d], s->data, s->len) < 0 && errno != EAGAIN)
                    qq->dropped++;
                else
                    qq->passed++;
                qq->head++;
            }
        }
    }
    fprintf(stderr, "tundelay: a->b passed %lu dropped %lu, b->a passed %lu dropped %lu\n",
            q[0].passed, q[0].dropped, q[1].passed, q[1].dropped);
    return 0;
}
