/* posix_spawnattr_t: SETPGROUP with 0 (a new group led by the child) and with an existing group;
 * a pgroup without the flag is ignored; SETPGROUP to a group that does not exist fails the spawn
 * with EPERM and leaves no child; SETSID (a new session and group); SETSID with SETPGROUP 0 is
 * EPERM (setsid first, then a session leader cannot setpgid); SETSIGMASK (the child's mask is
 * the given set, read with sigprocmask), and without it the parent's mask is inherited; SETSIGDEF
 * resets a signal the parent ignores (the child sees SIG_DFL, and SIGUSR1 then kills it), while
 * without it SIG_IGN is inherited (and SIGUSR1 is survived); a caught signal is always SIG_DFL in
 * the child. The attribute getters return what was set. */
#include "a_common.h"

static const char *self;
static int ready[2], rel[2];

static void on_usr2(int sig) { (void)sig; }

static const char *disp(int sig) {
  struct sigaction old;
  if (sigaction(sig, NULL, &old) != 0) return "error";
  return old.sa_handler == SIG_DFL ? "SIG_DFL" : old.sa_handler == SIG_IGN ? "SIG_IGN" : "a handler";
}

static int role(int argc, char **argv) {
  const char *r = argv[1];
  int rfd = atoi(argv[2]), lfd = atoi(argv[3]);
  long arg = argc > 4 ? atol(argv[4]) : 0;
  if (!strcmp(r, "groups")) {
    printf("  child: leads its group: %s, group is the given one: %s, leads its session: %s, parent's session: %s\n",
           getpgrp() == getpid() ? "yes" : "no", getpgrp() == arg ? "yes" : "no",
           getsid(0) == getpid() ? "yes" : "no", getsid(0) == getsid(getppid()) ? "yes" : "no");
  } else if (!strcmp(r, "mask")) {
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    printf("  child: blocked SIGUSR1 %s, SIGTERM %s, SIGUSR2 %s, SIGINT %s\n", sigismember(&m, SIGUSR1) ? "yes" : "no",
           sigismember(&m, SIGTERM) ? "yes" : "no", sigismember(&m, SIGUSR2) ? "yes" : "no",
           sigismember(&m, SIGINT) ? "yes" : "no");
  } else if (!strcmp(r, "disp")) {
    printf("  child: SIGUSR1 %s, SIGUSR2 %s, SIGHUP %s\n", disp(SIGUSR1), disp(SIGUSR2), disp(SIGHUP));
  }
  put(rfd);
  get(lfd);
  return 0;
}

static pid_t child(const char *role, const posix_spawnattr_t *attr, long arg) {
  char rfd[16], lfd[16], a[16];
  itoa_buf(ready[1], rfd, sizeof rfd);
  itoa_buf(rel[0], lfd, sizeof lfd);
  itoa_buf(arg, a, sizeof a);
  pid_t p = spawn_role(self, attr, role, rfd, lfd, a);
  get(ready[0]);
  return p;
}

