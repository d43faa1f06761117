/* setsid(2), getsid(2), getpgid(2): a group leader (spawned with SETPGROUP 0) gets EPERM; a plain
 * child (not a leader) succeeds, and setsid returns its pid, which becomes its session and group;
 * a second setsid and a setpgid(0,0) then are EPERM; its parent sees getsid/getpgid(child) ==
 * child (Linux answers getsid for another session) while its own session is unchanged; the new
 * leader's spawned child inherits the session; a process whose pid names a group it no longer
 * leads (it moved out, a child stayed) still gets EPERM; getsid(0) == getsid(getpid()),
 * getpgid(0) == getpgrp(), and both are ESRCH for a reaped pid. Run from a driver child. */
#include "a_common.h"

static const char *self;

#define TRY(label, call, want)   \
  do {                           \
    errno = 0;                   \
    int r_ = (call);             \
    res(label, r_, errno, want); \
  } while (0)

static int role(int argc, char **argv) {
  const char *r = argv[1];
  int rfd = argc > 2 ? atoi(argv[2]) : -1, lfd = argc > 3 ? atoi(argv[3]) : -1;
  if (!strcmp(r, "leader")) {
    yes("  leader child: getpgrp() == getpid()", getpgrp() == getpid(), 1);
    pid_t before = getsid(0);
    TRY("  leader child: setsid()", setsid(), EPERM);
    yes("  leader child: session unchanged", getsid(0) == before, 1);
    return a_fails ? 1 : 0;
  }
  if (!strcmp(r, "newsession")) {
    pid_t s = setsid();
    yes("  child: setsid() returned getpid()", s == getpid(), 1);
    yes("  child: getsid(0) == getpid()", getsid(0) == getpid(), 1);
    yes("  child: getsid(getpid()) == getpid()", getsid(getpid()) == getpid(), 1);
    yes("  child: getpgrp() == getpid()", getpgrp() == getpid(), 1);
    yes("  child: getpgid(0) == getpid()", getpgid(0) == getpid(), 1);
    TRY("  child: setsid() again", setsid(), EPERM);
    TRY("  child: setpgid(0, 0) as session leader", setpgid(0, 0), EPERM);
    /* A grandchild inherits the session and the group. */
    pid_t g = spawn_role(self, NULL, "grandchild", NULL, NULL, NULL);
    reap("  grandchild", g, "exited 0");
    put(rfd);
    get(lfd);
    return a_fails ? 1 : 0;
  }
  if (!strcmp(r, "grandchild")) {
    yes("    grandchild: getsid(0) == parent's pid", getsid(0) == getppid(), 1);
    yes("    grandchild: getpgrp() == parent's pid", getpgrp() == getppid(), 1);
    return a_fails ? 1 : 0;
  }
  if (!strcmp(r, "stale-group")) {
    /* Lead a group, leave a child in it, move out: the group still bears this pid. */
    pid_t old = getpgrp();
    TRY("  child: setpgid(0, 0)", setpgid(0, 0), 0);
    int hold[2];
    if (pipe(hold)) return 97;
    char h[16];
    itoa_buf(hold[0], h, sizeof h);
    pid_t g = spawn_role(self, NULL, "wait-eof", h, NULL, NULL);
    TRY("  child: setpgid(0, its old group)", setpgid(0, old), 0);
    yes("  child: no longer a group leader", getpgrp() != getpid(), 1);
    yes("  child: its grandchild still in the group named by its pid", getpgid(g) == getpid(), 1);
    TRY("  child: setsid() while a group bears its pid", setsid(), EPERM);
    put(hold[1]);
    reap("  grandchild", g, "exited 0");
    TRY("  child: setsid() once that group is gone", setsid(), 0);
    yes("  child: now leads its session", getsid(0) == getpid(), 1);
    return a_fails ? 1 : 0;
  }
  if (!strcmp(r, "wait-eof")) {
    get(rfd);
    return 0;
  }
  return 100;
}

static int driver(void) {
  pid_t my_sid = getsid(0);
  yes("driver: getsid(0) == getsid(getpid())", getsid(getpid()) == my_sid, 1);
  yes("driver: getpgid(0) == getpgrp()", getpgid(0) == getpgrp(), 1);
  yes("driver: getpgid(getpid()) == getpgrp()", getpgid(getpid()) == getpgrp(), 1);
  yes("driver: a group leader", getpgrp() == getpid(), 0);
  yes("driver: a session leader", my_sid == getpid(), 0);
  yes("driver: in its parent's session", getsid(getppid()) == my_sid, 1);

  posix_spawnattr_t own;
  posix_spawnattr_init(&own);
  posix_spawnattr_setflags(&own, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&own, 0);
  pid_t l = spawn_role(self, &own, "leader", NULL, NULL, NULL);
  reap("group leader child", l, "exited 0");

  int ready[2], rel[2];
  if (pipe(ready) || pipe(rel)) return 97;
  char rfd[16], lfd[16];
  itoa_buf(ready[1], rfd, sizeof rfd);
  itoa_buf(rel[0], lfd, sizeof lfd);
  pid_t n = spawn_role(self, NULL, "newsession", rfd, lfd, NULL);
  get(ready[0]);
  yes("driver: getsid(child) == child", getsid(n) == n, 1);
  yes("driver: getpgid(child) == child", getpgid(n) == n, 1);
  yes("driver: own session unchanged", getsid(0) == my_sid, 1);
  put(rel[1]);
  reap("new session child", n, "exited 0");
  errno = 0;
  pid_t r = getsid(n);
  res("getsid(reaped pid)", r, errno, ESRCH);
  errno = 0;
  r = getpgid(n);
  res("getpgid(reaped pid)", r, errno, ESRCH);

  pid_t s = spawn_role(self, NULL, "stale-group", NULL, NULL, NULL);
  reap("stale group child", s, "exited 0");

  /* The driver is not a group leader: setsid succeeds here too. */
  r = setsid();
  yes("driver: setsid() returned getpid()", r == getpid(), 1);
  yes("  getsid(0) == getpid()", getsid(0) == getpid(), 1);
  yes("  getpgrp() == getpid()", getpgrp() == getpid(), 1);
  yes("  parent now in another session", getsid(getppid()) != getsid(0), 1);
  errno = 0;
  r = setsid();
  res("driver: setsid() again", r, errno, EPERM);
  return a_fails ? 1 : 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  self = argv[0];
  if (argc > 1 && !strcmp(argv[1], "driver")) return driver();
  if (argc > 1) return role(argc, argv);
  pid_t d = spawn_role(argv[0], NULL, "driver", NULL, NULL, NULL);
  int st = reap("driver", d, "exited 0");
  return st == 0 ? 0 : 1;
}
