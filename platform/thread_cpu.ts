// CPU time of one thread of this process, for per-process accounting (`corral events`): each guest
// process runs on a thread of its own, so the thread's CPU time is the process's, as a task's is in
// Linux's /proc/<pid>/task/<tid>/stat. Linux only; elsewhere everything reads 0 ("unknown").
import { readFileSync, readlinkSync } from 'node:fs';

/** This thread's kernel tid (from the /proc/thread-self link, "<pid>/task/<tid>"); 0 when unknown. */
export function currentThreadId(): number {
  try {
    const link = readlinkSync('/proc/thread-self');
    const tid = Number(link.slice(link.lastIndexOf('/') + 1));
    return Number.isSafeInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}

/** Jiffies of /proc stat files: USER_HZ is 100 on every Linux ABI. */
const NS_PER_TICK = 10_000_000;

/**
 * CPU time the thread `tid` of this process has used, in ns; 0 when it cannot be read (tid 0, the
 * thread has ended, no /proc). schedstat's first field is ns on the CPU (sched_info); stat's utime
 * and stime (fields 14 and 15, in ticks) are the fallback when schedstat is compiled out.
 */
export function threadCpuNs(tid: number): number {
  if (tid <= 0) return 0;
  try {
    const s = readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1');
    const ns = Number(s.slice(0, s.indexOf(' ')));
    if (Number.isFinite(ns)) return ns;
  } catch {
    // fall through to stat
  }
  try {
    const s = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * NS_PER_TICK;
  } catch {
    return 0;
  }
}
