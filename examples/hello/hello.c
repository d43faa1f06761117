// The example container's program: greets, shows the arguments and a little of the environment
// it was started with, and exits 0.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  const char *host = getenv("HOSTNAME");
  const char *home = getenv("HOME");
  printf("Hello from Corral! I am %s, running in a sandbox.\n", argc > 0 ? argv[0] : "?");
  for (int i = 1; i < argc; i++) printf("  arg %d: %s\n", i, argv[i]);
  printf("  HOSTNAME=%s\n  HOME=%s\n", host ? host : "(unset)", home ? home : "(unset)");
  return 0;
}
