#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t count(char *const v[]) {
  size_t n = 0;
  while (v != NULL && v[n] != NULL) n++;
  return n;
}

static uint8_t *put32(uint8_t *p, uint32_t v) {
  memcpy(p, &v, 4);
  return p + 4;
}

static uint8_t *put_str(uint8_t *p, const char *s) {
  uint32_t n = (uint32_t)strlen(s);
  p = put32(p, n);
  memcpy(p, s, n);
  return p + n;
}

uint8_t *__corral_record(uint32_t flags, int32_t pgroup, uint64_t sigmask, uint64_t sigdefault,
                         const char *path, char *const argv[], char *const envp[],
                         const struct __corral_file_action *actions, unsigned nactions, uint32_t *len) {
  size_t argc = count(argv), envc = count(envp);
  size_t size = 40 + strlen(path);
  for (size_t i = 0; i < argc; i++) size += 4 + strlen(argv[i]);
  for (size_t i = 0; i < envc; i++) size += 4 + strlen(envp[i]);
  for (unsigned i = 0; i < nactions; i++) size += 24 + (actions[i].path ? strlen(actions[i].path) : 0);
  uint8_t *b = malloc(size);
  if (b == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  uint8_t *p = b;
  p = put32(p, flags);
  p = put32(p, (uint32_t)pgroup);
  memcpy(p, &sigmask, 8), p += 8;
  memcpy(p, &sigdefault, 8), p += 8;
  p = put32(p, (uint32_t)strlen(path));
  p = put32(p, (uint32_t)argc);
  p = put32(p, (uint32_t)envc);
  p = put32(p, nactions);
  memcpy(p, path, strlen(path)), p += strlen(path);
  for (size_t i = 0; i < argc; i++) p = put_str(p, argv[i]);
  for (size_t i = 0; i < envc; i++) p = put_str(p, envp[i]);
  for (unsigned i = 0; i < nactions; i++) {
    const struct __corral_file_action *a = &actions[i];
    p = put32(p, a->op);
    p = put32(p, (uint32_t)a->fd);
    p = put32(p, (uint32_t)a->src);
    p = put32(p, a->oflags);
    p = put32(p, a->mode);
    p = put_str(p, a->path ? a->path : "");
  }
  *len = (uint32_t)size;
  return b;
}
