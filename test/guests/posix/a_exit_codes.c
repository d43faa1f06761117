/* Normal exits seen through the wait status: exit(), _exit() and return from main with codes
 * 0, 1, 2, 42, 127, 128, 255, 256 (-> 0), 257 (-> 1), 511 (-> 255) and -1 (-> 255), each read
 * with WIFEXITED/WEXITSTATUS and the other predicates false; the raw word is code << 8; wait()
 * and waitpid with a NULL status; an atexit handler that calls _exit overrides exit's code. */
#include "a_common.h"

static void bye(void) { _exit(9); }

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 2) {
    int code = atoi(argv[2]);
    if (!strcmp(argv[1], "exit")) exit(code);
    if (!strcmp(argv[1], "_exit")) _exit(code);
    if (!strcmp(argv[1], "return")) return code;
    if (!strcmp(argv[1], "atexit")) {
      atexit(bye);
      exit(code);
    }
    return 100;
  }

  const char *how[] = {"exit", "_exit", "return"};
  const int codes[] = {0, 1, 2, 42, 127, 128, 255, 256, 257, 511, -1};
  for (unsigned h = 0; h < 3; h++) {
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
      char arg[16], label[64];
      snprintf(arg, sizeof arg, "%d", codes[i]);
      pid_t pid = spawn_role(argv[0], NULL, how[h], arg, NULL, NULL);
      int st = -12345;
      pid_t got = waitpid(pid, &st, 0);
      int want = codes[i] & 0xff;
      snprintf(label, sizeof label, "%s(%d)", how[h], codes[i]);
      printf("%s: reaped itself %s, WIFEXITED %s, WEXITSTATUS %d, WIFSIGNALED %s, WIFSTOPPED %s, "
             "WIFCONTINUED %s, word == code<<8 %s\n",
             label, got == pid ? "yes" : "no", WIFEXITED(st) ? "yes" : "no", WEXITSTATUS(st),
             WIFSIGNALED(st) ? "yes" : "no", WIFSTOPPED(st) ? "yes" : "no", WIFCONTINUED(st) ? "yes" : "no",
             st == (want << 8) ? "yes" : "no");
      if (got != pid || !WIFEXITED(st) || WEXITSTATUS(st) != want || WIFSIGNALED(st) || WIFSTOPPED(st) ||
          WIFCONTINUED(st) || st != (want << 8)) {
        printf("  (expected exited %d)\n", want);
        a_fails++;
      }
    }
  }

  /* wait() takes any child. */
  pid_t pid = spawn_role(argv[0], NULL, "exit", "77", NULL, NULL);
  int st = 0;
  pid_t got = wait(&st);
  yes("wait() returned the child", got == pid, 1);
  eq("wait() status WEXITSTATUS", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 77);

  /* A NULL status pointer still reaps. */
  pid = spawn_role(argv[0], NULL, "exit", "3", NULL, NULL);
  got = waitpid(pid, NULL, 0);
  yes("waitpid(pid, NULL, 0) returned the child", got == pid, 1);
  errno = 0;
  got = waitpid(pid, NULL, 0);
  res("waitpid again on the reaped child", got, errno, ECHILD);

  /* exit runs atexit handlers; one that calls _exit(9) decides the status. */
  pid = spawn_role(argv[0], NULL, "atexit", "3", NULL, NULL);
  reap("exit(3) with an atexit handler calling _exit(9)", pid, "exited 9");

  /* Children exiting in a burst: each status goes with its own pid. */
  pid_t pids[5];
  for (int i = 0; i < 5; i++) {
    char arg[16];
    snprintf(arg, sizeof arg, "%d", 50 + i);
    pids[i] = spawn_role(argv[0], NULL, "_exit", arg, NULL, NULL);
  }
  int matched = 0;
  for (int n = 0; n < 5; n++) {
    got = waitpid(-1, &st, 0);
    for (int i = 0; i < 5; i++)
      if (pids[i] == got && WIFEXITED(st) && WEXITSTATUS(st) == 50 + i) matched++;
  }
  eq("burst of 5: statuses matching their pids", matched, 5);
  errno = 0;
  got = waitpid(-1, &st, WNOHANG);
  res("after the burst, waitpid(-1, WNOHANG)", got, errno, ECHILD);
  return finish();
}
