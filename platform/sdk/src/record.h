/* Building corral_v1's spawn/exec record (docs/corral_v1.md, "The spawn and exec record"). */
#ifndef CORRAL_RECORD_H
#define CORRAL_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct __corral_file_action {
  uint32_t op; /* 1 close, 2 dup2, 3 open */
  int32_t fd;
  int32_t src;
  uint32_t oflags;
  uint32_t mode;
  char *path; /* owned by the file-actions object */
};

/* A malloc'd record; *len set. NULL with errno ENOMEM. `actions` may be NULL when n is 0. */
uint8_t *__corral_record(uint32_t flags, int32_t pgroup, uint64_t sigmask, uint64_t sigdefault,
                         const char *path, char *const argv[], char *const envp[],
                         const struct __corral_file_action *actions, unsigned nactions, uint32_t *len);

#endif
