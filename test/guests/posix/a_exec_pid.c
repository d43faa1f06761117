/* exec keeps the process: a child execv's itself with another role and the old pid, ppid, pgid and
 * sid as text in argv; the new image checks getpid()/getppid()/getpgrp()/getsid(0) are unchanged.
 * A chain of three images keeps the pid; the parent's waitpid returns the spawned pid with the
 * last image's exit code. Open descriptors (a pipe's write end, by number in argv) survive exec.
 * execve passes the given environment (and only it); execl passes the list. The signal mask and
 * ignored signals are kept, caught signals are reset to the default (checked by disposition). */
#include "a_common.h"

static void on_usr2(int sig) { (void)sig; }

static const char *disp(int sig) {
  struct sigaction old;
  if (sigaction(sig, NULL, &old) != 0) return "error";
  return old.sa_handler == SIG_DFL ? "SIG_DFL" : old.sa_handler == SIG_IGN ? "SIG_IGN" : "a handler";
}

/* argv: self ROLE PID PPID PGID SID [FD] */
static int same_ids(char **argv, const char *who) {
  char l[96];
  snprintf(l, sizeof l, "  %s: getpid() unchanged", who);
  yes(l, getpid() == atol(argv[2]), 1);
  snprintf(l, sizeof l, "  %s: getppid() unchanged", who);
  yes(l, getppid() == atol(argv[3]), 1);
  snprintf(l, sizeof l, "  %s: getpgrp() unchanged", who);
  yes(l, getpgrp() == atol(argv[4]), 1);
  snprintf(l, sizeof l, "  %s: getsid(0) unchanged", who);
  yes(l, getsid(0) == atol(argv[5]), 1);
  return a_fails;
}

static void exec_next(char **argv, const char *role) {
  char *nargv[] = {argv[0], (char *)role, argv[2], argv[3], argv[4], argv[5], argv[6], NULL};
  execv(argv[0], nargv);
  printf("  execv failed: %s\n", errname(errno));
  exit(90);
}

static void exec_first(const char *self, const char *role, const char *extra) {
  char a[5][24];
  itoa_buf(getpid(), a[0], 24);
  itoa_buf(getppid(), a[1], 24);
  itoa_buf(getpgrp(), a[2], 24);
  itoa_buf(getsid(0), a[3], 24);
  snprintf(a[4], 24, "%s", extra ? extra : "-");
  char *nargv[] = {(char *)self, (char *)role, a[0], a[1], a[2], a[3], a[4], NULL};
  execv(self, nargv);
  printf("  execv failed: %s\n", errname(errno));
  exit(90);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "start")) exec_first(argv[0], argc > 2 ? argv[2] : "second", argc > 3 ? argv[3] : NULL);
  if (argc > 1 && !strcmp(argv[1], "second")) {
    same_ids(argv, "second image");
    exec_next(argv, "third");
  }
  if (argc > 1 && !strcmp(argv[1], "third")) return same_ids(argv, "third image") ? 1 : 44;
  if (argc > 1 && !strcmp(argv[1], "fd")) {
    same_ids(argv, "image with the fd");
    int fd = atoi(argv[6]);
    const char msg[] = "written after exec";
    return write(fd, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1) ? 45 : 1;
  }
  if (argc > 1 && !strcmp(argv[1], "env-exec")) {
    char *nargv[] = {argv[0], "env", NULL};
    char *env[] = {"A_EXEC_VAR=forty-six", "OTHER=x", NULL};
    execve(argv[0], nargv, env);
    return 90;
  }
  if (argc > 1 && !strcmp(argv[1], "env")) {
    const char *v = getenv("A_EXEC_VAR");
    printf("  new image: A_EXEC_VAR=%s, OTHER=%s, A_PARENT_VAR %s\n", v ? v : "(unset)", getenv("OTHER") ? getenv("OTHER") : "(unset)",
           getenv("A_PARENT_VAR") ? "set" : "unset");
    return 46;
  }
  if (argc > 1 && !strcmp(argv[1], "list-exec")) {
    execl(argv[0], argv[0], "list", "one", "two three", (char *)NULL);
    return 90;
  }
  if (argc > 1 && !strcmp(argv[1], "list")) {
    printf("  new image: argc %d, args [%s] [%s] [%s]\n", argc, argv[1], argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "");
    return 47;
  }
  if (argc > 1 && !strcmp(argv[1], "sig-exec")) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGUSR2, on_usr2);
    char *nargv[] = {argv[0], "sig", NULL};
    execv(argv[0], nargv);
    return 90;
  }
  if (argc > 1 && !strcmp(argv[1], "sig")) {
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    printf("  new image: SIGUSR1 blocked %s; SIGHUP %s; SIGUSR2 (was caught) %s\n", sigismember(&m, SIGUSR1) == 1 ? "yes" : "no",
           disp(SIGHUP), disp(SIGUSR2));
    return 48;
  }

  setenv("A_PARENT_VAR", "1", 1);
  pid_t p = spawn_role(argv[0], NULL, "start", "second", NULL, NULL);
  int st = 0;
  pid_t got = waitpid(p, &st, 0);
  yes("three images: waitpid returned the spawned pid", got == p, 1);
  printf("  status: %s\n", status_text(st));
  if (!(WIFEXITED(st) && WEXITSTATUS(st) == 44)) a_fails++;

  int pp[2];
  if (pipe(pp)) return 97;
  char fd[16];
  itoa_buf(pp[1], fd, sizeof fd);
  p = spawn_role(argv[0], NULL, "start", "fd", fd, NULL);
  close(pp[1]);
  reap("fd kept across exec", p, "exited 45");
  char buf[64] = {0};
  ssize_t n = read(pp[0], buf, sizeof buf - 1);
  printf("  parent read: \"%s\"\n", n > 0 ? buf : "");
  close(pp[0]);

  p = spawn_role(argv[0], NULL, "env-exec", NULL, NULL, NULL);
  reap("execve with an environment", p, "exited 46");
  p = spawn_role(argv[0], NULL, "list-exec", NULL, NULL, NULL);
  reap("execl with a list", p, "exited 47");
  p = spawn_role(argv[0], NULL, "sig-exec", NULL, NULL, NULL);
  reap("signal state across exec", p, "exited 48");
  return finish();
}
