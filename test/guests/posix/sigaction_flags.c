/* sigaction(2): the old action comes back; SIG_IGN makes a signal vanish; SA_RESETHAND restores the
 * default after one delivery (the second kills a child); SA_NODEFER lets the signal nest, and by
 * default it is blocked while its handler runs, as is sa_mask; signal() returns the old handler;
 * SIGKILL's action cannot be changed (EINVAL). */
#include "common.h"

static volatile sig_atomic_t depth, max_depth, in_mask_self, in_mask_extra, count;

static void nesting(int s) {
  depth++;
  if (depth > max_depth) max_depth = depth;
  sigset_t m;
  sigprocmask(SIG_BLOCK, NULL, &m);
  in_mask_self = sigismember(&m, s);
  in_mask_extra = sigismember(&m, SIGUSR2);
  count++;
  if (count < 2) raise(s);
  depth--;
}

static void plain(int s) { (void)s; count++; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "resethand")) {
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = plain;
    a.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &a, NULL);
    raise(SIGUSR1);
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    char out[80];
    snprintf(out, sizeof out, "resethand: handled %d, now default %s\n", (int)count, now.sa_handler == SIG_DFL ? "yes" : "no");
    write(REPORT_FD, out, strlen(out));
    raise(SIGUSR1);
    return 0;
  }
  struct sigaction a, old;
  memset(&a, 0, sizeof a);
  a.sa_handler = nesting;
  sigemptyset(&a.sa_mask);
  sigaddset(&a.sa_mask, SIGUSR2);
  sigaction(SIGUSR1, &a, &old);
  printf("old action default: %s\n", old.sa_handler == SIG_DFL ? "yes" : "no");
  raise(SIGUSR1);
  printf("default: max depth %d, own signal blocked inside %d, sa_mask blocked inside %d, count %d\n",
         (int)max_depth, (int)in_mask_self, (int)in_mask_extra, (int)count);
  depth = max_depth = count = 0;
  a.sa_flags = SA_NODEFER;
  sigaction(SIGUSR1, &a, &old);
  printf("old action is ours: %s\n", old.sa_handler == nesting ? "yes" : "no");
  raise(SIGUSR1);
  printf("NODEFER: max depth %d, own signal blocked inside %d, count %d\n", (int)max_depth, (int)in_mask_self,
         (int)count);
  signal(SIGUSR2, SIG_IGN);
  raise(SIGUSR2);
  printf("ignored USR2: still here\n");
  void (*prev)(int) = signal(SIGUSR2, plain);
  printf("signal() returned SIG_IGN: %s\n", prev == SIG_IGN ? "yes" : "no");
  prev = signal(SIGUSR2, SIG_DFL);
  printf("signal() returned plain: %s\n", prev == plain ? "yes" : "no");
  SHOW("sigaction(SIGKILL)", sigaction(SIGKILL, &a, NULL));
  SHOW("sigaction(SIGSTOP)", sigaction(SIGSTOP, &a, NULL));
  SHOW("sigaction(0)", sigaction(0, &a, NULL));
  SHOW("sigaction(65)", sigaction(65, &a, NULL));
  int rd;
  pid_t c = spawn_reporting("resethand", NULL, &rd);
  char buf[80] = {0};
  ssize_t n = read(rd, buf, sizeof buf - 1);
  if (n > 0) fputs(buf, stdout);
  reap("resethand child", c);
  return 0;
}
