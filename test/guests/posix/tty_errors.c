/* tcgetpgrp/tcsetpgrp on descriptors that are not terminals (a pipe, /dev/null-less: a file in
 * /tmp) give ENOTTY, and on a closed descriptor EBADF. */
#include "common.h"
#include <fcntl.h>

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  (void)argc;
  int p[2];
  pipe(p);
  SHOW("tcgetpgrp(pipe)", tcgetpgrp(p[0]));
  SHOW("tcsetpgrp(pipe)", tcsetpgrp(p[1], getpgrp()));
  int fd = open("tmpfile.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  SHOW("tcgetpgrp(file)", tcgetpgrp(fd));
  close(fd);
  unlink("tmpfile.txt");
  SHOW("tcgetpgrp(closed)", tcgetpgrp(fd));
  SHOW("tcsetpgrp(closed)", tcsetpgrp(fd, getpgrp()));
  SHOW("isatty(pipe)", isatty(p[0]));
  return 0;
}
