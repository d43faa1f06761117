/* execve(2) keeps the pid, the parent, the process group and open descriptors; handlers are reset
 * to default and ignored signals stay ignored; a failed exec returns ENOENT and the program goes on. */
#include "common.h"
#include <fcntl.h>

static void on_usr2(int s) { (void)s; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "after")) {
    struct sigaction a1, a2;
    sigaction(SIGUSR1, NULL, &a1);
    sigaction(SIGUSR2, NULL, &a2);
    char out[256];
    snprintf(out, sizeof out, "after exec: same pid %s, report fd open %s, USR1 %s, USR2 %s\n",
             getpid() == atoi(argv[2]) ? "yes" : "no",
             fcntl(REPORT_FD, F_GETFD) >= 0 ? "yes" : "no", a1.sa_handler == SIG_IGN ? "ignored" : "default",
             a2.sa_handler == SIG_DFL ? "default" : "not default");
    write(REPORT_FD, out, strlen(out));
    return 6;
  }
  if (argc > 1 && !strcmp(argv[1], "before")) {
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, on_usr2);
    char me[32];
    snprintf(me, sizeof me, "%d", (int)getpid());
    char *args[] = {(char *)self_path, "after", me, NULL};
    char *bad[] = {"/no/such/file", NULL};
    int r = execv("/no/such/file", bad);
    char out[128];
    snprintf(out, sizeof out, "failed exec: %d %s, still running\n", r, errname(errno));
    write(REPORT_FD, out, strlen(out));
    execv(self_path, args);
    return 99;
  }
  int rd;
  pid_t c = spawn_reporting("before", NULL, &rd);
  char buf[512] = {0};
  size_t got = 0;
  ssize_t n;
  while ((n = read(rd, buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)n;
  fputs(buf, stdout);
  reap("exec'd child", c);
  return 0;
}
