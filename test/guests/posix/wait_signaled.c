/* Death by signals seen through WIFSIGNALED/WTERMSIG: sent by the parent (TERM, KILL, USR1, HUP,
 * INT) to a child blocked in pause(), and raised by the child itself (USR2, ABRT via abort()). */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "wait")) {
    write(REPORT_FD, "r", 1);
    for (;;) pause();
  }
  if (argc > 2 && !strcmp(argv[1], "raise")) {
    raise(atoi(argv[2]));
    return 9;
  }
  if (argc > 1 && !strcmp(argv[1], "abort")) abort();
  int sigs[] = {SIGTERM, SIGKILL, SIGUSR1, SIGHUP, SIGINT};
  for (int i = 0; i < 5; i++) {
    int rd;
    pid_t pid = spawn_reporting("wait", NULL, &rd);
    read_byte(rd);
    close(rd);
    kill(pid, sigs[i]);
    int st;
    waitpid(pid, &st, 0);
    printf("sent %d: WIFSIGNALED %d WTERMSIG %d WIFEXITED %d\n", sigs[i], WIFSIGNALED(st) != 0, WTERMSIG(st),
           WIFEXITED(st) != 0);
  }
  reap("raise(SIGUSR2)", spawn_role_fa("raise", "12", NULL, NULL));
  reap("raise(SIGTERM)", spawn_role_fa("raise", "15", NULL, NULL));
  int st;
  pid_t pid = spawn_role("abort");
  waitpid(pid, &st, 0);
  printf("abort: WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(st) != 0, WTERMSIG(st));
  return 0;
}
