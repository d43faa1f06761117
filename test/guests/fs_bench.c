// The fs benchmark's guest (scripts/bench/fs.ts): runs one file operation N times against the
// current directory and prints the mean ns per operation, timed inside the guest so that node:wasi
// and Corral are measured by the same clock on the same code.
// usage: fs_bench MODE N DIR   MODE: open_read_close | stat | readdir | read1m | write1m
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char buf[1 << 20];

int main(int argc, char **argv) {
  if (argc < 4 || chdir(argv[3]) != 0) return 2;
  const char *mode = argv[1];
  int n = atoi(argv[2]);
  long long sink = 0;
  long long t0 = now_ns();
  for (int i = 0; i < n; i++) {
    if (strcmp(mode, "open_read_close") == 0) {
      int fd = open("small", O_RDONLY);
      ssize_t k;
      while ((k = read(fd, buf, 65536)) > 0) sink += k;
      close(fd);
    } else if (strcmp(mode, "stat") == 0) {
      struct stat st;
      stat("small", &st);
      sink += st.st_size;
    } else if (strcmp(mode, "readdir") == 0) {
      DIR *d = opendir("many");
      while (readdir(d) != NULL) sink++;
      closedir(d);
    } else if (strcmp(mode, "read1m") == 0) {
      int fd = open("big", O_RDONLY);
      size_t got = 0;
      ssize_t k;
      while (got < sizeof buf && (k = read(fd, buf + got, sizeof buf - got)) > 0) got += (size_t)k;
      sink += (long long)got;
      close(fd);
    } else if (strcmp(mode, "write1m") == 0) {
      int fd = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      size_t put = 0;
      ssize_t k;
      while (put < sizeof buf && (k = write(fd, buf + put, sizeof buf - put)) > 0) put += (size_t)k;
      sink += (long long)put;
      close(fd);
    } else {
      return 3;
    }
  }
  long long dt = now_ns() - t0;
  printf("ns_per_op %lld sink %lld\n", dt / (n > 0 ? n : 1), sink);
  return 0;
}
