/* kill's selectors: a pid (only that child), 0 (the caller's whole group, the caller included),
 * -pgid (every member of that group, nobody else). The test runs in a driver child that the top
 * process puts in a group of its own, so that "the caller's group" holds only the test's
 * processes (natively the top process shares its group with whoever started it). Who got the
 * signal is read from the wait statuses: targets die by SIGUSR1, bystanders exit 0 when released.
 * kill(-1) is not exercised: natively, as root, it would reach every process on the machine. */
#include "a_common.h"

#define N 8
static int rel[N][2], ready[2];
static const char *self;
static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig) {
  (void)sig;
  got_usr1++;
}

/* Child k: ready byte, then exit 0 at a byte on its release pipe (default SIGUSR1: death). */
static pid_t hold(int k, const posix_spawnattr_t *attr) {
  char rfd[16], lfd[16];
  itoa_buf(ready[1], rfd, sizeof rfd);
  itoa_buf(rel[k][0], lfd, sizeof lfd);
  pid_t p = spawn_role(self, attr, "hold", rfd, lfd, NULL);
  get(ready[0]);
  return p;
}

static int driver(void) {
  for (int k = 0; k < N; k++)
    if (pipe(rel[k])) return 97;
  if (pipe(ready)) return 97;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  yes("driver leads its own group", getpgrp() == getpid(), 1);

  /* A pid: only that child. */
  pid_t a = hold(0, NULL), b = hold(1, NULL);
  errno = 0;
  int r = kill(a, SIGUSR1);
  res("kill(A, SIGUSR1)", r, errno, 0);
  reap("  A", a, "killed by 10");
  put(rel[1][1]);
  reap("  B (bystander, released)", b, "exited 0");
  eq("  driver's handler runs", got_usr1, 0);

  /* 0: the caller's group, the caller too; a child in another group is left alone. */
  posix_spawnattr_t own;
  posix_spawnattr_init(&own);
  posix_spawnattr_setflags(&own, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&own, 0);
  pid_t c1 = hold(0, NULL), c2 = hold(1, NULL), other = hold(2, &own);
  got_usr1 = 0;
  errno = 0;
  r = kill(0, SIGUSR1);
  res("kill(0, SIGUSR1)", r, errno, 0);
  eq("  driver's handler ran before kill returned", got_usr1, 1);
  reap("  C1 (our group)", c1, "killed by 10");
  reap("  C2 (our group)", c2, "killed by 10");
  put(rel[2][1]);
  reap("  child in another group (released)", other, "exited 0");

  /* -pgid: every member of the group, and only them. */
  pid_t e1 = hold(0, &own);
  posix_spawnattr_t join;
  posix_spawnattr_init(&join);
  posix_spawnattr_setflags(&join, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&join, e1);
  pid_t e2 = hold(1, &join), e3 = hold(2, &join), f = hold(3, NULL);
  got_usr1 = 0;
  errno = 0;
  r = kill(-e1, SIGUSR1);
  res("kill(-pgid, SIGUSR1) with three members", r, errno, 0);
  reap("  member 1 (leader)", e1, "killed by 10");
  reap("  member 2", e2, "killed by 10");
  reap("  member 3", e3, "killed by 10");
  put(rel[3][1]);
  reap("  child in our group (released)", f, "exited 0");
  eq("  driver's handler runs", got_usr1, 0);

  /* -pgid after the leader is gone: the remaining member still gets it. */
  e1 = hold(0, &own);
  posix_spawnattr_setpgroup(&join, e1);
  e2 = hold(1, &join);
  put(rel[0][1]);
  reap("leader released", e1, "exited 0");
  errno = 0;
  r = kill(-e1, SIGUSR1);
  res("kill(-pgid, SIGUSR1) of a group whose leader is reaped", r, errno, 0);
  reap("  remaining member", e2, "killed by 10");

  /* A pid that is a group leader: kill(pid) reaches only the leader, not its group. */
  e1 = hold(0, &own);
  posix_spawnattr_setpgroup(&join, e1);
  e2 = hold(1, &join);
  kill(e1, SIGUSR1);
  reap("kill(leader pid, SIGUSR1): leader", e1, "killed by 10");
  put(rel[1][1]);
  reap("  its group's other member (released)", e2, "exited 0");

  /* SIGKILL and SIGTERM by group as well. */
  e1 = hold(0, &own);
  posix_spawnattr_setpgroup(&join, e1);
  e2 = hold(1, &join);
  kill(-e1, SIGKILL);
  reap("kill(-pgid, SIGKILL): leader", e1, "killed by 9");
  reap("  member", e2, "killed by 9");

  printf("kill(-1): not exercised (natively it would reach every process the user may signal)\n");
  return a_fails ? 1 : 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  self = argv[0];
  if (argc > 1 && !strcmp(argv[1], "hold")) {
    put(atoi(argv[2]));
    return get(atoi(argv[3])) ? 0 : 1;
  }
  if (argc > 1 && !strcmp(argv[1], "driver")) return driver();
  posix_spawnattr_t own;
  posix_spawnattr_init(&own);
  posix_spawnattr_setflags(&own, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&own, 0);
  pid_t d = spawn_role(argv[0], &own, "driver", NULL, NULL, NULL);
  int st = reap("driver", d, "exited 0");
  return st == 0 ? 0 : 1;
}
