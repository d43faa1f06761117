/* execve(2) and the exec family over proc_exec: on success the host ends this image and starts the
 * new one under the same pid, with the same descriptors; only a failure returns. */
#include <corral.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"

extern char **environ;

static int exec(const char *path, char *const argv[], char *const envp[], uint32_t flags) {
  uint32_t len;
  uint8_t *rec = __corral_record(flags, 0, 0, 0, path, argv, envp, NULL, 0, &len);
  if (rec == NULL) return -1;
  int e = corral_proc_exec(rec, len);
  free(rec);
  errno = e;
  return -1;
}

int execve(const char *path, char *const argv[], char *const envp[]) { return exec(path, argv, envp, 0); }
int execv(const char *path, char *const argv[]) { return exec(path, argv, environ, 0); }
/* execvpe: the caller's PATH, each directory in turn, going on past ENOENT and EACCES (musl's). */
int execvpe(const char *file, char *const argv[], char *const envp[]) {
  if (strchr(file, '/') != NULL) return exec(file, argv, envp, 0);
  const char *path = getenv("PATH");
  if (path == NULL) path = "/usr/local/bin:/bin:/usr/bin";
  size_t flen = strlen(file);
  int last = ENOENT;
  for (const char *p = path;; p++) {
    const char *end = strchr(p, ':');
    size_t dlen = end != NULL ? (size_t)(end - p) : strlen(p);
    char *full = malloc(dlen + flen + 2);
    if (full == NULL) return errno = ENOMEM, -1;
    memcpy(full, p, dlen);
    full[dlen] = '/';
    memcpy(full + dlen + 1, file, flen + 1);
    exec(dlen == 0 ? file : full, argv, envp, 0);
    free(full);
    if (errno != ENOENT && errno != EACCES && errno != ENOTDIR) return -1;
    if (errno == EACCES) last = EACCES;
    if (end == NULL) return errno = last, -1;
    p = end;
  }
}

int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }

/* The list forms: arguments up to a NULL (then, for execle, the environment). */
#define COLLECT(arg0, ap, argv)                                    \
  size_t n = 1;                                                    \
  va_list count;                                                   \
  va_copy(count, ap);                                              \
  while (va_arg(count, char *) != NULL) n++;                       \
  va_end(count);                                                   \
  char **argv = malloc((n + 1) * sizeof *argv);                    \
  if (argv == NULL) return errno = ENOMEM, -1;                     \
  argv[0] = (char *)(arg0);                                        \
  for (size_t i = 1; i <= n; i++) argv[i] = va_arg(ap, char *);

int execl(const char *path, const char *arg0, ...) {
  va_list ap;
  va_start(ap, arg0);
  COLLECT(arg0, ap, argv);
  va_end(ap);
  int r = execv(path, argv);
  free(argv);
  return r;
}

int execlp(const char *file, const char *arg0, ...) {
  va_list ap;
  va_start(ap, arg0);
  COLLECT(arg0, ap, argv);
  va_end(ap);
  int r = execvp(file, argv);
  free(argv);
  return r;
}

int execle(const char *path, const char *arg0, ...) {
  va_list ap;
  va_start(ap, arg0);
  COLLECT(arg0, ap, argv);
  char **envp = va_arg(ap, char **);
  va_end(ap);
  int r = execve(path, argv, envp);
  free(argv);
  return r;
}
