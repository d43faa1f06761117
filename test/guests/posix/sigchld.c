/* SIGCHLD: a handler runs when a child exits (and when one stops, unless SA_NOCLDSTOP); the child's
 * status is still there for waitpid afterwards. */
#include "common.h"

static volatile sig_atomic_t chld;
static void on_chld(int s) { (void)s; chld++; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "exit")) return 7;
  if (argc > 1 && !strcmp(argv[1], "wait")) {
    write(REPORT_FD, "r", 1);
    for (;;) pause();
  }
  struct sigaction a;
  memset(&a, 0, sizeof a);
  a.sa_handler = on_chld;
  sigaction(SIGCHLD, &a, NULL);
  sigset_t block, empty;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &block, NULL);
  pid_t c = spawn_role("exit");
  while (chld == 0) sigsuspend(&empty);
  printf("SIGCHLD handled on exit: %d\n", (int)chld);
  reap("exited child", c);
  chld = 0;
  int rd;
  c = spawn_grouped("wait", NULL, 0, &rd);
  read_byte(rd);
  kill(c, SIGSTOP);
  while (chld == 0) sigsuspend(&empty);
  printf("SIGCHLD handled on stop: %d\n", (int)chld);
  int st;
  waitpid(c, &st, WUNTRACED);
  printf("then waitpid: %s\n", describe(st));
  chld = 0;
  a.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &a, NULL);
  kill(c, SIGCONT);
  kill(c, SIGSTOP);
  waitpid(c, &st, WUNTRACED);
  printf("with SA_NOCLDSTOP: stop reported %s, handler ran on it %d\n", describe(st), (int)chld);
  kill(c, SIGKILL);
  while (chld == 0) sigsuspend(&empty);
  printf("SIGCHLD on death even with SA_NOCLDSTOP: %d\n", (int)chld);
  reap("killed child", c);
  return 0;
}
