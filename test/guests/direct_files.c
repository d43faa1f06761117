// Files a guest serves on its own thread (direct file service) and their handover to the host:
// offsets, append mode and directory cookies must carry over exactly when a call the guest does
// not serve itself (fsync, fdatasync, ftruncate, fd_renumber, futimens) makes it hand a file over.
// usage: direct_files MODE   MODE: handover | hold (opens a file, then spins until killed) | count N
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

static void show(const char *what, long v) { printf("%s %ld\n", what, v); }

static void read_show(int fd, int n) {
  char buf[64] = {0};
  ssize_t k = read(fd, buf, (size_t)n);
  printf("read %zd %s\n", k, k > 0 ? buf : "");
}

static int handover(void) {
  int fd = open("data", O_RDONLY);
  if (fd < 0) return 10;
  read_show(fd, 3);
  show("fsync", fsync(fd)); // not served directly: the file goes to the host here
  read_show(fd, 3);         // the host continues at offset 3
  show("tell", (long)lseek(fd, 0, SEEK_CUR));
  close(fd);

  int w = open("out", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (w < 0) return 11;
  show("write", (long)write(w, "ab", 2));
  show("fdatasync", fdatasync(w));
  show("write", (long)write(w, "cd", 2)); // appended by the host
  show("ftruncate", ftruncate(w, 3));
  show("write", (long)write(w, "EF", 2));
  close(w);
  int r = open("out", O_RDONLY);
  read_show(r, 10);
  close(r);

  // A directory listed partly here, the rest after a handover, with the same cookie.
  DIR *d = opendir("dir");
  if (d == NULL) return 12;
  int seen = 0;
  struct dirent *e;
  while (seen < 2 && (e = readdir(d)) != NULL) seen++;
  long cookie = telldir(d);
  struct stat st;
  show("fstat", fstat(dirfd(d), &st)); // served here: no handover
  show("futimens", futimens(dirfd(d), NULL)); // the host takes the directory
  seekdir(d, cookie);
  while ((e = readdir(d)) != NULL) seen++;
  show("entries", seen);
  closedir(d);

  // fd_renumber onto a host fd: both sides agree on the numbering afterwards.
  int a = open("data", O_RDONLY);
  int b = open("data", O_RDONLY);
  read_show(a, 2);
#ifdef __wasi__
  show("renumber", __wasi_fd_renumber((__wasi_fd_t)a, (__wasi_fd_t)b));
#else
  show("renumber", dup2(a, b) < 0 ? -1 : close(a)); // what fd_renumber is on Linux
#endif
  read_show(b, 2); // b is now what a was: offset 2
  show("closed a", close(a)); // EBADF: a moved to b
  close(b);
  int c = open("data", O_RDONLY); // lowest free fd again
  show("reused", c == a);
  close(c);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "handover") == 0) return handover();
  if (strcmp(argv[1], "count") == 0) {
    int n = argc > 2 ? atoi(argv[2]) : 1;
    long total = 0;
    for (int i = 0; i < n; i++) {
      char buf[16];
      int fd = open("data", O_RDONLY);
      ssize_t k = read(fd, buf, sizeof buf);
      struct stat st;
      stat("data", &st);
      total += k + (long)st.st_size;
      close(fd);
    }
    show("total", total);
    return 0;
  }
  if (strcmp(argv[1], "hold") == 0) {
    int fd = open("data", O_RDONLY);
    int d = open("dir", O_RDONLY | O_DIRECTORY);
    printf("holding %d %d\n", fd >= 0, d >= 0);
    fflush(stdout);
    volatile unsigned long spin = 0;
    for (;;) spin++;
  }
  return 3;
}
