// The ActorSystem: made on the thread that embeds Corral (host 0), it starts the worker hosts,
// wires a ring between every pair of hosts, places actors, and shuts everything down.
//
// Placement:
//  - packed (default): a pool of worker hosts sized to the cores; top-level actors are spread over
//    them round-robin, and an actor's packed children stay on its thread, so that one sandbox's hot
//    path never wakes another thread.
//  - dedicated: a new worker host for one actor (isolation, debugging); it ends when the actor does.
// With `workers: 0`, packed actors live on host 0 itself (embedding, tests, benchmarks).
//
// Why not piscina for the hosts: piscina runs run-to-completion tasks on a pool and owns the
// scheduling of its threads; an actor host is a long-lived event loop holding state and rings, and
// the system must choose which thread an actor lives on. piscina serves the run-to-completion jobs
// (see actors/runtime/job_pool.ts); comlink serves the control plane (bridge/comlink_endpoint.ts).
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { comlinkEndpoint } from '../../bridge/comlink_endpoint.js';
import type { ActorSpec, Placement, RequestOptions } from './actor.js';
import type { ActorFailed } from './envelope.js';
import { ActorHost, SYS_SPAWN } from './host.js';
import type { HostControl, HostStats, HostWorkerData } from './host_control.js';
import { HostLinks } from './host_links.js';
import { actorId, hostOf, type ActorId, type ActorRef, type HostId } from './ids.js';
import { stampingHook, type MessageTrace, type TraceHook } from './trace_hook.js';
import type { TraceBufferEndpoint } from '../trace/trace_buffer.js';
import { startThreadTrace, stopThreadTrace } from '../trace/thread_trace.js';

/** Makes the trace buffer of one host (thread); called again for hosts started while tracing. */
export type TraceBufferFactory = (host: HostId) => TraceBufferEndpoint;

export interface SystemOptions {
  /** Worker hosts for packed placement; default: the number of cores. 0 keeps actors on this thread. */
  workers?: number;
  /** Default request timeout in milliseconds. */
  defaultTimeoutMs?: number;
}

interface WorkerHost {
  readonly id: HostId;
  readonly worker: Worker;
  readonly control: Comlink.Remote<HostControl>;
  readonly dedicated: boolean;
}

const HOST_WORKER_URL = new URL('./host_worker.js', import.meta.url);

export interface ActorSystemEvents {
  'actor-failed': [ActorFailed];
  'host-failed': [{ host: HostId; error: Error }];
}

export class ActorSystem extends EventEmitter<ActorSystemEvents> {
  // All fields are owned by the embedding thread (host 0).
  readonly host: ActorHost;
  private readonly links: HostLinks;
  private readonly hosts = new Map<HostId, WorkerHost>();
  private readonly pool: HostId[] = [];
  private nextHost = 1;
  private nextPacked = 0;
  /** Host wiring is serialised: each new host must be linked to every host that exists. */
  private wiring: Promise<unknown> = Promise.resolve();
  private closing = false;
  private readonly defaultTimeoutMs: number;
  /** Set while buffer tracing is on (traceTo), so that hosts started meanwhile trace too. */
  private traceFactory: TraceBufferFactory | null = null;

  private constructor(opts: SystemOptions) {
    super();
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 30_000;
    this.host = new ActorHost(0 as HostId, {
      defaultTimeoutMs: this.defaultTimeoutMs,
      onActorFailed: (f) => this.emit('actor-failed', f),
      spawnDedicated: (spec, supervisor) => this.spawnOn(this.addHost(true), spec, supervisor),
      onHostEmpty: (h) => void this.removeHost(h),
    });
    this.links = new HostLinks(this.host);
    this.links.start();
  }

  static async start(opts: SystemOptions = {}): Promise<ActorSystem> {
    const sys = new ActorSystem(opts);
    const n = opts.workers ?? availableParallelism();
    try {
      const ids = await Promise.all(Array.from({ length: n }, () => sys.addHost(false)));
      sys.pool.push(...ids);
    } catch (e) {
      await sys.shutdown();
      throw e;
    }
    return sys;
  }

  /** The supervisor of top-level actors: failures reaching it are emitted as 'actor-failed'. */
  get root(): ActorId {
    return this.host.endpoint;
  }

  get workerCount(): number {
    return this.hosts.size;
  }

  async spawn(spec: ActorSpec, opts: { placement?: Placement } = {}): Promise<ActorRef> {
    if (this.closing) throw new Error('actor system is shut down');
    if (opts.placement === 'dedicated') return this.spawnOn(this.addHost(true), spec, this.root);
    if (this.pool.length === 0) return this.host.spawnLocal(spec, this.root);
    const h = this.pool[this.nextPacked++ % this.pool.length]!;
    return this.spawnOn(Promise.resolve(h), spec, this.root);
  }

  private async spawnOn(hostP: Promise<HostId>, spec: ActorSpec, supervisor: ActorId): Promise<ActorRef> {
    const h = await hostP;
    return this.host.request<ActorRef>(this.root, actorId(h, 0), SYS_SPAWN, { spec, supervisor });
  }

