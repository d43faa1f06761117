/* A handler runs while the process spins on a flag without making a syscall (Linux: the timer
 * interrupt; Corral: its loop instrumentation); the loop then ends (were the handler never to run
 * in a spinning loop, the child would spin forever). A child spinning with SIGTERM at its default
 * action is killed. Whether the loop turned at all before the signal came is a race of the two
 * processes (the child may still be on its way back from the report's write), on Linux too, so
 * the child's status does not depend on it. */
#include "common.h"

static volatile sig_atomic_t flag;
static void on_usr1(int s) { (void)s; flag = 1; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "spinner")) {
    signal(SIGUSR1, on_usr1);
    write(REPORT_FD, "r", 1);
    volatile unsigned long spins = 0;
    while (!flag) spins++;
    return 3;
  }
  if (argc > 1 && !strcmp(argv[1], "forever")) {
    write(REPORT_FD, "r", 1);
    volatile unsigned long n = 0;
    for (;;) n++;
  }
  int rd;
  pid_t c = spawn_reporting("spinner", NULL, &rd);
  read_byte(rd);
  kill(c, SIGUSR1);
  reap("spinner", c);
  c = spawn_reporting("forever", NULL, &rd);
  read_byte(rd);
  kill(c, SIGTERM);
  reap("forever", c);
  return 0;
}
