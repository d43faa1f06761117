/* Reaping many children: 12 children exiting with distinct codes are all reaped by wait() in some
 * order, each exactly once; WNOHANG polling finds a child that has not exited yet, then its exit;
 * afterwards there are no children (ECHILD). */
#include "common.h"

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "exit")) return atoi(argv[2]);
  if (argc > 1 && !strcmp(argv[1], "slow")) {
    /* Exits once its stdin closes. */
    char c;
    while (read(0, &c, 1) > 0) {
    }
    return 9;
  }
  pid_t pids[12];
  int seen[12] = {0};
  for (int i = 0; i < 12; i++) {
    char code[8];
    snprintf(code, sizeof code, "%d", 20 + i);
    pids[i] = spawn_role_fa("exit", code, NULL, NULL);
  }
  int reaped = 0, wrong = 0;
  for (int i = 0; i < 12; i++) {
    int st;
    pid_t g = wait(&st);
    int k = -1;
    for (int j = 0; j < 12; j++)
      if (pids[j] == g) k = j;
    if (k < 0 || seen[k] || WEXITSTATUS(st) != 20 + k) wrong++;
    else seen[k] = 1, reaped++;
  }
  printf("reaped %d children each once with its own code; mismatches %d\n", reaped, wrong);
  int p[2];
  pipe(p);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[0], 0);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  pid_t s = spawn_role_fa("slow", NULL, &fa, NULL);
  posix_spawn_file_actions_destroy(&fa);
  close(p[0]);
  int st;
  printf("WNOHANG while it runs: %d\n", (int)waitpid(s, &st, WNOHANG));
  close(p[1]);
  pid_t g;
  int polls = 0;
  while ((g = waitpid(s, &st, WNOHANG)) == 0) polls++;
  printf("WNOHANG finds it once it exits: %s, %s\n", g == s ? "yes" : "no", describe(st));
  SHOW("wait with none left", wait(&st));
  return 0;
}
