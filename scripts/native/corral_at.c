// corral_at: the host calls Node's fs module lacks, as a Node-API addon, for the gofer's confined
// resolver (actors/gofer/host_at.ts) and a guest thread's direct file service
// (actors/gofer/direct_files.ts, actors/gofer/beneath.ts):
//
// - fstatat(2) of ONE component relative to a directory fd the resolver holds (never a path with
//   '/'), and fstat(2), without the walk through procfs of /proc/self/fd/<fd>/<name> paths or
//   Node's Stats objects;
// - openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV
//   of a lexically simple relative path (no '.', '..' or empty component, no mount point of the
//   container on the way: the caller names those): the kernel walks it in one call, confined
//   below the directory fd, and refuses (ELOOP, EXDEV) wherever the resolver's own rules would
//   differ from a plain walk, so the caller then falls back to the resolver;
// - preadv(2)/pwritev(2) straight between a file and a guest's iovecs in its memory;
// - a directory's listing with getdents(2), packed as WASI dirents, with no object per entry;
// - the calling thread's CPU time, exact to the call (benchmarks: /proc/thread-self/schedstat
//   moves only at scheduler ticks, 4 ms here, and context switches).
//
// An fd this addon opens and hands out is closed by this addon (closeslot): a Node worker thread
// tracks the fds Node opened and warns, slowly, when fs.closeSync closes any other. Such an fd is
// recorded in the process's shared fd map (platform/direct_layout.ts) inside the same call that
// opens it, and cleared inside the call that closes it, so that a thread terminated between two
// JavaScript statements never leaves one that the host would not find (reclaimDirect).
//
// Results are numbers, >= 0 or -errno (FALLBACK: "ask the resolver"); nothing throws.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#else
struct open_how {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* "Not for this fast path: resolve it the slow way" (beneath.ts names it too). */
#define FALLBACK (-4096)
#define PATH_MAX_ 4096
#define NAME_MAX_ 255

/* Set once openat2(2) answered ENOSYS (a kernel before 5.6): every later call falls back. */
static int no_openat2;

/* ---- arguments ----------------------------------------------------------------------------- */

static int32_t int_arg(napi_env env, napi_value v) {
  int32_t x = -1;
  napi_get_value_int32(env, v, &x);
  return x;
}

static double num_arg(napi_env env, napi_value v) {
  double x = -1;
  napi_get_value_double(env, v, &x);
  return x;
}

static napi_value int_result(napi_env env, int64_t r) {
  napi_value out;
  napi_create_int64(env, r, &out);
  return out;
}

/* The bytes of a typed array of `want` type; NULL when it is not one (or is null/undefined). */
static void *typed(napi_env env, napi_value v, napi_typedarray_type want, size_t *len) {
  napi_typedarray_type t;
  size_t n;
  void *data;
  napi_value ab;
  size_t off;
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return NULL;
  if (napi_get_typedarray_info(env, v, &t, &n, &data, &ab, &off) != napi_ok || t != want) return NULL;
  *len = n;
  return data;
}

/* Copies a Uint8Array name into `buf` with a NUL; -errno when it is not one component. */
static int name_of(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t len;
  const char *data = typed(env, v, napi_uint8_array, &len);
  if (data == NULL) return -EINVAL;
  if (len == 0) return -ENOENT;
  if (len >= cap) return -ENAMETOOLONG;
  if (memchr(data, 0, len) != NULL || memchr(data, '/', len) != NULL) return -EINVAL;
  memcpy(buf, data, len);
  buf[len] = 0;
  return 0;
}

/* ---- stat results -------------------------------------------------------------------------- */

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec; }

/* Fills a BigInt64Array(8): dev, ino, mode, nlink, size, atim, mtim, ctim. */
static int fill(napi_env env, napi_value v, const struct stat *st) {
  size_t n;
  int64_t *out = typed(env, v, napi_bigint64_array, &n);
  if (out == NULL || n < 8) return -EINVAL;
  out[0] = (int64_t)st->st_dev;
  out[1] = (int64_t)st->st_ino;
  out[2] = (int64_t)st->st_mode;
  out[3] = (int64_t)st->st_nlink;
  out[4] = (int64_t)st->st_size;
  out[5] = ns(st->st_atim);
  out[6] = ns(st->st_mtim);
  out[7] = ns(st->st_ctim);
  return 0;
}

