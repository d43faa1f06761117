/*
 * corral-pty: the one thing Node cannot do for Corral's terminals, done as runc does it.
 *
 *   corral-pty console SOCKET   Allocates a pseudo-terminal (/dev/ptmx, grantpt, unlockpt,
 *                               ptsname), gives its slave sane termios, sends the master to the
 *                               unix stream socket SOCKET with SCM_RIGHTS (one message: the fd,
 *                               with the slave's path as its data, as runc's console socket does),
 *                               then prints the slave's path on stdout. The sandbox host opens
 *                               the slave by that path; this process keeps nothing open.
 *
 *   corral-pty recv SOCKET      A console socket's other end (tests, or by hand): listens on
 *                               SOCKET, takes one master, removes SOCKET, then relays stdin to the
 *                               master and the master to stdout until the terminal hangs up.
 *                               Says "listening" and "terminal PATH" on stderr.
 *
 *   corral-pty run CMD [ARG]... Runs CMD with a new pseudo-terminal as its controlling terminal
 *                               and stdin/stdout/stderr (as script(1) does), relaying stdin and
 *                               stdout, and exits with CMD's status (128+N for signal N).
 *
 * Errors: one line on stderr, "corral-pty: WHAT: REASON", and exit status 1 (2 for usage).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int fail(const char *what, const char *arg) {
  int e = errno;
  if (arg)
    fprintf(stderr, "corral-pty: %s %s: %s\n", what, arg, strerror(e));
  else
    fprintf(stderr, "corral-pty: %s: %s\n", what, strerror(e));
  return 1;
}

static int socket_address(const char *path, struct sockaddr_un *sa) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof sa->sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(sa->sun_path, path);
  return 0;
}

/* A new pty: the master (close-on-exec) and the slave's path in `name`. */
static int open_pty(char *name, size_t size) {
  int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return -1;
  if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, size) != 0) {
    int e = errno;
    close(m);
    errno = e;
    return -1;
  }
  return m;
}

/*
 * Linux's defaults for a new pty are sane already; make sure of the ones a shell relies on. Set
 * through the master (Linux applies a master's termios calls to its slave): opening and closing the
 * slave here would make the master's reads fail with EIO until the container opened it.
 */
static void sane_termios(int s) {
  struct termios t;
  if (tcgetattr(s, &t) == 0) {
    t.c_iflag |= ICRNL | IXON;
    t.c_oflag |= OPOST | ONLCR;
    t.c_lflag |= ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN;
    t.c_cflag |= CREAD | CS8;
    tcsetattr(s, TCSANOW, &t);
  }
  struct winsize ws;
  if (ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 0 && ws.ws_col == 0) {
    ws.ws_row = 24;
    ws.ws_col = 80;
    ioctl(s, TIOCSWINSZ, &ws);
  }
}

static int cmd_console(const char *path) {
  struct sockaddr_un sa;
  if (socket_address(path, &sa) < 0) return fail("console socket", path);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return fail("socket", NULL);
  if (connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0) return fail("connect to console socket", path);
  char name[128];
  int m = open_pty(name, sizeof name);
  if (m < 0) return fail("open", "/dev/ptmx");
  sane_termios(m);

  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {.iov_base = name, .iov_len = strlen(name)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &m, sizeof(int));
  if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) return fail("send to console socket", path);
  close(m);
  close(sock);
  printf("%s\n", name);
  return fflush(stdout) == 0 ? 0 : fail("write", "stdout");
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Relays stdin → master and master → stdout until the master hangs up (EIO: no slave left). */
static void relay(int m) {
  char buf[4096];
  int in_open = 1;
  for (;;) {
    struct pollfd p[2] = {{.fd = m, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    if (poll(p, in_open ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[0].revents) {
      ssize_t n = read(m, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      if (write_all(1, buf, (size_t)n) < 0) return;
    }
    if (in_open && p[1].revents) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        in_open = 0;
      else if (write_all(m, buf, (size_t)n) < 0)
        return;
    }
  }
}

static int cmd_recv(const char *path) {
  struct sockaddr_un sa;
  if (socket_address(path, &sa) < 0) return fail("console socket", path);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0) return fail("socket", NULL);
  if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0) return fail("bind", path);
  if (listen(ls, 1) < 0) return fail("listen", path);
  fprintf(stderr, "corral-pty: listening on %s\n", path);
  int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return fail("accept", path);
  close(ls);
  unlink(path);
  char name[256];
  char cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return fail("receive from", path);
  name[n] = 0;
  struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
  if (h == NULL || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) {
    fprintf(stderr, "corral-pty: %s: no file descriptor received\n", path);
    return 1;
  }
  int m;
  memcpy(&m, CMSG_DATA(h), sizeof(int));
  close(c);
  fprintf(stderr, "corral-pty: terminal %s\n", name);
  relay(m);
  return 0;
}

static int cmd_run(char **argv) {
  char name[128];
  int m = open_pty(name, sizeof name);
  if (m < 0) return fail("open", "/dev/ptmx");
  sane_termios(m);
  /* Opened before the fork, so that the master never sees the slave closed before CMD has it. */
  int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0) return fail("open", name);
  pid_t pid = fork();
  if (pid < 0) return fail("fork", NULL);
  if (pid == 0) {
    setsid();
    ioctl(s, TIOCSCTTY, 0); /* the new session's controlling terminal */
    dup2(s, 0);
    dup2(s, 1);
    dup2(s, 2);
    if (s > 2) close(s);
    execvp(argv[0], argv);
    fail("exec", argv[0]);
    _exit(127);
  }
  close(s);
  relay(m);
  close(m);
  int st;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return fail("wait", NULL);
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc == 3 && strcmp(argv[1], "console") == 0) return cmd_console(argv[2]);
  if (argc == 3 && strcmp(argv[1], "recv") == 0) return cmd_recv(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "run") == 0) return cmd_run(argv + 2);
  fprintf(stderr, "usage: corral-pty console SOCKET | recv SOCKET | run CMD [ARG]...\n");
  return 2;
}
