/* dup and dup2: dup2 onto stdout sends printf into a pipe, and restoring the saved copy brings
 * stdout back; dup returns the lowest free descriptor (a just-closed one); closing one of two
 * duplicates keeps the other working, and the pipe reaches EOF only when both are closed; dup2 over
 * an open descriptor closes it silently (a pipe whose last write end it was sees EOF); dup2(fd, fd)
 * returns fd and leaves it open; duplicates share the file offset; a child spawned with stdout
 * dup2'd onto a pipe writes into the pipe; EBADF for dup/dup2 of a closed or negative fd and for
 * dup2 onto a negative or huge target. */
#include "a_common.h"
#include <fcntl.h>
#include <limits.h>

static ssize_t slurp(int fd, char *buf, size_t n) {
  size_t got = 0;
  ssize_t k;
  while (got < n - 1 && (k = read(fd, buf + got, n - 1 - got)) > 0) got += k;
  buf[got] = 0;
  return got;
}

#define TRY(label, call, want)   \
  do {                           \
    errno = 0;                   \
    int r_ = (call);             \
    res(label, r_, errno, want); \
  } while (0)

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "child")) {
    printf("child's line on its stdout\n");
    return 0;
  }
  char buf[256];

  /* dup2 onto stdout, then restore. */
  int saved = dup(1);
  int p[2];
  if (saved < 0 || pipe(p)) return 97;
  TRY("dup2(pipe write end, 1)", dup2(p[1], 1), 0);
  printf("this line went into the pipe\n");
  TRY("dup2(saved, 1)", dup2(saved, 1), 0);
  close(saved);
  close(p[1]);
  slurp(p[0], buf, sizeof buf);
  close(p[0]);
  printf("pipe got: %s", buf);
  const char direct[] = "write(dup(1)) reaches stdout\n";
  int d1 = dup(1);
  yes("write via dup(1) succeeds", write(d1, direct, sizeof direct - 1) == (ssize_t)sizeof direct - 1, 1);
  close(d1);

  /* Lowest free descriptor. */
  int a[2], b[2];
  if (pipe(a) || pipe(b)) return 97;
  int lo = a[0] < b[1] ? a[0] : b[1], hi = a[0] < b[1] ? b[1] : a[0];
  close(a[0]);
  close(b[1]);
  int x = dup(1), y = dup(1), z = dup(1);
  yes("dup returns the lowest free fd (lower closed one)", x == lo, 1);
  yes("next dup returns the other closed one", y == hi, 1);
  yes("third dup returns a fresh fd above them", z > hi && z > a[1] && z > b[0], 1);
  close(x), close(y), close(z), close(a[1]), close(b[0]);

  /* Two duplicates of a write end. */
  if (pipe(p)) return 97;
  int w2 = dup(p[1]);
  close(p[1]);
  yes("after closing the original, the dup still writes", write(w2, "k", 1) == 1, 1);
  yes("  and the reader gets it", read(p[0], buf, 1) == 1 && buf[0] == 'k', 1);
  close(w2);
  yes("both closed: reader at EOF", read(p[0], buf, 1) == 0, 1);
  close(p[0]);

  /* dup2 over an open descriptor: its pipe loses its last write end. */
  int q[2];
  if (pipe(p) || pipe(q)) return 97;
  TRY("dup2(q write end, p write end)", dup2(q[1], p[1]), 0);
  yes("p's reader sees EOF (its write end was closed by dup2)", read(p[0], buf, 1) == 0, 1);
  yes("writing to the reused number reaches q", write(p[1], "q", 1) == 1 && read(q[0], buf, 1) == 1 && buf[0] == 'q', 1);
  close(p[0]), close(p[1]), close(q[0]), close(q[1]);

  /* dup2(fd, fd). */
  if (pipe(p)) return 97;
  errno = 0;
  int r = dup2(p[1], p[1]);
  yes("dup2(fd, fd) returns fd", r == p[1], 1);
  yes("  fd still open", write(p[1], "s", 1) == 1 && read(p[0], buf, 1) == 1, 1);

  /* Shared offset. */
  char file[64];
  snprintf(file, sizeof file, "/tmp/a_dup.%ld", (long)getpid());
  int f = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (f < 0) {
    printf("open %s: %s\n", "the /tmp file", errname(errno));
    return 96;
  }
  int g = dup(f);
  yes("write \"abcdef\" via fd", write(f, "abcdef", 6) == 6, 1);
  eq("offset seen via the dup", (long)lseek(g, 0, SEEK_CUR), 6);
  lseek(g, 2, SEEK_SET);
  eq("lseek via the dup moves the original's offset", (long)lseek(f, 0, SEEK_CUR), 2);
  memset(buf, 0, sizeof buf);
  yes("read via the original from there", read(f, buf, 3) == 3 && !strcmp(buf, "cde"), 1);
  close(f), close(g);
  unlink(file);

  /* A child's stdout dup2'd onto a pipe (in the parent, then inherited). */
  int c[2];
  if (pipe(c)) return 97;
  saved = dup(1);
  dup2(c[1], 1);
  close(c[1]);
  char *cargv[] = {argv[0], "child", NULL};
  pid_t pid;
  int e = posix_spawn(&pid, argv[0], NULL, NULL, cargv, environ);
  dup2(saved, 1);
  close(saved);
  rc("spawn with stdout on a pipe", e, 0);
  if (e == 0) {
    slurp(c[0], buf, sizeof buf);
    printf("parent read from the child: %s", buf);
    reap("child", pid, "exited 0");
  }
  close(c[0]);

  /* EBADF. */
  int closed = p[0];
  close(p[0]), close(p[1]);
  TRY("dup(closed fd)", dup(closed), EBADF);
  TRY("dup(-1)", dup(-1), EBADF);
  TRY("dup2(closed fd, 1)", dup2(closed, 1), EBADF);
  TRY("dup2(closed fd, closed fd)", dup2(closed, closed), EBADF);
  TRY("dup2(-1, 1)", dup2(-1, 1), EBADF);
  TRY("dup2(1, -1)", dup2(1, -1), EBADF);
  TRY("dup2(1, INT_MAX)", dup2(1, INT_MAX), EBADF);
  printf("stdout still works\n");
  return finish();
}
