/* Pipes: EOF once every write end is closed, the ones children hold included; a write with no
 * reader fails with EPIPE when SIGPIPE is ignored, and kills with SIGPIPE when it is not; a
 * pipe's data comes back in partial reads of any size, in order. */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "hold")) {
    /* Holds the pipe's write end (its stdout) until its stdin reaches EOF. */
    char c;
    while (read(0, &c, 1) > 0) {
    }
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "writer")) {
    ssize_t n = write(1, "x", 1);
    return n < 0 ? 10 : 11;
  }
  int p[2], ctl[2];
  pipe(p);
  pipe(ctl);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, ctl[0], 0);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  posix_spawn_file_actions_addclose(&fa, ctl[0]);
  posix_spawn_file_actions_addclose(&fa, ctl[1]);
  pid_t holder = spawn_role_fa("hold", NULL, &fa, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(ctl[0]);
  close(p[1]);
  write(ctl[1], "go", 2);
  /* The child still holds a write end: a read would block. Let it go, then EOF. */
  close(ctl[1]);
  reap("holder", holder);
  char buf[8];
  SHOW("read after every writer closed (EOF)", read(p[0], buf, sizeof buf));
  close(p[0]);
  /* No reader: EPIPE with SIGPIPE ignored, death by SIGPIPE otherwise. */
  pipe(p);
  close(p[0]);
  signal(SIGPIPE, SIG_IGN);
  SHOW("write with no reader, SIGPIPE ignored", write(p[1], "x", 1));
  signal(SIGPIPE, SIG_DFL);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  pid_t w = spawn_role_fa("writer", NULL, &fa, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  reap("writer with no reader", w);
  /* Partial reads. */
  pipe(p);
  write(p[1], "abcdefghij", 10);
  char a[4] = {0}, b[8] = {0};
  ssize_t n1 = read(p[0], a, 3);
  ssize_t n2 = read(p[0], b, 7);
  printf("partial reads: %zd [%s] %zd [%s]\n", n1, a, n2, b);
  close(p[1]);
  SHOW("then EOF", read(p[0], a, 1));
  return 0;
}
