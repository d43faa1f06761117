// The Loader's tables. All of it is owned by the Loader actor: only its message handler touches it,
// so the mailbox is the lock (runsc guards the same tables with l.mu).
import type { ActorRef } from '../runtime/ids.js';
import type { Bundle } from './bundle/index.js';
import type { ContainerStatus, StdioSpec, WaitResult } from './control_protocol.js';
import type { KContainer, KNamespace } from './kernel_port.js';
import type { ContainerGofer } from './loader_gofer.js';

export interface ContainerRecord {
  readonly cid: string;
  readonly bundle: Bundle;
  /** Milliseconds since the Unix epoch. */
  readonly created: number;
  status: ContainerStatus;
  /** The container inside the kernel; null until start. */
  kc: KContainer | null;
  /** The PID namespace its processes live in; null until start. */
  ns: KNamespace | null;
  /** linux.namespaces[pid].path from its spec, for other containers to join by. */
  pidnsPath: string | undefined;
  /** Root-namespace pid of its init; 0 until start. */
  initPid: number;
  /** The container actor; null until start. */
  actor: ActorRef | null;
  /** Its gofer, started at create, ended at destroy; null once closed. */
  gofer: ContainerGofer | null;
  /** Why it stopped when its init's exit was not the reason (a kill, a lost gofer). */
  reason: string | undefined;
  /** Processes started in it, and how many have ended (for `events`). */
  started: number;
  exited: number;
  /** CPU time of its processes that have ended, in ns (cgroup cpuacct keeps exited tasks' time too). */
  cpuNsExited: number;
}

/** Every guest process the Loader has started, by root-namespace pid (the host side of a task). */
export interface GuestEntry {
  readonly pid: number;
  readonly cid: string;
  /** The command line; exec replaces it. */
  cmd: string;
  /** Milliseconds since the Unix epoch. */
  readonly started: number;
  /** Started by `exec` (an entry of the process table) rather than as a container's init. */
  readonly execd: boolean;
  /** The process-group actor running it; null until it reported that the guest started. */
  group: ActorRef | null;
  /** Its wait status once it has exited (it is a zombie in the kernel, or reaped). */
  status: WaitResult | null;
  /** The guest's thread has ended and its host resources are released. */
  gone: boolean;
  /** The kernel already decided its death (a Terminate event): its exit must not be reported twice. */
  killedBy: number;
  readonly exitWaiters: ((r: WaitResult) => void)[];
  readonly goneWaiters: (() => void)[];
  /** Its parent reaped it (the kernel released the pid). A spawned child's entry then goes. */
  reaped: boolean;
}

/** runsc's execID: a container's init is {cid, pid 0}; an exec'd process is {cid, pid}. */
export function execKey(cid: string, pid: number): string {
  return `${pid}\u0000${cid}`;
}

/** runsc's execProcess: what the process table holds for each exec'd process and each init. */
export interface ExecEntry {
  readonly cid: string;
  /** The process; null for a container created but not started yet. */
  pid: number | null;
  /** The PID namespace path it was started in (containers only). */
  pidnsPath: string | undefined;
  /** Stdio given at create/exec time. */
  stdio: StdioSpec;
  /** A terminal was asked for (process.terminal). */
  terminal: boolean;
}

export function decodeWaitStatus(status: number): WaitResult {
  // Linux's encoding (include/uapi/linux/wait.h): exit code in bits 8-15 when the low 7 bits are 0;
  // otherwise the low 7 bits are the signal that killed it (bit 7: core dumped).
  const sig = status & 0x7f;
  return sig === 0 ? { status, exitCode: (status >> 8) & 0xff } : { status, signal: sig };
}

export function exitedStatus(code: number): number {
  return (code & 0xff) << 8;
}
