/* setpgid(2)'s cases, from a driver child that is neither a group nor a session leader:
 * EINVAL for a negative pgid; a child moving itself into a new group, and another child joining
 * that group; the parent's setpgid on a spawned child is EACCES (the child has already exec'd,
 * as posix_spawn's children have), also when it would be a no-op; ESRCH for a process that is
 * neither the caller nor its child (the driver's parent, a reaped pid); EPERM for joining a group
 * of another session, for a child in another session, for a session leader moving itself, and for
 * a group that does not exist; the driver becoming a group leader, moving back into its old
 * group (a group leader may), and setpgid(0,0) again. */
#include "a_common.h"

static int ready[2], rel[2];
static const char *self;

#define TRY(label, call, want)   \
  do {                           \
    errno = 0;                   \
    int r_ = (call);             \
    res(label, r_, errno, want); \
  } while (0)

/* A child that runs a role, reports readiness, then waits for the release byte. */
static pid_t child(const char *role, const char *arg, const posix_spawnattr_t *attr) {
  char rfd[16], lfd[16];
  itoa_buf(ready[1], rfd, sizeof rfd);
  itoa_buf(rel[0], lfd, sizeof lfd);
  pid_t p = spawn_role(self, attr, role, rfd, lfd, arg);
  get(ready[0]);
  return p;
}

static int role(int argc, char **argv) {
  const char *r = argv[1];
  int rfd = atoi(argv[2]), lfd = atoi(argv[3]);
  const char *arg = argc > 4 ? argv[4] : NULL;
  if (!strcmp(r, "selfgroup")) {
    TRY("  child: setpgid(0, 0)", setpgid(0, 0), 0);
    yes("  child: getpgrp() == getpid()", getpgrp() == getpid(), 1);
  } else if (!strcmp(r, "join")) {
    pid_t g = atoi(arg);
    TRY("  child: setpgid(0, that group)", setpgid(0, g), 0);
    yes("  child: getpgrp() == that group", getpgrp() == g, 1);
  } else if (!strcmp(r, "join-other-session")) {
    TRY("  child: setpgid(0, group of another session)", setpgid(0, atoi(arg)), EPERM);
  } else if (!strcmp(r, "session-leader")) {
    yes("  child (SETSID): session leader", getsid(0) == getpid(), 1);
    TRY("  child (session leader): setpgid(0, 0)", setpgid(0, 0), EPERM);
    TRY("  child (session leader): setpgid(0, its parent's group)", setpgid(0, atoi(arg)), EPERM);
  }
  put(rfd);
  get(lfd);
  return a_fails ? 1 : 0;
}

static int driver(void) {
  if (pipe(ready) || pipe(rel)) return 97;
  pid_t start_pgrp = getpgrp();
  yes("driver: a group leader", start_pgrp == getpid(), 0);
  TRY("setpgid(0, -1)", setpgid(0, -1), EINVAL);
  TRY("setpgid(0, -5)", setpgid(0, -5), EINVAL);
  yes("  group unchanged", getpgrp() == start_pgrp, 1);

  /* A child moves itself; another joins it. */
  pid_t a = child("selfgroup", NULL, NULL);
  yes("parent: getpgid(A) == A", getpgid(a) == a, 1);
  char abuf[16];
  itoa_buf(a, abuf, sizeof abuf);
  pid_t b = child("join", abuf, NULL);
  yes("parent: getpgid(B) == A", getpgid(b) == a, 1);

  /* The parent on its exec'd children. */
  pid_t c = child("plain", NULL, NULL);
  TRY("parent: setpgid(spawned child C, C)", setpgid(c, c), EACCES);
  TRY("parent: setpgid(spawned child C, 0)", setpgid(c, 0), EACCES);
  TRY("parent: setpgid(spawned child C, its current group)", setpgid(c, start_pgrp), EACCES);
  TRY("parent: setpgid(spawned child C, A's group)", setpgid(c, a), EACCES);
  yes("  C still in the driver's group", getpgid(c) == start_pgrp, 1);

  /* Not a child. */
  TRY("setpgid(parent of the driver, itself)", setpgid(getppid(), getppid()), ESRCH);
  TRY("setpgid(parent of the driver, 0)", setpgid(getppid(), 0), ESRCH);

  /* Another session: S was spawned with SETSID. */
  posix_spawnattr_t sid;
  posix_spawnattr_init(&sid);
  posix_spawnattr_setflags(&sid, POSIX_SPAWN_SETSID);
  char gbuf[16];
  itoa_buf(start_pgrp, gbuf, sizeof gbuf);
  pid_t s = child("session-leader", gbuf, &sid);
  TRY("parent: setpgid(0, S's group, another session)", setpgid(0, s), EPERM);
  TRY("parent: setpgid(S, S), a child in another session", setpgid(s, s), EPERM);
  TRY("parent: setpgid(S, 0), a child in another session", setpgid(s, 0), EPERM);
  char sbuf[16];
  itoa_buf(s, sbuf, sizeof sbuf);
  pid_t j = child("join-other-session", sbuf, NULL);

  /* A group that does not exist: C's pid (C leads no group). */
  TRY("setpgid(0, pid of a non-leader: no such group)", setpgid(0, c), EPERM);
  yes("  group unchanged", getpgrp() == start_pgrp, 1);

  /* The driver itself. */
  TRY("driver: setpgid(0, 0)", setpgid(0, 0), 0);
  yes("  getpgrp() == getpid()", getpgrp() == getpid(), 1);
  TRY("driver: setpgid(0, 0) again", setpgid(0, 0), 0);
  TRY("driver: setpgid(getpid(), getpid())", setpgid(getpid(), getpid()), 0);
  TRY("driver (a group leader): setpgid(0, its old group)", setpgid(0, start_pgrp), 0);
  yes("  back in the old group", getpgrp() == start_pgrp, 1);
  TRY("driver: setpgid(0, A's group)", setpgid(0, a), 0);
  yes("  in A's group", getpgrp() == a, 1);
  TRY("driver: setpgid(0, its old group)", setpgid(0, start_pgrp), 0);

  /* Release and reap everyone; then a reaped pid is ESRCH. */
  for (int i = 0; i < 5; i++) put(rel[1]);
  reap("A", a, "exited 0");
  reap("B", b, "exited 0");
  reap("C", c, "exited 0");
  reap("S", s, "exited 0");
  reap("J", j, "exited 0");
  TRY("setpgid(reaped pid, 0)", setpgid(c, 0), ESRCH);
  TRY("setpgid(0, reaped group leader A: no such group)", setpgid(0, a), EPERM);
  return a_fails ? 1 : 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  self = argv[0];
  if (argc > 1 && !strcmp(argv[1], "driver")) return driver();
  if (argc > 3) return role(argc, argv);
  pid_t d = spawn_role(argv[0], NULL, "driver", NULL, NULL, NULL);
  int st = reap("driver", d, "exited 0");
  return st == 0 ? 0 : 1;
}
