/* A read blocked on an empty pipe and a signal: without SA_RESTART the read fails with EINTR after
 * the handler; with SA_RESTART it goes on and returns the data written afterwards. The child says
 * it is about to block; the parent signals it until it reports (a signal may land just before the
 * read, where it only runs the handler: the parent then signals again). */
#include "common.h"
#include <poll.h>
#include <time.h>

static volatile sig_atomic_t hits;
static void on_usr1(int s) { (void)s; hits++; }

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "reader")) {
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = on_usr1;
    a.sa_flags = atoi(argv[2]) ? SA_RESTART : 0;
    sigaction(SIGUSR1, &a, NULL);
    write(REPORT_FD, "r", 1);
    char buf[16] = {0};
    ssize_t n = read(0, buf, sizeof buf - 1);
    int e = errno;
    char out[96];
    snprintf(out, sizeof out, "read returned %zd %s [%s], handler ran %s\n", n, n < 0 ? errname(e) : "-", n > 0 ? buf : "",
             hits > 0 ? "yes" : "no");
    write(REPORT_FD, out, strlen(out));
    return 0;
  }
  for (int restart = 0; restart <= 1; restart++) {
    int in[2], rep[2];
    pipe(in);
    pipe(rep);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, rep[1], REPORT_FD);
    posix_spawn_file_actions_addclose(&fa, in[0]);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, rep[0]);
    posix_spawn_file_actions_addclose(&fa, rep[1]);
    pid_t c = spawn_role_fa("reader", restart ? "1" : "0", &fa, NULL);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(rep[1]);
    read_byte(rep[0]);
    if (!restart) {
      /* Until the child reports, keep interrupting it. */
      char buf[128] = {0};
      for (;;) {
        kill(c, SIGUSR1);
        struct timespec t = {0, 2000000};
        nanosleep(&t, NULL);
        /* A non-blocking look: poll for the report. */
        struct pollfd pf = {rep[0], POLLIN, 0};
        if (poll(&pf, 1, 0) > 0) break;
      }
      ssize_t n = read(rep[0], buf, sizeof buf - 1);
      if (n > 0) printf("without SA_RESTART: %s", buf);
    } else {
      /* Interrupt it a few times, then give it data: the read must go on and return it. */
      for (int i = 0; i < 5; i++) {
        kill(c, SIGUSR1);
        struct timespec t = {0, 2000000};
        nanosleep(&t, NULL);
      }
      write(in[1], "data", 4);
      char buf[128] = {0};
      ssize_t n = read(rep[0], buf, sizeof buf - 1);
      if (n > 0) printf("with SA_RESTART: %s", buf);
    }
    close(in[1]);
    close(rep[0]);
    reap("reader", c);
  }
  return 0;
}
