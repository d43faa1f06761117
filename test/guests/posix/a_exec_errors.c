/* exec's failures return -1 with errno and leave the process as it was: ENOENT for a missing file,
 * a missing directory in the path and an empty path; EACCES for a directory; ENOEXEC for a file
 * that is no program (written to /tmp, mode 0755); ENOTDIR for a path through a regular file;
 * ENOENT from execvp when no PATH entry has the name. After each failure the process goes on: same
 * pid, descriptors still open (a pipe still carries data), a handler still installed (raise runs
 * it); and a later exec of the real program still succeeds. Run in a child, whose exit code the
 * parent reports. */
#include "a_common.h"
#include <fcntl.h>

static volatile sig_atomic_t hits;
static void on_usr1(int sig) {
  (void)sig;
  hits++;
}

static void try_exec(const char *label, const char *path, int want) {
  char *argv[] = {(char *)path, "never", NULL};
  errno = 0;
  int r = execv(path, argv);
  res(label, r, errno, want);
}

static int child(const char *self) {
  pid_t me = getpid();
  int p[2];
  if (pipe(p)) return 97;
  signal(SIGUSR1, on_usr1);

  char file[64];
  snprintf(file, sizeof file, "/tmp/a_exec_errors.%ld", (long)me);
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  if (fd < 0 || write(fd, "just some text\n", 15) != 15 || close(fd) != 0) {
    printf("  cannot write %s: %s\n", "the /tmp file", errname(errno));
    return 96;
  }
  char through[96];
  snprintf(through, sizeof through, "%s/x", file);

  try_exec("  execv(missing file)", "/nonexistent-a-exec-file", ENOENT);
  try_exec("  execv(file in a missing directory)", "/nonexistent-dir/a-program", ENOENT);
  try_exec("  execv(\"\")", "", ENOENT);
  try_exec("  execv(a directory: /tmp)", "/tmp", EACCES);
  try_exec("  execv(a text file, mode 0755)", file, ENOEXEC);
  try_exec("  execv(a path through a regular file)", through, ENOTDIR);
  setenv("PATH", "/nonexistent-dir-1:/nonexistent-dir-2", 1);
  char *argv[] = {"a-program-that-does-not-exist", NULL};
  errno = 0;
  int r = execvp(argv[0], argv);
  res("  execvp(name in no PATH entry)", r, errno, ENOENT);
  unlink(file);

  /* Still the same process, with its state. */
  yes("  after the failures: same pid", getpid() == me, 1);
  const char msg[] = "still open";
  char buf[16] = {0};
  yes("  pipe still carries data", write(p[1], msg, sizeof msg) == (ssize_t)sizeof msg && read(p[0], buf, sizeof buf) == (ssize_t)sizeof msg &&
                                    !strcmp(buf, msg),
      1);
  raise(SIGUSR1);
  eq("  handler still installed: runs on raise (times)", hits, 1);
  if (a_fails) return 1;
  /* A real exec still works (its image exits 5). */
  char *ok[] = {(char *)self, "after", NULL};
  execv(self, ok);
  printf("  final execv failed: %s\n", errname(errno));
  return 2;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "child")) return child(argv[0]);
  if (argc > 1 && !strcmp(argv[1], "after")) return 5;
  if (argc > 1 && !strcmp(argv[1], "never")) return 6;
  pid_t p = spawn_role(argv[0], NULL, "child", NULL, NULL, NULL);
  int st = reap("child (5: every failure as expected, then a successful exec)", p, "exited 5");
  /* The same in this process: a failed exec returns here. */
  errno = 0;
  char *nargv[] = {"/nonexistent-a-exec-file", NULL};
  int r = execv(nargv[0], nargv);
  res("top process: execv(missing file)", r, errno, ENOENT);
  printf("top process continues after the failed exec\n");
  (void)st;
  return finish();
}
