// What the Loader asks of its kernel. A narrow port over kernel-core's binding, so that the Loader
// reads as runsc's does (spawn an init, signal a container, wait) and the binding's encoding stays
// in kernel-core/. Every pid here is in the sandbox's root PID namespace.
import type { Errno, Kernel } from '../../kernel-core/binding/index.js';

export type KResult<T> = { ok: true; value: T } | { ok: false; errno: Errno };

/** Handle of a container inside the kernel. */
export type KContainer = number & { readonly __brand: 'KContainer' };
/** A PID namespace inside the kernel. */
export type KNamespace = number & { readonly __brand: 'KNamespace' };

export interface KCredentials {
  uid: number;
  gid: number;
  groups: number[];
  /** Capability names (CAP_*), effective = permitted = these. */
  caps: string[];
}

export interface KRlimit {
  resource: string;
  soft: number;
  hard: number;
}

export interface KProcess {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  uid: number;
  /** The pid as the process sees itself, in its own PID namespace. */
  nspid: number;
  state: 'running' | 'stopped' | 'zombie';
  container: KContainer;
}

/** What the Loader must act on after each kernel operation. */
export type KEvent =
  | { kind: 'exited'; pid: number; status: number }
  | { kind: 'reaped'; pid: number }
  | { kind: 'terminate'; pid: number; sig: number }
  | { kind: 'stop'; pid: number; sig: number }
  | { kind: 'continue'; pid: number }
  | { kind: 'signal-pending'; pid: number }
  /** A child of `parent` changed state (exit, stop, continue): retry its parked waits. */
  | { kind: 'child-changed'; parent: number }
  | { kind: 'container-empty'; container: KContainer }
  | { kind: 'other' };

export interface LoaderKernel {
  readonly rootNamespace: KNamespace;
  /**
   * The binding itself, for the guests' own calls (loader_guest_calls.ts): corral_v1 is the
   * kernel's syscall surface, one call for one kernel operation, so a second port over it would
   * only rename every operation. The Loader's own operations keep to the narrow port above.
   */
  readonly guestKernel: Kernel;
  newNamespace(parent: KNamespace): KNamespace;
  addContainer(pidsLimit: number): KContainer;
  removeContainer(c: KContainer): void;
  /** A process with no parent in the sandbox (a container's init, an exec'd process): it leads a
   *  new session and process group, as runsc's CreateProcess does for a parentless thread group. */
  spawnOrphan(c: KContainer, ns: KNamespace, creds: KCredentials, rlimits: KRlimit[]): KResult<number>;
  /** The process called exit (or its guest ended) with `code`. */
  exit(pid: number, code: number): void;
  /** The guest ended by a fault or a signal the kernel did not decide (a trap, a host kill). */
  exitBySignal(pid: number, sig: number): void;
  /** kill(2) of one process from outside the sandbox (always permitted). */
  signalProcess(pid: number, sig: number): KResult<void>;
  /** raise(3): the process signals itself (so a namespace init's immunity applies, as on Linux). */
  raiseSelf(pid: number, sig: number): KResult<void>;
  /** kill(2) with a negative pid: the process group `pgid`. */
  signalGroup(pgid: number, sig: number): KResult<void>;
  signalContainer(c: KContainer, sig: number): void;
  /** Reaps a zombie that has no parent in the sandbox; returns its wait status. */
  reapOrphan(pid: number): KResult<number>;
  process(pid: number): KProcess | null;
  processes(c: KContainer): KProcess[];
  /** The foreground process group of the terminal `pid`'s session controls, if any. */
  foregroundGroup(pid: number): number | null;
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  drainEvents(): KEvent[];
  destroy(): void;
}
