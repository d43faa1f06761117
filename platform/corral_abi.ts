// The corral_v1 guest ABI in one place (docs/corral_v1.md is its table): the import names, the op
// numbers they travel under in the syscall channel (Sys.CORRAL), and the layouts of the records a
// guest hands over. Both sides (the guest's worker thread and the host serving it) read from here.

/** Channel op numbers of the corral_v1 calls (Slot.ARG0 of a Sys.CORRAL call). */
export enum CorralOp {
  PROC_ID = 1,
  PROC_PARENT = 2,
  PROC_GETPGID = 3,
  PROC_SETPGID = 4,
  PROC_GETSID = 5,
  PROC_SETSID = 6,
  PROC_SIGNAL = 7,
  PROC_SPAWN = 8,
  PROC_EXEC = 9,
  PROC_WAIT = 10,
  PROC_SIGACTION = 11,
  PROC_SIGMASK = 12,
  PROC_SIGPENDING = 13,
  PROC_SIGSUSPEND = 14,
  PROC_ALARM = 15,
  FD_PIPE = 16,
  FD_DUP = 17,
  FD_DUP2 = 18,
  TTY_GET_PGRP = 19,
  TTY_SET_PGRP = 20,
  /** Internal (no import): the next signal action the guest must take at this syscall boundary. */
  SIGNAL_NEXT = 100,
  /**
   * Internal: a handler returned; restore the mask saved at its entry (rt_sigreturn). Answered
   * like SIGNAL_NEXT, with the action after it.
   */
  SIGNAL_RETURN = 101,
}

/** Import name → op, for every corral_v1 function a module may import. */
export const CORRAL_FUNCTIONS: Readonly<Record<string, CorralOp>> = {
  proc_id: CorralOp.PROC_ID,
  proc_parent: CorralOp.PROC_PARENT,
  proc_getpgid: CorralOp.PROC_GETPGID,
  proc_setpgid: CorralOp.PROC_SETPGID,
  proc_getsid: CorralOp.PROC_GETSID,
  proc_setsid: CorralOp.PROC_SETSID,
  proc_signal: CorralOp.PROC_SIGNAL,
  proc_spawn: CorralOp.PROC_SPAWN,
  proc_exec: CorralOp.PROC_EXEC,
  proc_wait: CorralOp.PROC_WAIT,
  proc_sigaction: CorralOp.PROC_SIGACTION,
  proc_sigmask: CorralOp.PROC_SIGMASK,
  proc_sigpending: CorralOp.PROC_SIGPENDING,
  proc_sigsuspend: CorralOp.PROC_SIGSUSPEND,
  proc_alarm: CorralOp.PROC_ALARM,
  fd_pipe: CorralOp.FD_PIPE,
  fd_dup: CorralOp.FD_DUP,
  fd_dup2: CorralOp.FD_DUP2,
  tty_get_pgrp: CorralOp.TTY_GET_PGRP,
  tty_set_pgrp: CorralOp.TTY_SET_PGRP,
};

/** The export a guest needs for handlers: `corral_signal_entry(handler, sig)`. */
export const SIGNAL_ENTRY = 'corral_signal_entry';

/** `struct sigaction` as the guest lays it out (docs/corral_v1.md). */
export const SIGACTION_SIZE = 24;
export const SigKind = { DEFAULT: 0, IGNORE: 1, HANDLER: 2 } as const;
/** Linux's SA_* flags that change what the host does. */
export const SA_RESTART = 0x10000000;

/** Spawn record flags. */
export const SpawnFlag = {
  SETPGROUP: 0x1,
  SETSID: 0x2,
  SETSIGMASK: 0x4,
  SETSIGDEF: 0x8,
  SEARCH_PATH: 0x10,
} as const;
const SPAWN_FLAGS_ALL = 0x1f;
const SPAWN_HEADER = 40;

export const FileActionOp = { CLOSE: 1, DUP2: 2, OPEN: 3 } as const;

export type FileAction =
  | { op: 'close'; fd: number }
  | { op: 'dup2'; fd: number; src: number }
  | { op: 'open'; fd: number; path: Uint8Array; oflags: number; mode: number };

