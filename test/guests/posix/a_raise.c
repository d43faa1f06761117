/* raise(3): with a handler, the handler runs (with the signal's number) before raise returns, and
 * raise returns 0; with SIG_IGN nothing happens; with the default action a child dies of it
 * (SIGTERM, SIGUSR1, SIGKILL; the parent reads the status) or carries on (SIGCHLD, SIGURG whose
 * default is to ignore); a handler may end the process with _exit; SA_RESETHAND makes a second
 * raise take the default action; a blocked raised signal stays pending until unblocked, then
 * acts; raise(0) is 0 and raise(99) is EINVAL; raising a signal inside its own
 * handler is deferred until the handler returns. */
#include "a_common.h"

static volatile sig_atomic_t hits, last_sig;

static void count(int sig) {
  hits++;
  last_sig = sig;
}
static volatile sig_atomic_t depth, max_depth, nested_calls;
static void nested(int sig) {
  depth++;
  nested_calls++;
  if (depth > max_depth) max_depth = depth;
  if (nested_calls == 1) raise(sig); /* blocked while this runs: deferred until it returns */
  depth--;
}

static void die33(int sig) {
  (void)sig;
  _exit(33);
}

static void handle(int sig, void (*h)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  sigaction(sig, &sa, NULL);
}

static int role(const char *r) {
  if (!strcmp(r, "term")) {
    raise(SIGTERM);
    printf("  survived raise(SIGTERM)\n");
    return 40;
  }
  if (!strcmp(r, "usr1")) {
    raise(SIGUSR1);
    printf("  survived raise(SIGUSR1)\n");
    return 41;
  }
  if (!strcmp(r, "kill")) {
    raise(SIGKILL);
    printf("  survived raise(SIGKILL)\n");
    return 42;
  }
  if (!strcmp(r, "ignored-default")) {
    int a = raise(SIGCHLD), b = raise(SIGURG);
    printf("  child: raise(SIGCHLD) and raise(SIGURG) with default actions returned %d %d, still running\n", a, b);
    return 43;
  }
  if (!strcmp(r, "handler-exit")) {
    handle(SIGUSR1, die33, 0);
    raise(SIGUSR1);
    return 44;
  }
  if (!strcmp(r, "resethand")) {
    handle(SIGUSR2, count, SA_RESETHAND);
    raise(SIGUSR2);
    printf("  child: first raise(SIGUSR2) ran the handler %d time(s)\n", (int)hits);
    raise(SIGUSR2);
    printf("  survived the second raise(SIGUSR2)\n");
    return 45;
  }
  if (!strcmp(r, "blocked")) {
    sigset_t s, p;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int a = raise(SIGTERM);
    sigpending(&p);
    printf("  child: raise(SIGTERM) while blocked returned %d, pending: %s\n", a, sigismember(&p, SIGTERM) ? "yes" : "no");
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    printf("  survived unblocking SIGTERM\n");
    return 46;
  }
  return 100;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1) return role(argv[1]);

  /* In this process: a handler, SIG_IGN, signal 0, an invalid signal. */
  handle(SIGUSR1, count, 0);
  errno = 0;
  int r = raise(SIGUSR1);
  res("raise(SIGUSR1) with a handler", r, errno, 0);
  eq("  handler ran before raise returned (times)", hits, 1);
  eq("  handler's argument", last_sig, SIGUSR1);
  hits = 0;
  raise(SIGUSR1);
  raise(SIGUSR1);
  eq("two more raises: handler runs (times)", hits, 2);
  handle(SIGUSR2, SIG_IGN, 0);
  errno = 0;
  r = raise(SIGUSR2);
  res("raise(SIGUSR2) ignored", r, errno, 0);
  errno = 0;
  r = raise(0);
  res("raise(0)", r, errno, 0);
  errno = 0;
  r = raise(99);
  res("raise(99)", r, errno, EINVAL);
  /* The signal is blocked while its handler runs: raising it inside is deferred until return. */
  handle(SIGUSR1, nested, 0);
  raise(SIGUSR1);
  eq("raise inside the handler: handler calls", nested_calls, 2);
  eq("  deepest nesting", max_depth, 1);

  /* Default actions, in children. */
  const char *roles[] = {"term", "usr1", "kill", "ignored-default", "handler-exit", "resethand", "blocked"};
  const char *want[] = {"killed by 15", "killed by 10", "killed by 9", "exited 43", "exited 33", "killed by 12", "killed by 15"};
  for (unsigned i = 0; i < sizeof roles / sizeof roles[0]; i++) {
    char label[64];
    snprintf(label, sizeof label, "child %s", roles[i]);
    pid_t pid = spawn_role(argv[0], NULL, roles[i], NULL, NULL, NULL);
    reap(label, pid, want[i]);
  }
  return finish();
}
