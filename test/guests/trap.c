// Dies by a wasm trap: "abort" calls abort() (an `unreachable` trap), "segv" stores through a
// pointer far outside memory (an out-of-bounds trap).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  puts("about to trap");
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "segv") == 0) {
    volatile int *p = (volatile int *)0xfffffff0u;
    *p = 1;
  }
  abort();
}
