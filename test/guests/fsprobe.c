// File operations named on the command line, one line of output each, for the sandbox's gofer tests:
//   cat PATH          prints "cat PATH: <contents>" or "cat PATH: ERR <errno name>"
//   put PATH TEXT     creates/truncates PATH with TEXT: "put PATH: ok" or "put PATH: ERR <name>"
//   ls DIR            "ls DIR: a b c" (sorted, without . and ..) or "ls DIR: ERR <name>"
//   sleep MS          sleeps (a container that stays up after its file calls)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *ename(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case EEXIST: return "EEXIST";
    case EROFS: return "EROFS";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EIO: return "EIO";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
  }
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void do_cat(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("cat %s: ERR %s\n", path, ename(errno));
    return;
  }
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n < 0) {
    printf("cat %s: ERR %s\n", path, ename(errno));
  } else {
    buf[n] = 0;
    printf("cat %s: %s\n", path, buf);
  }
  close(fd);
}

static void do_put(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("put %s: ERR %s\n", path, ename(errno));
    return;
  }
  ssize_t n = write(fd, text, strlen(text));
  if (n < 0) printf("put %s: ERR %s\n", path, ename(errno));
  else printf("put %s: ok\n", path);
  close(fd);
}

static void do_ls(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) {
    printf("ls %s: ERR %s\n", path, ename(errno));
    return;
  }
  char *names[256];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 256) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmpstr);
  printf("ls %s:", path);
  for (int i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "cat") == 0 && i + 1 < argc) {
      do_cat(argv[++i]);
    } else if (strcmp(argv[i], "put") == 0 && i + 2 < argc) {
      do_put(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (strcmp(argv[i], "ls") == 0 && i + 1 < argc) {
      do_ls(argv[++i]);
    } else if (strcmp(argv[i], "sleep") == 0 && i + 1 < argc) {
      fflush(stdout);
      long ms = atol(argv[++i]);
      struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    } else {
      fprintf(stderr, "fsprobe: bad argument %s\n", argv[i]);
      return 2;
    }
    fflush(stdout);
  }
  return 0;
}
