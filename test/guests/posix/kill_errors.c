/* kill(2)'s errors and probes: signal 0 to a live child (0) and to a reaped one (ESRCH), an invalid
 * signal (EINVAL), a pid that never existed (ESRCH), and killpg of a negative group (EINVAL). */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "block")) {
    write(REPORT_FD, "r", 1);
    for (;;) pause();
  }
  int rd;
  pid_t c = spawn_reporting("block", NULL, &rd);
  read_byte(rd);
  SHOW("kill(child, 0)", kill(c, 0));
  SHOW("kill(child, 99)", kill(c, 99));
  SHOW("kill(child, -1)", kill(c, -1));
  kill(c, SIGKILL);
  int st;
  waitpid(c, &st, 0);
  SHOW("kill(reaped, 0)", kill(c, 0));
  SHOW("kill(4000000, 0)", kill(4000000, 0));
  SHOW("killpg(-5, TERM)", killpg(-5, SIGTERM));
  SHOW("kill(self, 0)", kill(getpid(), 0));
  return 0;
}
