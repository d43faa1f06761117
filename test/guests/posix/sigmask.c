/* sigprocmask(2): SIG_BLOCK, SIG_UNBLOCK and SIG_SETMASK with the old mask returned; SIGKILL and
 * SIGSTOP are silently left out of the mask; an invalid `how` is EINVAL; a mask survives exec and
 * is inherited by a spawned child. */
#include "common.h"

static void show(const char *label) {
  sigset_t m;
  sigprocmask(SIG_BLOCK, NULL, &m);
  printf("%s: USR1 %d USR2 %d TERM %d KILL %d STOP %d\n", label, sigismember(&m, SIGUSR1), sigismember(&m, SIGUSR2),
         sigismember(&m, SIGTERM), sigismember(&m, SIGKILL), sigismember(&m, SIGSTOP));
}

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "child")) {
    show("child inherits");
    return 0;
  }
  sigset_t s, old;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGKILL);
  sigaddset(&s, SIGSTOP);
  sigprocmask(SIG_BLOCK, &s, &old);
  printf("old mask empty: %s\n", sigismember(&old, SIGUSR1) == 0 ? "yes" : "no");
  show("after BLOCK USR1+KILL+STOP");
  sigemptyset(&s);
  sigaddset(&s, SIGUSR2);
  sigprocmask(SIG_BLOCK, &s, &old);
  printf("old had USR1: %d\n", sigismember(&old, SIGUSR1));
  show("after BLOCK USR2");
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigprocmask(SIG_UNBLOCK, &s, NULL);
  show("after UNBLOCK USR1");
  sigfillset(&s);
  sigprocmask(SIG_SETMASK, &s, NULL);
  show("after SETMASK all");
  SHOW("how 7", sigprocmask(7, &s, NULL));
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigprocmask(SIG_SETMASK, &s, NULL);
  show("after SETMASK TERM");
  reap("child", spawn_role("child"));
  printf("sigismember(99): %d\n", sigismember(&s, 99));
  return 0;
}
