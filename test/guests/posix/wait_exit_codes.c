/* Wait-status encodings of normal exits: codes 0, 1, 7, 255 and 256 (only the low 8 bits stay),
 * through exit(), _exit() and a return from main. */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "exit")) exit(atoi(argv[2]));
  if (argc > 2 && !strcmp(argv[1], "_exit")) _exit(atoi(argv[2]));
  if (argc > 2 && !strcmp(argv[1], "return")) return atoi(argv[2]);
  const char *ways[] = {"exit", "_exit", "return"};
  const char *codes[] = {"0", "1", "7", "255", "256", "-1"};
  for (int w = 0; w < 3; w++)
    for (int c = 0; c < 6; c++) {
      pid_t pid = spawn_role_fa(ways[w], codes[c], NULL, NULL);
      int st;
      waitpid(pid, &st, 0);
      printf("%s(%s): WIFEXITED %d WEXITSTATUS %d WIFSIGNALED %d\n", ways[w], codes[c], WIFEXITED(st) != 0,
             WEXITSTATUS(st), WIFSIGNALED(st) != 0);
    }
  return 0;
}
