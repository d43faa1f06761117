/* waitpid(2) over proc_wait: the status is Linux's wait4 word, read with <sys/wait.h>'s macros. */
#include <corral.h>
#include <errno.h>
#include <sys/wait.h>

pid_t waitpid(pid_t pid, int *status, int options) {
  int got = 0, st = 0;
  int e = corral_proc_wait(pid, options, &got, &st);
  if (e != 0) {
    errno = e;
    return -1;
  }
  if (status != 0 && got != 0) *status = st;
  return got;
}

pid_t wait(int *status) { return waitpid(-1, status, 0); }
