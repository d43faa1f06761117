/* A three-stage pipeline, producer | filter | consumer, of spawned processes over pipes, with the
 * shell's plumbing: each child's stdin/stdout set by dup2 file actions, every other end closed. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Every pipe end, so that each stage closes all of them once its own are in place. */
static int ends[4];

static int stage(const char *self, const char *role, int in, int out) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in >= 0) posix_spawn_file_actions_adddup2(&fa, in, 0);
  if (out >= 0) posix_spawn_file_actions_adddup2(&fa, out, 1);
  for (int i = 0; i < 4; i++) posix_spawn_file_actions_addclose(&fa, ends[i]);
  char *argv[] = {(char *)self, (char *)role, NULL};
  pid_t pid;
  int e = posix_spawn(&pid, self, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (e != 0) {
    printf("spawn %s: %s\n", role, strerror(e));
    exit(1);
  }
  return pid;
}

int main(int argc, char **argv) {
  /* Unbuffered: glibc and musl buffer a non-tty stdout differently; output order must be the
   * program's, not its libc's. */
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "producer")) {
    for (int i = 1; i <= 5; i++) printf("line %d\n", i);
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "filter")) {
    char buf[256];
    while (fgets(buf, sizeof buf, stdin)) {
      for (char *p = buf; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p -= 32;
      fputs(buf, stdout);
    }
    return 3;
  }
  if (argc > 1 && !strcmp(argv[1], "consumer")) {
    char buf[256];
    int n = 0;
    while (fgets(buf, sizeof buf, stdin)) printf("consumer got %d: %s", ++n, buf);
    return 5;
  }
  int a[2], b[2];
  if (pipe(a) != 0 || pipe(b) != 0) return 1;
  ends[0] = a[0], ends[1] = a[1], ends[2] = b[0], ends[3] = b[1];
  fflush(stdout);
  pid_t p1 = stage(argv[0], "producer", -1, a[1]);
  pid_t p2 = stage(argv[0], "filter", a[0], b[1]);
  pid_t p3 = stage(argv[0], "consumer", b[0], -1);
  close(a[0]), close(a[1]), close(b[0]), close(b[1]);
  pid_t order[3] = {p1, p2, p3};
  const char *names[3] = {"producer", "filter", "consumer"};
  int st[3];
  pid_t got[3];
  /* Reap all three before printing: the consumer writes to this same stdout meanwhile. */
  for (int i = 0; i < 3; i++) got[i] = waitpid(order[i], &st[i], 0);
  for (int i = 0; i < 3; i++)
    printf("%s: reaped %s, exited %d\n", names[i], got[i] == order[i] ? "itself" : "another", WEXITSTATUS(st[i]));
  return 0;
}
