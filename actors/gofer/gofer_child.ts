// The sandbox host thread's one gofer child process, shared by every container on the thread
// (gofer_process.ts explains why one per thread). Started on first use (the first attach), or
// earlier (prestartGofer)
// and kept warm while the thread lives; requests of all attachments are multiplexed on its
// socketpair, each tagged with its attachment. If it dies, every attachment hears why and every
// call in flight answers EIO at once; the next attach starts a new child.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freshBundle } from '../../platform/bundled.js';
import { hungUp } from './connection.js';
import { FrameSplitter, decodeResponse, encodeRequest, type Req, type Res } from './protocol.js';
import { READY_MARK_VALUE } from './ready_mark.js';

/** The child's program, and the same as one CommonJS file (scripts/bundle.mjs): ~20 ms less CPU. */
const MAIN = new URL('./gofer_main.js', import.meta.url);
const MAIN_BUNDLE = new URL('./gofer_main.bundle.cjs', import.meta.url);
/** How long a gofer child gets to start (node start-up is ~70 ms; a loaded machine is slower). */
const START_TIMEOUT_MS = 10_000;

/**
 * The only variables of ours the child gets. Not the caller's whole environment: the gofer runs
 * nothing of the caller's and must not be steered by it (NODE_OPTIONS=--require ... would run code
 * in the one process that touches the containers' host files), and Node acts on some of it before
 * any of our code runs: NODE_EXTRA_CA_CERTS makes it read and parse every certificate of the file
 * at start-up (~45 ms of CPU here, more than the rest of the child's start), for a process that
 * never opens a TLS connection. The first attach waits for the child, so in `corral run` that cost
 * was on the critical path. TMPDIR: a mount table without a host path makes its tmpfs there.
 * LD_LIBRARY_PATH: a node binary may need it to load at all.
 */
const CHILD_ENV = ['TMPDIR', 'LD_LIBRARY_PATH'] as const;

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of CHILD_ENV) {
    const v = process.env[name];
    if (v !== undefined) env[name] = v;
  }
  return env;
}

/** What an attachment hears when the child goes away. */
export interface AttachmentSink {
  lost(reason: string): void;
}

interface Pending {
  readonly req: Req;
  readonly resolve: (r: Res) => void;
}

export class GoferChild {
  /** The process; owned by this object, ended by end() or killed by lost(). */
  readonly child: ChildProcess;
  /** Resolves once the child serves; rejects with why it could not start. */
  readonly started: Promise<void>;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  /** Calls awaiting an answer, by request id (ids are unique across attachments). */
  private readonly pending = new Map<number, Pending>();
  /** Live attachments by number, told if the child dies. */
  private readonly attached = new Map<number, AttachmentSink>();
  private nextId = 1;
  /** Why the child is gone, once it is. */
  private deadReason: string | null = null;
  /** Whether the child's handles keep the event loop alive (only while someone uses it). */
  private refed = true;

