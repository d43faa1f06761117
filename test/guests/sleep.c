// Sleeps argv[1] milliseconds with one poll_oneoff on the monotonic clock (relative, or absolute
// with "abs"), then prints the errno of the call and how long it slept (monotonic, in µs).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 10;
  int abs = argc > 2 && strcmp(argv[2], "abs") == 0;
  __wasi_timestamp_t t0, t1;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t0);
  __wasi_subscription_t sub = {0};
  sub.userdata = 42;
  sub.u.tag = __WASI_EVENTTYPE_CLOCK;
  sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub.u.u.clock.timeout = (__wasi_timestamp_t)ms * 1000000 + (abs ? t0 : 0);
  sub.u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  __wasi_event_t ev = {0};
  __wasi_size_t n = 0;
  puts("sleeping");
  fflush(stdout);
  __wasi_errno_t err = __wasi_poll_oneoff(&sub, &ev, 1, &n);
  (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t1);
  printf("errno=%d events=%lu userdata=%llu type=%d slept_us=%llu\n", err, (unsigned long)n, (unsigned long long)ev.userdata,
         ev.type, (unsigned long long)((t1 - t0) / 1000));
  return 0;
}