/* WASI's filetype of a mode: platform/wasi_fs_types.ts filetypeOfMode, which it must match. */
static uint8_t wasi_filetype(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFREG: return 4;
    case S_IFDIR: return 3;
    case S_IFLNK: return 7;
    case S_IFCHR: return 2;
    case S_IFBLK: return 1;
    case S_IFSOCK: return 6;
    default: return 0;
  }
}

static void put64(uint8_t *p, uint64_t x) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(x >> (8 * i));
}

/* A WASI filestat (64 bytes, little-endian, padding zero) at `ptr` of guest memory `mem`. */
static int put_filestat(uint8_t *mem, size_t mem_len, double ptr, const struct stat *st) {
  // Negated comparisons: a NaN offset is out of range too (a cast of it to size_t is undefined).
  if (!(ptr >= 0) || ptr + 64 > (double)mem_len) return -EFAULT;
  uint8_t *p = mem + (size_t)ptr;
  memset(p, 0, 64);
  put64(p, (uint64_t)st->st_dev);
  put64(p + 8, (uint64_t)st->st_ino);
  p[16] = wasi_filetype(st->st_mode);
  put64(p + 24, (uint64_t)st->st_nlink);
  put64(p + 32, (uint64_t)st->st_size);
  put64(p + 40, (uint64_t)ns(st->st_atim));
  put64(p + 48, (uint64_t)ns(st->st_mtim));
  put64(p + 56, (uint64_t)ns(st->st_ctim));
  return 0;
}

/* A stat result into `out`: a BigInt64Array(8) (fill), or guest memory at `ptr` (put_filestat). */
static int stat_out(napi_env env, napi_value out, napi_value ptr, const struct stat *st) {
  size_t n;
  uint8_t *mem = typed(env, out, napi_uint8_array, &n);
  if (mem != NULL) return put_filestat(mem, n, num_arg(env, ptr), st);
  return fill(env, out, st);
}

/* ---- the lexical check ----------------------------------------------------------------------- */

/*
 * Copies guest path bytes [off, off+len) of `bytes` into `buf` with a NUL when the path is one the
 * kernel may walk for the resolver: relative, no trailing '/', no empty, '.' or '..' component, no
 * component longer than NAME_MAX, shorter than PATH_MAX, no NUL, and not at or below any of the
 * relative mount points in `mounts` (NUL-terminated, back to back; may be absent). FALLBACK when
 * not; -EFAULT when the range is outside `bytes`.
 */
static int simple_path(napi_env env, napi_value bytes, napi_value off_v, napi_value len_v,
                       napi_value mounts_v, char *buf) {
  size_t n;
  const char *src = typed(env, bytes, napi_uint8_array, &n);
  double off = num_arg(env, off_v), len = num_arg(env, len_v);
  if (src == NULL) return -EINVAL;
  if (!(off >= 0) || !(len >= 0) || off + len > (double)n) return -EFAULT;
  size_t l = (size_t)len;
  const char *p = src + (size_t)off;
  if (l == 0 || l >= PATH_MAX_ || p[0] == '/' || p[l - 1] == '/') return FALLBACK;
  size_t start = 0;
  for (size_t i = 0; i <= l; i++) {
    if (i < l && p[i] == 0) return FALLBACK;
    if (i == l || p[i] == '/') {
      size_t c = i - start;
      if (c == 0 || c > NAME_MAX_) return FALLBACK;
      if (p[start] == '.' && (c == 1 || (c == 2 && p[start + 1] == '.'))) return FALLBACK;
      start = i + 1;
    }
  }
  size_t mn;
  const char *m = typed(env, mounts_v, napi_uint8_array, &mn);
  if (m != NULL) {
    const char *end = m + mn;
    while (m < end) {
      size_t k = strnlen(m, (size_t)(end - m));
      if (k > 0 && k <= l && memcmp(p, m, k) == 0 && (k == l || p[k] == '/')) return FALLBACK;
      m += k + 1;
    }
  }
  memcpy(buf, p, l);
  buf[l] = 0;
  return 0;
}

/* openat2(2) confined below `dirfd`, following nothing; FALLBACK where it cannot serve. */
static int open_beneath(int dirfd, const char *path, int flags, int mode) {
  if (__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) return FALLBACK;
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
  // openat2 refuses a mode without O_CREAT (EINVAL), where open(2) ignores it.
  how.mode = (flags & O_CREAT) ? (uint64_t)mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  long fd;
  do fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  if (fd >= 0) return (int)fd;
  if (errno == ENOSYS) {
    __atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
    return FALLBACK;
  }
  return -errno;
}

