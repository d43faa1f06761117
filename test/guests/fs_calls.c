// Exercises every WASI file call and its error cases through ordinary POSIX calls. Prints one line
// per check ("label ret errno"); built natively with gcc the same program runs against a real
// directory, and the common section must print the same lines (test/wasi-fs-calls.test.ts).
// usage: fs_calls DIR [RO_DIR OTHER_MOUNT]   (the second part only under WASI)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

static const char *ename(int e) {
  switch (e) {
    case 0: return "0";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case EROFS: return "EROFS";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ESPIPE: return "ESPIPE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EBUSY: return "EBUSY";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
#ifdef __wasi__
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
  }
}

#define CHECK(label, expr)                                   \
  do {                                                       \
    errno = 0;                                               \
    long r_ = (long)(expr);                                  \
    printf("%s %ld %s\n", label, r_ < 0 ? -1L : r_, ename(r_ < 0 ? errno : 0)); \
  } while (0)

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void common(void) {
  char buf[256];
  struct stat st;
  int fd = open("f", O_CREAT | O_EXCL | O_WRONLY, 0644);
  printf("create %d\n", fd >= 0);
  CHECK("create_excl_again", open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
  CHECK("write", write(fd, "hello world", 11));
  CHECK("seek_cur", lseek(fd, 0, SEEK_CUR));
  CHECK("pwrite", pwrite(fd, "J", 1, 0));
  CHECK("seek_cur_after_pwrite", lseek(fd, 0, SEEK_CUR));
  CHECK("read_on_wronly", read(fd, buf, 4));
  CHECK("close", close(fd));
  CHECK("close_again", close(fd));

  fd = open("f", O_RDONLY);
  CHECK("pread", pread(fd, buf, 5, 0));
  printf("pread_data %.5s\n", buf);
  CHECK("seek_end", lseek(fd, -5, SEEK_END));
  CHECK("read_tail", read(fd, buf, 100));
  printf("tail %.5s\n", buf);
  CHECK("read_eof", read(fd, buf, 100));
  CHECK("seek_negative", lseek(fd, -100, SEEK_SET));
  CHECK("seek_bad_whence", lseek(fd, 0, 42));
  CHECK("write_on_rdonly", write(fd, "x", 1));
  CHECK("ftruncate_rdonly", ftruncate(fd, 0));
  CHECK("fstat", fstat(fd, &st));
  printf("fstat size=%lld reg=%d nlink=%d\n", (long long)st.st_size, S_ISREG(st.st_mode), (int)st.st_nlink);
  close(fd);

  fd = open("f", O_WRONLY | O_APPEND);
  CHECK("append_write", write(fd, "!", 1));
  CHECK("append_pos", lseek(fd, 0, SEEK_CUR));
  CHECK("append_pwrite", pwrite(fd, "?", 1, 0));
  fstat(fd, &st);
  printf("append_size %lld\n", (long long)st.st_size);
  CHECK("getfl_append", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
  CHECK("setfl_noappend", fcntl(fd, F_SETFL, 0));
  CHECK("getfl_noappend", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
  lseek(fd, 0, SEEK_SET);
  CHECK("overwrite", write(fd, "H", 1));
  close(fd);
  fd = open("f", O_RDONLY);
  CHECK("read_all", read(fd, buf, 100));
  printf("content %.13s\n", buf);
  close(fd);

  fd = open("f", O_RDWR | O_TRUNC);
  fstat(fd, &st);
  printf("trunc_size %lld\n", (long long)st.st_size);
  CHECK("ftruncate_grow", ftruncate(fd, 100));
  fstat(fd, &st);
  printf("grown %lld\n", (long long)st.st_size);
  CHECK("fallocate", posix_fallocate(fd, 0, 200) == 0 ? 0 : -1);
  fstat(fd, &st);
  printf("allocated %lld\n", (long long)st.st_size);
  CHECK("fadvise", posix_fadvise(fd, 0, 10, POSIX_FADV_SEQUENTIAL) == 0 ? 0 : -1);
  CHECK("fsync", fsync(fd));
  CHECK("fdatasync", fdatasync(fd));
  struct timespec ts[2] = {{1000000000, 0}, {1100000000, 0}};
  CHECK("futimens", futimens(fd, ts));
  fstat(fd, &st);
  printf("times %lld %lld\n", (long long)st.st_atime, (long long)st.st_mtime);
  close(fd);

  CHECK("open_missing", open("missing", O_RDONLY));
  CHECK("open_under_file", open("f/x", O_RDONLY));
  CHECK("open_trailing_slash_file", open("f/", O_RDONLY));
  CHECK("open_directory_flag_on_file", open("f", O_RDONLY | O_DIRECTORY));
  CHECK("mkdir", mkdir("d", 0755));
  CHECK("mkdir_again", mkdir("d", 0755));
  CHECK("mkdir_trailing_slash", mkdir("d2/", 0755));
  CHECK("open_dir_wronly", open("d", O_WRONLY));
  CHECK("open_dir_creat", open("d", O_CREAT | O_RDONLY, 0644));
  fd = open("d", O_RDONLY | O_DIRECTORY);
  CHECK("read_dir_fd", read(fd, buf, 10));
  close(fd);
  CHECK("stat_dir_slash", stat("d/", &st));
  CHECK("rmdir_missing", rmdir("missing"));
  CHECK("rmdir_file", rmdir("f"));
  CHECK("unlink_dir", unlink("d"));
  CHECK("unlink_missing", unlink("missing"));
  CHECK("unlink_file_slash", unlink("f/"));
  CHECK("rmdir_dot", rmdir("d/."));
  close(open("d/inner", O_CREAT | O_WRONLY, 0644));
  CHECK("rmdir_nonempty", rmdir("d"));

  CHECK("symlink", symlink("target", "ln"));
  CHECK("symlink_exists", symlink("target", "ln"));
  ssize_t n = readlink("ln", buf, sizeof buf);
  printf("readlink %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
  CHECK("readlink_short", readlink("ln", buf, 3));
  CHECK("readlink_not_link", readlink("f", buf, sizeof buf));
  CHECK("lstat_link", lstat("ln", &st));
  printf("is_link %d\n", S_ISLNK(st.st_mode));
  CHECK("stat_dangling", stat("ln", &st));
  CHECK("open_dangling", open("ln", O_RDONLY));
  CHECK("open_dangling_creat", close(open("ln", O_CREAT | O_WRONLY, 0644)));
  CHECK("target_created", stat("target", &st));
  CHECK("open_nofollow", open("ln", O_RDONLY | O_NOFOLLOW));
  symlink("loop", "loop");
  CHECK("open_loop", open("loop", O_RDONLY));
  CHECK("stat_loop", stat("loop/x", &st));
  symlink("d", "dl");
  CHECK("stat_through_dir_link", stat("dl/inner", &st));
  symlink("/", "rootlink");
  CHECK("lstat_abs_link", lstat("rootlink", &st));

  CHECK("link", link("f", "hard"));
  stat("f", &st);
  printf("nlink %d\n", (int)st.st_nlink);
  CHECK("link_exists", link("f", "hard"));
  CHECK("link_dir", link("d", "dhard"));
  CHECK("link_missing", link("missing", "x"));

  CHECK("rename", rename("hard", "hard2"));
  CHECK("rename_missing", rename("hard", "x"));
  CHECK("rename_file_onto_dir", rename("hard2", "d"));
  CHECK("rename_dir_onto_file", rename("d2", "hard2"));
  mkdir("e", 0755);
  CHECK("rename_dir_onto_nonempty", rename("e", "d"));
  CHECK("rename_dir_into_itself", rename("e", "e/sub"));
  CHECK("rename_dir_onto_empty", rename("e", "d2"));

  char longname[300];
  memset(longname, 'n', 256);
  longname[256] = 0;
  CHECK("name_too_long", open(longname, O_CREAT | O_WRONLY, 0644));

  // readdir: names sorted, and cookies stable across seekdir.
  mkdir("list", 0755);
  for (int i = 0; i < 40; i++) {
    char p[32];
    snprintf(p, sizeof p, "list/entry%02d", i);
    close(open(p, O_CREAT | O_WRONLY, 0644));
  }
  DIR *dir = opendir("list");
  char *names[64];
  int count = 0;
  long mark = -1;
  char marked[256] = "";
  struct dirent *de;
  for (;;) {
    if (count == 10) mark = telldir(dir);
    de = readdir(dir);
    if (de == NULL) break;
    if (count == 10) snprintf(marked, sizeof marked, "%s", de->d_name);
    names[count++] = strdup(de->d_name);
  }
  seekdir(dir, mark);
  de = readdir(dir);
  printf("seekdir_same %d\n", de != NULL && strcmp(de->d_name, marked) == 0);
  rewinddir(dir);
  int again = 0;
  while (readdir(dir) != NULL) again++;
  closedir(dir);
  qsort(names, count, sizeof names[0], cmpstr);
  printf("readdir count=%d again=%d first=%s second=%s third=%s last=%s\n", count, again, names[0], names[1], names[2], names[count - 1]);
  CHECK("opendir_file", opendir("f") == NULL ? -1 : 0);
}

#ifdef __wasi__
static void wasi_only(const char *ro, const char *other) {
  char buf[256];
  struct stat st;
  // Preopens: '/' then each mount.
  for (int fd = 3; fd < 16; fd++) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) break;
    char name[256] = {0};
    (void)__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, ps.u.dir.pr_name_len);
    printf("preopen %d %s\n", fd, name);
  }
  char path[512];
  snprintf(path, sizeof path, "%s/x", ro);
  CHECK("erofs_create", open(path, O_CREAT | O_WRONLY, 0644));
  snprintf(path, sizeof path, "%s/present", ro);
  CHECK("erofs_write_open", open(path, O_WRONLY));
  CHECK("ro_read_open", close(open(path, O_RDONLY)));
  CHECK("erofs_unlink", unlink(path));
  snprintf(path, sizeof path, "%s/newdir", ro);
  CHECK("erofs_mkdir", mkdir(path, 0755));
  snprintf(path, sizeof path, "%s/moved", other);
  CHECK("exdev_rename", rename("f", path));
  CHECK("exdev_link", link("f", path));
  CHECK("rmdir_mount_point", rmdir(ro));
  // The mount point lists the mount's contents.
  DIR *d = opendir(ro);
  int seen = 0;
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) seen += strcmp(de->d_name, "present") == 0;
  if (d) closedir(d);
  printf("mount_listing_has_present %d\n", seen);
  // Escapes: '..' and absolute symlinks stay inside the root.
  CHECK("dotdot_escape", stat("../../../../../../../../etc/hostname", &st));
  symlink("/../../../../etc", "esc");
  CHECK("symlink_escape", stat("esc/hostname", &st));
  // fd_renumber and rights.
  int a = open("f", O_RDWR);
  int b = open("f", O_RDONLY);
  printf("renumber %d\n", __wasi_fd_renumber(a, b));
  CHECK("renumbered_write", write(b, "R", 1));
  printf("renumber_closed_from %s\n", ename(__wasi_fd_renumber(a, b)));
  printf("renumber_to_closed %s\n", ename(__wasi_fd_renumber(b, 999)));
  __wasi_fdstat_t fs;
  (void)__wasi_fd_fdstat_get(b, &fs);
  CHECK("drop_rights", __wasi_fd_fdstat_set_rights(b, fs.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0));
  errno = 0;
  __wasi_errno_t werr;
  __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
  __wasi_size_t nw;
  werr = __wasi_fd_write(b, &iov, 1, &nw);
  printf("write_without_right %s\n", werr == __WASI_ERRNO_NOTCAPABLE ? "ENOTCAPABLE" : "other");
  printf("regain_rights %s\n", ename(__wasi_fd_fdstat_set_rights(b, fs.fs_rights_base, 0)));
  close(b);
  CHECK("stdout_seek", lseek(1, 0, SEEK_CUR));
  (void)buf;
}
#endif

int main(int argc, char **argv) {
  if (argc < 2 || chdir(argv[1]) != 0) {
    printf("usage: fs_calls DIR\n");
    return 2;
  }
  common();
#ifdef __wasi__
  if (argc >= 4) wasi_only(argv[2], argv[3]);
#endif
  printf("done\n");
  return 0;
}
