/* getppid(2) in children and grandchildren, pid uniqueness, and a child in its parent's group and
 * session by default (posix_spawn with no attributes). */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "child")) {
    char out[200];
    snprintf(out, sizeof out, "child: getppid == parent %s, same group %s, same session %s, own pid differs %s\n",
             getppid() == atoi(argv[2]) ? "yes" : "no", getpgid(0) == getpgid(getppid()) ? "yes" : "no",
             getsid(0) == getsid(getppid()) ? "yes" : "no", getpid() != atoi(argv[2]) ? "yes" : "no");
    write(REPORT_FD, out, strlen(out));
    return 0;
  }
  char me[32];
  snprintf(me, sizeof me, "%d", (int)getpid());
  int rd;
  pid_t c = spawn_reporting("child", me, &rd);
  char buf[200] = {0};
  ssize_t n = read(rd, buf, sizeof buf - 1);
  if (n > 0) fputs(buf, stdout);
  reap("child", c);
  pid_t pids[5];
  for (int i = 0; i < 5; i++) pids[i] = spawn_role_fa("child", me, NULL, NULL);
  int distinct = 1;
  for (int i = 0; i < 5; i++)
    for (int j = i + 1; j < 5; j++)
      if (pids[i] == pids[j]) distinct = 0;
  for (int i = 0; i < 5; i++) waitpid(pids[i], NULL, 0);
  printf("five live children have distinct pids: %s\n", distinct ? "yes" : "no");
  return 0;
}
