// Decoding a syscall record into strace-like text: names, arguments and errnos. Runs on the trace
// actor's thread, never on the guest's or the SyscallHost's hot path.
import { Errno } from '../../platform/wasi_errno.js';
import { Sys } from '../../platform/syscall_layout.js';
import { CORRAL_FUNCTIONS, CorralOp } from '../../platform/corral_abi.js';

const NAMES: Readonly<Record<number, string>> = {
  [Sys.FD_WRITE]: 'fd_write',
  [Sys.FD_READ]: 'fd_read',
  [Sys.FD_FDSTAT_GET]: 'fd_fdstat_get',
  [Sys.FD_CLOSE]: 'fd_close',
  [Sys.POLL_ONEOFF]: 'poll_oneoff',
  [Sys.PROC_RAISE]: 'proc_raise',
};

/** corral_v1 op numbers → their import names (the internal signal ops keep descriptive names). */
const CORRAL_NAMES: Readonly<Record<number, string>> = {
  ...Object.fromEntries(Object.entries(CORRAL_FUNCTIONS).map(([name, op]) => [op, name])),
  [CorralOp.SIGNAL_NEXT]: 'signal_deliver',
  [CorralOp.SIGNAL_RETURN]: 'signal_return',
};

/** A call's name; a corral_v1 call (Sys.CORRAL) is named by its op, `a0`. */
export function syscallName(sys: number, a0 = 0): string {
  if (sys === Sys.CORRAL) return CORRAL_NAMES[a0] ?? `corral_${a0}`;
  // Calls added later (the file calls) fall back to the enum's own name, lower-cased as WASI spells it.
  return (
    NAMES[sys] ??
    (Sys as unknown as Record<number, string | undefined>)[sys]?.toLowerCase() ??
    `syscall_${sys}`
  );
}

/** strace's quoting of a buffer: C escapes, non-printables as \xNN, "..." when cut short. */
export function quoteBytes(data: Uint8Array, total: number): string {
  let s = '"';
  for (const c of data) {
    if (c === 0x0a) s += '\\n';
    else if (c === 0x09) s += '\\t';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  s += '"';
  return total > data.length ? s + '...' : s;
}

/** Arguments as strace would print them. `data` is what a write carried or a read returned. */
export function formatArgs(
  sys: number,
  a0: number,
  a1: number,
  data: Uint8Array | null,
  ret: number,
): string {
  switch (sys) {
    case Sys.FD_WRITE:
      return `${a0}, ${quoteBytes(data ?? new Uint8Array(0), a1)}, ${a1}`;
    case Sys.FD_READ:
      return data === null ? `${a0}, ${a1}` : `${a0}, ${quoteBytes(data, ret)}, ${a1}`;
    case Sys.POLL_ONEOFF:
      return `[${a0} subscriptions]`;
    case Sys.FD_FDSTAT_GET:
    case Sys.FD_CLOSE:
      return `${a0}`;
    case Sys.PROC_RAISE:
      return `${a0}`;
    case Sys.CORRAL:
      // The op is the name; its first integer argument (a pid, a signal, an fd) follows.
      return `${a1}`;
    default:
      return `${a0}, ${a1}`;
  }
}

const MESSAGES: Readonly<Partial<Record<number, string>>> = {
  [Errno.BADF]: 'Bad file descriptor',
  [Errno.INTR]: 'Interrupted system call',
  [Errno.INVAL]: 'Invalid argument',
  [Errno.NOSYS]: 'Function not implemented',
  [Errno.AGAIN]: 'Resource temporarily unavailable',
};

/** E-name of a WASI errno ("EBADF"); the enum's reverse mapping gives the name without the E. */
export function errnoName(errno: number): string {
  const n = (Errno as unknown as Record<number, string | undefined>)[errno];
  return n === undefined ? `E${errno}` : `E${n}`;
}

/** strace's result column: `6`, `-1 EBADF (Bad file descriptor)`, or `?` for a call that ended the process. */
export function formatResult(errno: number, ret: number): string {
  if (errno < 0) return '?';
  if (errno === 0) return String(ret);
  const msg = MESSAGES[errno];
  return `-1 ${errnoName(errno)}${msg === undefined ? '' : ` (${msg})`}`;
}
