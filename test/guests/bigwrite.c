// Writes argv[1] bytes of a known pattern (byte i = i % 251) to stdout in one writev(2) call of
// three iovecs, so that the write spans several channel round trips and iovec boundaries; then
// reports on stderr how many bytes the call returned.
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atol(argv[1]) : 300000;
  unsigned char *buf = malloc(n);
  for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)(i % 251);
  size_t a = n / 3, b = n / 3;
  struct iovec iov[3] = {{buf, a}, {buf + a, b}, {buf + a + b, n - a - b}};
  ssize_t w = writev(1, iov, 3);
  fprintf(stderr, "wrote %zd of %zu\n", w, n);
  return w == (ssize_t)n ? 0 : 1;
}