/** A decoded spawn (or exec) record. */
export interface SpawnRecord {
  flags: number;
  pgroup: number;
  sigmask: bigint;
  sigdefault: bigint;
  path: string;
  argv: string[];
  env: string[];
  actions: FileAction[];
}

/** Thrown for a record that does not parse: the guest gets EINVAL. */
export class BadRecord extends Error {}

/** Decodes a spawn record; throws BadRecord naming what is wrong. */
export function decodeSpawnRecord(bytes: Uint8Array): SpawnRecord {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < SPAWN_HEADER) throw new BadRecord(`spawn record too short: ${bytes.length} bytes`);
  const flags = v.getUint32(0, true);
  if ((flags & ~SPAWN_FLAGS_ALL) !== 0) throw new BadRecord(`unknown spawn flags 0x${flags.toString(16)}`);
  const pathLen = v.getUint32(24, true);
  const argc = v.getUint32(28, true);
  const envc = v.getUint32(32, true);
  const nactions = v.getUint32(36, true);
  let at = SPAWN_HEADER;
  const take = (n: number): Uint8Array => {
    if (n > bytes.length - at) throw new BadRecord('spawn record truncated');
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const u32 = (): number => {
    const b = take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  };
  const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
  const path = text(take(pathLen));
  const strings = (n: number): string[] => {
    if (n > bytes.length) throw new BadRecord('spawn record: string count larger than the record');
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(text(take(u32())));
    return out;
  };
  const argv = strings(argc);
  const env = strings(envc);
  if (nactions > bytes.length) throw new BadRecord('spawn record: action count larger than the record');
  const actions: FileAction[] = [];
  for (let i = 0; i < nactions; i++) {
    const op = u32();
    const fd = u32() | 0;
    const src = u32() | 0;
    const oflags = u32();
    const mode = u32();
    const p = take(u32()).slice();
    if (op === FileActionOp.CLOSE) actions.push({ op: 'close', fd });
    else if (op === FileActionOp.DUP2) actions.push({ op: 'dup2', fd, src });
    else if (op === FileActionOp.OPEN) actions.push({ op: 'open', fd, path: p, oflags, mode });
    else throw new BadRecord(`unknown file action ${op}`);
  }
  if (at !== bytes.length) throw new BadRecord('spawn record has trailing bytes');
  return {
    flags,
    pgroup: v.getInt32(4, true),
    sigmask: v.getBigUint64(8, true),
    sigdefault: v.getBigUint64(16, true),
    path,
    argv,
    env,
    actions,
  };
}

/** Encodes a spawn record (tests and the host's own callers; the C SDK writes the same bytes). */
export function encodeSpawnRecord(r: Partial<SpawnRecord> & { path: string; argv: string[] }): Uint8Array {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    parts.push(b);
  };
  const str = (s: string | Uint8Array) => {
    const b = Buffer.from(s);
    u32(b.length);
    parts.push(b);
  };
  const head = Buffer.alloc(SPAWN_HEADER);
  const env = r.env ?? [];
  const actions = r.actions ?? [];
  const path = Buffer.from(r.path);
  head.writeUInt32LE(r.flags ?? 0, 0);
  head.writeInt32LE(r.pgroup ?? 0, 4);
  head.writeBigUInt64LE(r.sigmask ?? 0n, 8);
  head.writeBigUInt64LE(r.sigdefault ?? 0n, 16);
  head.writeUInt32LE(path.length, 24);
  head.writeUInt32LE(r.argv.length, 28);
  head.writeUInt32LE(env.length, 32);
  head.writeUInt32LE(actions.length, 36);
  parts.push(head, path);
  for (const a of r.argv) str(a);
  for (const e of env) str(e);
  for (const a of actions) {
    u32(a.op === 'close' ? FileActionOp.CLOSE : a.op === 'dup2' ? FileActionOp.DUP2 : FileActionOp.OPEN);
    u32(a.fd);
    u32(a.op === 'dup2' ? a.src : 0);
    u32(a.op === 'open' ? a.oflags : 0);
    u32(a.op === 'open' ? a.mode : 0);
    str(a.op === 'open' ? a.path : new Uint8Array(0));
  }
  return new Uint8Array(Buffer.concat(parts));
}
