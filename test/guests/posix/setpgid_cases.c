/* setpgid(2) and its errors: a child moving itself into a new group (0, 0) and into its parent's;
 * the parent moving a child that has already exec'd (EACCES, as after posix_spawn on Linux);
 * ESRCH for a pid that is not a child; EINVAL for a negative pgid; EPERM for a group that does
 * not exist in the session. */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "self")) {
    pid_t me = getpid();
    int r1 = setpgid(0, 0);
    int lead = getpgid(0) == me;
    int r2 = setpgid(0, getppid() == 0 ? 0 : getpgid(getppid()));
    int back = getpgid(0) == getpgid(getppid());
    int r3 = setpgid(0, 4000000);
    int e3 = errno;
    char out[128];
    snprintf(out, sizeof out, "self: %d lead %d, back %d %d, bogus group %d %s\n", r1, lead, r2, back, r3, errname(e3));
    write(REPORT_FD, out, strlen(out));
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "block")) {
    write(REPORT_FD, "r", 1);
    for (;;) pause();
  }
  int rd;
  pid_t c = spawn_reporting("self", NULL, &rd);
  char buf[128] = {0};
  ssize_t n = read(rd, buf, sizeof buf - 1);
  if (n > 0) fputs(buf, stdout);
  reap("self", c);
  pid_t b = spawn_reporting("block", NULL, &rd);
  read_byte(rd);
  SHOW("setpgid(child after exec, child)", setpgid(b, b));
  SHOW("setpgid(not a child)", setpgid(4000000, 0));
  SHOW("setpgid(0, -1)", setpgid(0, -1));
  SHOW("setpgid(-1, 0)", setpgid(-1, 0));
  kill(b, SIGKILL);
  reap("block", b);
  return 0;
}
