// Raises the WASI signal in argv[1] (default SIGTERM = 15) with proc_raise, then prints
// "survived" if the process is still alive. This wasi-libc's header no longer declares
// proc_raise, so the import is declared here.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) uint16_t
wasi_proc_raise(uint8_t sig);

int main(int argc, char **argv) {
  int sig = argc > 1 ? atoi(argv[1]) : 15;
  puts("raising");
  fflush(stdout);
  uint16_t e = wasi_proc_raise((uint8_t)sig);
  printf("survived errno=%d\n", e);
  return 0;
}
