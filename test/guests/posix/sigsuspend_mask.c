/* sigsuspend(2) and pause(2): with the signal blocked, a child signals the parent; sigsuspend with
 * an empty mask lets it in, returns -1/EINTR after the handler, and the blocked mask is back; a
 * signal the temporary mask blocks stays pending; pause() returns -1/EINTR after a handler. */
#include "common.h"
#include <poll.h>

static volatile sig_atomic_t got1, got2;
static void on1(int s) { (void)s; got1++; }
static void on2(int s) { (void)s; got2++; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "poker")) {
    kill(getppid(), SIGUSR1);
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "poker-loop")) {
    /* Signals the parent every 2 ms until the parent closes our stdin: a signal landing before the
     * parent reaches pause() only runs the handler; a later one wakes pause. */
    struct pollfd pf = {0, POLLIN, 0};
    while (poll(&pf, 1, 2) == 0) kill(getppid(), SIGUSR1);
    return 0;
  }
  signal(SIGUSR1, on1);
  signal(SIGUSR2, on2);
  sigset_t block, empty, onlyusr2, now;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGUSR2);
  sigprocmask(SIG_BLOCK, &block, NULL);
  pid_t c = spawn_role("poker");
  reap("poker", c); /* its signal is pending now, blocked */
  raise(SIGUSR2);   /* pending too */
  sigemptyset(&empty);
  sigemptyset(&onlyusr2);
  sigaddset(&onlyusr2, SIGUSR2);
  errno = 0;
  int r = sigsuspend(&onlyusr2);
  printf("sigsuspend (USR2 still blocked): %d %s, USR1 handled %d, USR2 handled %d\n", r, errname(errno), (int)got1,
         (int)got2);
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("mask back: USR1 %d USR2 %d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2));
  sigset_t pend;
  sigpending(&pend);
  printf("USR2 still pending: %d\n", sigismember(&pend, SIGUSR2));
  r = sigsuspend(&empty);
  printf("second sigsuspend: %d %s, USR2 handled %d\n", r, errname(errno), (int)got2);
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  int p[2];
  pipe(p);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[0], 0);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  got1 = 0;
  c = spawn_role_fa("poker-loop", NULL, &fa, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(p[0]);
  errno = 0;
  r = pause();
  int e = errno;
  close(p[1]);
  printf("pause: %d %s, USR1 handled %s\n", r, errname(e), got1 > 0 ? "yes" : "no");
  reap("poker-loop", c);
  return 0;
}
