/* Process ids, groups, sessions, kill and the terminal's foreground group over corral_v1. Every
 * call's errno is corral_v1's answer as is: WASI errnos are wasi-libc's errno values. */
#include <corral.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

/* Returns v when e is 0; else sets errno and returns -1 (the POSIX convention). */
static int ret(int e, int v) {
  if (e == 0) return v;
  errno = e;
  return -1;
}

pid_t getpid(void) {
  int pid = 0;
  corral_proc_id(&pid);
  return pid;
}

pid_t getppid(void) {
  int ppid = 0;
  corral_proc_parent(0, &ppid);
  return ppid;
}

pid_t getpgid(pid_t pid) {
  int pgid = 0;
  return ret(corral_proc_getpgid(pid, &pgid), pgid);
}

pid_t getpgrp(void) { return getpgid(0); }

int setpgid(pid_t pid, pid_t pgid) { return ret(corral_proc_setpgid(pid, pgid), 0); }

pid_t getsid(pid_t pid) {
  int sid = 0;
  return ret(corral_proc_getsid(pid, &sid), sid);
}

pid_t setsid(void) {
  int sid = 0;
  return ret(corral_proc_setsid(&sid), sid);
}

int kill(pid_t pid, int sig) { return ret(corral_proc_signal(pid, sig), 0); }

int killpg(pid_t pgrp, int sig) {
  /* killpg(3): a negative or zero-meaning-self group is EINVAL, as glibc's. */
  if (pgrp < 0) {
    errno = EINVAL;
    return -1;
  }
  return kill(-pgrp, sig);
}

/* raise(3): the handler, if any, runs before this returns (at the call's syscall boundary). */
int raise(int sig) { return kill(getpid(), sig); }

pid_t tcgetpgrp(int fd) {
  int pgid = 0;
  return ret(corral_tty_get_pgrp(fd, &pgid), pgid);
}

int tcsetpgrp(int fd, pid_t pgid) { return ret(corral_tty_set_pgrp(fd, pgid), 0); }

unsigned alarm(unsigned seconds) {
  uint32_t left = 0;
  corral_proc_alarm(seconds, &left);
  return left;
}

int pipe(int fds[2]) { return ret(corral_fd_pipe(&fds[0], &fds[1]), 0); }

/* pipe2's flags (O_CLOEXEC, O_NONBLOCK) are not kept by Corral's pipes: only 0 is accepted. */
int pipe2(int fds[2], int flags) {
  if (flags != 0) {
    errno = EINVAL;
    return -1;
  }
  return pipe(fds);
}

int dup(int fd) {
  int nfd = -1;
  return ret(corral_fd_dup(fd, &nfd), nfd);
}

int dup2(int fd, int newfd) { return ret(corral_fd_dup2(fd, newfd), newfd); }
