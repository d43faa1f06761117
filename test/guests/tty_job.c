// Job control on a terminal, through corral_v1's raw imports. argv[1]:
//   info    prints isatty() of fds 0..2, the WASI file type of fd 0, tcgetpgrp(0) and its own pgid,
//           then copies stdin to stdout line by line until end of file (like cat), then "bye".
//   fg      spawns itself ("child") in a new process group, makes that group the terminal's
//           foreground (tcsetpgrp), prints "fg PGID", then waits for the child and prints how it
//           ended ("child signal N" / "child exit N"); then sleeps until killed.
//   child   prints "child ready", then sleeps until killed.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#define IMPORT(name) __attribute__((import_module("corral_v1"), import_name(#name)))
IMPORT(proc_getpgid) int c_getpgid(int pid, int *ret);
IMPORT(proc_spawn) int c_spawn(const void *req, uint32_t len, int *ret);
IMPORT(proc_wait) int c_wait(int pid, int options, int *ret_pid, int *status);
IMPORT(tty_get_pgrp) int c_tcgetpgrp(int fd, int *ret);
IMPORT(tty_set_pgrp) int c_tcsetpgrp(int fd, int pgid);

static void forever(void) {
  for (;;) sleep(1000);
}

/** Spawns self with `arg` in a new process group (SETPGROUP, pgroup 0). */
static int spawn_group(const char *self, const char *arg) {
  uint8_t b[256];
  uint32_t n = 40, flags = 0x1, plen = strlen(self), argc = 2, zero = 0;
  memset(b, 0, 40);
  memcpy(b, &flags, 4);
  memcpy(b + 24, &plen, 4);
  memcpy(b + 28, &argc, 4);
  memcpy(b + 32, &zero, 4);
  memcpy(b + 36, &zero, 4);
  memcpy(b + n, self, plen), n += plen;
  const char *argv[2] = {self, arg};
  for (int i = 0; i < 2; i++) {
    uint32_t l = strlen(argv[i]);
    memcpy(b + n, &l, 4), n += 4;
    memcpy(b + n, argv[i], l), n += l;
  }
  int pid = -1;
  int e = c_spawn(b, n, &pid);
  if (e != 0) printf("spawn errno %d\n", e);
  return pid;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "info";
  setvbuf(stdout, NULL, _IONBF, 0);
  if (!strcmp(mode, "info")) {
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(0, &st) != 0) st.fs_filetype = 0;
    int fg = -1, pg = -1;
    int e = c_tcgetpgrp(0, &fg);
    c_getpgid(0, &pg);
    printf("isatty %d %d %d filetype0 %d tcgetpgrp errno %d pgrp %d self %d\n", isatty(0), isatty(1),
           isatty(2), st.fs_filetype, e, fg, pg);
    char line[256];
    while (fgets(line, sizeof line, stdin) != NULL) printf("got %s", line);
    printf("bye\n");
    return 0;
  }
  if (!strcmp(mode, "fg")) {
    int child = spawn_group(argv[0], "child");
    int e = c_tcsetpgrp(0, child);
    int fg = -1;
    c_tcgetpgrp(0, &fg);
    printf("fg %d errno %d\n", fg, e);
    int got = 0, status = 0;
    c_wait(child, 0, &got, &status);
    if ((status & 0x7f) != 0)
      printf("child signal %d\n", status & 0x7f);
    else
      printf("child exit %d\n", (status >> 8) & 0xff);
    forever();
  }
  if (!strcmp(mode, "child")) {
    printf("child ready\n");
    forever();
  }
  return 2;
}
