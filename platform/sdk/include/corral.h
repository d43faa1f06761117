/* corral_v1: Corral's guest process ABI (docs/corral_v1.md), as C declarations. Programs need not
 * include this: the SDK's <unistd.h>, <signal.h>, <spawn.h> and <sys/wait.h> map POSIX onto it. */
#ifndef CORRAL_H
#define CORRAL_H

#include <stdint.h>

#define CORRAL_IMPORT(name) __attribute__((import_module("corral_v1"), import_name(#name)))

/* Each returns a WASI errno (0 on success), which is also wasi-libc's errno value. */
CORRAL_IMPORT(proc_id) int corral_proc_id(int *ret_pid);
CORRAL_IMPORT(proc_parent) int corral_proc_parent(int pid, int *ret_ppid);
CORRAL_IMPORT(proc_getpgid) int corral_proc_getpgid(int pid, int *ret_pgid);
CORRAL_IMPORT(proc_setpgid) int corral_proc_setpgid(int pid, int pgid);
CORRAL_IMPORT(proc_getsid) int corral_proc_getsid(int pid, int *ret_sid);
CORRAL_IMPORT(proc_setsid) int corral_proc_setsid(int *ret_sid);
CORRAL_IMPORT(proc_signal) int corral_proc_signal(int pid, int sig);
CORRAL_IMPORT(proc_spawn) int corral_proc_spawn(const void *req, uint32_t len, int *ret_pid);
CORRAL_IMPORT(proc_exec) int corral_proc_exec(const void *req, uint32_t len);
CORRAL_IMPORT(proc_wait) int corral_proc_wait(int pid, int options, int *ret_pid, int *ret_status);
CORRAL_IMPORT(proc_sigaction) int corral_proc_sigaction(int sig, const void *act, void *oldact);
CORRAL_IMPORT(proc_sigmask) int corral_proc_sigmask(int how, const uint64_t *set, uint64_t *oldset);
CORRAL_IMPORT(proc_sigpending) int corral_proc_sigpending(uint64_t *ret_set);
CORRAL_IMPORT(proc_sigsuspend) int corral_proc_sigsuspend(const uint64_t *mask);
CORRAL_IMPORT(proc_alarm) int corral_proc_alarm(uint32_t seconds, uint32_t *ret_remaining);
CORRAL_IMPORT(fd_pipe) int corral_fd_pipe(int *ret_rfd, int *ret_wfd);
CORRAL_IMPORT(fd_dup) int corral_fd_dup(int fd, int *ret_fd);
CORRAL_IMPORT(fd_dup2) int corral_fd_dup2(int fd, int newfd);
CORRAL_IMPORT(tty_get_pgrp) int corral_tty_get_pgrp(int fd, int *ret_pgid);
CORRAL_IMPORT(tty_set_pgrp) int corral_tty_set_pgrp(int fd, int pgid);

/* The sigaction record of proc_sigaction (24 bytes). */
struct corral_sigaction {
  uint32_t kind; /* 0 SIG_DFL, 1 SIG_IGN, 2 a handler */
  uint32_t handler;
  uint32_t flags;
  uint32_t zero;
  uint64_t mask;
};

/* Spawn record flags. */
#define CORRAL_SPAWN_SETPGROUP 0x1
#define CORRAL_SPAWN_SETSID 0x2
#define CORRAL_SPAWN_SETSIGMASK 0x4
#define CORRAL_SPAWN_SETSIGDEF 0x8
#define CORRAL_SPAWN_SEARCH_PATH 0x10

#endif
