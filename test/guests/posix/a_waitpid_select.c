/* waitpid's selectors and options: ECHILD with no children (for -1, 0, a pid, a group, WNOHANG,
 * wait); WNOHANG with children running returns 0; a pid selects that child even when another one
 * is also done; -1 takes whichever is done; 0 takes only the caller's group (a done child in
 * another group is not taken, and with none left in the group it is ECHILD); -pgid takes the
 * group's members, also after its leader was reaped; an unknown option bit is EINVAL. Children
 * hold on their own release pipe, so which one can be done is the program's choice. */
#include "a_common.h"

#define N 8
static int rel[N][2];
static const char *self;

/* Child k: exits with code after a byte on its release pipe. */
static pid_t child(int k, int code, const posix_spawnattr_t *attr) {
  char fd[16], c[16];
  itoa_buf(rel[k][0], fd, sizeof fd);
  itoa_buf(code, c, sizeof c);
  return spawn_role(self, attr, "child", fd, c, NULL);
}

static void check_pid(const char *label, pid_t got, int st, pid_t want, int code) {
  int ok = got == want && WIFEXITED(st) && WEXITSTATUS(st) == code;
  printf("%s: %s, %s", label, got == want ? "the expected child" : got == -1 ? errname(errno) : got == 0 ? "0" : "another pid",
         got > 0 ? status_text(st) : "-");
  if (!ok) {
    printf(" (expected the child, exited %d)", code);
    a_fails++;
  }
  printf("\n");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "child")) {
    get(atoi(argv[2]));
    return atoi(argv[3]);
  }
  self = argv[0];
  for (int k = 0; k < N; k++)
    if (pipe(rel[k])) return 97;
  int st = 0;
  pid_t r;

  /* No children at all. */
  errno = 0, r = waitpid(-1, &st, 0);
  res("no children: waitpid(-1)", r, errno, ECHILD);
  errno = 0, r = waitpid(-1, &st, WNOHANG);
  res("no children: waitpid(-1, WNOHANG)", r, errno, ECHILD);
  errno = 0, r = waitpid(0, &st, 0);
  res("no children: waitpid(0)", r, errno, ECHILD);
  errno = 0, r = wait(&st);
  res("no children: wait()", r, errno, ECHILD);
  errno = 0, r = waitpid(getpid(), &st, 0);
  res("waitpid(own pid)", r, errno, ECHILD);

  /* WNOHANG with a child running. */
  pid_t a = child(0, 3, NULL);
  r = waitpid(a, &st, WNOHANG);
  eq("running child: waitpid(pid, WNOHANG)", r, 0);
  r = waitpid(-1, &st, WNOHANG);
  eq("running child: waitpid(-1, WNOHANG)", r, 0);
  r = waitpid(0, &st, WNOHANG);
  eq("running child: waitpid(0, WNOHANG)", r, 0);
  errno = 0, r = waitpid(-1, &st, 0x100);
  res("waitpid(-1, unknown option 0x100)", r, errno, EINVAL);
  put(rel[0][1]);
  r = waitpid(a, &st, 0);
  check_pid("released: waitpid(pid)", r, st, a, 3);
  errno = 0, r = waitpid(a, &st, WNOHANG);
  res("reaped child: waitpid(pid, WNOHANG)", r, errno, ECHILD);

  /* A pid selects its child: B is released first, but A is asked for first. */
  a = child(0, 11, NULL);
  pid_t b = child(1, 12, NULL);
  put(rel[1][1]);
  put(rel[0][1]);
  r = waitpid(a, &st, 0);
  check_pid("A and B done: waitpid(A)", r, st, a, 11);
  r = waitpid(b, &st, 0);
  check_pid("then waitpid(B)", r, st, b, 12);

  /* -1 takes whichever is done: release one at a time. */
  pid_t c[3];
  for (int k = 0; k < 3; k++) c[k] = child(k, 21 + k, NULL);
  int order[3] = {2, 0, 1};
  for (int i = 0; i < 3; i++) {
    int k = order[i];
    put(rel[k][1]);
    r = waitpid(-1, &st, 0);
    char label[64];
    snprintf(label, sizeof label, "released child %d only: waitpid(-1)", k);
    check_pid(label, r, st, c[k], 21 + k);
  }

  /* 0: only the caller's group. B is put in a group of its own (SETPGROUP 0). */
  posix_spawnattr_t own;
  posix_spawnattr_init(&own);
  posix_spawnattr_setflags(&own, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&own, 0);
  a = child(0, 31, NULL);
  b = child(1, 32, &own);
  put(rel[1][1]); /* B may be done; A is still running */
  r = waitpid(0, &st, WNOHANG);
  eq("A running in our group, B done elsewhere: waitpid(0, WNOHANG)", r, 0);
  put(rel[0][1]);
  r = waitpid(0, &st, 0);
  check_pid("A released: waitpid(0)", r, st, a, 31);
  errno = 0, r = waitpid(0, &st, WNOHANG);
  res("only B left (other group): waitpid(0, WNOHANG)", r, errno, ECHILD);
  r = waitpid(-b, &st, 0);
  check_pid("waitpid(-pgid of B)", r, st, b, 32);
  errno = 0, r = waitpid(-b, &st, 0);
  res("B's group now empty: waitpid(-pgid of B)", r, errno, ECHILD);

  /* -pgid with two members; the leader is reaped first, the group number still selects. */
  pid_t g1 = child(0, 41, &own);
  posix_spawnattr_t join;
  posix_spawnattr_init(&join);
  posix_spawnattr_setflags(&join, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&join, g1);
  pid_t g2 = child(1, 42, &join);
  pid_t d = child(2, 43, NULL); /* in our group */
  yes("second member joined the group", getpgid(g2) == g1, 1);
  put(rel[2][1]); /* D done, not in the group */
  r = waitpid(-g1, &st, WNOHANG);
  eq("group members running, D done: waitpid(-g, WNOHANG)", r, 0);
  put(rel[0][1]);
  r = waitpid(-g1, &st, 0);
  check_pid("leader released: waitpid(-g)", r, st, g1, 41);
  put(rel[1][1]);
  r = waitpid(-g1, &st, 0);
  check_pid("member released after its leader was reaped: waitpid(-g)", r, st, g2, 42);
  errno = 0, r = waitpid(-g1, &st, 0);
  res("group empty: waitpid(-g)", r, errno, ECHILD);
  r = waitpid(-1, &st, 0);
  check_pid("waitpid(-1) then takes D", r, st, d, 43);
  errno = 0, r = waitpid(-1, &st, 0);
  res("all reaped: waitpid(-1)", r, errno, ECHILD);
  return finish();
}
