// corral_at: the stat calls Node's fs module lacks (fstatat(2) on a directory fd; fstat(2) without
// Node's Stats objects), as a Node-API addon, for the gofer's confined resolver
// (actors/gofer/host_at.ts). It opens no fd: those stay Node's (a worker thread tracks them). Each names ONE component relative to a directory
// fd the resolver holds (never a path with '/'), so the host kernel resolves exactly that name in
// exactly that directory, as the /proc/self/fd/<fd>/<name> paths it replaces do, without the walk
// through procfs that costs those paths most of a stat. Results are 0/fd or -errno, never throws.
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies a Uint8Array name into `buf` with a NUL; -errno when it is not one component. */
static int name_of(napi_env env, napi_value v, char *buf, size_t cap) {
  napi_typedarray_type t;
  size_t len;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &len, &data, &ab, &off) != napi_ok || t != napi_uint8_array)
    return -EINVAL;
  if (len == 0) return -ENOENT;
  if (len >= cap) return -ENAMETOOLONG;
  if (memchr(data, 0, len) != NULL || memchr(data, '/', len) != NULL) return -EINVAL;
  memcpy(buf, data, len);
  buf[len] = 0;
  return 0;
}

static int32_t int_arg(napi_env env, napi_value v) {
  int32_t x = -1;
  napi_get_value_int32(env, v, &x);
  return x;
}

static napi_value int_result(napi_env env, int64_t r) {
  napi_value out;
  napi_create_int64(env, r, &out);
  return out;
}

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec; }

/* Fills a BigInt64Array(8): dev, ino, mode, nlink, size, atim, mtim, ctim. */
static int fill(napi_env env, napi_value v, const struct stat *st) {
  napi_typedarray_type t;
  size_t n;
  int64_t *out;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &n, (void **)&out, &ab, &off) != napi_ok ||
      t != napi_bigint64_array || n < 8)
    return -EINVAL;
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

/* lstatat(dirfd, name, out) -> 0 | -errno: fstatat(2) with AT_SYMLINK_NOFOLLOW. */
static napi_value lstatat(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return int_result(env, -EINVAL);
  char name[4096];
  int r = name_of(env, argv[1], name, sizeof name);
  if (r != 0) return int_result(env, r);
  struct stat st;
  if (fstatat(int_arg(env, argv[0]), name, &st, AT_SYMLINK_NOFOLLOW) != 0) return int_result(env, -errno);
  return int_result(env, fill(env, argv[2], &st));
}

/* fstatfd(fd, out) -> 0 | -errno. */
static napi_value fstatfd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return int_result(env, -EINVAL);
  struct stat st;
  if (fstat(int_arg(env, argv[0]), &st) != 0) return int_result(env, -errno);
  return int_result(env, fill(env, argv[1], &st));
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"lstatat", NULL, lstatat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fstatfd", NULL, fstatfd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
