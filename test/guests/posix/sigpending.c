/* Pending signals: a blocked signal raised to oneself waits in the pending set and is delivered
 * (its handler runs) when unblocked; standard signals do not queue (two sends, one delivery); a
 * pending signal that is ignored is discarded; SIGCONT's default is to do nothing. */
#include "common.h"

static volatile sig_atomic_t usr1, usr2;
static void on_usr1(int s) { (void)s; usr1++; }
static void on_usr2(int s) { (void)s; usr2++; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  (void)argc;
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, on_usr2);
  sigset_t s, p;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGUSR2);
  sigprocmask(SIG_BLOCK, &s, NULL);
  raise(SIGUSR1);
  raise(SIGUSR1);
  kill(getpid(), SIGUSR2);
  sigpending(&p);
  printf("pending USR1 %d USR2 %d TERM %d; handled so far %d %d\n", sigismember(&p, SIGUSR1),
         sigismember(&p, SIGUSR2), sigismember(&p, SIGTERM), (int)usr1, (int)usr2);
  sigprocmask(SIG_UNBLOCK, &s, NULL);
  printf("after unblock: USR1 handled %d time(s), USR2 %d\n", (int)usr1, (int)usr2);
  sigpending(&p);
  printf("pending now USR1 %d USR2 %d\n", sigismember(&p, SIGUSR1), sigismember(&p, SIGUSR2));
  sigprocmask(SIG_BLOCK, &s, NULL);
  raise(SIGUSR2);
  signal(SIGUSR2, SIG_IGN);
  sigpending(&p);
  printf("ignoring a pending signal discards it: %s\n", sigismember(&p, SIGUSR2) ? "no" : "yes");
  sigprocmask(SIG_UNBLOCK, &s, NULL);
  printf("USR2 handled %d\n", (int)usr2);
  raise(SIGCONT);
  printf("SIGCONT by default: still here\n");
  raise(SIGCHLD);
  printf("SIGCHLD by default: still here\n");
  return 0;
}
