/* kill's errors and signal 0, and killpg: signal 0 probes a live child, an exited but unreaped
 * one (still there until reaped) and the caller; after reaping, the pid gives ESRCH for 0 and for
 * a real signal; an invalid signal (99, 65, -1) is EINVAL for a live pid, but ESRCH for a reaped
 * one (Linux finds the process before it checks the signal); an empty group is ESRCH. killpg(g)
 * reaches every member of g, killpg(own group) the caller too, a negative pgrp is EINVAL. Run in a
 * driver child in a group of its own. */
#include "a_common.h"

#define N 4
static int rel[N][2], ready[2];
static const char *self;
static volatile sig_atomic_t got_term;

static void on_term(int sig) {
  (void)sig;
  got_term++;
}

static pid_t hold(int k, const posix_spawnattr_t *attr) {
  char rfd[16], lfd[16];
  itoa_buf(ready[1], rfd, sizeof rfd);
  itoa_buf(rel[k][0], lfd, sizeof lfd);
  pid_t p = spawn_role(self, attr, "hold", rfd, lfd, NULL);
  get(ready[0]);
  return p;
}

#define TRY(label, call, want) \
  do {                         \
    errno = 0;                 \
    int r_ = (call);           \
    res(label, r_, errno, want); \
  } while (0)

static int driver(void) {
  for (int k = 0; k < N; k++)
    if (pipe(rel[k])) return 97;
  if (pipe(ready)) return 97;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  posix_spawnattr_t own, join;
  posix_spawnattr_init(&own);
  posix_spawnattr_setflags(&own, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&own, 0);
  posix_spawnattr_init(&join);
  posix_spawnattr_setflags(&join, POSIX_SPAWN_SETPGROUP);

  /* Signal 0: an existence probe that delivers nothing. */
  TRY("kill(self, 0)", kill(getpid(), 0), 0);
  TRY("kill(0, 0) (own group)", kill(0, 0), 0);
  pid_t a = hold(0, NULL);
  TRY("kill(live child, 0)", kill(a, 0), 0);
  TRY("kill(-own pgid, 0)", kill(-getpgrp(), 0), 0);

  /* Invalid signals, with a live pid. */
  TRY("kill(live child, 99)", kill(a, 99), EINVAL);
  TRY("kill(live child, 65)", kill(a, 65), EINVAL);
  TRY("kill(live child, -1)", kill(a, -1), EINVAL);
  TRY("kill(0, 99)", kill(0, 99), EINVAL);

  /* Exited but not reaped: the pid still names a process. A pipe only the child holds tells
   * that it has exited (EOF once its descriptors are closed). */
  int gone[2];
  if (pipe(gone)) return 97;
  char gfd[16];
  itoa_buf(gone[1], gfd, sizeof gfd);
  pid_t z = spawn_role(self, NULL, "exit-now", gfd, NULL, NULL);
  close(gone[1]);
  yes("exiting child's pipe at EOF", get(gone[0]) == 0, 1);
  close(gone[0]);
  TRY("kill(exited unreaped child, 0)", kill(z, 0), 0);
  TRY("kill(exited unreaped child, SIGTERM)", kill(z, SIGTERM), 0);
  reap("  reaped", z, "exited 4");

  /* Reaped: gone. */
  TRY("kill(reaped pid, 0)", kill(z, 0), ESRCH);
  TRY("kill(reaped pid, SIGTERM)", kill(z, SIGTERM), ESRCH);
  /* Linux looks the pid up before it checks the signal. */
  TRY("kill(reaped pid, 99)", kill(z, 99), ESRCH);
  TRY("kill(-reaped pid, 0) (no such group)", kill(-z, 0), ESRCH);
  put(rel[0][1]);
  reap("child probed with 0 and invalid signals (released)", a, "exited 0");

  /* killpg: every member of a group. */
  pid_t g1 = hold(0, &own);
  posix_spawnattr_setpgroup(&join, g1);
  pid_t g2 = hold(1, &join);
  pid_t bystander = hold(2, NULL);
  TRY("killpg(g, 0)", killpg(g1, 0), 0);
  TRY("killpg(g, 99)", killpg(g1, 99), EINVAL);
  TRY("killpg(-1, SIGTERM)", killpg(-1, SIGTERM), EINVAL);
  got_term = 0;
  TRY("killpg(g, SIGTERM)", killpg(g1, SIGTERM), 0);
  reap("  leader", g1, "killed by 15");
  reap("  member", g2, "killed by 15");
  eq("  driver's SIGTERM handler runs", got_term, 0);
  TRY("killpg(g, 0) once the group is empty", killpg(g1, 0), ESRCH);
  TRY("killpg(g, SIGTERM) once the group is empty", killpg(g1, SIGTERM), ESRCH);

  /* killpg(getpgrp()): our own group, the driver included (its handler runs). */
  got_term = 0;
  TRY("killpg(own group, SIGTERM)", killpg(getpgrp(), SIGTERM), 0);
  eq("  driver's handler ran", got_term, 1);
  reap("  child in our group", bystander, "killed by 15");
  return a_fails ? 1 : 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  self = argv[0];
  if (argc > 1 && !strcmp(argv[1], "hold")) {
    put(atoi(argv[2]));
    return get(atoi(argv[3])) ? 0 : 1;
  }
  if (argc > 1 && !strcmp(argv[1], "exit-now")) return 4;
  if (argc > 1 && !strcmp(argv[1], "driver")) return driver();
  posix_spawnattr_t own;
  posix_spawnattr_init(&own);
  posix_spawnattr_setflags(&own, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&own, 0);
  pid_t d = spawn_role(argv[0], &own, "driver", NULL, NULL, NULL);
  int st = reap("driver", d, "exited 0");
  return st == 0 ? 0 : 1;
}