/* The map slot `slot` of an Int32Array fd map, or NULL. */
static int32_t *slot_of(napi_env env, napi_value map_v, napi_value slot_v) {
  size_t n;
  int32_t *map = typed(env, map_v, napi_int32_array, &n);
  int32_t slot = int_arg(env, slot_v);
  if (map == NULL || slot < 0 || (size_t)slot >= n) return NULL;
  return map + slot;
}

/* ---- the calls ------------------------------------------------------------------------------- */

#define ARGS(k)                                                                                     \
  size_t argc = k;                                                                                  \
  napi_value argv[k];                                                                               \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);                                             \
  if (argc < k) return int_result(env, -EINVAL)

/* lstatat(dirfd, name, out) -> 0 | -errno: fstatat(2) with AT_SYMLINK_NOFOLLOW. */
static napi_value lstatat(napi_env env, napi_callback_info info) {
  ARGS(3);
  char name[PATH_MAX_];
  int r = name_of(env, argv[1], name, sizeof name);
  if (r != 0) return int_result(env, r);
  struct stat st;
  if (fstatat(int_arg(env, argv[0]), name, &st, AT_SYMLINK_NOFOLLOW) != 0) return int_result(env, -errno);
  return int_result(env, fill(env, argv[2], &st));
}

/* fstatfd(fd, out, ptr) -> 0 | -errno: fstat(2) into a BigInt64Array, or guest memory at ptr. */
static napi_value fstatfd(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return int_result(env, -EINVAL);
  struct stat st;
  if (fstat(int_arg(env, argv[0]), &st) != 0) return int_result(env, -errno);
  if (argc < 3) return int_result(env, fill(env, argv[1], &st));
  return int_result(env, stat_out(env, argv[1], argv[2], &st));
}

/*
 * openbeneath(dirfd, bytes, off, len, mounts, flags, mode, map, slot, tag, out)
 *   -> fd | -errno | FALLBACK
 * Opens the path (simple_path) with open(2) `flags` confined below `dirfd`; fstat(2)s it into
 * out[0] (st_mode, an Int32Array); records fd | tag at map[slot] before it returns.
 */
static napi_value openbeneath(napi_env env, napi_callback_info info) {
  ARGS(11);
  char path[PATH_MAX_];
  int r = simple_path(env, argv[1], argv[2], argv[3], argv[4], path);
  if (r != 0) return int_result(env, r);
  size_t on;
  int32_t *out = typed(env, argv[10], napi_int32_array, &on);
  int32_t *slot = slot_of(env, argv[7], argv[8]);
  int32_t tag = int_arg(env, argv[9]);
  if (out == NULL || on < 1 || slot == NULL) return int_result(env, -EINVAL);
  // Without O_NOFOLLOW (which the resolver's own open of a final name carries): a final symlink
  // is then ELOOP under RESOLVE_NO_SYMLINKS whatever the other flags, where O_NOFOLLOW with
  // O_DIRECTORY would make it ENOTDIR, an answer the resolver gives only after reading the link.
  int flags = int_arg(env, argv[5]) & ~O_NOFOLLOW;
  int fd = open_beneath(int_arg(env, argv[0]), path, flags, int_arg(env, argv[6]));
  if (fd < 0) return int_result(env, fd);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return int_result(env, -e);
  }
  out[0] = (int32_t)st.st_mode;
  __atomic_store_n(slot, fd | tag, __ATOMIC_SEQ_CST);
  return int_result(env, fd);
}

/*
 * statbeneath(dirfd, bytes, off, len, mounts, follow, out, ptr) -> 0 | -errno | FALLBACK
 * lstat(2) of the path (simple_path) confined below `dirfd`: an O_PATH open that follows nothing
 * (a final symlink is opened itself, as RESOLVE_NO_SYMLINKS with O_PATH | O_NOFOLLOW does), its
 * fstat(2), its close. With `follow`, a final symlink is FALLBACK (the resolver follows it).
 * The result goes to `out` at `ptr` (stat_out).
 */
