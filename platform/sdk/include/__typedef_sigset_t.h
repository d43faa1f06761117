/* wasi-libc's sigset_t is a one-byte placeholder; Corral's signal sets hold 64 signals, so the SDK
 * puts musl's layout in its place (found first on the include path, under the same guard). */
#ifndef __wasilibc___typedef_sigset_t_h
#define __wasilibc___typedef_sigset_t_h

typedef struct __sigset_t {
  unsigned long __bits[128 / sizeof(long)];
} sigset_t;

#endif
