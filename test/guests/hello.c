// Prints one line and exits 0: the smallest guest, used for lifecycle tests and timing.
#include <stdio.h>

int main(void) {
  puts("hello from corral");
  return 0;
}
