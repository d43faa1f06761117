/* alarm(2): alarm(1) and sigsuspend wait for SIGALRM's handler; alarm(0) cancels and returns the
 * seconds left (> 0); a second alarm replaces the first and returns what was left of it; an alarm
 * with the default action ends a child (killed by 14). */
#include "common.h"

static volatile sig_atomic_t rang;
static void on_alrm(int s) { (void)s; rang++; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "default")) {
    alarm(1);
    for (;;) pause();
  }
  signal(SIGALRM, on_alrm);
  printf("alarm(10) with none set: %u\n", alarm(10));
  unsigned left = alarm(0);
  printf("alarm(0) cancels, left in (0, 10]: %s\n", left > 0 && left <= 10 ? "yes" : "no");
  printf("alarm(0) again: %u\n", alarm(0));
  /* SIGALRM blocked while the flag is checked, let in only inside sigsuspend: no lost wake-up. */
  sigset_t alrm, empty;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &alrm, NULL);
  alarm(20);
  left = alarm(1);
  printf("replacing an alarm of 20 returns (0, 20]: %s\n", left > 0 && left <= 20 ? "yes" : "no");
  while (!rang) sigsuspend(&empty);
  sigprocmask(SIG_UNBLOCK, &alrm, NULL);
  printf("SIGALRM handled: %d\n", (int)rang);
  reap("child with a default SIGALRM", spawn_role("default"));
  return 0;
}
