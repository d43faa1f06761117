// A container's out-of-process gofer, attached at its first need rather than at create.
//
// Why. `corral run` and `corral do` host one sandbox for one program, and start-up is most of such a
// run. The thread's gofer child is a node process of its own (~30 ms of CPU to start here), which
// on two cores competed with the guest's worker thread and the CLI itself: `corral run` of a
// program that opens no file took ~140 ms with it, ~115 without. A program that cannot name a file
// (it imports no path_*, fd_readdir or fd_prestat_* call: platform/wasm_imports.ts) never needs it.
//
// How. The connection exists from create, with the container's preopens (their fids are fixed by
// the mount order, so they are known before the child answers; the roots the child donates to the
// direct file service come with the attachment). The attachment is made:
//   - at create, when the init's program uses files (the Loader asks at once, as the eager mode
//     does, so that it overlaps the rest of the start);
//   - before any process whose program uses files starts (the process-group actor waits for it,
//     so that the process gets the donated roots and serves its files on its own thread);
//   - by the first call that needs the gofer, from any process (it then waits for the attachment).
// So the rule of wasm_imports.ts decides only when the attachment is made, never whether a call
// works.
//
// Failure. A mount that cannot be opened is found at create anyway (mount_table.ts:checkMounts, the
// child's own test), so bad input is refused as in the eager mode. If the attachment fails later
// (the child could not start, a mount source went away), the container has lost its files, exactly
// as when its gofer dies: the hang-up fires with the reason, and the gofer monitor kills the
// container's processes (loader_gofer.ts:goferHangup).
import {
  HangupSignal,
  hungUp,
  loadGeneration,
  newGenerationWord,
  preopensOf,
  type GoferConnection,
  type Preopen,
} from './connection.js';
import { ProcessGofer } from './gofer_process.js';
import type { GoferConfig } from './mount_table.js';
import type { Req, ResOf } from './protocol.js';

export class OnDemandGofer implements GoferConnection {
  readonly kind = 'process';
  /** Counts changes from creation on; the attachment counts in the same word. Immutable. */
  readonly generationWord = newGenerationWord();
  /** The container's mount table; immutable. */
  private readonly config: GoferConfig;
  /** The preopens before the attachment: the same mounts and fids, no donated roots. Immutable. */
  private readonly bare: readonly Preopen[];
  /** The attachment once made; owned by this connection, detached by close(). */
  private inner: ProcessGofer | null = null;
  /** The attachment asked for (in flight or made); null until the first need. */
  private attaching: Promise<ProcessGofer> | null = null;
  private readonly hangup = new HangupSignal();
  private isClosed = false;

  constructor(config: GoferConfig) {
    this.config = config;
    this.bare = preopensOf(config.mounts);
  }

  get preopens(): readonly Preopen[] {
    return this.inner?.preopens ?? this.bare;
  }

  get generation(): number {
    return loadGeneration(this.generationWord);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Whether the attachment was ever asked for (tests: a program that names no file never asks). */
  get requested(): boolean {
    return this.attaching !== null;
  }

  /** Attaches now unless it was asked for before; resolves once attached, rejects with why not. */
  attach(): Promise<void> {
    if (this.attaching === null) {
      if (this.isClosed) return Promise.reject(new Error('the gofer connection is closed'));
      this.attaching = this.begin();
      // Whoever asked sees the failure; the hang-up reports it to the container.
      this.attaching.catch(() => undefined);
    }
    return this.attaching.then(() => undefined);
  }

  private async begin(): Promise<ProcessGofer> {
    let g: ProcessGofer;
    try {
      g = await ProcessGofer.start(this.config, this.generationWord);
    } catch (e) {
      this.lost(`gofer could not attach: ${(e as Error).message}`);
      throw e;
    }
    if (this.isClosed) {
      // Closed (destroyed) while the child was attaching: nothing may stay attached.
      await g.close();
      throw new Error('the gofer connection was closed while attaching');
    }
    this.inner = g;
    if (g.closed) this.lost('gofer went away while attaching');
    else g.onHangup((reason) => this.lost(reason));
    return g;
  }

  call<R extends Req>(req: R): ResOf<R> | Promise<ResOf<R>> {
    if (this.inner !== null) return this.inner.call(req);
    if (this.isClosed) return hungUp(req);
    return this.attach().then(
      () => this.inner!.call(req),
      () => hungUp(req),
    );
  }

  onHangup(cb: (reason: string) => void): () => void {
    return this.hangup.on(cb);
  }

  /** The attachment went away, or could not be made: later calls answer EIO, listeners hear why. */
  private lost(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.hangup.fire(reason);
  }

  /** Detaches, if it ever attached (waiting for an attachment in flight); no listener is told. */
  async close(): Promise<void> {
    this.isClosed = true;
    this.hangup.clear();
    const a = this.attaching;
    if (a === null) return;
    const g = await a.catch(() => null);
    await g?.close();
  }
}