  constructor() {
    this.child = spawn(process.execPath, [fileURLToPath(freshBundle(MAIN, MAIN_BUNDLE))], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: childEnv(),
    });
    const child = this.child;
    this.exited = new Promise((r) => child.once('exit', () => r()));
    this.started = new Promise((resolve, reject) => {
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s.slice(0, 4096)));
      const timer = setTimeout(() => this.lost('gofer did not start in time'), START_TIMEOUT_MS);
      timer.unref();
      let head: Buffer | null = Buffer.alloc(0);
      const splitter = new FrameSplitter();
      child.stdout!.on('data', (chunk: Buffer) => {
        if (head !== null) {
          head = Buffer.concat([head, chunk]);
          if (head.length < 4) return;
          if (head.readUInt32LE(0) !== READY_MARK_VALUE) return this.lost('gofer: bad ready mark');
          chunk = head.subarray(4);
          head = null;
          clearTimeout(timer);
          resolve();
        }
        try {
          splitter.push(chunk, (f) => this.answer(f));
        } catch (e) {
          this.lost(`gofer protocol error: ${(e as Error).message}`);
        }
      });
      // Any of these means the gofer is gone: its socket closed, or the process ended.
      child.stdout!.once('close', () => this.lost('gofer connection closed'));
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        const why = `gofer exited (${sig ?? code})`;
        if (head !== null) reject(new Error(`${why} before it was ready: ${stderr.trim()}`));
        this.lost(why);
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
        this.lost(`gofer failed: ${e.message}`);
      });
      child.stdin!.on('error', (e: NodeJS.ErrnoException) =>
        this.lost(`gofer connection broken (${e.code ?? e.message})`),
      );
    });
    this.started.catch(() => undefined);
    this.setRef(false);
  }

  get dead(): boolean {
    return this.deadReason !== null;
  }

  /** Attachments live now (leak checks). */
  get attachments(): number {
    return this.attached.size;
  }

  /** Sends one request for attachment `att` (0: none, for attach). Never rejects. */
  send(att: number, req: Req): Promise<Res> {
    if (this.deadReason !== null) return Promise.resolve(hungUp(req));
    const id = this.nextId++;
    if (this.nextId > 0xffff_fff0) this.nextId = 1;
    return new Promise((resolve) => {
      this.pending.set(id, { req, resolve });
      this.busy();
      this.child.stdin!.write(encodeRequest(id, req, att));
    });
  }

  register(att: number, sink: AttachmentSink): void {
    this.attached.set(att, sink);
    this.busy();
  }

  unregister(att: number): void {
    this.attached.delete(att);
    this.busy();
  }

  private answer(f: Buffer): void {
    const { id, res } = decodeResponse(f, true);
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.busy();
    p.resolve(res);
  }

  /**
   * Refs the child while it has attachments or calls in flight, so that a waiting call keeps the
   * thread alive; an idle warm child never does (it ends with the thread: end of file).
   */
  private busy(): void {
    const want = this.attached.size > 0 || this.pending.size > 0;
    if (want !== this.refed) this.setRef(want);
  }

  private setRef(on: boolean): void {
    this.refed = on;
    for (const x of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) {
      const r = x as unknown as { ref?: () => void; unref?: () => void } | null;
      if (on) r?.ref?.();
      else r?.unref?.();
    }
  }

  /** The child went away: every waiting call answers EIO, and every attachment hears why. */
  private lost(reason: string): void {
    if (this.deadReason !== null) return;
    this.deadReason = reason;
    if (current === this) current = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.resolve(hungUp(p.req));
    const sinks = [...this.attached.values()];
    this.attached.clear();
    for (const s of sinks) s.lost(reason);
    this.child.kill('SIGKILL');
    this.setRef(false);
  }

  /** Ends the child: end of file on its socket; it releases every attachment and exits. */
  async end(): Promise<void> {
    if (current === this) current = null;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end();
      const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(t);
    }
    this.child.stdout!.destroy();
    this.child.stderr!.destroy();
  }
}

/** This thread's gofer child; thread-local by construction (module state). */
let current: GoferChild | null = null;

/** This thread's gofer child, started now if there is none (or the last one died). */
export function threadGofer(): GoferChild {
  current ??= new GoferChild();
  return current;
}

/** The running child of this thread, if any (tests, leak checks). */
export function runningThreadGofer(): GoferChild | null {
  return current;
}

/**
 * Starts this thread's gofer child before any container asks for it, so that its node start-up
 * (~30 ms of CPU) overlaps the caller's own: `corral run` and `do` do so when their program may use
 * files (cli/cmd_run.ts); when it may not, their on-demand gofer never starts one.
 */
export function prestartGofer(): void {
  threadGofer();
}

/** Ends this thread's gofer child (sandbox host shutdown): no gofer process outlives its host. */
export async function closeThreadGofer(): Promise<void> {
  const c = current;
  current = null;
  if (c !== null) await c.end();
}
