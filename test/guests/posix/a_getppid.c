/* Parent and child ids: the pid posix_spawn returns is the child's getpid() (the child sends it
 * back as text over a pipe); a child's getppid() is the parent's getpid() (passed as text in
 * argv); so is a grandchild's with its own parent; the parent stays the same for a child spawned
 * into a new group (SETPGROUP) or a new session (SETSID) and across the child's exec; getpid and
 * getppid are stable across calls; siblings get distinct pids, none equal to the parent's. */
#include "a_common.h"

static const char *self;

/* Checks getppid() against argv's parent pid, sends getpid() over fd, maybe spawns or execs. */
static int child(int argc, char **argv) {
  const char *r = argv[1];
  int fd = atoi(argv[2]);
  pid_t parent = atoi(argv[3]);
  if (!strcmp(r, "sibling")) { /* runs alongside others: reports only through its exit status */
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (write(fd, buf, n) != n) return 1;
    if (argc > 4 && !strncmp(argv[4], "hold:", 5)) get(atoi(argv[4] + 5));
    return getppid() == parent ? 0 : 1;
  }
  char label[96];
  snprintf(label, sizeof label, "  %s: getppid() == parent's getpid()", r);
  yes(label, getppid() == parent, 1);
  snprintf(label, sizeof label, "  %s: getpid() and getppid() stable", r);
  yes(label, getpid() == getpid() && getppid() == getppid(), 1);
  if (argc > 4 && !strcmp(argv[4], "exec")) {
    char *nargv[] = {argv[0], "after-exec", argv[2], argv[3], NULL};
    execv(argv[0], nargv);
    printf("  exec failed: %s\n", errname(errno));
    return 1;
  }
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
  if (write(fd, buf, n) != n) return 1;
  if (argc > 4 && !strcmp(argv[4], "spawn")) {
    /* A grandchild, whose parent is this process. */
    char me[16];
    itoa_buf(getpid(), me, sizeof me);
    int p[2];
    if (pipe(p)) return 97;
    char pfd[16];
    itoa_buf(p[1], pfd, sizeof pfd);
    pid_t g = spawn_role(self, NULL, "grandchild", pfd, me, NULL);
    char gb[32] = {0};
    ssize_t k = read(p[0], gb, sizeof gb - 1);
    yes("  child: grandchild's getpid() == the pid it was spawned as", k > 0 && atol(gb) == g, 1);
    int st = reap("  grandchild", g, "exited 0");
    if (st != 0) a_fails++;
  }
  return a_fails ? 1 : 0;
}

static void one(const char *role, const posix_spawnattr_t *attr, const char *extra) {
  int p[2];
  if (pipe(p)) exit(97);
  char pfd[16], me[16];
  itoa_buf(p[1], pfd, sizeof pfd);
  itoa_buf(getpid(), me, sizeof me);
  pid_t c = spawn_role(self, attr, role, pfd, me, extra);
  close(p[1]);
  char buf[32] = {0};
  ssize_t n = read(p[0], buf, sizeof buf - 1);
  close(p[0]);
  char label[96];
  snprintf(label, sizeof label, "%s: child's getpid() == posix_spawn's pid", role);
  yes(label, n > 0 && atol(buf) == c, 1);
  snprintf(label, sizeof label, "%s: child pid != parent pid", role);
  yes(label, c != getpid(), 1);
  snprintf(label, sizeof label, "%s reaped", role);
  reap(label, c, "exited 0");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  self = argv[0];
  if (argc > 3) return child(argc, argv);

  one("plain", NULL, NULL);
  one("parent-of-grandchild", NULL, "spawn");
  posix_spawnattr_t a;
  posix_spawnattr_init(&a);
  posix_spawnattr_setflags(&a, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&a, 0);
  one("new-group", &a, NULL);
  posix_spawnattr_setflags(&a, POSIX_SPAWN_SETSID);
  one("new-session", &a, NULL);
  one("exec", NULL, "exec");

  /* Siblings alive together: distinct pids, none the parent's. */
  int p[2], rel[2];
  if (pipe(p) || pipe(rel)) return 97;
  char pfd[16], me[16], hold[24];
  itoa_buf(p[1], pfd, sizeof pfd);
  itoa_buf(getpid(), me, sizeof me);
  snprintf(hold, sizeof hold, "hold:%d", rel[0]);
  pid_t sib[4];
  for (int i = 0; i < 4; i++) sib[i] = spawn_role(self, NULL, "sibling", pfd, me, hold);
  close(p[1]);
  char buf[256] = {0};
  size_t got = 0;
  ssize_t n;
  while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0) {
    got += n;
    int lines = 0;
    for (size_t i = 0; i < got; i++) lines += buf[i] == '\n';
    if (lines == 4) break;
  }
  int distinct = 1, known = 0;
  for (int i = 0; i < 4; i++) {
    if (sib[i] == getpid()) distinct = 0;
    for (int j = 0; j < i; j++)
      if (sib[i] == sib[j]) distinct = 0;
  }
  for (char *q = buf; *q; q = strchr(q, '\n') + 1)
    for (int i = 0; i < 4; i++)
      if (atol(q) == sib[i]) known++;
  yes("4 live siblings: distinct pids, none the parent's", distinct, 1);
  eq("siblings whose reported getpid() is one of the spawned pids", known, 4);
  for (int i = 0; i < 4; i++) put(rel[1]);
  for (int i = 0; i < 4; i++) reap("sibling (exit 0: its getppid() was the parent)", sib[i], "exited 0");
  return finish();
}
