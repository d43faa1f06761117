// Exercises corral_v1 directly through its raw imports (no SDK), one scenario per argv[1], so that
// the ABI itself is tested apart from the C SDK that maps POSIX onto it. Children are this same
// program, spawned with another scenario name.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define IMPORT(name) __attribute__((import_module("corral_v1"), import_name(#name)))
IMPORT(proc_id) int c_proc_id(int *ret);
IMPORT(proc_parent) int c_proc_parent(int pid, int *ret);
IMPORT(proc_getpgid) int c_getpgid(int pid, int *ret);
IMPORT(proc_setpgid) int c_setpgid(int pid, int pgid);
IMPORT(proc_getsid) int c_getsid(int pid, int *ret);
IMPORT(proc_setsid) int c_setsid(int *ret);
IMPORT(proc_signal) int c_signal(int pid, int sig);
IMPORT(proc_spawn) int c_spawn(const void *req, uint32_t len, int *ret);
IMPORT(proc_exec) int c_exec(const void *req, uint32_t len);
IMPORT(proc_wait) int c_wait(int pid, int options, int *ret_pid, int *status);
IMPORT(proc_sigaction) int c_sigaction(int sig, const void *act, void *old);
IMPORT(proc_sigmask) int c_sigmask(int how, const uint64_t *set, uint64_t *old);
IMPORT(proc_sigpending) int c_sigpending(uint64_t *set);
IMPORT(proc_sigsuspend) int c_sigsuspend(const uint64_t *mask);
IMPORT(fd_pipe) int c_pipe(int *r, int *w);
IMPORT(fd_dup2) int c_dup2(int fd, int newfd);

static volatile int caught;
static void on_signal(int sig) { caught = sig; }

__attribute__((export_name("corral_signal_entry"))) void corral_signal_entry(int handler, int sig) {
  ((void (*)(int))(uintptr_t)handler)(sig);
}

struct act { uint32_t kind, handler, flags, zero; uint64_t mask; };

static int handle(int sig, uint32_t flags) {
  struct act a = {2, (uint32_t)(uintptr_t)&on_signal, flags, 0, 0};
  return c_sigaction(sig, &a, 0);
}

/** Builds a spawn record: self with one scenario argument, and up to two dup2/close actions. */
static uint32_t record(uint8_t *b, const char *self, const char *arg, int dup_src, int dup_fd, int close_fd) {
  uint32_t n = 40, flags = 0;
  uint32_t plen = strlen(self), nact = (dup_src >= 0) + (close_fd >= 0);
  memset(b, 0, 40);
  memcpy(b, &flags, 4);
  memcpy(b + 24, &plen, 4);
  uint32_t argc = 2, envc = 0;
  memcpy(b + 28, &argc, 4);
  memcpy(b + 32, &envc, 4);
  memcpy(b + 36, &nact, 4);
  memcpy(b + n, self, plen), n += plen;
  const char *argv[2] = {self, arg};
  for (int i = 0; i < 2; i++) {
    uint32_t l = strlen(argv[i]);
    memcpy(b + n, &l, 4), n += 4;
    memcpy(b + n, argv[i], l), n += l;
  }
  if (dup_src >= 0) {
    int32_t a[6] = {2, dup_fd, dup_src, 0, 0, 0};
    memcpy(b + n, a, 24), n += 24;
  }
  if (close_fd >= 0) {
    int32_t a[6] = {1, close_fd, 0, 0, 0, 0};
    memcpy(b + n, a, 24), n += 24;
  }
  return n;
}

/** Spawns self with `arg`, its stdout opened on `path` (O_WRONLY|O_CREAT|O_TRUNC); returns errno. */
static int spawn_to_file(const char *self, const char *arg, const char *path, int *pid) {
  uint8_t b[512];
  uint32_t n = record(b, self, arg, -1, -1, -1);
  uint32_t one = 1;
  memcpy(b + 36, &one, 4);
  uint32_t plen = strlen(path);
  int32_t a[6] = {3, 1, 0, (int32_t)(O_WRONLY | O_CREAT | O_TRUNC), 0644, (int32_t)plen};
  memcpy(b + n, a, 24), n += 24;
  memcpy(b + n, path, plen), n += plen;
  return c_spawn(b, n, pid);
}

