/* dup(2) and dup2(2): dup returns the lowest free fd; dup2 onto stdout redirects it; the copies
 * share one open description (closing one leaves the other working); dup2(fd, fd) returns fd;
 * EBADF for closed or negative fds; a spawned child inherits the redirection. */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "child")) {
    printf("child writes to its stdout\n");
    return 0;
  }
  int p[2];
  pipe(p);
  int lowest = dup(p[0]);
  printf("dup gives the lowest free fd: %s\n", lowest == p[1] + 1 ? "yes" : "no");
  close(lowest);
  printf("dup again reuses it: %s\n", dup(p[0]) == lowest ? "yes" : "no");
  close(lowest);
  SHOW("dup2(p1, p1)", dup2(p[1], p[1]) == p[1] ? 0 : -2);
  SHOW("dup(closed)", dup(lowest));
  SHOW("dup2(closed, 20)", dup2(lowest, 20));
  SHOW("dup2(-1, 20)", dup2(-1, 20));
  SHOW("dup2(p1, -1)", dup2(p[1], -1));
  /* Redirect stdout into the pipe, spawn a child that prints, restore stdout. */
  int saved = dup(1);
  dup2(p[1], 1);
  printf("parent writes into the pipe\n");
  pid_t c = spawn_role("child");
  waitpid(c, NULL, 0);
  dup2(saved, 1);
  close(saved);
  /* The pipe's write end is still open at p[1]: close it, then drain. */
  close(p[1]);
  char buf[256] = {0};
  size_t got = 0;
  ssize_t n;
  while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)n;
  printf("the pipe held: [%s]\n", buf);
  int q[2];
  pipe(q);
  int copy = dup(q[1]);
  close(q[1]);
  SHOW("write through the copy after closing the original", write(copy, "x", 1));
  close(copy);
  char c1;
  SHOW("read the byte", read(q[0], &c1, 1));
  SHOW("then EOF", read(q[0], &c1, 1));
  return 0;
}
