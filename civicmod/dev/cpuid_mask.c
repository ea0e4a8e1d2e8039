/* cpuid_mask: make this process see an AVX2-class x86-64 CPU (LD_PRELOAD shim, Linux only).
 *
 * Libraries pick their kernels from the CPUID instruction, and some have no switch to stop
 * them (ONNX Runtime's MLAS). Linux can make CPUID fault in user space (arch_prctl
 * ARCH_SET_CPUID, "cpuid_fault" in /proc/cpuinfo). This shim turns that on when it loads,
 * answers each CPUID from its SIGSEGV handler with the real values less the masked
 * feature bits, and steps over the instruction. The setting is inherited by every thread
 * and fork; exec clears it, and LD_PRELOAD loads the shim again.
 *
 * When active it sets CIVICMOD_CPUID_MASK_ACTIVE to its mode in the environment (calibration
 * reports the masked CPU class from it), and clears it when CPUID faulting is unavailable.
 *
 * Masked (CIVICMOD_CPUID_MASK=avx2, the default): AVX-512 (every subset), AVX-VNNI,
 * AVX-IFMA, AMX and AVX512-BF16/FP16; AVX2, FMA and F16C stay. CIVICMOD_CPUID_MASK=avx2-vnni
 * keeps AVX-VNNI (the VEX-encoded int8 dot product of AVX2-class CPUs since Alder Lake). A SIGSEGV that is not a
 * faulting CPUID gets what the program asked for: its own handler (sigaction, signal, sigset,
 * bsd_signal and sysv_signal are interposed, so a later handler does not replace this one,
 * with its sa_mask, SA_ONSTACK, SA_NODEFER and SA_RESETHAND honoured), or the default action
 * (a fault kills the process; a SIGSEGV sent by kill/raise is ignored under SIG_IGN). SIGSEGV
 * is never blocked (sigprocmask and pthread_sigmask drop it from the set), so a thread that
 * blocks every signal can still run CPUID. Not covered: a handler changed by another thread at
 * the instant a fault is handled; a fault inside the program's own handler calls it again
 * (SIGSEGV is not blocked there, so that CPUID works in it), where it would kill the process.
 *
 * Build: cc -O2 -shared -fPIC -o cpuid_mask.so cpuid_mask.c -ldl
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef int (*sigmask_fn)(int, const sigset_t *, sigset_t *);
typedef sighandler_t (*signal_fn)(int, sighandler_t);

static sigaction_fn real_sigaction;
static struct sigaction chained; /* what the program asked for on SIGSEGV */
static unsigned long trapped;
static int active;
static int keep_vnni;

static void *next_symbol(const char *name) { return dlsym(RTLD_NEXT, name); }

static int set_faulting(int on) {
    return (int)syscall(SYS_arch_prctl, ARCH_SET_CPUID, on ? 0 : 1);
}

static void mask(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
                 uint32_t *d) {
    if (leaf == 7 && sub == 0) {
        /* EBX: AVX512F 16, DQ 17, IFMA 21, PF 26, ER 27, CD 28, BW 30, VL 31 */
        *b &= ~((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) |
                (1u << 28) | (1u << 30) | (1u << 31));
        /* ECX: VBMI 1, VBMI2 6, VNNI 11, BITALG 12, VPOPCNTDQ 14 */
        *c &= ~((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14));
        /* EDX: 4VNNIW 2, 4FMAPS 3, VP2INTERSECT 8, AMX-BF16 22, FP16 23, AMX-TILE 24,
         * AMX-INT8 25 */
        *d &= ~((1u << 2) | (1u << 3) | (1u << 8) | (1u << 22) | (1u << 23) | (1u << 24) |
                (1u << 25));
    } else if (leaf == 7 && sub == 1) {
        /* EAX: SHA512 0, SM3 1, SM4 2, AVX-VNNI 4 (unless kept), AVX512-BF16 5, AMX-FP16 21,
         * AVX-IFMA 23 */
        *a &= ~((1u << 0) | (1u << 1) | (1u << 2) | (keep_vnni ? 0u : (1u << 4)) | (1u << 5) |
                (1u << 21) | (1u << 23));
        /* EDX: AVX-VNNI-INT8 4, AVX-NE-CONVERT 5, AMX-COMPLEX 8, AVX-VNNI-INT16 10, AVX10 19 */
        *d &= ~((1u << 4) | (1u << 5) | (1u << 8) | (1u << 10) | (1u << 19));
    } else if (leaf == 0xd && sub == 0) {
        /* XSAVE state components the masked features would need: opmask, ZMM, AMX tiles */
        *a &= ~((7u << 5) | (3u << 17));
    } else if (leaf == 0x1d || leaf == 0x1e || leaf == 0x24) {
        *a = *b = *c = *d = 0; /* AMX tile and AVX10 information */
    }
}

static void on_segv(int sig, siginfo_t *si, void *ctx);

/* Install on_segv for the program's disposition ``prog``: its sa_mask and SA_ONSTACK, and
 * always SA_NODEFER (a CPUID inside the program's own handler must still be answered). */
static int install(const struct sigaction *prog) {
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_sigaction = on_segv;
    act.sa_flags = SA_SIGINFO | SA_NODEFER | (prog ? (prog->sa_flags & SA_ONSTACK) : 0);
    if (prog)
        act.sa_mask = prog->sa_mask;
    else
        sigemptyset(&act.sa_mask);
    sigdelset(&act.sa_mask, SIGSEGV);
    return real_sigaction(SIGSEGV, &act, NULL);
}

/* The default action: a fault repeats and kills; a SIGSEGV sent by a process is raised again. */
static void default_action(const siginfo_t *si) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    real_sigaction(SIGSEGV, &dfl, NULL);
    if (si->si_code <= 0)
        raise(SIGSEGV);
}

