/* Orphan reparenting: when a parent exits, its children are reparented to the namespace's init
 * (under Corral the top process, pid 1 of the container's namespace) or, on Linux, to the nearest
 * subreaper (the top process makes itself one), and that process reaps them. */
#include "common.h"
#include <time.h>
#if defined(__linux__) && !defined(__wasi__)
#include <sys/prctl.h>
#endif

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "grandchild")) {
    /* Wait until the middle process is gone: our parent changes. */
    pid_t first = (pid_t)atoi(argv[2]);
    while (getppid() == first) {
      struct timespec t = {0, 1000000};
      nanosleep(&t, NULL);
    }
    char out[96];
    snprintf(out, sizeof out, "grandchild: parent was the middle process %s\n", getppid() == first ? "still" : "no longer");
    write(REPORT_FD, out, strlen(out));
    return 5;
  }
  if (argc > 1 && !strcmp(argv[1], "middle")) {
    char me[32];
    snprintf(me, sizeof me, "%d", (int)getpid());
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    spawn_role_fa("grandchild", me, &fa, NULL);
    return 3;
  }
#if defined(__linux__) && !defined(__wasi__)
  prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
  int rd;
  pid_t m = spawn_reporting("middle", NULL, &rd);
  reap("middle", m);
  char buf[128] = {0};
  ssize_t n = read(rd, buf, sizeof buf - 1);
  if (n > 0) fputs(buf, stdout);
  int st;
  pid_t g = wait(&st);
  printf("the top process reaped the orphan: %s, %s\n", g > 0 ? "yes" : "no", describe(st));
  SHOW("no children left", wait(&st));
  return 0;
}
