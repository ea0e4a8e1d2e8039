/* Programs whose SIGSEGV behaviour must be the same with and without the CPUID mask
 * (tests/unit/dev/test_cpuid_mask.py runs each case both ways), and a CPUID leaf dump. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int *nowhere;
static volatile unsigned sink;

static unsigned leaf7(void) {
    unsigned a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    return a ^ b ^ c ^ d;
}

static void exit3(int sig) { (void)sig; _exit(3); }
static void exit3_info(int sig, siginfo_t *si, void *ctx) { (void)sig; (void)si; (void)ctx; _exit(3); }
static void returns(int sig) { (void)sig; }
static void cpuid_then_exit4(int sig) { (void)sig; sink = leaf7(); _exit(4); }
static int depth(int n) { volatile char pad[256]; pad[0] = (char)n; return n ? depth(n + 1) + pad[0] : 0; }
static void *cpuid_thread(void *arg) { (void)arg; sink = leaf7(); return NULL; }

static void on(int flags, void (*plain)(int), void (*info)(int, siginfo_t *, void *)) {
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_flags = flags;
    if (info)
        act.sa_sigaction = info;
    else
        act.sa_handler = plain;
    sigaction(SIGSEGV, &act, NULL);
}

int main(int argc, char **argv) {
    const char *c = argc > 1 ? argv[1] : "";
    if (!strcmp(c, "leaves")) {
        unsigned a, b, cx, d, a1, b1, c1, d1, ax, bx, cxx, dx;
        __cpuid_count(7, 0, a, b, cx, d);
        __cpuid_count(7, 1, a1, b1, c1, d1);
        __cpuid_count(0xd, 0, ax, bx, cxx, dx);
        printf("%u %u %u %u %u %u\n", b, cx, d, a1, d1, ax);
        return 0;
    }
    if (!strcmp(c, "siginfo")) { on(SA_SIGINFO, NULL, exit3_info); *nowhere = 1; }
    if (!strcmp(c, "plain")) { signal(SIGSEGV, exit3); *nowhere = 1; }
    if (!strcmp(c, "onstack")) {  /* a stack overflow reaches a handler on its own stack */
        stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16, .ss_flags = 0};
        sigaltstack(&ss, NULL);
        on(SA_ONSTACK, exit3, NULL);
        return depth(1);
    }
    if (!strcmp(c, "resethand")) { on(SA_RESETHAND, returns, NULL); *nowhere = 1; }
    if (!strcmp(c, "raise")) { raise(SIGSEGV); return 0; }
    if (!strcmp(c, "ignored_kill")) {
        signal(SIGSEGV, SIG_IGN);
        kill(getpid(), SIGSEGV);
        kill(getpid(), SIGSEGV);
        sink = leaf7();
        return 0;
    }
    if (!strcmp(c, "blocked_thread")) {  /* a thread started with every signal blocked */
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, NULL);
        pthread_t t;
        pthread_create(&t, NULL, cpuid_thread, NULL);
        pthread_join(t, NULL);
        return 0;
    }
    if (!strcmp(c, "cpuid_in_handler")) { on(0, cpuid_then_exit4, NULL); *nowhere = 1; }
    if (!strcmp(c, "sigset")) { sigset(SIGSEGV, exit3); sink = leaf7(); *nowhere = 1; }
    return 9;
}