static void on_segv(int sig, siginfo_t *si, void *ctx) {
    int saved_errno = errno;
    ucontext_t *uc = (ucontext_t *)ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    if (si->si_code == SI_KERNEL) {
        const unsigned char *ip = (const unsigned char *)g[REG_RIP];
        if (ip[0] == 0x0f && ip[1] == 0xa2) {
            uint32_t leaf = (uint32_t)g[REG_RAX], sub = (uint32_t)g[REG_RCX];
            uint32_t a, b, c, d;
            set_faulting(0);
            __cpuid_count(leaf, sub, a, b, c, d);
            set_faulting(1);
            mask(leaf, sub, &a, &b, &c, &d);
            g[REG_RAX] = a;
            g[REG_RBX] = b;
            g[REG_RCX] = c;
            g[REG_RDX] = d;
            g[REG_RIP] += 2;
            __atomic_fetch_add(&trapped, 1, __ATOMIC_RELAXED);
            errno = saved_errno;
            return;
        }
    }
    /* Not a CPUID: what the program asked for. */
    struct sigaction prog = chained;
    if (prog.sa_flags & SA_RESETHAND) { /* one shot: the default from now on */
        memset(&chained, 0, sizeof chained);
        chained.sa_handler = SIG_DFL;
    }
    if (!(prog.sa_flags & SA_SIGINFO) && prog.sa_handler == SIG_IGN) {
        if (si->si_code <= 0) { /* sent by kill/raise: ignored */
            errno = saved_errno;
            return;
        }
        default_action(si); /* a real fault is never ignored */
    } else if (!(prog.sa_flags & SA_SIGINFO) && prog.sa_handler == SIG_DFL) {
        default_action(si);
    } else if (prog.sa_flags & SA_SIGINFO) {
        prog.sa_sigaction(sig, si, ctx);
    } else {
        prog.sa_handler(sig);
    }
    errno = saved_errno;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
    if (!real_sigaction)
        real_sigaction = (sigaction_fn)next_symbol("sigaction");
    if (sig != SIGSEGV || !active)
        return real_sigaction(sig, act, old);
    struct sigaction previous = chained;
    if (act) {
        if (install(act) != 0)
            return -1;
        chained = *act;
    }
    if (old)
        *old = previous;
    return 0;
}

static sighandler_t set_handler(int sig, sighandler_t handler, int flags) {
    if (handler == SIG_ERR) {
        errno = EINVAL;
        return SIG_ERR;
    }
    struct sigaction act, old;
    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    act.sa_flags = flags;
    sigemptyset(&act.sa_mask);
    if (sigaction(sig, &act, &old) != 0)
        return SIG_ERR;
    return old.sa_handler;
}

sighandler_t signal(int sig, sighandler_t handler) {
    if (sig != SIGSEGV || !active)
        return ((signal_fn)next_symbol("signal"))(sig, handler);
    return set_handler(sig, handler, SA_RESTART);
}

sighandler_t bsd_signal(int sig, sighandler_t handler) { return signal(sig, handler); }

sighandler_t sysv_signal(int sig, sighandler_t handler) {
    if (sig != SIGSEGV || !active)
        return ((signal_fn)next_symbol("sysv_signal"))(sig, handler);
    return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER);
}

sighandler_t sigset(int sig, sighandler_t disp) {
    if (sig != SIGSEGV || !active)
        return ((signal_fn)next_symbol("sigset"))(sig, disp);
    if (disp == SIG_HOLD) /* SIGSEGV is never blocked (below): the disposition stays */
        return chained.sa_handler;
    return set_handler(sig, disp, 0);
}

/* SIGSEGV stays deliverable in every thread: blocked, a CPUID fault would kill the process. */
static const sigset_t *without_segv(int how, const sigset_t *set, sigset_t *copy) {
    if (!active || !set || how == SIG_UNBLOCK || !sigismember(set, SIGSEGV))
        return set;
    *copy = *set;
    sigdelset(copy, SIGSEGV);
    return copy;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
    sigset_t copy;
    return ((sigmask_fn)next_symbol("sigprocmask"))(how, without_segv(how, set, &copy), old);
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) {
    sigset_t copy;
    return ((sigmask_fn)next_symbol("pthread_sigmask"))(how, without_segv(how, set, &copy), old);
}

static void report(void) {
    fprintf(stderr, "cpuid_mask: %lu CPUID instructions answered\n", trapped);
}

__attribute__((constructor)) static void cpuid_mask_init(void) {
    const char *mode = getenv("CIVICMOD_CPUID_MASK");
    unsetenv("CIVICMOD_CPUID_MASK_ACTIVE");
    if (!mode || !*mode)
        mode = "avx2";
    if (strcmp(mode, "avx2-vnni") == 0) {
        keep_vnni = 1;
    } else if (strcmp(mode, "avx2") != 0) {
        fprintf(stderr, "cpuid_mask: unknown CIVICMOD_CPUID_MASK=%s (avx2 or avx2-vnni)\n", mode);
        return;
    }
    real_sigaction = (sigaction_fn)next_symbol("sigaction");
    if (real_sigaction(SIGSEGV, NULL, &chained) != 0 || install(&chained) != 0 ||
        set_faulting(1) != 0) {
        fprintf(stderr, "cpuid_mask: CPUID faulting is not available on this machine\n");
        real_sigaction(SIGSEGV, &chained, NULL);
        return;
    }
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    ((sigmask_fn)next_symbol("pthread_sigmask"))(SIG_UNBLOCK, &segv, NULL);
    active = 1;
    setenv("CIVICMOD_CPUID_MASK_ACTIVE", mode, 1);
    if (getenv("CIVICMOD_CPUID_MASK_REPORT"))
        atexit(report);
}
