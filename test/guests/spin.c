// Says it started, then loops forever without a syscall: only terminating its thread stops it.
#include <stdio.h>

int main(void) {
  puts("spinning");
  fflush(stdout);
  volatile unsigned long n = 0;
  for (;;) n++;
}
