// Reads every clock and random bytes through WASI and prints facts a test can check:
// monotonic never goes back, realtime is near the host's, resolutions are sane, random_get fills
// a large buffer (several getRandomValues chunks) with varied bytes.
#include <stdio.h>
#include <stdlib.h>
#include <wasi/api.h>

int main(void) {
  __wasi_timestamp_t prev = 0, t, res;
  int mono_ok = 1;
  for (int i = 0; i < 1000; i++) {
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    if (t < prev) mono_ok = 0;
    prev = t;
  }
  printf("monotonic_ok=%d\n", mono_ok);
  (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
  printf("realtime_ms=%llu\n", (unsigned long long)(t / 1000000));
  for (int id = 0; id <= 3; id++) {
    __wasi_errno_t e = __wasi_clock_res_get(id, &res);
    printf("res[%d]=%llu errno=%d\n", id, (unsigned long long)res, e);
  }
  __wasi_timestamp_t c0, c1;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &c0);
  volatile unsigned long spin = 0;
  for (unsigned long i = 0; i < 20000000; i++) spin = spin + i;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &c1);
  printf("cputime_advanced=%d\n", c1 > c0);
  printf("bad_clock_errno=%d\n", __wasi_clock_time_get(99, 1, &t));
  size_t n = 200000;
  unsigned char *buf = calloc(n, 1);
  __wasi_errno_t e = __wasi_random_get(buf, n);
  int counts[256] = {0};
  for (size_t i = 0; i < n; i++) counts[buf[i]]++;
  int distinct = 0, tail_zero = 1;
  for (int i = 0; i < 256; i++) distinct += counts[i] > 0;
  for (size_t i = n - 64; i < n; i++) tail_zero &= buf[i] == 0;
  printf("random errno=%d distinct=%d tail_zero=%d\n", e, distinct, tail_zero);
  return 0;
}
