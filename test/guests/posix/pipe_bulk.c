/* 1 MiB through a pipe between two processes, in writes larger than the pipe, read in odd sizes:
 * every byte arrives, in order (checked by a checksum both sides compute). */
#include "common.h"

#define TOTAL (1 << 20)

static unsigned sum(const unsigned char *p, size_t n, unsigned s) {
  for (size_t i = 0; i < n; i++) s = s * 31 + p[i];
  return s;
}

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "sink")) {
    static unsigned char buf[1000];
    size_t total = 0;
    unsigned s = 7;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
      s = sum(buf, (size_t)n, s);
      total += (size_t)n;
    }
    printf("sink: %zu bytes, checksum %u\n", total, s);
    return 0;
  }
  int p[2];
  pipe(p);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[0], 0);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  pid_t c = spawn_role_fa("sink", NULL, &fa, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(p[0]);
  static unsigned char data[TOTAL];
  for (size_t i = 0; i < TOTAL; i++) data[i] = (unsigned char)(i * 7 + i / 251);
  size_t off = 0;
  while (off < TOTAL) {
    size_t chunk = TOTAL - off < 100000 ? TOTAL - off : 100000;
    ssize_t n = write(p[1], data + off, chunk);
    if (n <= 0) break;
    off += (size_t)n;
  }
  close(p[1]);
  reap("sink", c);
  printf("source: %zu bytes, checksum %u\n", off, sum(data, TOTAL, 7));
  return 0;
}
