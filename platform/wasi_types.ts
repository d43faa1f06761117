// WASI preview 1 value types that both sides of a syscall agree on: clock ids, file types, rights,
// signals, and the wire layout of poll_oneoff subscriptions and events. Shared by the guest-side
// shims (which copy raw bytes out of guest memory) and by the host-side handlers (which see decoded
// objects), so that a later fiber strategy can decode straight from guest memory with the same code.

export enum ClockId {
  REALTIME = 0,
  MONOTONIC = 1,
  PROCESS_CPUTIME = 2,
  THREAD_CPUTIME = 3,
}

export enum Filetype {
  UNKNOWN = 0,
  BLOCK_DEVICE = 1,
  CHARACTER_DEVICE = 2,
  DIRECTORY = 3,
  REGULAR_FILE = 4,
  SOCKET_DGRAM = 5,
  SOCKET_STREAM = 6,
  SYMBOLIC_LINK = 7,
}

/** Rights bits (witx `rights`), as 64-bit masks. Only those stdio needs are named. */
export const Rights = {
  FD_DATASYNC: 1n << 0n,
  FD_READ: 1n << 1n,
  FD_SEEK: 1n << 2n,
  FD_FDSTAT_SET_FLAGS: 1n << 3n,
  FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n,
  FD_WRITE: 1n << 6n,
  FD_FILESTAT_GET: 1n << 21n,
  POLL_FD_READWRITE: 1n << 27n,
} as const;

export enum EventType {
  CLOCK = 0,
  FD_READ = 1,
  FD_WRITE = 2,
}

/** subclockflags: the timeout is an absolute time on the named clock (TIMER_ABSTIME). */
export const SUBCLOCK_ABSTIME = 1;
/** eventrwflags: the peer hung up (end of file on a read end). */
export const EVENTRW_HANGUP = 1;

/**
 * WASI signal numbers. 1..15 equal Linux's; from 16 on WASI skips Linux's SIGSTKFLT, so WASI's
 * CHLD (16) is Linux's 17 and so on. Exit statuses report Linux numbers (128+N in a shell).
 */
export enum WasiSignal {
  NONE = 0,
  HUP = 1,
  INT = 2,
  QUIT = 3,
  ILL = 4,
  TRAP = 5,
  ABRT = 6,
  BUS = 7,
  FPE = 8,
  KILL = 9,
  USR1 = 10,
  SEGV = 11,
  USR2 = 12,
  PIPE = 13,
  ALRM = 14,
  TERM = 15,
  CHLD = 16,
  CONT = 17,
  STOP = 18,
  TSTP = 19,
  TTIN = 20,
  TTOU = 21,
  URG = 22,
  XCPU = 23,
  XFSZ = 24,
  VTALRM = 25,
  PROF = 26,
  WINCH = 27,
  POLL = 28,
  PWR = 29,
  SYS = 30,
}

/** Linux's number for a WASI signal (see WasiSignal), or undefined when out of range. */
export function wasiSignalToLinux(sig: number): number | undefined {
  if (!Number.isInteger(sig) || sig < 1 || sig > WasiSignal.SYS) return undefined;
  return sig <= 15 ? sig : sig + 1;
}

/** One poll_oneoff subscription, decoded. `userdata` is echoed back in the event. */
export type Subscription =
  | {
      readonly userdata: bigint;
      readonly type: EventType.CLOCK;
      readonly clockId: number;
      readonly timeout: bigint;
      readonly precision: bigint;
      readonly absolute: boolean;
    }
  | { readonly userdata: bigint; readonly type: EventType.FD_READ | EventType.FD_WRITE; readonly fd: number };

/** One poll_oneoff event. `nbytes`/`hangup` are meaningful for fd events only. */
export interface PollEvent {
  readonly userdata: bigint;
  readonly errno: number;
  readonly type: EventType;
  readonly nbytes: bigint;
  readonly hangup: boolean;
}

/** Result of fd_fdstat_get. */
export interface FdStat {
  readonly filetype: Filetype;
  readonly flags: number;
  readonly rightsBase: bigint;
  readonly rightsInheriting: bigint;
}

/** Sizes of the wire records (witx `subscription` is 48 bytes, `event` 32, `fdstat` 24). */
export const SUBSCRIPTION_SIZE = 48;
export const EVENT_SIZE = 32;
export const FDSTAT_SIZE = 24;

/** Decodes `count` subscriptions starting at `offset` of `view`. Unknown tags decode as null. */
export function decodeSubscriptions(view: DataView, offset: number, count: number): (Subscription | null)[] {
  const out: (Subscription | null)[] = [];
  for (let i = 0; i < count; i++) {
    const p = offset + i * SUBSCRIPTION_SIZE;
    const userdata = view.getBigUint64(p, true);
    const tag = view.getUint8(p + 8);
    if (tag === EventType.CLOCK) {
      out.push({
        userdata,
        type: EventType.CLOCK,
        clockId: view.getUint32(p + 16, true),
        timeout: view.getBigUint64(p + 24, true),
        precision: view.getBigUint64(p + 32, true),
        absolute: (view.getUint16(p + 40, true) & SUBCLOCK_ABSTIME) !== 0,
      });
    } else if (tag === EventType.FD_READ || tag === EventType.FD_WRITE) {
      out.push({ userdata, type: tag, fd: view.getUint32(p + 16, true) });
    } else {
      out.push(null);
    }
  }
  return out;
}

/** Encodes events at `offset` of `view` (which must have room for events.length * EVENT_SIZE). */
export function encodeEvents(view: DataView, offset: number, events: readonly PollEvent[]): void {
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const p = offset + i * EVENT_SIZE;
    new Uint8Array(view.buffer, view.byteOffset + p, EVENT_SIZE).fill(0);
    view.setBigUint64(p, e.userdata, true);
    view.setUint16(p + 8, e.errno, true);
    view.setUint8(p + 10, e.type);
    view.setBigUint64(p + 16, e.nbytes, true);
    view.setUint16(p + 24, e.hangup ? EVENTRW_HANGUP : 0, true);
  }
}

/** Encodes an fdstat record at `offset` of `view`. */
export function encodeFdStat(view: DataView, offset: number, st: FdStat): void {
  new Uint8Array(view.buffer, view.byteOffset + offset, FDSTAT_SIZE).fill(0);
  view.setUint8(offset, st.filetype);
  view.setUint16(offset + 2, st.flags, true);
  view.setBigUint64(offset + 8, st.rightsBase, true);
  view.setBigUint64(offset + 16, st.rightsInheriting, true);
}
