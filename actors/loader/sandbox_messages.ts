// Messages among a sandbox's own actors: the Loader, its container actors and their process-group
// actors. (What clients ask of the Loader is in control_protocol.ts.) Bodies are plain data, so that
// every actor works under packed or dedicated placement.
import type { ActorId } from '../runtime/ids.js';
import type { StdioSpec } from './control_protocol.js';
import type { FileAction } from '../../platform/corral_abi.js';

/** Loader → container actor → process-group actor: start one guest process. */
export interface RunGuest {
  /** Root-namespace pid the kernel gave the process. */
  pid: number;
  /** Host path of the wasm module (already validated by the Loader). */
  modulePath: string;
  args: string[];
  env: string[];
  stdio: StdioSpec;
  /**
   * A guest's posix_spawn: the child starts with its parent's fds (the parent runs in the same
   * process-group actor and is blocked in the call), then these file actions. `stdio` is unused.
   */
  inherit?: { from: number; actions: FileAction[] };
}

/** Process-group actor → Loader: a corral_v1 call the kernel decides (platform/corral_abi.ts). */
export interface GuestCall {
  pid: number;
  op: number;
  a: number;
  b: number;
  c: number;
  req: Uint8Array;
}

/** The Loader's answer to a GuestCall; `errno` is a WASI errno (what the guest's errno holds). */
export interface GuestCallReply {
  errno: number;
  value: number;
  data?: Uint8Array;
  /** The process dies by this signal now (a fatal default action found at a syscall boundary). */
  exitSignal?: number;
  /** exec succeeded: the process continues as this image under the same pid. */
  exec?: { modulePath: string; args: string[]; env: string[] };
}

/** Loader → process-group actor: the kernel decided this process dies by `sig`. */
export interface KillGuest {
  pid: number;
  sig: number;
}

/** Process-group actor → Loader: a guest ended (its thread is gone and its fds are closed). */
export interface GuestExited {
  pid: number;
  /** Exit code when it exited, else the signal that ended it. */
  code?: number;
  signal?: number;
  /** A wasm trap or host fault, for `events` and logs. */
  fault?: string;
  /** CPU time the process used, in ns (0 when the platform cannot tell). */
  cpuNs?: number;
}

/** Loader → process-group actor: what its running guests `pids` use now. */
export interface UsageQuery {
  pids: number[];
}

/** The reply: usage by pid, for each of the pids still running in the group. */
export type UsageReport = Record<number, { cpuNs: number; memoryBytes: number }>;

/** Process-group actor → Loader: the guest called proc_raise. */
export interface GuestRaise {
  pid: number;
  sig: number;
}

/**
 * How an actor reaches its container's gofer: the key of the connection in the gofer registry of
 * its own thread (see actors/loader/loader_gofer.ts for why a key and not the connection).
 */
export type GoferHandle = string;

/** Container actor args. */
export interface ContainerActorArgs {
  cid: string;
  loader: ActorId;
  /** The container's gofer; null when it has none (its guests get stdio only). */
  gofer: GoferHandle | null;
}

/** Process-group actor args. */
export interface ProcessGroupActorArgs {
  cid: string;
  loader: ActorId;
  /** The container's gofer, handed on by the container actor. */
  gofer: GoferHandle | null;
}

export const MSG = {
  /** Loader → container: {group: string, run: RunGuest}: start a process in a (new) group actor. */
  spawnGroup: 'spawn-group',
  run: 'run',
  kill: 'kill',
  interrupt: 'interrupt',
  guestExited: 'guest-exited',
  guestRaise: 'guest-raise',
  /** Process-group → Loader: GuestCall → GuestCallReply. */
  guestCall: 'guest-call',
  /** Loader → process-group: UsageQuery → UsageReport. */
  usage: 'usage',
} as const;
