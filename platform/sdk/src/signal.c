/* Signal dispositions, masks and waiting over corral_v1. Handlers run at the guest's syscall
 * boundaries (and loop polls): the host calls the exported corral_signal_entry with the handler's
 * table index. A sigset_t's first 64 bits are Corral's set (bit n-1 for signal n). */
#include <corral.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define NSIG_CORRAL 64

/* Which handlers take three arguments (SA_SIGINFO), by signal: a wasm call through the wrong
 * function type traps, so the entry must know. Owned by this process (one thread). */
static unsigned char siginfo_handler[NSIG_CORRAL + 1];

/* wasi-libc's SIG_IGN and SIG_ERR are functions (1 is a valid table index on wasm). */
void __SIG_IGN(int sig) { (void)sig; }
void __SIG_ERR(int sig) { (void)sig; }

__attribute__((export_name("corral_signal_entry"))) void corral_signal_entry(int handler, int sig) {
  if (sig > 0 && sig <= NSIG_CORRAL && siginfo_handler[sig]) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = sig;
    ((void (*)(int, siginfo_t *, void *))(uintptr_t)handler)(sig, &info, 0);
  } else {
    ((void (*)(int))(uintptr_t)handler)(sig);
  }
}

static uint64_t bits(const sigset_t *s) {
  uint64_t v;
  memcpy(&v, s, sizeof v);
  return v;
}

static void set_bits(sigset_t *s, uint64_t v) {
  memset(s, 0, sizeof *s);
  memcpy(s, &v, sizeof v);
}

static int valid(int sig) { return sig > 0 && sig <= NSIG_CORRAL; }

int sigemptyset(sigset_t *s) {
  memset(s, 0, sizeof *s);
  return 0;
}

int sigfillset(sigset_t *s) {
  set_bits(s, ~(uint64_t)0);
  return 0;
}

int sigaddset(sigset_t *s, int sig) {
  if (!valid(sig)) return errno = EINVAL, -1;
  set_bits(s, bits(s) | (1ull << (sig - 1)));
  return 0;
}

int sigdelset(sigset_t *s, int sig) {
  if (!valid(sig)) return errno = EINVAL, -1;
  set_bits(s, bits(s) & ~(1ull << (sig - 1)));
  return 0;
}

int sigismember(const sigset_t *s, int sig) {
  if (!valid(sig)) return errno = EINVAL, -1;
  return (bits(s) >> (sig - 1)) & 1;
}

int sigisemptyset(const sigset_t *s) { return bits(s) == 0; }

int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  struct corral_sigaction in, out;
  if (act != 0) {
    void (*h)(int) = act->sa_handler;
    in.kind = h == SIG_DFL ? 0 : h == SIG_IGN ? 1 : 2;
    in.handler = in.kind == 2 ? (uint32_t)(uintptr_t)h : 0;
    in.flags = (uint32_t)act->sa_flags;
    in.zero = 0;
    in.mask = bits(&act->sa_mask);
  }
  int e = corral_proc_sigaction(sig, act != 0 ? &in : 0, &out);
  if (e != 0) return errno = e, -1;
  if (old != 0) {
    memset(old, 0, sizeof *old);
    old->sa_handler = out.kind == 0 ? SIG_DFL : out.kind == 1 ? SIG_IGN : (void (*)(int))(uintptr_t)out.handler;
    old->sa_flags = (int)out.flags;
    set_bits(&old->sa_mask, out.mask);
  }
  if (act != 0 && valid(sig)) siginfo_handler[sig] = in.kind == 2 && (act->sa_flags & SA_SIGINFO) != 0;
  return 0;
}

/* signal(2) with BSD semantics, as glibc's: the handler stays, interrupted calls restart. */
void (*signal(int sig, void (*handler)(int)))(int) {
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = handler;
  act.sa_flags = SA_RESTART;
  if (sigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
  uint64_t in = set != 0 ? bits(set) : 0, out = 0;
  int e = corral_proc_sigmask(how, set != 0 ? &in : 0, &out);
  if (e != 0) return errno = e, -1;
  if (old != 0) set_bits(old, out);
  return 0;
}

/* One thread per process: the thread's mask is the process's. Returns the errno, as pthreads do. */
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) {
  return sigprocmask(how, set, old) == 0 ? 0 : errno;
}

int sigpending(sigset_t *set) {
  uint64_t v = 0;
  int e = corral_proc_sigpending(&v);
  if (e != 0) return errno = e, -1;
  set_bits(set, v);
  return 0;
}

/* Returns -1/EINTR once a handler ran, with the caller's mask back (as Linux's). */
int sigsuspend(const sigset_t *mask) {
  uint64_t m = bits(mask);
  int e = corral_proc_sigsuspend(&m);
  errno = e != 0 ? e : EINTR;
  return -1;
}

int pause(void) {
  uint64_t cur = 0;
  corral_proc_sigmask(SIG_BLOCK, 0, &cur);
  sigset_t s;
  set_bits(&s, cur);
  return sigsuspend(&s);
}
