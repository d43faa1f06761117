/* What a spawned child inherits: every open descriptor at the same number (pipe ends, a file),
 * sharing the open description, so a file offset moves for both parent and child; closing in the
 * child does not close the parent's. */
#include "common.h"
#include <fcntl.h>

int main(int argc, char **argv) {
  START();
  self_path = argv[0];
  if (argc > 2 && !strcmp(argv[1], "child")) {
    int fd = atoi(argv[2]);
    ssize_t n = write(fd, "child\n", 6);
    close(fd);
    return n == 6 ? 0 : 1;
  }
  int fd = open("inherit.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  write(fd, "parent1\n", 8);
  char num[8];
  snprintf(num, sizeof num, "%d", fd);
  reap("child writing at the shared offset", spawn_role_fa("child", num, NULL, NULL));
  SHOW("the parent's fd is still open after the child closed its copy", write(fd, "parent2\n", 8));
  lseek(fd, 0, SEEK_SET);
  char buf[64] = {0};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  printf("file holds %zd bytes:\n%s", n, buf);
  close(fd);
  unlink("inherit.txt");
  return 0;
}
