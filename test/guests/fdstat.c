// Prints the WASI file type and rights of fds 0..2 and isatty() for each, then the errnos of
// calls on an fd that is not open (EBADF expected) and of seeking stdout (ESPIPE on a pipe).
#include <stdio.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void) {
  for (int fd = 0; fd <= 2; fd++) {
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
    printf("fd%d errno=%d filetype=%d read=%d write=%d isatty=%d\n", fd, e, st.fs_filetype,
           (st.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0, (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0,
           isatty(fd));
  }
  __wasi_fdstat_t st;
  __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
  __wasi_size_t n;
  printf("fdstat7=%d write7=%d write0=%d\n", __wasi_fd_fdstat_get(7, &st), __wasi_fd_write(7, &iov, 1, &n),
         __wasi_fd_write(0, &iov, 1, &n));
  __wasi_filesize_t off;
  printf("seek1=%d open=%d\n", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &off),
         __wasi_path_open(3, 0, "x", 0, 0, 0, 0, (__wasi_fd_t *)&n));
  return 0;
}
