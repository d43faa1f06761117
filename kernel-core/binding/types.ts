// Value types returned by the Kernel handle, and the u64 ⇄ two-word helpers of the wire format.
import type { ContainerHandle, NsId, Pgid, Pid, Sid } from './ids.js';

export enum ProcState {
  Running = 0,
  Stopped = 1,
  Zombie = 2,
}

export interface PsRow {
  pid: Pid;
  /** 0 = parent is the host. */
  ppid: Pid;
  pgid: Pgid;
  sid: Sid;
  state: ProcState;
  uid: number;
  container: ContainerHandle;
}

export interface ProcInfo {
  ppid: Pid;
  pgid: Pgid;
  sid: Sid;
  state: ProcState;
  uid: number;
  container: ContainerHandle;
  ns: NsId;
  /** Its number in its own namespace. */
  nr: number;
  /** Wait status once a zombie. */
  exitStatus: number;
}

export interface KernelStats {
  processes: number;
  pids: number;
  groups: number;
  sessions: number;
  namespaces: number;
  ttys: number;
  containers: number;
  events: number;
}

export interface SigActionSpec {
  handler: 'default' | 'ignore' | 'handler';
  /** The guest's handler number when handler is 'handler'. */
  index?: number;
  flags?: number;
  mask?: bigint;
}

export type Delivery =
  | { kind: 'none' }
  | {
      kind: 'handler';
      sig: number;
      handler: number;
      flags: number;
      /** Restore at sigreturn. */
      oldMask: bigint;
      code: number;
      /** si_pid as the receiver sees it (0: the host, the kernel, or not visible). */
      senderPid: number;
      senderUid: number;
      status: number;
    }
  | { kind: 'terminate'; sig: number; core: boolean }
  | { kind: 'stop'; sig: number };

export interface WaitResult {
  /** The child as the caller sees it; 0 = none ready yet. */
  pid: number;
  /** wait4 status word. */
  status: number;
  /** waitid si_code (CLD_*). */
  code: number;
  siStatus: number;
  uid: number;
}

export interface Credentials {
  ruid: number;
  euid: number;
  suid: number;
  rgid: number;
  egid: number;
  sgid: number;
  ngroups: number;
  capEffective: bigint;
  capPermitted: bigint;
}

export interface RlimitValue {
  cur: bigint;
  max: bigint;
}

/** Low word of a u64 as an i32. */
export function lo(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
/** High word of a u64 as an i32. */
export function hi(v: bigint): number {
  return Number(BigInt.asIntN(32, v >> 32n));
}
export function fromWords(l: number, h: number): bigint {
  return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
}

/** Signal set of the given signals. */
export function sigset(...sigs: number[]): bigint {
  let s = 0n;
  for (const x of sigs) s |= 1n << BigInt(x - 1);
  return s;
}

/** The W* macros of waitpid(2). */
export const WaitStatus = {
  exited: (s: number) => (s & 0x7f) === 0,
  exitStatus: (s: number) => (s >> 8) & 0xff,
  signaled: (s: number) => ((s & 0x7f) + 1) >> 1 > 0 && (s & 0x7f) !== 0x7f && (s & 0xffff) !== 0xffff,
  termSig: (s: number) => s & 0x7f,
  coreDump: (s: number) => (s & 0x80) !== 0,
  stopped: (s: number) => (s & 0xff) === 0x7f,
  stopSig: (s: number) => (s >> 8) & 0xff,
  continued: (s: number) => s === 0xffff,
};
