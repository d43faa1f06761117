/* posix_spawn attributes: SETPGROUP (0: the child leads a new group; a pgid: it joins that group),
 * SETSID (a new session), SETSIGMASK (the child starts with that mask), SETSIGDEF (a signal the
 * parent ignores is default again in the child), and no attributes (everything inherited). */
#include "common.h"

static void report_child(void) {
  sigset_t m;
  sigprocmask(SIG_BLOCK, NULL, &m);
  struct sigaction a;
  sigaction(SIGUSR1, NULL, &a);
  char out[200];
  snprintf(out, sizeof out,
           "leads group %s, leads session %s, same session as parent %s, USR2 blocked %s, USR1 %s\n",
           getpgid(0) == getpid() ? "yes" : "no", getsid(0) == getpid() ? "yes" : "no",
           getsid(0) == getsid(getppid()) ? "yes" : "no", sigismember(&m, SIGUSR2) ? "yes" : "no",
           a.sa_handler == SIG_IGN ? "ignored" : a.sa_handler == SIG_DFL ? "default" : "caught");
  write(REPORT_FD, out, strlen(out));
}

static pid_t run(const char *label, short flags, pid_t pgroup, const sigset_t *mask, const sigset_t *def) {
  int p[2];
  pipe(p);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], REPORT_FD);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  posix_spawnattr_setflags(&at, flags);
  if (flags & POSIX_SPAWN_SETPGROUP) posix_spawnattr_setpgroup(&at, pgroup);
  if (mask) posix_spawnattr_setsigmask(&at, mask);
  if (def) posix_spawnattr_setsigdefault(&at, def);
  short got;
  posix_spawnattr_getflags(&at, &got);
  pid_t pid = spawn_role_fa("child", NULL, &fa, &at);
  posix_spawnattr_destroy(&at);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  char buf[200] = {0};
  ssize_t n = read(p[0], buf, sizeof buf - 1);
  close(p[0]);
  printf("%s (flags read back %s): %s", label, got == flags ? "same" : "differ", n > 0 ? buf : "no report\n");
  return pid;
}

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "child")) {
    report_child();
    if (argc > 1) pause();
    return 0;
  }
  signal(SIGUSR1, SIG_IGN);
  sigset_t usr2, usr1;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pid_t kids[6];
  kids[0] = run("no attributes", 0, 0, NULL, NULL);
  kids[1] = run("SETPGROUP 0", POSIX_SPAWN_SETPGROUP, 0, NULL, NULL);
  kids[2] = run("SETPGROUP joining", POSIX_SPAWN_SETPGROUP, kids[1], NULL, NULL);
  printf("joined the first child's group: %s\n", getpgid(kids[2]) == kids[1] ? "yes" : "no");
  kids[3] = run("SETSID", POSIX_SPAWN_SETSID, 0, NULL, NULL);
  kids[4] = run("SETSIGMASK", POSIX_SPAWN_SETSIGMASK, 0, &usr2, NULL);
  kids[5] = run("SETSIGDEF", POSIX_SPAWN_SETSIGDEF, 0, NULL, &usr1);
  for (int i = 0; i < 6; i++) {
    kill(kids[i], SIGKILL);
    waitpid(kids[i], NULL, 0);
  }
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  printf("setflags(0x4000): %s\n", posix_spawnattr_setflags(&at, 0x4000) == EINVAL ? "EINVAL" : "accepted");
  return 0;
}
