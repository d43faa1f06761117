// The Loader's control protocol: every operation a client (the corral CLI through the control socket,
// or an engine embedding many sandboxes) can ask of a sandbox's Loader actor. One tagged union of
// requests, one map of replies. The same objects are the Loader actor's messages (kind = op) and the
// JSON bodies on the nanomsg control socket, so the control server only forwards.
//
// Semantics follow runsc's Loader (../shared/reference/loader.go), error texts included.
import type { GoferMode, GoferStart } from '../gofer/gofer_registry.js';
import type { TraceEvent } from '../trace/events.js';
import type { TraceStatus } from '../trace/trace_session.js';

/** Where a process's stdin/stdout/stderr go, as the sandbox host sees it. */
export type StdioSpec =
  /** The sandbox host process's own fds 0, 1, 2 (what `corral create`/`run` was started with). */
  | { kind: 'inherit' }
  /** Host paths the sandbox host opens (FIFOs made by `corral exec`, or files); absent = /dev/null. */
  | { kind: 'paths'; stdin?: string; stdout?: string; stderr?: string }
  /** All three to /dev/null. */
  | { kind: 'null' }
  /**
   * A terminal's slave (a pty made for `--console-socket`, or the caller's own terminal), opened by
   * path for all three. The Loader makes it the process's controlling terminal (a kernel TTY).
   */
  | { kind: 'terminal'; path: string };

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
  umask?: number;
}

/** A process to exec into a started container (from `corral exec`, or `--process process.json`). */
export interface ExecProcess {
  args: string[];
  env?: string[];
  cwd?: string;
  user?: ExecUser;
  /** Capability names (CAP_*); absent = the container's. */
  capabilities?: string[];
  rlimits?: { type: string; hard: number; soft: number }[];
  terminal?: boolean;
}

/** How `signal` picks its targets, as runsc's SignalDeliveryMode plus process groups. */
export type SignalMode =
  /** One process (pid 0 = the container's init). */
  | 'process'
  /** Every process of the container; pid must be 0. No process may start while it is delivered. */
  | 'all'
  /** The foreground process group of the process's TTY, falling back to the process itself. */
  | 'foreground'
  /** A process group (pid is the pgid), which must belong to the container. */
  | 'group';

export type ContainerStatus = 'created' | 'running' | 'stopped' | 'paused';

export interface ProcessInfo {
  /** In the sandbox's root PID namespace. */
  pid: number;
  /** As the process sees itself, in its own PID namespace (1 for a namespace's init). */
  nspid: number;
  ppid: number;
  pgid: number;
  sid: number;
  uid: number;
  state: 'running' | 'stopped' | 'zombie';
  /** Milliseconds since the Unix epoch. */
  started: number;
  cmd: string;
  /** True for processes started by `exec` (entries of the Loader's process table). */
  execd: boolean;
}

export interface ContainerStats {
  /** Live (non-zombie) processes, and the container's pids limit (0 = none). */
  pids: { current: number; limit: number };
  /** Processes started since the container was created, and how many have ended. */
  started: number;
  exited: number;
  /** Bytes of guest linear memory of the container's running processes, when the platform knows. */
  memoryBytes?: number;
  /** CPU time of the container's processes in milliseconds, when the platform measures it. */
  cpuMs?: number;
  /** Why the container stopped, when something other than its init's exit stopped it (a lost gofer). */
  reason?: string;
}

/** A wait status in Linux's encoding, plus its decoded form. */
export interface WaitResult {
  /** The raw wait status (as waitpid(2) gives it). */
  status: number;
  /** Set when the process exited. */
  exitCode?: number;
  /** Set when the process was killed by a signal. */
  signal?: number;
}

