/* Job control seen from a parent: SIGSTOP stops a child (WUNTRACED: WIFSTOPPED, WSTOPSIG 19), a
 * stopped child is not reported again, SIGCONT continues it (WCONTINUED: WIFCONTINUED), SIGTSTP
 * stops it too (20), and SIGTERM then ends it; without WUNTRACED a stop is not reported. */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "child")) {
    write(REPORT_FD, "r", 1);
    for (;;) pause();
  }
  int rd, st;
  /* In a group of its own, whose parent (us) is in another group of the same session: not an
   * orphaned group, so SIGTSTP stops it (POSIX discards it in an orphaned group; a container
   * init's own group is one, as the init's parent is outside its session). */
  pid_t c = spawn_grouped("child", NULL, 0, &rd);
  read_byte(rd);
  kill(c, SIGSTOP);
  pid_t g = waitpid(c, &st, WUNTRACED);
  printf("after SIGSTOP: %s (same child %s)\n", describe(st), g == c ? "yes" : "no");
  printf("reported once: WNOHANG|WUNTRACED gives %d\n", (int)waitpid(c, &st, WNOHANG | WUNTRACED));
  kill(c, SIGCONT);
  waitpid(c, &st, WCONTINUED);
  printf("after SIGCONT: %s\n", describe(st));
  kill(c, SIGTSTP);
  waitpid(c, &st, WUNTRACED);
  printf("after SIGTSTP: %s\n", describe(st));
  kill(c, SIGCONT);
  waitpid(c, &st, WCONTINUED);
  printf("continued again: %s\n", describe(st));
  kill(c, SIGSTOP);
  /* Without WUNTRACED the stop is not reported: the next report is the death. */
  kill(c, SIGTERM);
  kill(c, SIGCONT);
  g = waitpid(c, &st, 0);
  printf("without WUNTRACED: %s\n", describe(st));
  return 0;
}