static napi_value statbeneath(napi_env env, napi_callback_info info) {
  ARGS(8);
  char path[PATH_MAX_];
  int r = simple_path(env, argv[1], argv[2], argv[3], argv[4], path);
  if (r != 0) return int_result(env, r);
  int fd = open_beneath(int_arg(env, argv[0]), path, O_PATH | O_NOFOLLOW, 0);
  if (fd < 0) return int_result(env, fd);
  struct stat st;
  int e = fstat(fd, &st) == 0 ? 0 : errno;
  close(fd);
  if (e != 0) return int_result(env, -e);
  bool follow = false;
  napi_get_value_bool(env, argv[5], &follow);
  if (follow && S_ISLNK(st.st_mode)) return int_result(env, FALLBACK);
  return int_result(env, stat_out(env, argv[6], argv[7], &st));
}

/*
 * closeslot(map, slot, tag) -> 0 | -errno: closes the fd this addon recorded at map[slot] (tagged
 * `tag`), after recording -1 there; -EBADF when the slot holds no such fd.
 */
static napi_value closeslot(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t *slot = slot_of(env, argv[0], argv[1]);
  int32_t tag = int_arg(env, argv[2]);
  if (slot == NULL || tag <= 0) return int_result(env, -EINVAL);
  int32_t v = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
  if (v < 0 || (v & tag) == 0) return int_result(env, -EBADF);
  __atomic_store_n(slot, -1, __ATOMIC_SEQ_CST);
  // close(2) releases the fd even when it reports an error (EINTR, EIO): never retried.
  return int_result(env, close(v & ~tag) == 0 ? 0 : -errno);
}

/*
 * The guest's iovecs (WASI: {u32 buf, u32 len} little-endian, `n` at `iovs` in `mem`) as host
 * iovecs, at most IOV_MAX of them (a short transfer, as readv(2) past IOV_MAX is EINVAL);
 * -EFAULT when any lies outside `mem`, checked before anything moves. Returns the count.
 */
static int iovecs(uint8_t *mem, size_t mem_len, double iovs, int32_t n, struct iovec *out) {
  if (n < 0) return -EINVAL; // a count past 2^31: readv(2)'s EINVAL for one past IOV_MAX
  if (!(iovs >= 0) || iovs + 8.0 * n > (double)mem_len) return -EFAULT;
  int k = 0;
  for (int32_t i = 0; i < n; i++) {
    const uint8_t *e = mem + (size_t)iovs + 8 * (size_t)i;
    uint32_t ptr = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
    uint32_t len = (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 | (uint32_t)e[7] << 24;
    if ((uint64_t)ptr + len > mem_len) return -EFAULT;
    if (len == 0 || k == IOV_MAX) continue;
    out[k].iov_base = mem + ptr;
    out[k].iov_len = len;
    k++;
  }
  return k;
}

/* preadv/pwritev(fd, mem, iovs, n, pos) -> bytes | -errno, at offset `pos` (the caller's f_pos). */
static napi_value transfer(napi_env env, napi_callback_info info, int write) {
  ARGS(5);
  size_t mem_len;
  uint8_t *mem = typed(env, argv[1], napi_uint8_array, &mem_len);
  if (mem == NULL) return int_result(env, -EINVAL);
  struct iovec v[IOV_MAX];
  int k = iovecs(mem, mem_len, num_arg(env, argv[2]), int_arg(env, argv[3]), v);
  if (k <= 0) return int_result(env, k);
  double pos = num_arg(env, argv[4]);
  if (!(pos >= 0) || pos >= 9223372036854775807.0) return int_result(env, -EINVAL);
  int fd = int_arg(env, argv[0]);
  ssize_t r;
  do r = write ? pwritev(fd, v, k, (off_t)pos) : preadv(fd, v, k, (off_t)pos);
  while (r < 0 && errno == EINTR);
  return int_result(env, r < 0 ? -errno : (int64_t)r);
}

static napi_value readv_at(napi_env env, napi_callback_info info) { return transfer(env, info, 0); }
static napi_value writev_at(napi_env env, napi_callback_info info) { return transfer(env, info, 1); }

/* ---- directory listings -------------------------------------------------------------------- */

struct entry {
  size_t name;  // offset in the name pool
  size_t len;
  uint64_t ino;
  uint8_t type;  // WASI filetype
};

/* qsort_r's order of two entries by name; `pool`: the name pool (worker threads share this code). */
static int by_name(const void *a, const void *b, void *pool) {
  const char *p = pool;
  return strcmp(p + ((const struct entry *)a)->name, p + ((const struct entry *)b)->name);
}

/* WASI's filetype of a d_type: host_stat.ts direntType, which it must match (a FIFO is UNKNOWN). */
static uint8_t wasi_dirent_type(int dirfd, const char *name, unsigned char t) {
  switch (t) {
    case DT_REG: return 4;
    case DT_DIR: return 3;
    case DT_LNK: return 7;
    case DT_CHR: return 2;
    case DT_BLK: return 1;
    case DT_SOCK: return 6;
    case DT_UNKNOWN: {
      // Filesystems that do not fill d_type: lstat(2) it, as Node's readdir does.
      struct stat st;
      if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISFIFO(st.st_mode)) return 0;
      return wasi_filetype(st.st_mode);
    }
    default: return 0;
  }
}

