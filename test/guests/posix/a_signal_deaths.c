/* Death by signal seen through the wait status: a waiting child killed by the parent with SIGTERM,
 * SIGKILL, SIGUSR1, SIGUSR2, SIGINT, SIGHUP, SIGALRM, SIGQUIT and SIGABRT; a child that calls
 * abort(); one that raises SIGTERM itself; one that kills itself with SIGKILL while SIGKILL cannot
 * be blocked; a child ignoring SIGTERM survives it, and one blocking it still dies by SIGKILL.
 * Each is read with WIFSIGNALED/WTERMSIG, with WIFEXITED and WCOREDUMP false (natively the
 * children make themselves undumpable, so that no core is written for SIGQUIT/SIGABRT). */
#include "a_common.h"
#if defined(__linux__) && !defined(__wasi__)
#include <sys/prctl.h>
#include <sys/resource.h>
#endif

static void no_core(void) {
#if defined(__linux__) && !defined(__wasi__)
  struct rlimit r = {0, 0};
  setrlimit(RLIMIT_CORE, &r);
  prctl(PR_SET_DUMPABLE, 0);
#endif
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1) {
    no_core();
    if (!strcmp(argv[1], "hold")) { /* ready on fd argv[2], then wait on fd argv[3] */
      if (argc > 4 && !strcmp(argv[4], "ignore-term")) signal(SIGTERM, SIG_IGN);
      if (argc > 4 && !strcmp(argv[4], "block-term")) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGTERM);
        sigprocmask(SIG_BLOCK, &s, NULL);
      }
      put(atoi(argv[2]));
      return get(atoi(argv[3])) ? 0 : 1;
    }
    if (!strcmp(argv[1], "abort")) abort();
    if (!strcmp(argv[1], "raise")) {
      raise(SIGTERM);
      return 50; /* not reached */
    }
    if (!strcmp(argv[1], "selfkill")) {
      sigset_t s;
      sigfillset(&s);
      sigprocmask(SIG_BLOCK, &s, NULL); /* SIGKILL is not blockable: the mask silently leaves it out */
      kill(getpid(), SIGKILL);
      return 51;
    }
    return 100;
  }

  no_core();
  int ready[2], release[2];
  if (pipe(ready) || pipe(release)) return 97;
  char rfd[16], lfd[16];
  itoa_buf(ready[1], rfd, sizeof rfd);
  itoa_buf(release[0], lfd, sizeof lfd);

  const int sigs[] = {SIGTERM, SIGKILL, SIGUSR1, SIGUSR2, SIGINT, SIGHUP, SIGALRM, SIGQUIT, SIGABRT};
  const char *names[] = {"SIGTERM", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGINT", "SIGHUP", "SIGALRM", "SIGQUIT", "SIGABRT"};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    pid_t pid = spawn_role(argv[0], NULL, "hold", rfd, lfd, NULL);
    get(ready[0]);
    errno = 0;
    int r = kill(pid, sigs[i]);
    char label[64];
    snprintf(label, sizeof label, "kill(child, %s)", names[i]);
    res(label, r, errno, 0);
    int st = 0;
    pid_t got = waitpid(pid, &st, 0);
    printf("  reaped itself %s, WIFSIGNALED %s, WTERMSIG %d, WIFEXITED %s, WCOREDUMP %s, WIFSTOPPED %s\n",
           got == pid ? "yes" : "no", WIFSIGNALED(st) ? "yes" : "no", WIFSIGNALED(st) ? WTERMSIG(st) : 0,
           WIFEXITED(st) ? "yes" : "no", WCOREDUMP(st) ? "yes" : "no", WIFSTOPPED(st) ? "yes" : "no");
    if (got != pid || !WIFSIGNALED(st) || WTERMSIG(st) != sigs[i] || WIFEXITED(st) || WCOREDUMP(st)) {
      printf("  (expected killed by %d, no core)\n", sigs[i]);
      a_fails++;
    }
  }

  pid_t pid = spawn_role(argv[0], NULL, "abort", NULL, NULL, NULL);
  reap("child calling abort()", pid, "killed by 6");
  pid = spawn_role(argv[0], NULL, "raise", NULL, NULL, NULL);
  reap("child raising SIGTERM", pid, "killed by 15");
  pid = spawn_role(argv[0], NULL, "selfkill", NULL, NULL, NULL);
  reap("child blocking everything then kill(self, SIGKILL)", pid, "killed by 9");

  /* Ignored: SIGTERM is discarded, and the released child exits 0. */
  pid = spawn_role(argv[0], NULL, "hold", rfd, lfd, "ignore-term");
  get(ready[0]);
  kill(pid, SIGTERM);
  put(release[1]);
  reap("child ignoring SIGTERM, sent SIGTERM then released", pid, "exited 0");

  /* Blocked: SIGTERM stays pending; SIGKILL still kills. */
  pid = spawn_role(argv[0], NULL, "hold", rfd, lfd, "block-term");
  get(ready[0]);
  kill(pid, SIGTERM);
  kill(pid, SIGKILL);
  reap("child blocking SIGTERM, sent SIGTERM then SIGKILL", pid, "killed by 9");

  /* The status word of a death by signal N is N itself (no core bit). */
  pid = spawn_role(argv[0], NULL, "hold", rfd, lfd, NULL);
  get(ready[0]);
  kill(pid, SIGUSR1);
  int st = 0;
  waitpid(pid, &st, 0);
  yes("status word of a SIGUSR1 death == SIGUSR1", st == SIGUSR1, 1);
  return finish();
}
