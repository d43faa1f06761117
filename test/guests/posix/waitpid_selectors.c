/* waitpid's selectors: a pid, -1 (any child), 0 (the caller's group), -pgid (a group), WNOHANG
 * with nothing ready (0), and ECHILD when no child matches. */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "exit")) exit(atoi(argv[2]));
  if (argc > 1 && !strcmp(argv[1], "block")) {
    write(REPORT_FD, "r", 1);
    read_byte(0); /* until the parent closes our stdin pipe... never: it kills us */
    for (;;) pause();
  }
  int st;
  /* ECHILD with no children at all. */
  SHOW("wait any, no children", waitpid(-1, &st, 0));
  SHOW("WNOHANG, no children", waitpid(-1, &st, WNOHANG));
  /* A specific pid among several. */
  pid_t a = spawn_role_fa("exit", "3", NULL, NULL);
  pid_t b = spawn_role_fa("exit", "4", NULL, NULL);
  pid_t got = waitpid(b, &st, 0);
  printf("wait b: got b %s, %s\n", got == b ? "yes" : "no", describe(st));
  got = waitpid(-1, &st, 0);
  printf("wait any: got a %s, %s\n", got == a ? "yes" : "no", describe(st));
  /* WNOHANG with a live child: 0. */
  int rd;
  /* A child in a group of its own: wait(0) (our group) finds no child, wait(-pgid) does. */
  pid_t c = spawn_grouped("block", NULL, 0, &rd);
  read_byte(rd);
  SHOW("WNOHANG, child running", waitpid(c, &st, WNOHANG));
  SHOW("wait own group WNOHANG", waitpid(0, &st, WNOHANG));
  kill(c, SIGKILL);
  got = waitpid(-c, &st, 0);
  printf("wait -pgid: got c %s, %s\n", got == c ? "yes" : "no", describe(st));
  /* A pid that is not our child. */
  SHOW("wait a reaped pid", waitpid(a, &st, 0));
  /* wait(0) for a child in our own group. */
  pid_t d = spawn_role_fa("exit", "9", NULL, NULL);
  got = waitpid(0, &st, 0);
  printf("wait own group: got d %s, %s\n", got == d ? "yes" : "no", describe(st));
  return 0;
}
