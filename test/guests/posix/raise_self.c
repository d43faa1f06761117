/* raise(3): the handler runs before raise returns; an ignored signal does nothing; at the default
 * action the process dies (seen by its parent); kill(getpid()) is the same. */
#include "common.h"

static volatile sig_atomic_t got;
static void on(int s) { got = s; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "die")) {
    raise(atoi(argv[2]));
    return 50;
  }
  signal(SIGUSR1, on);
  SHOW("raise(USR1)", raise(SIGUSR1));
  printf("handler ran before raise returned: %s (sig %d)\n", got == SIGUSR1 ? "yes" : "no", (int)got);
  got = 0;
  signal(SIGUSR2, on);
  SHOW("kill(getpid(), USR2)", kill(getpid(), SIGUSR2));
  printf("handler ran: %d\n", (int)got);
  signal(SIGTERM, SIG_IGN);
  SHOW("raise(TERM) ignored", raise(SIGTERM));
  SHOW("raise(99)", raise(99));
  const char *sigs[] = {"15", "10", "1", "2", "3", "14"};
  for (int i = 0; i < 6; i++) {
    char label[32];
    snprintf(label, sizeof label, "raise(%s) at default", sigs[i]);
    reap(label, spawn_role_fa("die", sigs[i], NULL, NULL));
  }
  return 0;
}
