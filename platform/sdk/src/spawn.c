/* posix_spawn(3) over proc_spawn: the attributes and file actions go to the host in one record; it
 * runs the actions in the child before it starts, and a failing one fails the call with no child
 * left behind (glibc's posix_spawn reports the child's exec error the same way). */
#include <corral.h>
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

extern char **environ;

static uint64_t set64(const sigset_t *s) {
  uint64_t v;
  memcpy(&v, s, 8);
  return v;
}

static int spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[], uint32_t flags) {
  int32_t pgroup = 0;
  uint64_t mask = 0, def = 0;
  if (attr != NULL) {
    short f = attr->__flags;
    if (f & POSIX_SPAWN_SETPGROUP) flags |= CORRAL_SPAWN_SETPGROUP, pgroup = attr->__pgrp;
    if (f & POSIX_SPAWN_SETSID) flags |= CORRAL_SPAWN_SETSID;
    if (f & POSIX_SPAWN_SETSIGMASK) flags |= CORRAL_SPAWN_SETSIGMASK, mask = set64(&attr->__mask);
    if (f & POSIX_SPAWN_SETSIGDEF) flags |= CORRAL_SPAWN_SETSIGDEF, def = set64(&attr->__def);
  }
  uint32_t len;
  uint8_t *rec = __corral_record(flags, pgroup, mask, def, path, argv, envp != NULL ? envp : environ,
                                 fa != NULL ? fa->__actions : NULL, fa != NULL ? fa->__count : 0, &len);
  if (rec == NULL) return ENOMEM;
  int child = 0;
  int e = corral_proc_spawn(rec, len, &child);
  free(rec);
  if (e == 0 && pid != NULL) *pid = child;
  return e; /* posix_spawn returns the error number; errno is left alone */
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  return spawn(pid, path, fa, attr, argv, envp, 0);
}

/* posix_spawnp searches the caller's PATH (not the child's environment), as glibc and musl do:
 * each directory in turn, going on past ENOENT and EACCES. */
int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  if (strchr(file, '/') != NULL) return posix_spawn(pid, file, fa, attr, argv, envp);
  const char *path = getenv("PATH");
  if (path == NULL) path = "/usr/local/bin:/bin:/usr/bin";
  size_t flen = strlen(file);
  int last = ENOENT;
  for (const char *p = path;; p++) {
    const char *end = strchr(p, ':');
    size_t dlen = end != NULL ? (size_t)(end - p) : strlen(p);
    char *full = malloc(dlen + flen + 2);
    if (full == NULL) return ENOMEM;
    memcpy(full, p, dlen);
    full[dlen] = '/';
    memcpy(full + dlen + 1, file, flen + 1);
    int e = spawn(pid, dlen == 0 ? file : full, fa, attr, argv, envp, 0);
    free(full);
    if (e != ENOENT && e != EACCES && e != ENOTDIR) return e;
    if (e == EACCES) last = EACCES;
    if (end == NULL) return last;
    p = end;
  }
}

int posix_spawnattr_init(posix_spawnattr_t *a) {
  memset(a, 0, sizeof *a);
  return 0;
}
int posix_spawnattr_destroy(posix_spawnattr_t *a) {
  (void)a;
  return 0;
}
int posix_spawnattr_setflags(posix_spawnattr_t *a, short f) {
  const short known = POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                      POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER |
                      POSIX_SPAWN_USEVFORK | POSIX_SPAWN_SETSID;
  if (f & ~known) return EINVAL;
  a->__flags = f;
  return 0;
}
int posix_spawnattr_getflags(const posix_spawnattr_t *a, short *f) {
  *f = a->__flags;
  return 0;
}
int posix_spawnattr_setpgroup(posix_spawnattr_t *a, pid_t g) {
  a->__pgrp = g;
  return 0;
}
int posix_spawnattr_getpgroup(const posix_spawnattr_t *a, pid_t *g) {
  *g = a->__pgrp;
  return 0;
}
int posix_spawnattr_setsigmask(posix_spawnattr_t *a, const sigset_t *s) {
  a->__mask = *s;
  return 0;
}
int posix_spawnattr_getsigmask(const posix_spawnattr_t *a, sigset_t *s) {
  *s = a->__mask;
  return 0;
}
int posix_spawnattr_setsigdefault(posix_spawnattr_t *a, const sigset_t *s) {
  a->__def = *s;
  return 0;
}
int posix_spawnattr_getsigdefault(const posix_spawnattr_t *a, sigset_t *s) {
  *s = a->__def;
  return 0;
}

int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa) {
  memset(fa, 0, sizeof *fa);
  return 0;
}

int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa) {
  for (unsigned i = 0; i < fa->__count; i++) free(fa->__actions[i].path);
  free(fa->__actions);
  memset(fa, 0, sizeof *fa);
  return 0;
}

static int add(posix_spawn_file_actions_t *fa, struct __corral_file_action a) {
  if (a.fd < 0 || (a.op == 2 && a.src < 0)) return EBADF;
  if (fa->__count == fa->__capacity) {
    unsigned cap = fa->__capacity ? fa->__capacity * 2 : 4;
    struct __corral_file_action *n = realloc(fa->__actions, cap * sizeof *n);
    if (n == NULL) return ENOMEM;
    fa->__actions = n;
    fa->__capacity = cap;
  }
  fa->__actions[fa->__count++] = a;
  return 0;
}

int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd) {
  return add(fa, (struct __corral_file_action){1, fd, 0, 0, 0, NULL});
}

int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd) {
  /* POSIX names them (fildes, newfildes): newfd becomes a copy of fd. */
  return add(fa, (struct __corral_file_action){2, newfd, fd, 0, 0, NULL});
}

int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd, const char *path, int oflag,
                                     mode_t mode) {
  char *p = strdup(path);
  if (p == NULL) return ENOMEM;
  int e = add(fa, (struct __corral_file_action){3, fd, 0, (uint32_t)oflag, (uint32_t)mode, p});
  if (e != 0) free(p);
  return e;
}
