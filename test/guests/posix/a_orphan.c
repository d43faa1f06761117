/* Orphans are reparented to the top process and reaped by it. Under Corral the top process is its
 * PID namespace's init (pid 1); natively it makes itself a child subreaper, so that the same holds.
 * A middle child M spawns grandchildren and exits: a live one G (which, once the top process has
 * reaped M and told it so, checks getppid() == the top's pid, passed as text through argv) and one
 * Z that has already exited before M (a zombie when orphaned). The top's waitpid(-1) then reaps
 * both, with their own codes and pids (G sends its pid over a pipe); afterwards, ECHILD. A second
 * round orphans two live grandchildren at once. */
#include "a_common.h"
#if defined(__linux__) && !defined(__wasi__)
#include <sys/prctl.h>
#endif

/* argv: self ROLE TOP_PID GO_FD REPORT_FD */
static int middle(char **argv, int live) {
  int zp[2];
  if (pipe(zp)) return 97;
  char zfd[16];
  itoa_buf(zp[1], zfd, sizeof zfd);
  /* Z: exits at once; its pipe's EOF tells M it has exited. */
  spawn_role(argv[0], NULL, "zombie", zfd, NULL, NULL);
  close(zp[1]);
  get(zp[0]);
  for (int i = 0; i < live; i++) {
    char *gargv[] = {argv[0], "grandchild", argv[2], argv[3], argv[4], NULL};
    pid_t g;
    if (posix_spawn(&g, argv[0], NULL, NULL, gargv, environ) != 0) return 96;
  }
  return 30; /* exits without reaping anyone */
}

static int grandchild(char **argv) {
  pid_t top = atol(argv[2]);
  int go = atoi(argv[3]), report = atoi(argv[4]);
  get(go); /* the top process has reaped M */
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%ld %s\n", (long)getpid(), getppid() == top ? "yes" : "no");
  if (write(report, buf, n) != n) return 1;
  return 31;
}

static void run_round(const char *self, int live) {
  int go[2], rep[2];
  if (pipe(go) || pipe(rep)) exit(97);
  char top[16], gfd[16], rfd[16];
  itoa_buf(getpid(), top, sizeof top);
  itoa_buf(go[0], gfd, sizeof gfd);
  itoa_buf(rep[1], rfd, sizeof rfd);
  pid_t m = spawn_role(self, NULL, live == 1 ? "middle1" : "middle2", top, gfd, rfd);
  reap("middle child", m, "exited 30");
  /* M is gone: release the live grandchildren, read their reports. */
  for (int i = 0; i < live; i++) put(go[1]);
  close(rep[1]);
  char buf[256] = {0};
  size_t got = 0;
  ssize_t n;
  while (got < sizeof buf - 1 && (n = read(rep[0], buf + got, sizeof buf - 1 - got)) > 0) got += n;
  close(rep[0]);
  close(go[0]);
  close(go[1]);
  long pids[4] = {0};
  int k = 0, reparented = 0;
  for (char *q = buf; *q && k < 4; k++) {
    char *nl = strchr(q, '\n');
    if (!nl) break;
    pids[k] = atol(q);
    if (strstr(q, " yes") && strstr(q, " yes") < nl) reparented++;
    q = nl + 1;
  }
  eq("  live orphans reporting", k, live);
  printf("  reparented to the top process: %s\n", reparented == live ? "yes" : "no");
  if (reparented != live) a_fails++;
  /* Reap them all with waitpid(-1): the zombie (code 29) and the live ones (code 31). */
  int zombies = 0, lives = 0, others = 0;
  for (int i = 0; i < live + 1; i++) {
    int st = 0;
    pid_t r = waitpid(-1, &st, 0);
    int known = 0;
    for (int j = 0; j < k; j++)
      if (r == pids[j]) known = 1;
    if (r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 29 && !known) zombies++;
    else if (r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 31 && known) lives++;
    else others++;
  }
  eq("  orphaned zombie reaped by the top process", zombies, 1);
  eq("  live orphans reaped by the top process (their pids)", lives, live);
  eq("  anything else", others, 0);
  errno = 0;
  pid_t r = waitpid(-1, NULL, WNOHANG);
  res("  then waitpid(-1, WNOHANG)", r, errno, ECHILD);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "zombie")) return 29;
  if (argc > 1 && !strcmp(argv[1], "middle1")) return middle(argv, 1);
  if (argc > 1 && !strcmp(argv[1], "middle2")) return middle(argv, 2);
  if (argc > 1 && !strcmp(argv[1], "grandchild")) return grandchild(argv);
#if defined(__linux__) && !defined(__wasi__)
  prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
  printf("round 1: one live orphan and one orphaned zombie\n");
  run_round(argv[0], 1);
  printf("round 2: two live orphans and one orphaned zombie\n");
  run_round(argv[0], 2);
  return finish();
}
