// Exits with the code in argv[1]: through exit() by default, through return from main with
// "return", or through _Exit (no stdio flush) with "_exit".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  printf("exiting with %d\n", code);
  if (argc > 2 && strcmp(argv[2], "return") == 0) return code;
  if (argc > 2 && strcmp(argv[2], "_exit") == 0) {
    fflush(stdout);
    _Exit(code);
  }
  exit(code);
}