static void attr(posix_spawnattr_t *a, short flags, pid_t pg) {
  posix_spawnattr_init(a);
  posix_spawnattr_setflags(a, flags);
  posix_spawnattr_setpgroup(a, pg);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  self = argv[0];
  if (argc > 3) return role(argc, argv);
  if (pipe(ready) || pipe(rel)) return 97;
  posix_spawnattr_t a;
  short f;
  pid_t g;

  /* Getters. */
  sigset_t s, t;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  attr(&a, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK, 0);
  posix_spawnattr_setsigmask(&a, &s);
  posix_spawnattr_setsigdefault(&a, &s);
  posix_spawnattr_getflags(&a, &f);
  posix_spawnattr_getpgroup(&a, &g);
  yes("getflags returns SETPGROUP|SETSIGMASK", f == (POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK), 1);
  eq("getpgroup", g, 0);
  posix_spawnattr_getsigmask(&a, &t);
  yes("getsigmask has SIGUSR1 only", sigismember(&t, SIGUSR1) == 1 && sigismember(&t, SIGUSR2) == 0, 1);
  posix_spawnattr_getsigdefault(&a, &t);
  yes("getsigdefault has SIGUSR1", sigismember(&t, SIGUSR1) == 1, 1);
  posix_spawnattr_destroy(&a);

  /* Groups and sessions. */
  printf("SETPGROUP 0:\n");
  attr(&a, POSIX_SPAWN_SETPGROUP, 0);
  pid_t leader = child("groups", &a, 0);
  yes("  parent: getpgid(child) == child", getpgid(leader) == leader, 1);
  printf("SETPGROUP to that child's group:\n");
  attr(&a, POSIX_SPAWN_SETPGROUP, leader);
  pid_t member = child("groups", &a, leader);
  yes("  parent: getpgid(child) == that group", getpgid(member) == leader, 1);
  printf("pgroup set but no SETPGROUP flag:\n");
  attr(&a, 0, leader);
  pid_t plain = child("groups", &a, getpgrp());
  yes("  parent: child in the parent's group", getpgid(plain) == getpgrp(), 1);
  printf("SETSID:\n");
  attr(&a, POSIX_SPAWN_SETSID, 0);
  pid_t sess = child("groups", &a, 0);
  yes("  parent: getsid(child) == child", getsid(sess) == sess, 1);
  yes("  parent: getpgid(child) == child", getpgid(sess) == sess, 1);
  for (int i = 0; i < 4; i++) put(rel[1]);
  reap("  reaped SETPGROUP 0 child", leader, "exited 0");
  reap("  reaped member child", member, "exited 0");
  reap("  reaped plain child", plain, "exited 0");
  reap("  reaped SETSID child", sess, "exited 0");

  char *cargv[] = {(char *)self, "exit", NULL};
  pid_t p = 0;
  attr(&a, POSIX_SPAWN_SETPGROUP, leader); /* reaped: no such group any more */
  rc("SETPGROUP to a group that no longer exists", posix_spawn(&p, self, NULL, &a, cargv, environ), EPERM);
  attr(&a, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETPGROUP, 0);
  rc("SETSID with SETPGROUP 0", posix_spawn(&p, self, NULL, &a, cargv, environ), EPERM);
  errno = 0;
  pid_t w = waitpid(-1, NULL, WNOHANG);
  res("  failed spawns left no child: waitpid(-1, WNOHANG)", w, errno, ECHILD);

  /* Masks. */
  printf("SETSIGMASK {SIGUSR1, SIGTERM}, parent blocking SIGINT:\n");
  sigset_t pm;
  sigemptyset(&pm);
  sigaddset(&pm, SIGINT);
  sigprocmask(SIG_BLOCK, &pm, NULL);
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGTERM);
  attr(&a, POSIX_SPAWN_SETSIGMASK, 0);
  posix_spawnattr_setsigmask(&a, &s);
  p = child("mask", &a, 0);
  put(rel[1]);
  reap("  reaped", p, "exited 0");
  printf("no SETSIGMASK, parent blocking SIGINT and SIGUSR2:\n");
  sigaddset(&pm, SIGUSR2);
  sigprocmask(SIG_BLOCK, &pm, NULL);
  p = child("mask", NULL, 0);
  put(rel[1]);
  reap("  reaped", p, "exited 0");
  printf("SETSIGMASK with an empty set, parent blocking SIGINT and SIGUSR2:\n");
  sigemptyset(&s);
  posix_spawnattr_setsigmask(&a, &s);
  p = child("mask", &a, 0);
  put(rel[1]);
  reap("  reaped", p, "exited 0");
  sigprocmask(SIG_UNBLOCK, &pm, NULL);

  /* Dispositions: parent ignores SIGUSR1 and SIGHUP, catches SIGUSR2. */
  signal(SIGUSR1, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGUSR2, on_usr2);
  printf("parent ignoring SIGUSR1 and SIGHUP, catching SIGUSR2; no SETSIGDEF:\n");
  p = child("disp", NULL, 0);
  kill(p, SIGUSR1);
  put(rel[1]);
  reap("  sent SIGUSR1, then released", p, "exited 0");
  printf("SETSIGDEF {SIGUSR1}:\n");
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  attr(&a, POSIX_SPAWN_SETSIGDEF, 0);
  posix_spawnattr_setsigdefault(&a, &s);
  p = child("disp", &a, 0);
  kill(p, SIGUSR1);
  put(rel[1]); /* if SIGUSR1 were still ignored, the child would exit 0 rather than wait forever */
  reap("  sent SIGUSR1, then released", p, "killed by 10");
  return finish();
}
