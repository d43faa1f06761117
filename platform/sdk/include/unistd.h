/* wasi-libc's <unistd.h>, plus what WASI lacks and corral_v1 provides: process ids, groups and
 * sessions, exec, pipes, dup, alarm and pause, and a terminal's foreground group. */
#ifndef _WASI_EMULATED_GETPID
#define _WASI_EMULATED_GETPID /* declares getpid without the deprecation: the SDK defines it */
#endif
#include_next <unistd.h>

#ifndef _CORRAL_UNISTD_H
#define _CORRAL_UNISTD_H
#ifdef __cplusplus
extern "C" {
#endif

int pipe(int[2]);
int pipe2(int[2], int);
int dup(int);
int dup2(int, int);
int pause(void);
unsigned alarm(unsigned);
int execve(const char *, char *const[], char *const[]);
int execv(const char *, char *const[]);
int execvp(const char *, char *const[]);
int execvpe(const char *, char *const[], char *const[]);
int execl(const char *, const char *, ...);
int execlp(const char *, const char *, ...);
int execle(const char *, const char *, ...);
pid_t getppid(void);
pid_t getpgrp(void);
pid_t getpgid(pid_t);
int setpgid(pid_t, pid_t);
pid_t setsid(void);
pid_t getsid(pid_t);
pid_t tcgetpgrp(int);
int tcsetpgrp(int, pid_t);

#ifdef __cplusplus
}
#endif
#endif
