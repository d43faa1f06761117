// The out-of-process gofer, as one container sees it: an attachment to its sandbox host thread's
// gofer child (gofer_child.ts). The child is the only part of Corral that touches the containers'
// host files; a container attaches its mount table (GoferConfig) with one request and gets its
// preopens, every call it makes is tagged with its attachment, and detaching (destroy) closes its
// fids and removes its tmpfs in the child.
//
// Why one child per thread, not one per container or per sandbox. A node gofer child costs 60-100
// ms to start and ~30-40 MB of RSS here. One per container made the in-process sandbox lifecycle
// ~69-72 ms (target 2 ms) and `corral run` hello ~190 ms (target 150), and a host packing
// thousands of tenants (DESIGN.md) cannot afford a node process each: 1,000 containers would be
// ~35 GB. Shared by the thread, the child starts once, stays warm, and a container's gofer costs
// one attach round trip (opening its mount roots: tens of microseconds) and a GoferServer in the
// child (a few KB). Measured after the change: lifecycle ~1 ms median (bench lifecycle).
//
// The trade-off: the blast radius. If the shared child dies (crash, OOM kill, a bug reached by one
// container's requests), every container attached to it on this thread loses its files, and the
// gofer monitor SIGKILLs them all, each with the reason, exactly as a per-container gofer's death
// kills its own. We accept that for density: the child runs only Corral's own file server (no
// guest code), confinement is per attachment (a fid or path of one container never names
// another's files: gofer_host.ts, test/gofer-shared.test.ts), and a host wanting a smaller blast
// radius runs more sandbox host threads or processes (each has its own child), or the in-process
// gofer, whose failure domain is the thread anyway.

import {
  bumpGeneration,
  hungUp,
  HangupSignal,
  loadGeneration,
  mutates,
  newGenerationWord,
  preopensOf,
  type GoferConnection,
  type Preopen,
} from './connection.js';
import { threadGofer, type AttachmentSink, type GoferChild } from './gofer_child.js';
import type { GoferConfig } from './mount_table.js';
import type { Req, ResOf } from './protocol.js';

export { closeThreadGofer, prestartGofer } from './gofer_child.js';

export class ProcessGofer implements GoferConnection, AttachmentSink {
  readonly kind = 'process';
  readonly preopens: readonly Preopen[];
  /** This container's attachment number in the child; immutable. */
  readonly att: number;
  /** The thread's shared child; not owned (it outlives this attachment). */
  private readonly host: GoferChild;
  private readonly hangup = new HangupSignal();
  private isClosed = false;
  readonly generationWord: Int32Array;

  private constructor(
    host: GoferChild,
    att: number,
    config: GoferConfig,
    pid: number,
    roots: number[],
    generationWord: Int32Array,
  ) {
    this.host = host;
    this.generationWord = generationWord;
    this.att = att;
    this.preopens = preopensOf(config.mounts, pid, roots);
  }

  get generation(): number {
    return loadGeneration(this.generationWord);
  }

  /**
   * Attaches `config` to this thread's gofer child (started now if there is none); resolves once
   * the child has opened every mount, rejects with why it could not. `generationWord`: the word to
   * count changes in, when a connection made before the attachment already hands one out
   * (on_demand_gofer.ts).
   */
  static async start(config: GoferConfig, generationWord = newGenerationWord()): Promise<ProcessGofer> {
    const host = threadGofer();
    // Sent at once, even to a child still starting (it reads it after its ready mark); the call in
    // flight keeps the thread alive meanwhile.
    const attached = host.send(0, { op: 'attach', config: Buffer.from(JSON.stringify(config)) });
    await host.started;
    const r = await attached;
    if (r.op !== 'attach' || r.errno !== 0) throw new Error('gofer went away while attaching');
    if (r.att === 0) throw new Error(Buffer.from(r.message).toString('utf8'));
    const rb = Buffer.from(r.roots);
    const roots = Array.from({ length: rb.length >> 2 }, (_, i) => rb.readInt32LE(i * 4));
    const g = new ProcessGofer(host, r.att, config, r.pid, roots, generationWord);
    if (host.dead) g.isClosed = true;
    else host.register(r.att, g);
    return g;
  }

  /** The shared child process (tests kill it to play a gofer crash). */
  get child(): GoferChild['child'] {
    return this.host.child;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  call<R extends Req>(req: R): Promise<ResOf<R>> {
    if (this.isClosed) return Promise.resolve(hungUp(req));
    if (mutates(req)) bumpGeneration(this.generationWord);
    return this.host.send(this.att, req) as Promise<ResOf<R>>;
  }

  onHangup(cb: (reason: string) => void): () => void {
    return this.hangup.on(cb);
  }

  /** The child went away (AttachmentSink): later calls answer EIO, and the monitor hears of it. */
  lost(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.hangup.fire(reason);
  }

  /** Detaches: the child closes this container's fids and removes its tmpfs before it answers. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.hangup.clear();
    this.host.unregister(this.att);
    await this.host.send(this.att, { op: 'detach' });
  }
}
