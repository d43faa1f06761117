// The `procs` benchmark's guest, built twice: natively with gcc (POSIX) and to wasm (raw corral_v1
// imports, so that the figure measures the ABI and not an SDK). It times itself with
// CLOCK_MONOTONIC and prints "ops=N ns=T". Modes (argv[1]):
//   spawn N      spawn N children that exit at once, reaping each
//   pipe MIB     stream MIB MiB to a child through a pipe (the child reads to EOF)
//   signal N     N SIGUSR1 round trips between parent and child, each waiting in sigsuspend
//   cpu N        a sieve N times: loops only, no syscalls
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __wasi__
// wasi-libc's <signal.h> refuses to compile without its emulation; Linux's numbers are the ABI's.
#define SIGKILL 9
#define SIGUSR1 10
#define IMPORT(name) __attribute__((import_module("corral_v1"), import_name(#name)))
IMPORT(proc_id) int c_proc_id(int *ret);
IMPORT(proc_parent) int c_proc_parent(int pid, int *ret);
IMPORT(proc_signal) int c_signal(int pid, int sig);
IMPORT(proc_spawn) int c_spawn(const void *req, uint32_t len, int *ret);
IMPORT(proc_wait) int c_wait(int pid, int options, int *ret_pid, int *status);
IMPORT(proc_sigaction) int c_sigaction(int sig, const void *act, void *old);
IMPORT(proc_sigmask) int c_sigmask(int how, const uint64_t *set, uint64_t *old);
IMPORT(proc_sigsuspend) int c_sigsuspend(const uint64_t *mask);
IMPORT(fd_pipe) int c_pipe(int *r, int *w);

__attribute__((export_name("corral_signal_entry"))) void corral_signal_entry(int handler, int sig) {
  ((void (*)(int))(uintptr_t)handler)(sig);
}

/** Spawns self with one argument; `in_fd` >= 0 becomes the child's stdin, `close_fd` is closed. */
static int spawn1(const char *self, const char *arg, int in_fd, int close_fd) {
  uint8_t b[256];
  uint32_t n = 40, plen = strlen(self), argc = 2, nact = (in_fd >= 0) + (close_fd >= 0);
  memset(b, 0, 40);
  memcpy(b + 24, &plen, 4);
  memcpy(b + 28, &argc, 4);
  memcpy(b + 36, &nact, 4);
  memcpy(b + n, self, plen), n += plen;
  const char *argv[2] = {self, arg};
  for (int i = 0; i < 2; i++) {
    uint32_t l = strlen(argv[i]);
    memcpy(b + n, &l, 4), n += 4;
    memcpy(b + n, argv[i], l), n += l;
  }
  if (in_fd >= 0) {
    int32_t a[6] = {2, 0, in_fd, 0, 0, 0};
    memcpy(b + n, a, 24), n += 24;
  }
  if (close_fd >= 0) {
    int32_t a[6] = {1, close_fd, 0, 0, 0, 0};
    memcpy(b + n, a, 24), n += 24;
  }
  int pid = -1;
  if (c_spawn(b, n, &pid) != 0) abort();
  return pid;
}
static void reap(int pid) {
  int got, st;
  if (c_wait(pid, 0, &got, &st) != 0) abort();
}
static int self_pid(void) { int p; c_proc_id(&p); return p; }
static int parent_pid(void) { int p; c_proc_parent(0, &p); return p; }
static void on_usr1(int sig) { (void)sig; }
static void catch_usr1_blocked(void) {
  struct { uint32_t kind, handler, flags, zero; uint64_t mask; } a = {2, (uint32_t)(uintptr_t)&on_usr1, 0, 0, 0};
  c_sigaction(SIGUSR1, &a, 0);
  uint64_t set = 1ull << (SIGUSR1 - 1);
  c_sigmask(0, &set, 0);
}
static void suspend(void) { uint64_t none = 0; c_sigsuspend(&none); }
static void make_pipe(int *r, int *w) { if (c_pipe(r, w) != 0) abort(); }
#else
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
extern char **environ;
static int spawn1(const char *self, const char *arg, int in_fd, int close_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in_fd >= 0) posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  if (close_fd >= 0) posix_spawn_file_actions_addclose(&fa, close_fd);
  char *argv[3] = {(char *)self, (char *)arg, 0};
  pid_t pid;
  if (posix_spawn(&pid, self, &fa, 0, argv, environ) != 0) abort();
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}
static void reap(int pid) {
  int st;
  if (waitpid(pid, &st, 0) != pid) abort();
}
static int self_pid(void) { return getpid(); }
static int parent_pid(void) { return getppid(); }
static void on_usr1(int sig) { (void)sig; }
static void catch_usr1_blocked(void) {
  struct sigaction a;
  memset(&a, 0, sizeof a);
  a.sa_handler = on_usr1;
  sigaction(SIGUSR1, &a, 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, 0);
}
static void suspend(void) { sigset_t none; sigemptyset(&none); sigsuspend(&none); }
static int c_signal(int pid, int sig) { return kill(pid, sig); }
static void make_pipe(int *r, int *w) { int p[2]; if (pipe(p) != 0) abort(); *r = p[0]; *w = p[1]; }
#endif

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  long n = argc > 2 ? atol(argv[2]) : 0;
  if (!strcmp(mode, "exit")) return 0;
  if (!strcmp(mode, "sink")) {
    static char buf[65536];
    while (read(0, buf, sizeof buf) > 0) {
    }
    return 0;
  }
  if (!strcmp(mode, "echo-signals")) {
    // Blocked first, so that no ping is lost between two suspends.
    catch_usr1_blocked();
    int parent = parent_pid();
    c_signal(parent, SIGUSR1); // ready
    for (;;) {
      suspend();
      c_signal(parent, SIGUSR1);
    }
  }
  long long t0 = now_ns();
  if (!strcmp(mode, "spawn")) {
    for (long i = 0; i < n; i++) reap(spawn1(argv[0], "exit", -1, -1));
  } else if (!strcmp(mode, "pipe")) {
    int r, w;
    make_pipe(&r, &w);
    int pid = spawn1(argv[0], "sink", r, w);
    close(r);
    static char buf[65536];
    memset(buf, 'x', sizeof buf);
    for (long i = 0; i < n * 16; i++) {
      size_t off = 0;
      while (off < sizeof buf) {
        ssize_t k = write(w, buf + off, sizeof buf - off);
        if (k <= 0) abort();
        off += k;
      }
    }
    close(w);
    reap(pid);
  } else if (!strcmp(mode, "cpu")) {
    // Loop-heavy work (a sieve, N times): what loop instrumentation costs.
    static unsigned char composite[1 << 16];
    unsigned long primes = 0;
    for (long k = 0; k < n; k++) {
      memset(composite, 0, sizeof composite);
      for (unsigned i = 2; i < sizeof composite; i++) {
        if (composite[i]) continue;
        primes++;
        for (unsigned j = i * 2; j < sizeof composite; j += i) composite[j] = 1;
      }
    }
    if (primes == 0) abort();
  } else if (!strcmp(mode, "signal")) {
    catch_usr1_blocked();
    int pid = spawn1(argv[0], "echo-signals", -1, -1);
    suspend(); // the child is ready
    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      c_signal(pid, SIGUSR1);
      suspend();
    }
    c_signal(pid, SIGKILL);
    reap(pid);
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  (void)self_pid;
  printf("ops=%ld ns=%lld\n", n, now_ns() - t0);
  return 0;
}
