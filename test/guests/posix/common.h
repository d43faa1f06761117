/* Shared by the differential programs: spawning this same program in another role, and printing
 * wait statuses and errnos by name, so that output never holds a raw pid or a libc-specific text. */
#ifndef POSIX_COMMON_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* glibc: POSIX_SPAWN_SETSID */
#endif
#define POSIX_COMMON_H

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Unbuffered stdout (glibc and musl buffer a non-tty stdout differently), and the top process
 * leads a process group of its own, as Corral's container init does (natively, kill(0) would
 * otherwise reach the test runner). Children started with a role keep what they inherit. */
#define START()                                 \
  do {                                          \
    setvbuf(stdout, NULL, _IONBF, 0);           \
    if (argc < 2) setpgid(0, 0);                \
  } while (0)

static const char *self_path;

/* Spawns this program with `role` (and an optional extra argument); fa/attr may be NULL. */
__attribute__((unused)) static pid_t spawn_role_fa(const char *role, const char *arg, const posix_spawn_file_actions_t *fa,
                           const posix_spawnattr_t *attr) {
  char *argv[] = {(char *)self_path, (char *)role, (char *)arg, NULL};
  pid_t pid = -1;
  int e = posix_spawn(&pid, self_path, fa, attr, argv, environ);
  if (e != 0) {
    printf("spawn %s failed: %s\n", role, e == ENOENT ? "ENOENT" : "other");
    exit(100);
  }
  return pid;
}

__attribute__((unused)) static pid_t spawn_role(const char *role) { return spawn_role_fa(role, NULL, NULL, NULL); }

__attribute__((unused)) static const char *errname(int e) {
  switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case ENOTTY: return "ENOTTY";
    case EPIPE: return "EPIPE";
    case EAGAIN: return "EAGAIN";
    default: return "other";
  }
}

/* "exited N", "killed by N", "stopped by N", "continued". */
__attribute__((unused)) static const char *describe(int st) {
  static char buf[64];
  if (WIFEXITED(st)) snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, sizeof buf, "killed by %d%s", WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
  else if (WIFSTOPPED(st)) snprintf(buf, sizeof buf, "stopped by %d", WSTOPSIG(st));
  else if (WIFCONTINUED(st)) snprintf(buf, sizeof buf, "continued");
  else snprintf(buf, sizeof buf, "unknown 0x%x", st);
  return buf;
}

/* Waits for `pid` and prints "<what>: <status>". */
__attribute__((unused)) static void reap(const char *what, pid_t pid) {
  int st = 0;
  pid_t got = waitpid(pid, &st, 0);
  if (got != pid) printf("%s: waitpid returned %s (%s)\n", what, got == -1 ? "-1" : "another pid", errname(errno));
  else printf("%s: %s\n", what, describe(st));
}

/* Reads exactly one byte from fd (a "ready" handshake); returns it, or -1. */
__attribute__((unused)) static int read_byte(int fd) {
  char c;
  ssize_t n;
  do n = read(fd, &c, 1);
  while (n < 0 && errno == EINTR);
  return n == 1 ? c : -1;
}

/* The fd a child reports on (a pipe's write end put there by spawn_reporting): high enough that no
 * pipe the program made is already there. */
#define REPORT_FD 10

/* Prints "label: result errno-name", calling first (argument evaluation order is unspecified, and
 * gcc and clang differ). */
#define SHOW(label, expr)                                        \
  do {                                                           \
    errno = 0;                                                   \
    long r_ = (long)(expr);                                      \
    int e_ = errno;                                              \
    printf("%s: %ld %s\n", label, r_, r_ < 0 ? errname(e_) : "-"); \
  } while (0)

/* Spawns `role` into process group `pgroup` (0: a new group it leads; -1: the caller's), with a
 * pipe's write end as its REPORT_FD; returns the pid and the read end in *rd. */
__attribute__((unused)) static pid_t spawn_grouped(const char *role, const char *arg, pid_t pgroup, int *rd) {
  int p[2];
  if (pipe(p) != 0) exit(101);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], REPORT_FD);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  if (pgroup >= 0) {
    posix_spawnattr_setpgroup(&at, pgroup);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
  }
  pid_t pid = spawn_role_fa(role, arg, &fa, &at);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  close(p[1]);
  *rd = p[0];
  return pid;
}

/* Spawns `role` with a pipe's write end as its REPORT_FD; returns the pid and the read end. */
__attribute__((unused)) static pid_t spawn_reporting(const char *role, const char *arg, int *rd) {
  int p[2];
  if (pipe(p) != 0) exit(101);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], REPORT_FD);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  pid_t pid = spawn_role_fa(role, arg, &fa, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  *rd = p[0];
  return pid;
}

#endif