  send(to: ActorRef | ActorId, kind: string, body?: unknown): void {
    this.host.send(this.root, typeof to === 'number' ? to : to.id, kind, body);
  }

  request<T = unknown>(
    to: ActorRef | ActorId,
    kind: string,
    body?: unknown,
    opts?: RequestOptions,
  ): Promise<T> {
    return this.host.request<T>(this.root, typeof to === 'number' ? to : to.id, kind, body, opts);
  }

  /** Stops an actor (and what it supervises) wherever it lives. */
  stop(target: ActorRef | ActorId): void {
    const id = typeof target === 'number' ? target : target.id;
    if (hostOf(id) === 0) this.host.stopActor(id);
    else this.host.send(this.root, actorId(hostOf(id), 0), 'sys:stop', id);
  }

  /** Starts a worker host and links it with every existing host, both ways. */
  private addHost(dedicated: boolean): Promise<HostId> {
    const next = this.wiring.then(async () => {
      if (this.closing) throw new Error('actor system is shut down');
      const id = this.nextHost++ as HostId;
      const data: HostWorkerData = { hostId: id, dedicated, defaultTimeoutMs: this.defaultTimeoutMs };
      const worker = new Worker(HOST_WORKER_URL, { workerData: data });
      const control = Comlink.wrap<HostControl>(comlinkEndpoint(worker));
      const wh: WorkerHost = { id, worker, control, dedicated };
      worker.on('error', (error) => {
        this.emit('host-failed', { host: id, error });
        void this.removeHost(id);
      });
      try {
        await control.stats(); // the thread is up and serving
        this.links.attachOutgoing(id, await control.addProducer(0 as HostId));
        await control.attachOutgoing(0 as HostId, this.links.addProducer(id));
        for (const other of this.hosts.values()) {
          await control.attachOutgoing(other.id, await other.control.addProducer(id));
          await other.control.attachOutgoing(id, await control.addProducer(other.id));
        }
      } catch (e) {
        control[Comlink.releaseProxy]();
        await worker.terminate();
        throw e;
      }
      if (this.traceFactory !== null) await control.traceTo(this.traceFactory(id));
      this.hosts.set(id, wh);
      return id;
    });
    this.wiring = next.catch(() => undefined);
    return next;
  }

  private async removeHost(id: HostId): Promise<void> {
    const wh = this.hosts.get(id);
    if (wh === undefined) return;
    this.hosts.delete(id);
    const i = this.pool.indexOf(id);
    if (i >= 0) this.pool.splice(i, 1);
    await this.wiring;
    this.links.detach(id);
    await Promise.all([...this.hosts.values()].map((o) => o.control.detach(id).catch(() => undefined)));
    await wh.control.shutdown().catch(() => undefined);
    wh.control[Comlink.releaseProxy]();
    await wh.worker.terminate();
  }

  /** Sets the trace hook on every host. Worker hosts buffer; collectTrace() brings their events here. */
  async setTracing(hook: TraceHook | null): Promise<void> {
    this.host.trace = hook === null ? null : stampingHook(hook);
    await Promise.all([...this.hosts.values()].map((h) => h.control.setTracing(hook !== null)));
  }

  /**
   * Traces every host's messages (and the syscalls and lifecycle events of its thread) into shared
   * per-thread buffers made by `factory`, drained by the trace actor (actors/trace/); null stops.
   */
  async traceTo(factory: TraceBufferFactory | null): Promise<void> {
    this.traceFactory = factory;
    if (factory === null) {
      stopThreadTrace();
      this.host.trace = null;
    } else {
      this.host.trace = startThreadTrace(factory(this.host.id));
      this.host.traceActorNames();
    }
    await Promise.all(
      [...this.hosts.values()].map((h) => h.control.traceTo(factory === null ? null : factory(h.id))),
    );
  }

  async collectTrace(): Promise<{ events: MessageTrace[]; dropped: number }> {
    const parts = await Promise.all([...this.hosts.values()].map((h) => h.control.takeTrace()));
    return {
      events: parts.flatMap((p) => p.events).sort((a, b) => a.ts - b.ts),
      dropped: parts.reduce((n, p) => n + p.dropped, 0),
    };
  }

  async stats(): Promise<HostStats[]> {
    const local: HostStats = {
      host: this.host.id,
      actors: this.host.actorCount,
      delivered: this.host.delivered,
      deadLetters: this.host.deadLetters,
      framesOut: this.links.framesOut,
    };
    return [local, ...(await Promise.all([...this.hosts.values()].map((h) => h.control.stats())))];
  }

  /** Stops every actor on every host, ends every worker thread, and clears every timer. */
  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.wiring;
    const all = [...this.hosts.values()];
    this.hosts.clear();
    this.pool.length = 0;
    await Promise.all(all.map((h) => h.control.shutdown().catch(() => undefined)));
    for (const h of all) h.control[Comlink.releaseProxy]();
    await Promise.all(all.map((h) => h.worker.terminate()));
    this.host.shutdown();
    this.links.stop();
    this.removeAllListeners();
  }
}
