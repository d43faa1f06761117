/* Helpers shared by the a_* differential programs (process control: wait, kill, groups, sessions,
 * spawn attributes, exec, dup). Each program prints what it sees in a form that does not depend on
 * pid values, and counts the answers that differ from Linux's: its exit code is 0 when there are
 * none, 1 otherwise. A mismatch prints "(expected ...)" after the answer. */
#ifndef A_COMMON_H
#define A_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* glibc: POSIX_SPAWN_SETSID */
#endif

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int a_fails;

/* An errno's name, the same text under glibc and the SDK (their numbers differ). */
static inline const char *errname(int e) {
  switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOEXEC: return "ENOEXEC";
    case ENOSYS: return "ENOSYS";
    case E2BIG: return "E2BIG";
    case ENAMETOOLONG: return "ENAMETOOLONG";
  }
  static char buf[32];
  snprintf(buf, sizeof buf, "errno#%d", e);
  return buf;
}

/* "label: yes|no", expecting want. */
static inline void yes(const char *label, int cond, int want) {
  printf("%s: %s", label, cond ? "yes" : "no");
  if (!cond != !want) {
    printf(" (expected %s)", want ? "yes" : "no");
    a_fails++;
  }
  printf("\n");
}

/* "label: N", expecting want. For values that are the same everywhere (codes, signal numbers). */
static inline void eq(const char *label, long got, long want) {
  printf("%s: %ld", label, got);
  if (got != want) {
    printf(" (expected %ld)", want);
    a_fails++;
  }
  printf("\n");
}

/* The outcome of a call that returns -1 and sets errno: "label: -1 ENAME" or "label: ok".
 * want_errno 0 means success is expected. Call with errno as it was right after the call. */
static inline void res(const char *label, long ret, int err, int want_errno) {
  int got = ret == -1 ? err : 0;
  if (ret == -1)
    printf("%s: -1 %s", label, errname(err));
  else
    printf("%s: ok", label);
  if (got != want_errno) {
    printf(" (expected %s)", want_errno ? errname(want_errno) : "ok");
    a_fails++;
  }
  printf("\n");
}

/* An error number returned (posix_spawn's convention): "label: ENAME" or "label: 0". */
static inline void rc(const char *label, int e, int want) {
  printf("%s: %s", label, errname(e));
  if (e != want) {
    printf(" (expected %s)", errname(want));
    a_fails++;
  }
  printf("\n");
}

/* A wait status in words: "exited N", "killed by N", "killed by N (core)", "stopped by N". */
static inline const char *status_text(int st) {
  static char buf[64];
  if (WIFEXITED(st))
    snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st))
    snprintf(buf, sizeof buf, "killed by %d%s", WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
  else if (WIFSTOPPED(st))
    snprintf(buf, sizeof buf, "stopped by %d", WSTOPSIG(st));
  else
    snprintf(buf, sizeof buf, "status %#x", st);
  return buf;
}

/* Re-runs this program (self = argv[0]) with up to three arguments after the role. */
static inline pid_t spawn_role(const char *self, const posix_spawnattr_t *attr, const char *role, const char *a1,
                               const char *a2, const char *a3) {
  char *argv[] = {(char *)self, (char *)role, (char *)a1, (char *)a2, (char *)a3, NULL};
  pid_t pid = -1;
  int e = posix_spawn(&pid, self, NULL, attr, argv, environ);
  if (e != 0) {
    printf("spawn %s: %s\n", role, errname(e));
    exit(99);
  }
  return pid;
}

/* Waits for pid; prints "label: STATUS" and checks the text against want (NULL: print only). */
static inline int reap(const char *label, pid_t pid, const char *want) {
  int st = 0;
  pid_t got = waitpid(pid, &st, 0);
  if (got != pid) {
    printf("%s: waitpid returned %s\n", label, got == -1 ? errname(errno) : "another pid");
    a_fails++;
    return -1;
  }
  const char *t = status_text(st);
  printf("%s: %s", label, t);
  if (want != NULL && strcmp(t, want) != 0) {
    printf(" (expected %s)", want);
    a_fails++;
  }
  printf("\n");
  return st;
}

/* One byte over a pipe: readiness and release. get returns 1 for a byte, 0 at EOF. */
static inline void put(int fd) {
  char c = 'x';
  if (write(fd, &c, 1) != 1) {
    printf("put: %s\n", errname(errno));
    exit(98);
  }
}
static inline int get(int fd) {
  char c;
  ssize_t n;
  do n = read(fd, &c, 1);
  while (n == -1 && errno == EINTR);
  return n == 1;
}

static inline const char *itoa_buf(long v, char *buf, size_t n) {
  snprintf(buf, n, "%ld", v);
  return buf;
}

static inline int finish(void) {
  printf("mismatches: %d\n", a_fails);
  return a_fails ? 1 : 0;
}

#endif
