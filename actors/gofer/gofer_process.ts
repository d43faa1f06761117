// The out-of-process gofer: a child process per container, spoken to over a Unix socketpair (its
// stdin/stdout, which libuv creates as socketpairs). The child is the only part of Corral that
// touches the container's host files; if it dies, the connection hangs up and the gofer monitor
// kills the container. Killing the sandbox ends the child too: it sees end-of-file and exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { READY_MARK_VALUE } from './ready_mark.js';
import { HangupSignal, hungUp, preopensOf, type GoferConnection, type Preopen } from './connection.js';
import type { GoferConfig } from './mount_table.js';
import { FrameSplitter, decodeResponse, encodeRequest, type Req, type Res, type ResOf } from './protocol.js';

const MAIN = fileURLToPath(new URL('./gofer_main.js', import.meta.url));
/** How long a gofer gets to open its mounts. */
const START_TIMEOUT_MS = 10_000;

export class ProcessGofer implements GoferConnection {
  readonly kind = 'process';
  readonly preopens: readonly Preopen[];
  /** The child; owned by this connection, ended by close(). */
  readonly child: ChildProcess;
  /** Calls awaiting an answer, by request id; owned by this connection. */
  private readonly pending = new Map<number, { req: Req; resolve: (r: Res) => void }>();
  private nextId = 1;
  private readonly hangup = new HangupSignal();
  private isClosed = false;
  private readonly exitedP: Promise<void>;

  private constructor(child: ChildProcess, config: GoferConfig) {
    this.child = child;
    this.preopens = preopensOf(config.mounts);
    this.exitedP = new Promise((r) => {
      if (child.exitCode !== null || child.signalCode !== null) r();
      else child.once('exit', () => r());
    });
  }

  /**
   * Starts a gofer for `config`; resolves once it has opened every mount. Takes this thread's spare
   * (prestartGofer) when there is one, whose node start-up (~70 ms) is then already under way.
   */
  static start(config: GoferConfig): Promise<ProcessGofer> {
    let child = takeSpare();
    if (child !== null) {
      const json = Buffer.from(JSON.stringify(config));
      const head = Buffer.alloc(4);
      head.writeUInt32LE(json.length, 0);
      child.stdin!.write(Buffer.concat([head, json]));
    } else {
      child = spawn(process.execPath, [MAIN, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    }
    const g = new ProcessGofer(child, config);
    return new Promise((resolve, reject) => {
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s.slice(0, 4096)));
      const timer = setTimeout(() => fail(new Error('gofer did not start in time')), START_TIMEOUT_MS);
      const fail = (e: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(e);
      };
      child.once('exit', (code, sig) => {
        if (!started) fail(new Error(`gofer exited (${code ?? sig}) before it was ready: ${stderr.trim()}`));
      });
      child.once('error', (e) => fail(e));
      let started = false;
      const splitter = new FrameSplitter();
      let head = Buffer.alloc(0);
      child.stdout!.on('data', (chunk: Buffer) => {
        if (!started) {
          head = Buffer.concat([head, chunk]);
          if (head.length < 4) return;
          if (head.readUInt32LE(0) !== READY_MARK_VALUE) return fail(new Error('gofer: bad ready mark'));
          started = true;
          clearTimeout(timer);
          chunk = head.subarray(4);
          g.watch();
          resolve(g);
          if (chunk.length === 0) return;
        }
        try {
          splitter.push(chunk, (f) => g.answer(f));
        } catch (e) {
          g.lost(`gofer protocol error: ${(e as Error).message}`);
        }
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves once the child process has exited. */
  get exited(): Promise<void> {
    return this.exitedP;
  }

  private watch(): void {
    // Any of these means the gofer is gone: its socket closed, or the process ended.
    this.child.stdout!.once('close', () => this.lost('gofer connection closed'));
    this.child.once('exit', (code, sig) => this.lost(`gofer exited (${sig ?? code})`));
    this.child.stdin!.on('error', (e: NodeJS.ErrnoException) =>
      this.lost(`gofer connection broken (${e.code ?? e.message})`),
    );
  }

  private answer(f: Buffer): void {
    const { id, res } = decodeResponse(f);
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.resolve(res);
  }

  /** The gofer went away: every waiting call answers EIO, and the monitor hears of it. */
  private lost(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const p of this.pending.values()) p.resolve(hungUp(p.req));
    this.pending.clear();
    this.hangup.fire(reason);
    this.child.kill('SIGKILL');
  }

  call<R extends Req>(req: R): Promise<ResOf<R>> {
    if (this.isClosed) return Promise.resolve(hungUp(req));
    const id = this.nextId++;
    if (this.nextId > 0xffff_fff0) this.nextId = 1;
    return new Promise((resolve) => {
      this.pending.set(id, { req, resolve: resolve as (r: Res) => void });
      this.child.stdin!.write(encodeRequest(id, req));
    });
  }

  onHangup(cb: (reason: string) => void): () => void {
    return this.hangup.on(cb);
  }

  async close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.hangup.clear();
      for (const p of this.pending.values()) p.resolve(hungUp(p.req));
      this.pending.clear();
      // End of file on its socket makes the gofer close its fds, remove its tmpfs and exit.
      this.child.stdin!.end();
      const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await this.exitedP;
      clearTimeout(t);
    }
    await this.exitedP;
    this.child.stdout!.destroy();
    this.child.stderr!.destroy();
  }
}

/**
 * A gofer child started before any container needs it (`corral run` and `do` start one with their
 * guest worker, so that its start-up overlaps the CLI's own); the next ProcessGofer.start on this
 * thread takes it. Unreferenced while it waits, so that it never keeps this process alive; it
 * exits when this process does (end of file on its socket). Owned by this thread.
 */
let spare: ChildProcess | null = null;

export function prestartGofer(): void {
  if (spare !== null) return;
  const child = spawn(process.execPath, [MAIN, '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => undefined); // a spare that failed to start is simply not used
  setRef(child, false);
  spare = child;
}

/** Ends this thread's spare, if it was never used. */
export function closeSpareGofer(): void {
  const s = spare;
  spare = null;
  if (s !== null && s.exitCode === null && s.signalCode === null) s.stdin!.end();
}

function takeSpare(): ChildProcess | null {
  const s = spare;
  spare = null;
  if (s === null || s.exitCode !== null || s.signalCode !== null || s.stdin!.destroyed) return null;
  setRef(s, true);
  return s;
}

function setRef(child: ChildProcess, on: boolean): void {
  for (const x of [child, child.stdin, child.stdout, child.stderr]) {
    const r = x as unknown as { ref?: () => void; unref?: () => void } | null;
    if (on) r?.ref?.();
    else r?.unref?.();
  }
}