/*
 * listdir(fd, first) -> Buffer | -errno: the entries of directory `fd` but '.' and '..', read
 * from its start with getdents64(2), sorted by strcmp (the order of Node's readdir, which the
 * gofer's own listing has: a cookie means the same entry on either side of a handover), packed
 * as WASI dirents (d_next, d_ino, d_namlen, d_type; names unterminated) whose d_next count on
 * from `first`. d_ino is getdents' own, as a Linux program reading the directory sees it.
 */
static napi_value listdir(napi_env env, napi_callback_info info) {
  ARGS(2);
  int fd = int_arg(env, argv[0]);
  double first = num_arg(env, argv[1]);
  if (lseek(fd, 0, SEEK_SET) < 0) return int_result(env, -errno);
  struct entry *ents = NULL;
  char *pool = NULL;
  size_t n = 0, cap = 0, used = 0, room = 0, total = 0;
  int err = 0;
  _Alignas(8) char buf[32768];
  for (;;) {
    long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      err = errno;
      break;
    }
    if (got == 0) break;
    for (long off = 0; off < got;) {
      // struct linux_dirent64 (getdents64(2)).
      struct {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *d = (void *)(buf + off);
      off += d->reclen;
      size_t len = strlen(d->name);
      if (d->name[0] == '.' && (len == 1 || (len == 2 && d->name[1] == '.'))) continue;
      if (n == cap) {
        cap = cap ? 2 * cap : 256;
        struct entry *e = realloc(ents, cap * sizeof *ents);
        if (e == NULL) {
          err = ENOMEM;
          goto done;
        }
        ents = e;
      }
      if (used + len + 1 > room) {
        room = room ? 2 * room + len + 1 : 16384 + len + 1;
        char *q = realloc(pool, room);
        if (q == NULL) {
          err = ENOMEM;
          goto done;
        }
        pool = q;
      }
      memcpy(pool + used, d->name, len + 1);
      ents[n] = (struct entry){used, len, d->ino, wasi_dirent_type(fd, d->name, d->type)};
      used += len + 1;
      total += 24 + len;
      n++;
    }
  }
done:;
  napi_value result;
  if (err != 0) {
    result = int_result(env, -err);
  } else {
    if (n > 1) qsort_r(ents, n, sizeof *ents, by_name, pool);
    uint8_t *out;
    if (napi_create_buffer(env, total, (void **)&out, &result) != napi_ok) {
      result = int_result(env, -ENOMEM);
    } else {
      for (size_t i = 0; i < n; i++) {
        memset(out, 0, 24);
        put64(out, (uint64_t)(first + (double)i + 1));
        put64(out + 8, ents[i].ino);
        for (int k = 0; k < 4; k++) out[16 + k] = (uint8_t)(ents[i].len >> (8 * k));
        out[20] = ents[i].type;
        memcpy(out + 24, pool + ents[i].name, ents[i].len);
        out += 24 + ents[i].len;
      }
    }
  }
  free(ents);
  free(pool);
  return result;
}

// clock_gettime(CLOCK_THREAD_CPUTIME_ID) in ns, or -errno.
static napi_value threadcpu(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return int_result(env, -errno);
  napi_value v;
  napi_create_double(env, (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec, &v);
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"lstatat", NULL, lstatat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fstatfd", NULL, fstatfd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openbeneath", NULL, openbeneath, NULL, NULL, NULL, napi_enumerable, NULL},
      {"statbeneath", NULL, statbeneath, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeslot", NULL, closeslot, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readv", NULL, readv_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writev", NULL, writev_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listdir", NULL, listdir, NULL, NULL, NULL, napi_enumerable, NULL},
      {"threadcpu", NULL, threadcpu, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
