/* Signalling groups: kill(-pgid) and killpg reach every member of a child's group and nothing
 * else; kill(0) reaches the caller's own group (the caller ignores the signal, its children die). */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "block")) {
    write(REPORT_FD, "r", 1);
    for (;;) pause();
  }
  int rd;
  /* Two children in a new group led by the first, one in ours. */
  pid_t a = spawn_grouped("block", NULL, 0, &rd);
  read_byte(rd);
  close(rd);
  pid_t b = spawn_grouped("block", NULL, a, &rd);
  read_byte(rd);
  close(rd);
  pid_t c = spawn_grouped("block", NULL, 0, &rd);
  read_byte(rd);
  close(rd);
  printf("b joined a's group: %s\n", getpgid(b) == a ? "yes" : "no");
  printf("kill(-a, TERM): %d\n", kill(-a, SIGTERM));
  reap("a", a);
  reap("b", b);
  int st;
  printf("c untouched: %s\n", waitpid(c, &st, WNOHANG) == 0 ? "yes" : "no");
  /* killpg on c's own group. */
  printf("killpg(c, USR1): %d\n", killpg(c, SIGUSR1));
  reap("c", c);
  /* kill(0): our own group, which we ignore the signal in. */
  signal(SIGHUP, SIG_IGN);
  pid_t d = spawn_reporting("block", NULL, &rd);
  read_byte(rd);
  close(rd);
  /* The child inherited SIG_IGN: reset it in a child that is told to (re-spawn with SETSIGDEF). */
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGHUP);
  posix_spawnattr_setsigdefault(&at, &def);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
  int p[2];
  pipe(p);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], REPORT_FD);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  pid_t e = spawn_role_fa("block", NULL, &fa, &at);
  close(p[1]);
  read_byte(p[0]);
  printf("kill(0, HUP): %d\n", kill(0, SIGHUP));
  printf("caller survived: yes\n");
  reap("e (default HUP)", e);
  printf("d (inherited SIG_IGN) alive: %s\n", waitpid(d, &st, WNOHANG) == 0 ? "yes" : "no");
  kill(d, SIGKILL);
  reap("d", d);
  return 0;
}
