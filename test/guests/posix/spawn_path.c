/* Finding the program: posix_spawnp searches PATH for a bare name; posix_spawn takes it as a path
 * relative to the working directory (ENOENT here); a missing file is ENOENT for both; the new
 * program gets exactly the environment passed. */
#include "common.h"
#include <libgen.h>

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "env")) {
    const char *v = getenv("PROBE");
    printf("child: PROBE=%s, HOME %s\n", v ? v : "(unset)", getenv("HOME") ? "set" : "unset");
    return 4;
  }
  char dir[512];
  snprintf(dir, sizeof dir, "%s", argv[0]);
  char path[600];
  snprintf(path, sizeof path, "PATH=%s", dirname(dir));
  char name[256];
  snprintf(name, sizeof name, "%s", argv[0]);
  const char *base = basename(name);
  /* posix_spawnp searches the caller's own PATH: point it at this program's directory. */
  setenv("PATH", path + 5, 1);
  char *env[] = {path, "PROBE=42", NULL};
  char *args[] = {(char *)base, "env", NULL};
  pid_t pid;
  /* Each result is printed after its child is reaped: the child writes to this same stdout. */
  int e = posix_spawnp(&pid, base, NULL, NULL, args, env);
  if (e == 0) reap("spawnp child", pid);
  printf("posix_spawnp(bare name): %s\n", errname(e));
  e = posix_spawn(&pid, base, NULL, NULL, args, env);
  if (e == 0) reap("spawn child", pid);
  printf("posix_spawn(bare name): %s\n", errname(e));
  e = posix_spawnp(&pid, "no-such-program", NULL, NULL, args, env);
  printf("posix_spawnp(missing): %s\n", errname(e));
  e = posix_spawn(&pid, "/no/such/program", NULL, NULL, args, env);
  printf("posix_spawn(missing path): %s\n", errname(e));
  return 0;
}
