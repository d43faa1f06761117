/* setsid(2) and getsid(2): a process that leads a group cannot start a session (EPERM); a spawned
 * child (not a group leader) can: it then leads a new session and group, has no controlling
 * terminal (tcgetpgrp fails), and getsid/getpgid of it from the parent agree. */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "child")) {
    pid_t before = getsid(0);
    pid_t s = setsid();
    char out[160];
    snprintf(out, sizeof out, "child: setsid == getpid %s, new session %s, leads group %s, second setsid %d\n",
             s == getpid() ? "yes" : "no", before != s ? "yes" : "no", getpgid(0) == getpid() ? "yes" : "no",
             setsid());
    write(REPORT_FD, out, strlen(out));
    for (;;) pause();
  }
  SHOW("setsid as group leader", setsid());
  printf("getsid(0) == getsid(getpid()): %s\n", getsid(0) == getsid(getpid()) ? "yes" : "no");
  int rd;
  pid_t c = spawn_reporting("child", NULL, &rd);
  char buf[160] = {0};
  ssize_t n = read(rd, buf, sizeof buf - 1);
  if (n > 0) fputs(buf, stdout);
  printf("parent sees child's session == child: %s\n", getsid(c) == c ? "yes" : "no");
  printf("parent sees child's group == child: %s\n", getpgid(c) == c ? "yes" : "no");
  SHOW("getsid(not a process)", getsid(4000000));
  kill(c, SIGKILL);
  reap("child", c);
  return 0;
}
