// Events the kernel core emits (kernel-core/src/events.rs); every pid is a root-namespace pid.
import type { ContainerHandle, NsId, Pid } from './ids.js';

export type KernelEvent =
  /** Became a zombie with this wait status (kernel/exit.c:exit_notify). */
  | { kind: 'ProcessExited'; pid: Pid; status: number }
  /** Reaped; the pid is released (release_task). */
  | { kind: 'Reaped'; pid: Pid }
  /** A child of `parent` changed state: retry parked waits of that parent (0 = the host). */
  | { kind: 'ChildStateChanged'; parent: Pid }
  /** A deliverable signal is pending: interrupt a blocked guest so it dequeues (signal_wake_up). */
  | { kind: 'SignalPending'; pid: Pid }
  /** Halt the guest: killed by `sig` (already a zombie in the core). */
  | { kind: 'Terminate'; pid: Pid; sig: number; core: boolean }
  /** Stopped (do_signal_stop): do not schedule it. */
  | { kind: 'Stop'; pid: Pid; sig: number }
  /** Continued by SIGCONT. */
  | { kind: 'Continue'; pid: Pid }
  /** Orphan reparented (forget_original_parent); newParent 0 = the host. */
  | { kind: 'Reparented'; pid: Pid; newParent: Pid }
  /** A namespace's init died and everything in it was killed (zap_pid_ns_processes). */
  | { kind: 'NamespaceKilled'; ns: NsId }
  /** No live process left in the container. */
  | { kind: 'ContainerEmpty'; container: ContainerHandle };

/** Decodes one four-word event `[kind, a, b, c]`. */
export function decodeEvent(kind: number, a: number, b: number, c: number): KernelEvent {
  switch (kind) {
    case 1:
      return { kind: 'ProcessExited', pid: a as Pid, status: b };
    case 2:
      return { kind: 'Reaped', pid: a as Pid };
    case 3:
      return { kind: 'ChildStateChanged', parent: a as Pid };
    case 4:
      return { kind: 'SignalPending', pid: a as Pid };
    case 5:
      return { kind: 'Terminate', pid: a as Pid, sig: b, core: c !== 0 };
    case 6:
      return { kind: 'Stop', pid: a as Pid, sig: b };
    case 7:
      return { kind: 'Continue', pid: a as Pid };
    case 8:
      return { kind: 'Reparented', pid: a as Pid, newParent: b as Pid };
    case 9:
      return { kind: 'NamespaceKilled', ns: a as NsId };
    case 10:
      return { kind: 'ContainerEmpty', container: a as ContainerHandle };
    default:
      throw new Error(`kernel-core: unknown event kind ${kind}`);
  }
}
