// Syscall-heavy guest for the trace benchmark: argv[1] small writes (default 100000) of 2 bytes
// each to stdout, straight through write(2) so that every one is a syscall.
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  for (long i = 0; i < n; i++) {
    if (write(1, "x\n", 2) != 2) return 1;
  }
  return 0;
}
