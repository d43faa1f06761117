// Opens, reads and closes a file forever (the gofer-monitor tests kill its gofer underneath it).
// Prints "started" once, and "eio" once when its gofer has gone (calls then fail with EIO).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char buf[16];
  int said_eio = 0;
  for (unsigned long i = 0;; i++) {
    int fd = open("/loop-file", O_RDWR | O_CREAT, 0644);
    if (fd < 0 && errno == EIO && !said_eio) {
      printf("eio\n");
      fflush(stdout);
      said_eio = 1;
    }
    if (fd >= 0) {
      if (read(fd, buf, sizeof buf) < 0 && errno == EIO && !said_eio) {
        printf("eio\n");
        fflush(stdout);
        said_eio = 1;
      }
      close(fd);
    }
    if (i == 0) {
      printf("started\n");
      fflush(stdout);
    }
  }
}
