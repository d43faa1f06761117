/* posix_spawnp searches PATH for a name without a slash; posix_spawn does not (a bare name is a
 * path relative to the cwd: ENOENT here). The caller's PATH is set to the program's directory
 * (dirname of argv[0]). Cases: spawnp by bare name; spawnp with a missing directory before the
 * right one; spawnp of an absolute path (no search); spawnp of a missing name and spawn of a
 * missing absolute path (ENOENT, and no child is left); spawn by bare name (ENOENT); execvp by
 * bare name from a child; execlp; and glibc's and musl's rule that posix_spawnp searches the
 * caller's PATH, not the PATH of the environment given to the child. */
#include "a_common.h"

static char dir[512], base[256];

static void try_spawn(const char *label, int p, const char *file, char *const envp[], int want_err, int want_code) {
  char *argv[] = {(char *)file, "child", NULL};
  pid_t pid = 0;
  int e = p ? posix_spawnp(&pid, file, NULL, NULL, argv, envp) : posix_spawn(&pid, file, NULL, NULL, argv, envp);
  rc(label, e, want_err);
  if (e == 0) {
    char l2[128];
    snprintf(l2, sizeof l2, "  %s: child", label);
    int st = 0;
    waitpid(pid, &st, 0);
    printf("%s: %s", l2, status_text(st));
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == want_code)) {
      printf(" (expected exited %d)", want_code);
      a_fails++;
    }
    printf("\n");
  }
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "child")) {
    /* argv[0] is what the caller passed: the bare name or the path */
    return 7;
  }
  if (argc > 1 && !strcmp(argv[1], "execvp")) {
    char *nargv[] = {argv[2], "child", NULL};
    execvp(argv[2], nargv);
    return 60 + (errno == ENOENT);
  }
  if (argc > 1 && !strcmp(argv[1], "execlp")) {
    execlp(argv[2], argv[2], "child", (char *)NULL);
    return 60 + (errno == ENOENT);
  }
  const char *slash = strrchr(argv[0], '/');
  if (slash == NULL) {
    printf("argv[0] has no directory\n");
    return 2;
  }
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - argv[0]), argv[0]);
  snprintf(base, sizeof base, "%s", slash + 1);
  if (dir[0] == '\0') snprintf(dir, sizeof dir, "/");

  setenv("PATH", dir, 1);
  try_spawn("posix_spawnp(bare name), PATH = program's dir", 1, base, environ, 0, 7);
  char path2[1100];
  snprintf(path2, sizeof path2, "/nonexistent-a:/nonexistent-b:%s", dir);
  setenv("PATH", path2, 1);
  try_spawn("posix_spawnp(bare name), PATH = two missing dirs then the program's", 1, base, environ, 0, 7);
  try_spawn("posix_spawnp(absolute path)", 1, argv[0], environ, 0, 7);
  try_spawn("posix_spawnp(missing name)", 1, "a-program-that-does-not-exist", environ, ENOENT, 0);
  try_spawn("posix_spawn(missing absolute path)", 0, "/nonexistent-dir/a-program", environ, ENOENT, 0);
  try_spawn("posix_spawn(bare name): relative to the cwd", 0, base, environ, ENOENT, 0);
  errno = 0;
  pid_t w = waitpid(-1, NULL, WNOHANG);
  res("no child left by the failures: waitpid(-1, WNOHANG)", w, errno, ECHILD);

  /* execvp and execlp search the same way. */
  setenv("PATH", dir, 1);
  const char *xs[][2] = {{"execvp", "a child execvp(bare name)"}, {"execlp", "a child execlp(bare name)"}};
  for (int i = 0; i < 2; i++) {
    pid_t p = spawn_role(argv[0], NULL, xs[i][0], base, NULL, NULL);
    reap(xs[i][1], p, "exited 7");
    p = spawn_role(argv[0], NULL, xs[i][0], "a-program-that-does-not-exist", NULL, NULL);
    char l[96];
    snprintf(l, sizeof l, "%s of a missing name (61: ENOENT)", xs[i][0]);
    reap(l, p, "exited 61");
  }

  /* Whose PATH: the caller's (glibc, musl), not the one in the child's environment. */
  char *bad_env[] = {"PATH=/nonexistent-dir", NULL};
  setenv("PATH", dir, 1);
  try_spawn("posix_spawnp(bare name), caller's PATH good, child's env PATH bad", 1, base, bad_env, 0, 7);
  char good[600];
  snprintf(good, sizeof good, "PATH=%s", dir);
  char *good_env[] = {good, NULL};
  setenv("PATH", "/nonexistent-dir", 1);
  try_spawn("posix_spawnp(bare name), caller's PATH bad, child's env PATH good", 1, base, good_env, ENOENT, 0);
  return finish();
}