export type LoaderRequest =
  /** Creates a sub-container slot (runsc createContainer). The root container exists from the start. */
  | { op: 'create'; cid: string; bundle: string; terminal?: boolean; stdio?: StdioSpec }
  /** Starts a container's init (root or sub): runsc run / startContainer. */
  | { op: 'start'; cid: string; stdio?: StdioSpec }
  /** SIGKILLs every process of the container, waits for all to exit, drops its entries. */
  | { op: 'destroy'; cid: string }
  | { op: 'exec'; cid: string; process: ExecProcess; stdio?: StdioSpec }
  /** Waits for the container's init to exit. */
  | { op: 'wait'; cid: string }
  /** Waits for a pid (root PID namespace): an exec'd process first (its entry is then removed). */
  | { op: 'wait-pid'; cid: string; pid: number }
  | { op: 'signal'; cid: string; pid: number; signo: number; mode: SignalMode }
  | { op: 'ps'; cid: string }
  | { op: 'event'; cid: string }
  | { op: 'state'; cid: string }
  | { op: 'list' }
  | { op: 'pause'; cid: string }
  | { op: 'resume'; cid: string };

export type LoaderOp = LoaderRequest['op'];

/** How a trace file is written: Chrome trace-event JSON, or strace-like text. */
export type TraceFormat = 'chrome' | 'strace';

/**
 * Tracing a sandbox at run time (runsc's `trace` sessions). Answered by the sandbox host, which owns
 * the ActorSystem whose threads are traced (actors/trace/loader_trace_ops.ts), never by the Loader.
 *
 *   start  {file?, format?}  starts tracing (or adds a file to a running trace); a file ending in
 *                            .json gets Chrome trace-event JSON, any other name strace-like text
 *   stop                     stops tracing, flushes and closes the files; the sandbox runs on
 *   status                   {on, since, events, dropped, sinks}
 *   poll   {max?}            the events buffered for a viewer in another process (`corral trace serve`)
 */
export type TraceRequest =
  | { op: 'trace'; action: 'start'; file?: string; format?: TraceFormat }
  | { op: 'trace'; action: 'stop' }
  | { op: 'trace'; action: 'status' }
  | { op: 'trace'; action: 'poll'; max?: number };

/** The reply to every trace request: the session's state (`sinks` name the files). */
export interface TraceReply extends TraceStatus {
  /** poll: the events taken (oldest first). */
  batch?: TraceEvent[];
}

/** Everything a sandbox's control socket answers: the Loader's operations and tracing. */
export type ControlRequest = LoaderRequest | TraceRequest;

export interface ContainerSummary {
  cid: string;
  status: ContainerStatus;
  /** The init's pid in the root PID namespace; 0 before start. */
  pid: number;
  bundle: string;
  created: number;
  annotations: Record<string, string>;
  /** Why the container stopped, when something other than its init's exit stopped it. */
  reason?: string;
}

export interface LoaderReplies {
  create: void;
  start: { pid: number };
  /** `sandboxEmpty`: that was the last container; the sandbox host may end. */
  destroy: { sandboxEmpty: boolean };
  exec: { pid: number };
  wait: WaitResult;
  'wait-pid': WaitResult;
  signal: void;
  ps: ProcessInfo[];
  event: { type: 'stats'; id: string; data: ContainerStats };
  state: ContainerSummary;
  list: ContainerSummary[];
  pause: void;
  resume: void;
}

export type LoaderReply<O extends LoaderOp> = LoaderReplies[O];

/** What a sandbox's Loader actor is made with (the args of its factory). */
export interface LoaderArgs {
  sandboxId: string;
  /** The root container: created with the sandbox, started by a later `start`. */
  rootCid: string;
  rootBundle: string;
  /** Stdio of the root container's init (a terminal needs a console; see the create command). */
  rootStdio: StdioSpec;
  /**
   * Where containers' gofers run: 'process' (default), a child process per container that alone
   * touches its files; 'in-process', the file server on the Loader's thread (density, tests).
   */
  gofer?: GoferMode;
  /**
   * When a 'process' gofer attaches: 'eager' (default) at create, as runsc starts its gofer;
   * 'on-demand' at the first need of the container's files (actors/gofer/on_demand_gofer.ts), which
   * the one-shot `corral run` and `do` choose: a program that opens no file then costs no gofer
   * process. Bad mounts are refused at create either way.
   */
  goferStart?: GoferStart;
}

/** Annotation in config.json naming the sandbox a new container joins (as CRI's sandbox-id). */
export const SANDBOX_ANNOTATION = 'dev.corral.sandbox-id';
