// The trace event model: what the trace actor decodes from the per-thread buffers and hands to its
// sinks (Chrome JSON file, strace text, live WebSocket). Plain JSON-able objects, so that the live
// stream sends them as they are. Timestamps are epoch milliseconds with sub-millisecond precision
// (performance.timeOrigin + performance.now()), comparable across threads.

/** One actor message, as ActorHost.route() saw it (actors/runtime/trace_hook.ts). */
export interface MsgEvent {
  t: 'msg';
  ts: number;
  /** The actor host (thread) that sent it. */
  host: number;
  from: number;
  to: number;
  kind: string;
  /** 1 send, 2 request, 3 reply, 4 error reply, 5 system. */
  frame: number;
  bytes: number;
  id: number;
  cause: number;
}

/** One guest syscall served by a SyscallHost (platform/syscall_host.ts). */
export interface SysEvent {
  t: 'sys';
  /** When the host picked the call up. */
  ts: number;
  /** Milliseconds until it was answered (a blocking read counts its wait). */
  dur: number;
  host: number;
  /** The guest's pid in the sandbox's root PID namespace; 0 when the caller did not tag the process. */
  pid: number;
  /** The process's label (its command, or guest#N). */
  proc: string;
  name: string;
  /** Decoded arguments, strace-style: `1, "hello\n", 6`. */
  args: string;
  /** 0 on success; a WASI errno otherwise; -1 when the call ended the process. */
  errno: number;
  /** The call's value (bytes written, bytes read, events, ...). */
  ret: number;
}

/** Lifecycle kinds, after runsc's Loader: sandbox, container, process, signal, gofer. */
export type LifecycleWhat =
  | 'sandbox-start'
  | 'sandbox-stop'
  | 'container-start'
  | 'container-stop'
  | 'process-start'
  | 'process-exit'
  | 'signal'
  | 'gofer-hangup'
  | 'actor';

/** What callers pass to traceLifecycle(): the fields that apply to the kind. */
export interface LifecycleInfo {
  what: LifecycleWhat;
  sandbox?: string;
  cid?: string;
  pid?: number;
  ppid?: number;
  pgid?: number;
  sid?: number;
  cmd?: string;
  /** process-exit: the exit code, or the signal that killed it. */
  code?: number;
  signal?: number;
  /** signal: who sent it (pid 0 = the host / the CLI). */
  sender?: number;
  /** actor: an actor id and its name, so that tracks can be labelled. */
  actor?: number;
  name?: string;
  detail?: string;
}

export interface LifeEvent extends LifecycleInfo {
  t: 'life';
  ts: number;
  host: number;
}

/** The trace actor's own notices: drops and session state. */
export interface StatEvent {
  t: 'stat';
  ts: number;
  /** Events lost so far (buffers full or sinks behind). */
  dropped: number;
  events: number;
}

export type TraceEvent = MsgEvent | SysEvent | LifeEvent | StatEvent;

export const FRAME_NAMES: Readonly<Record<number, string>> = {
  1: 'send',
  2: 'request',
  3: 'reply',
  4: 'error',
  5: 'system',
};

/** Formats an ActorId (host * 2^32 + serial) as host.serial. */
export function actorLabel(id: number): string {
  return `${Math.floor(id / 2 ** 32)}.${id % 2 ** 32}`;
}
