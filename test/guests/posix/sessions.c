/* Groups across sessions: a child that started its own session cannot be moved into the parent's
 * group (EPERM), nor can the parent move itself into the child's group (EPERM); getpgid and getsid
 * of a child in another session still answer; getpgrp() is getpgid(0). */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "leader")) {
    setsid();
    write(REPORT_FD, "r", 1);
    for (;;) pause();
  }
  printf("getpgrp() == getpgid(0): %s\n", getpgrp() == getpgid(0) ? "yes" : "no");
  int rd;
  pid_t c = spawn_reporting("leader", NULL, &rd);
  read_byte(rd);
  printf("child leads a session: %s, its group is itself: %s\n", getsid(c) == c ? "yes" : "no",
         getpgid(c) == c ? "yes" : "no");
  SHOW("setpgid(child, our group)", setpgid(c, getpgrp()));
  SHOW("setpgid(0, child's group)", setpgid(0, c));
  SHOW("getpgid(child) succeeds", getpgid(c) == c ? 0 : -1);
  kill(c, SIGKILL);
  reap("leader", c);
  return 0;
}