static int spawn(const char *self, const char *arg, int dup_src, int dup_fd, int close_fd) {
  uint8_t b[512];
  int pid = -1;
  int e = c_spawn(b, record(b, self, arg, dup_src, dup_fd, close_fd), &pid);
  if (e != 0) printf("spawn %s: errno %d\n", arg, e);
  return pid;
}

static void report(const char *what, int pid) {
  int got = 0, st = 0;
  int e = c_wait(pid, 0, &got, &st);
  if (e != 0) printf("%s: wait errno %d\n", what, e);
  else if ((st & 0x7f) == 0) printf("%s: exited %d (same pid: %s)\n", what, (st >> 8) & 0xff, got == pid ? "yes" : "no");
  else printf("%s: killed by %d\n", what, st & 0x7f);
}

int main(int argc, char **argv) {
  const char *self = argv[0];
  const char *mode = argc > 1 ? argv[1] : "";
  int me = 0, x = 0;
  c_proc_id(&me);
  if (!strcmp(mode, "child-exit")) return 7;
  if (!strcmp(mode, "child-term")) {
    c_signal(me, 15);
    puts("child-term survived");
    return 0;
  }
  if (!strcmp(mode, "child-echo")) {
    int ppid = 0;
    c_proc_parent(0, &ppid);
    printf("hello from child, parent %s\n", ppid > 0 && ppid != me ? "known" : "unknown");
    return 0;
  }
  if (!strcmp(mode, "child-suspend")) {
    // Silent: its parent signals it at any moment, and Linux gives no order between them either.
    uint64_t none = 0;
    c_sigsuspend(&none);
    return 0;
  }
  if (!strcmp(mode, "child-exec")) {
    uint8_t b[512];
    uint32_t n = record(b, self, "child-exit", -1, -1, -1);
    int e = c_exec(b, n);
    printf("exec failed: %d\n", e);
    return 1;
  }
  if (!strcmp(mode, "ids")) {
    int pg = 0, sid = 0;
    c_getpgid(0, &pg);
    c_getsid(0, &sid);
    printf("pgid==pid %s, sid==pid %s\n", pg == me ? "yes" : "no", sid == me ? "yes" : "no");
    printf("setsid as leader: errno %d\n", c_setsid(&x));
    printf("setpgid(0, 0): errno %d\n", c_setpgid(0, 0));
    printf("kill(99999, 0): errno %d\n", c_signal(99999, 0));
    printf("kill(me, 99): errno %d\n", c_signal(me, 99));
    printf("wait with no child: errno %d\n", c_wait(-1, 0, &x, &x));
    return 0;
  }
  if (!strcmp(mode, "spawn")) {
    report("child-exit", spawn(self, "child-exit", -1, -1, -1));
    report("child-term", spawn(self, "child-term", -1, -1, -1));
    report("child-exec", spawn(self, "child-exec", -1, -1, -1));
    int got = -1, st = 0;
    printf("WNOHANG with no child: errno %d\n", c_wait(-1, 1, &got, &st));
    return 0;
  }
  if (!strcmp(mode, "pipe")) {
    int r = -1, w = -1;
    if (c_pipe(&r, &w) != 0) return 2;
    int pid = spawn(self, "child-echo", w, 1, r);
    close(w);
    char buf[256];
    ssize_t n, total = 0;
    while ((n = read(r, buf + total, sizeof buf - 1 - total)) > 0) total += n;
    buf[total] = 0;
    printf("parent read: %s", buf);
    report("child-echo", pid);
    return 0;
  }
  if (!strcmp(mode, "handler")) {
    printf("sigaction: errno %d\n", handle(10, 0));
    c_signal(me, 10);
    printf("caught %d\n", caught);
    uint64_t block = 1ull << 11, old = 0, pend = 0;
    c_sigmask(0, &block, &old);
    c_signal(me, 12);
    c_sigpending(&pend);
    printf("blocked SIGUSR2 pending: %s\n", (pend & block) ? "yes" : "no");
    handle(12, 0);
    caught = 0;
    c_sigmask(1, &block, 0);
    printf("after unblock caught %d\n", caught);
    return 0;
  }
  if (!strcmp(mode, "kill-child")) {
    // SIGTERM kills a child wherever it is: parked in sigsuspend, or spinning without a syscall.
    int pid = spawn(self, "child-suspend", -1, -1, -1);
    c_signal(pid, 15);
    report("child-suspend", pid);
    pid = spawn(self, "child-spin", -1, -1, -1);
    c_signal(pid, 15);
    report("child-spin", pid);
    return 0;
  }
  if (!strcmp(mode, "spawn-open")) {
    // posix_spawn_file_actions_addopen: the child's stdout is a file; a bad path fails the spawn.
    int pid = -1, got = 0, st = 0;
    int e = spawn_to_file(self, "child-echo", "/tmp/out.txt", &pid);
    printf("spawn with open: errno %d\n", e);
    report("child-echo", pid);
    char buf[128] = {0};
    int fd = open("/tmp/out.txt", O_RDONLY);
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("file holds %zd bytes: %s", k, buf);
    e = spawn_to_file(self, "child-echo", "/no/such/dir/out.txt", &pid);
    printf("spawn with a bad open: errno %d; wait for any child: errno %d\n", e, c_wait(-1, 1, &got, &st));
    return 0;
  }
  if (!strcmp(mode, "spin-handler")) {
    // The child spins on a flag its handler sets: only a poll inside the loop can run the handler.
    int r = -1, w = -1;
    c_pipe(&r, &w);
    int pid = spawn(self, "child-spin-flag", w, 1, r);
    close(w);
    char c;
    if (read(r, &c, 1) != 1) return 3; // the child's handler is in place
    c_signal(pid, 10);
    report("child-spin-flag", pid);
    return 0;
  }
  if (!strcmp(mode, "child-spin-flag")) {
    handle(10, 0);
    write(1, "r", 1);
    while (!caught) {
    }
    return 5;
  }
  if (!strcmp(mode, "child-spin")) {
    volatile unsigned long n = 0;
    for (;;) n++;
  }
  if (!strcmp(mode, "stop-cont")) {
    int pid = spawn(self, "child-suspend", -1, -1, -1), got = 0, st = 0;
    c_signal(pid, 19);
    c_wait(pid, 2 /* WUNTRACED */, &got, &st);
    printf("stopped: %s, by %d\n", (st & 0xff) == 0x7f ? "yes" : "no", (st >> 8) & 0xff);
    c_signal(pid, 18);
    c_wait(pid, 8 /* WCONTINUED */, &got, &st);
    printf("continued: %s\n", st == 0xffff ? "yes" : "no");
    c_signal(pid, 15);
    report("child-suspend", pid);
    return 0;
  }
  if (!strcmp(mode, "wait-eintr") || !strcmp(mode, "wait-restart")) {
    // The child signals us every 10 ms: at least one signal lands while we are blocked in wait.
    int restart = !strcmp(mode, "wait-restart");
    handle(10, restart ? 0x10000000u : 0);
    int pid = spawn(self, restart ? "child-poke-5" : "child-poke", -1, -1, -1);
    int got = 0, st = 0;
    int e;
    while ((e = c_wait(pid, 0, &got, &st)) == 0 && got == 0) {
    }
    printf("first wait: errno %d, caught %d\n", e, caught);
    if (e != 0) {
      c_signal(pid, 9);
      e = c_wait(pid, 0, &got, &st);
    }
    printf("status: %s %d\n", (st & 0x7f) ? "killed by" : "exited", (st & 0x7f) ? st & 0x7f : (st >> 8) & 0xff);
    return 0;
  }
  if (!strncmp(mode, "child-poke", 10)) {
    int ppid = 0, limit = mode[10] == '-' ? atoi(mode + 11) : 1 << 30;
    c_proc_parent(0, &ppid);
    for (int i = 0; i < limit; i++) {
      c_signal(ppid, 10);
      usleep(10000);
    }
    return 3;
  }
  printf("unknown mode %s\n", mode);
  return 2;
}
