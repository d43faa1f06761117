/* Corral only (not compared with Linux): the container's init is pid 1 of its PID namespace; when
 * it exits, every process left in the namespace is killed (Linux's zap_pid_ns_processes). The init
 * spawns two children that each spawn a grandchild, all waiting in pause(); once all four reported
 * ready over a pipe, the init exits 0 and the host checks that nothing is left. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t spawn_role(const char *self, const char *role, int report) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (report >= 0) posix_spawn_file_actions_adddup2(&fa, report, 3);
  char *argv[] = {(char *)self, (char *)role, NULL};
  pid_t pid = -1;
  posix_spawn(&pid, self, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "child")) {
    spawn_role(argv[0], "grandchild", 3);
    write(3, "c", 1);
    for (;;) pause();
  }
  if (argc > 1 && !strcmp(argv[1], "grandchild")) {
    write(3, "g", 1);
    for (;;) pause();
  }
  printf("init is pid 1: %s\n", getpid() == 1 ? "yes" : "no");
  int p[2];
  pipe(p);
  spawn_role(argv[0], "child", p[1]);
  spawn_role(argv[0], "child", p[1]);
  close(p[1]);
  char buf[4];
  size_t got = 0;
  while (got < 4) {
    ssize_t k = read(p[0], buf + got, 4 - got);
    if (k <= 0) break;
    got += (size_t)k;
  }
  printf("ready: %zu of 4\n", got);
  return 0;
}
