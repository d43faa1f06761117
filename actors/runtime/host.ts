// An actor host: the actors living on one thread, their mailboxes, and the routing of their messages.
// Local deliveries go through the run queue and never touch a ring or wake a thread; messages for
// actors on other hosts go to HostLinks (one ring per destination thread).
//
// Serial 0 on every host is the host's own endpoint: it answers runtime requests (spawn, stop) and
// receives replies for requests made from outside any actor.
import { toWireError, fromWireError, type WireError } from '../../bridge/errors.js';
import {
  type Actor,
  type ActorContext,
  type ActorFactory,
  type ActorSpec,
  type Message,
  type Placement,
  type RequestOptions,
  NoSuchActorError,
  RequestError,
  RequestTimeoutError,
} from './actor.js';
import { ACTOR_FAILED, FrameKind, type ActorFailed, type Envelope } from './envelope.js';
import {
  actorId,
  formatActorId,
  hostOf,
  messageId,
  serialOf,
  type ActorId,
  type ActorRef,
  type CorrelationId,
  type HostId,
  type MessageId,
} from './ids.js';
import { loadActorModule } from './actor_modules.js';
import { RunQueue } from './run_queue.js';
import { traceNow, type MessageTrace, type TraceHook } from './trace_hook.js';
import { traceLifecycle } from '../trace/thread_trace.js';

/** How a host reaches other hosts; absent for a host that lives alone (tests, benchmarks). */
export interface HostRouter {
  /** Encodes and queues `env` for its destination host. Returns the bytes it took on the ring. */
  send(env: Envelope): number;
}

/** Runtime requests handled by a host endpoint (serial 0). */
export const SYS_SPAWN = 'sys:spawn';
export const SYS_STOP = 'sys:stop';
/** Only host 0 answers these: it starts a new thread for one actor, and ends it when it is empty. */
export const SYS_SPAWN_DEDICATED = 'sys:spawn-dedicated';
export const SYS_HOST_EMPTY = 'sys:host-empty';

interface SpawnRequest {
  spec: ActorSpec;
  supervisor: ActorId;
}

interface ActorRecord {
  readonly ref: ActorRef;
  readonly supervisor: ActorId;
  readonly children: Set<ActorId>;
  readonly ctx: ActorContext;
  /** Null while the actor's module is loading; messages wait in `pending` meanwhile. */
  actor: Actor | null;
  pending: Envelope[] | null;
}

interface PendingRequest {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface HostOptions {
  /** Called for a supervision notice addressed to this host's endpoint (root supervision on host 0). */
  onActorFailed?: (failure: ActorFailed) => void;
  /** Host 0 only: starts a dedicated thread and spawns `spec` there. */
  spawnDedicated?: (spec: ActorSpec, supervisor: ActorId) => Promise<ActorRef>;
  /** Called when the last actor of this host has stopped (dedicated hosts end then). */
  onEmpty?: () => void;
  /** Host 0 only: a dedicated host reports that its actor is gone. */
  onHostEmpty?: (host: HostId) => void;
  defaultTimeoutMs?: number;
}

const RUN_BATCH = 4096;

export class ActorHost {
  // Everything below is owned by this host's thread and touched only from it.
  readonly id: HostId;
  router: HostRouter | null = null;
  /** The trace hook; null (the common case) costs one comparison per message. */
  trace: TraceHook | null = null;
  /**
   * The record handed to the hook, reused for every message so that tracing allocates nothing
   * (the hook copies what it keeps). Owned by this host.
   */
  private readonly traceRec: MessageTrace = {
    ts: 0,
    from: 0 as ActorId,
    to: 0 as ActorId,
    kind: '',
    frame: FrameKind.Send,
    bytes: 0,
    id: 0 as MessageId,
    cause: 0 as MessageId,
  };
  /** Messages traced in this run batch; the clock is read on every 16th. Owned by this host. */
  private traceTick = 0;
  private readonly actors = new Map<number, ActorRecord>();
  private readonly queue = new RunQueue();
  private readonly requests = new Map<number, PendingRequest>();
  private readonly factories = new Map<string, ActorFactory>();
  private nextSerial = 1;
  private nextMessage = 1;
  private nextCorr = 1;
  private scheduled = false;
  private running = false;
  private closed = false;
  /** The message being handled, so that what its handler sends can name it as cause. */
  private current: MessageId = 0 as MessageId;
  /** Messages addressed to actors that do not exist; counted, as a mailbox-less send is dropped. */
  deadLetters = 0;
  delivered = 0;

  constructor(
    id: HostId,
    private readonly opts: HostOptions = {},
  ) {
    this.id = id;
  }

  get endpoint(): ActorId {
    return actorId(this.id, 0);
  }

  get actorCount(): number {
    return this.actors.size;
  }

  /** Records every actor's name in this thread's trace, so that a trace started late labels its tracks. */
  traceActorNames(): void {
    for (const r of this.actors.values())
      traceLifecycle({ what: 'actor', actor: r.ref.id, name: r.ref.name });
  }

  /** Registers a factory under a module key, so that spawning it needs no dynamic import. */
  registerFactory(spec: Pick<ActorSpec, 'module' | 'export'>, factory: ActorFactory): void {
    this.factories.set(`${spec.module}#${spec.export}`, factory);
  }

  // ---- sending -------------------------------------------------------------------------------

  send(from: ActorId, to: ActorId, kind: string, body: unknown): void {
    this.route(this.envelope(FrameKind.Send, from, to, kind, body, 0 as CorrelationId));
  }

  /**
   * A send that names its cause (ActorContext.send with opts). Kept apart from send(), the hot path
   * of every message, so that its code stays as small as it was.
   */
  private sendCaused(from: ActorId, to: ActorId, kind: string, body: unknown, cause?: MessageId): void {
    const env = this.envelope(FrameKind.Send, from, to, kind, body, 0 as CorrelationId);
    if (cause !== undefined) env.cause = cause;
    this.route(env);
  }

  request<T>(from: ActorId, to: ActorId, kind: string, body: unknown, opts?: RequestOptions): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`actor host ${this.id} is shut down`));
    const corr = this.nextCorr as CorrelationId;
    this.nextCorr = this.nextCorr >= 0xffffffff ? 1 : this.nextCorr + 1;
    const ms = opts?.timeoutMs ?? this.opts.defaultTimeoutMs ?? 30_000;
    return new Promise<T>((resolve, reject) => {
      const p: PendingRequest = { resolve: resolve as (v: unknown) => void, reject, timer: undefined };
      if (ms > 0) {
        p.timer = setTimeout(() => {
          this.requests.delete(corr);
          reject(new RequestTimeoutError(kind, formatActorId(to), ms));
        }, ms);
      }
      this.requests.set(corr, p);
      const env = this.envelope(FrameKind.Request, from, to, kind, body, corr);
      if (opts?.cause !== undefined) env.cause = opts.cause;
      this.route(env);
    });
  }

  private envelope(
    frame: FrameKind,
    from: ActorId,
    to: ActorId,
    kind: string,
    body: unknown,
    corr: CorrelationId,
  ): Envelope {
    const id = messageId(this.id, this.nextMessage++);
    const isRequest = frame === FrameKind.Request;
    return { frame, to, from, kind, body, corr, id, cause: this.current, bytes: 0, isRequest };
  }

  private route(env: Envelope): void {
    if (hostOf(env.to) === this.id) {
      this.queue.push(env);
      this.schedule();
    } else if (this.router !== null) {
      env.bytes = this.router.send(env);
    } else {
      this.undeliverable(env);
    }
    if (this.trace !== null) this.emitTrace(env);
  }

  private emitTrace(env: Envelope): void {
    const r = this.traceRec;
    // Reading the clock costs about as much as writing the rest of a record: inside a run batch (a
    // burst from one handler) it is read every 16 messages, so stamps there are a few µs coarse;
    // outside one (a message after a wait), always.
    if (!this.running || (this.traceTick++ & 15) === 0) r.ts = traceNow();
    r.from = env.from;
    r.to = env.to;
    r.kind = env.kind;
    r.frame = env.frame;
    r.bytes = env.bytes;
    r.id = env.id;
    r.cause = env.cause;
    this.trace!(r);
  }

  /** Entry point for frames that arrived on a ring. */
  deliverRemote(env: Envelope): void {
    this.queue.push(env);
    this.schedule();
  }

  // ---- the run loop --------------------------------------------------------------------------

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    queueMicrotask(this.runBatch);
  }

  /** Runs queued deliveries; yields to the event loop after a batch so that I/O and timers run. */
  readonly runBatch = (): void => {
    this.scheduled = false;
    if (this.running) return;
    this.running = true;
    // A batch's first traced message reads the clock: stamps are coarse only within one batch.
    this.traceTick = 0;
    try {
      for (let n = 0; n < RUN_BATCH; n++) {
        const env = this.queue.shift();
        if (env === undefined) return;
        this.dispatch(env);
      }
      if (this.queue.length > 0 && !this.scheduled) {
        this.scheduled = true;
        setImmediate(this.runBatch);
      }
    } finally {
      this.running = false;
    }
  };

  private dispatch(env: Envelope): void {
    this.delivered++;
    if (env.frame === FrameKind.Reply || env.frame === FrameKind.ErrorReply) return this.settle(env);
    const serial = serialOf(env.to);
    if (serial === 0) return this.endpointReceive(env);
    const rec = this.actors.get(serial);
    if (rec === undefined) return this.undeliverable(env);
    if (rec.actor === null) {
      rec.pending!.push(env);
      return;
    }
    this.invoke(rec, env);
  }

  private invoke(rec: ActorRecord, env: Envelope): void {
    const prev = this.current;
    this.current = env.id;
    const msg: Message = env;
    try {
      const result = rec.actor!.receive(msg, rec.ctx);
      if (env.frame === FrameKind.Request) {
        if (isThenable(result)) {
          result.then(
            (v) => this.reply(env, v),
            (e: unknown) => this.fail(rec, env, e),
          );
        } else {
          this.reply(env, result);
        }
      } else if (isThenable(result)) {
        result.then(undefined, (e: unknown) => this.fail(rec, env, e));
      }
    } catch (e) {
      this.fail(rec, env, e);
    } finally {
      this.current = prev;
    }
  }

  // A reply's cause is its request, also when an async handler answers long after its turn ended.
  private reply(req: Envelope, value: unknown): void {
    const env = this.envelope(FrameKind.Reply, req.to, req.from, req.kind, value, req.corr);
    env.cause = req.id;
    this.route(env);
  }

  private replyError(req: Envelope, err: unknown): void {
    const wire: WireError = toWireError(err);
    const env = this.envelope(FrameKind.ErrorReply, req.to, req.from, req.kind, wire, req.corr);
    env.cause = req.id;
    this.route(env);
  }

  /** A handler threw (or its promise rejected). RequestError refuses one request; anything else is a fault. */
  private fail(rec: ActorRecord, env: Envelope, err: unknown): void {
    if (env.frame === FrameKind.Request) this.replyError(env, err);
    if (err instanceof RequestError) return;
    if (!this.actors.has(serialOf(rec.ref.id))) return; // already stopped
    const failure: ActorFailed = { actor: rec.ref.id, name: rec.ref.name, error: toWireError(err) };
    this.stopActor(rec.ref.id);
    this.send(this.endpoint, rec.supervisor, ACTOR_FAILED, failure);
  }

  private settle(env: Envelope): void {
    const p = this.requests.get(env.corr);
    if (p === undefined) return; // timed out already
    this.requests.delete(env.corr);
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (env.frame === FrameKind.Reply) p.resolve(env.body);
    else p.reject(fromWireError(env.body as WireError));
  }

  private undeliverable(env: Envelope): void {
    if (env.frame === FrameKind.Request) {
      this.replyError(env, new NoSuchActorError(formatActorId(env.to), env.kind));
    } else {
      this.deadLetters++;
    }
  }

  // ---- the host endpoint (serial 0) ------------------------------------------------------------

  private endpointReceive(env: Envelope): void {
    const prev = this.current;
    this.current = env.id;
    try {
      const r = this.endpointHandle(env);
      if (env.frame === FrameKind.Request) {
        Promise.resolve(r).then(
          (v) => this.reply(env, v),
          (e: unknown) => this.replyError(env, e),
        );
      }
    } catch (e) {
      if (env.frame === FrameKind.Request) this.replyError(env, e);
    } finally {
      this.current = prev;
    }
  }

  private endpointHandle(env: Envelope): unknown {
    switch (env.kind) {
      case SYS_SPAWN: {
        const req = env.body as SpawnRequest;
        return this.spawnLocal(req.spec, req.supervisor);
      }
      case SYS_STOP:
        this.stopActor(env.body as ActorId);
        return undefined;
      case SYS_SPAWN_DEDICATED: {
        if (this.opts.spawnDedicated === undefined) throw new Error(`host ${this.id} cannot start threads`);
        const req = env.body as SpawnRequest;
        return this.opts.spawnDedicated(req.spec, req.supervisor);
      }
      case SYS_HOST_EMPTY:
        this.opts.onHostEmpty?.(env.body as HostId);
        return undefined;
      case ACTOR_FAILED: {
        const failure = env.body as ActorFailed;
        if (this.opts.onActorFailed !== undefined) this.opts.onActorFailed(failure);
        else if (this.id !== 0) this.send(this.endpoint, actorId(0 as HostId, 0), ACTOR_FAILED, failure);
        return undefined;
      }
      default:
        throw new Error(`host ${this.id}: unknown runtime request "${env.kind}"`);
    }
  }

  // ---- spawning and stopping --------------------------------------------------------------------

  /** Creates an actor on this host. Its id is known at once; messages wait while its module loads. */
  spawnLocal(spec: ActorSpec, supervisor: ActorId): ActorRef {
    if (this.closed) throw new Error(`actor host ${this.id} is shut down`);
    const id = actorId(this.id, this.nextSerial++);
    const ref: ActorRef = { id, name: spec.name ?? `${spec.export}@${formatActorId(id)}` };
    const rec: ActorRecord = {
      ref,
      supervisor,
      children: new Set(),
      ctx: this.makeContext(ref),
      actor: null,
      pending: [],
    };
    this.actors.set(serialOf(id), rec);
    if (this.trace !== null) traceLifecycle({ what: 'actor', actor: id, name: ref.name });
    const parent = hostOf(supervisor) === this.id ? this.actors.get(serialOf(supervisor)) : undefined;
    parent?.children.add(id);
    const key = `${spec.module}#${spec.export}`;
    const factory = this.factories.get(key);
    if (factory !== undefined) this.construct(rec, factory, spec.args);
    else {
      loadActorModule(spec.module)
        .then((mod) => {
          const f = mod[spec.export];
          if (typeof f !== 'function')
            throw new Error(`${spec.module} has no exported factory "${spec.export}"`);
          this.factories.set(key, f as ActorFactory);
          if (this.actors.get(serialOf(id)) === rec) this.construct(rec, f as ActorFactory, spec.args);
        })
        .catch((e: unknown) => this.startFailed(rec, e));
    }
    return ref;
  }

  private construct(rec: ActorRecord, factory: ActorFactory, args: unknown): void {
    try {
      rec.actor = factory(args, rec.ctx);
      rec.actor.started?.(rec.ctx);
    } catch (e) {
      return this.startFailed(rec, e);
    }
    const waiting = rec.pending!;
    rec.pending = null;
    for (const env of waiting) this.queue.push(env);
    if (waiting.length > 0) this.schedule();
  }

  private startFailed(rec: ActorRecord, e: unknown): void {
    const waiting = rec.pending ?? [];
    rec.pending = null;
    for (const env of waiting) if (env.frame === FrameKind.Request) this.replyError(env, e);
    if (!this.actors.has(serialOf(rec.ref.id))) return;
    this.stopActor(rec.ref.id);
    const failure: ActorFailed = { actor: rec.ref.id, name: rec.ref.name, error: toWireError(e) };
    this.send(this.endpoint, rec.supervisor, ACTOR_FAILED, failure);
  }

  /** Stops an actor on this host and, first, everything it supervises (children before parents). */
  stopActor(id: ActorId): void {
    const rec = this.actors.get(serialOf(id));
    if (rec === undefined || hostOf(id) !== this.id) return;
    this.actors.delete(serialOf(id));
    for (const child of rec.children) {
      if (hostOf(child) === this.id) this.stopActor(child);
      else this.send(this.endpoint, actorId(hostOf(child), 0), SYS_STOP, child);
    }
    const parent = hostOf(rec.supervisor) === this.id ? this.actors.get(serialOf(rec.supervisor)) : undefined;
    parent?.children.delete(id);
    try {
      rec.actor?.stopped?.(rec.ctx);
    } catch {
      // A failing cleanup must not stop the others; the actor is gone either way.
    }
    for (const env of rec.pending ?? []) this.undeliverable(env);
    if (this.actors.size === 0) this.opts.onEmpty?.();
  }

  private makeContext(ref: ActorRef): ActorContext {
    const self = ref.id;
    return {
      self: ref,
      host: this.id,
      send: (to, kind, body, opts) => {
        const id = typeof to === 'number' ? to : to.id;
        if (opts === undefined) this.send(self, id, kind, body);
        else this.sendCaused(self, id, kind, body, opts.cause);
      },
      request: <T>(to: ActorRef | ActorId, kind: string, body?: unknown, opts?: RequestOptions) =>
        this.request<T>(self, typeof to === 'number' ? to : to.id, kind, body, opts),
      spawn: (spec: ActorSpec, opts?: { placement?: Placement }) =>
        this.spawnChild(self, spec, opts?.placement),
      stop: (target?: ActorRef | ActorId) => {
        const t = target === undefined ? self : typeof target === 'number' ? target : target.id;
        if (hostOf(t) === this.id) this.stopActor(t);
        else this.send(self, actorId(hostOf(t), 0), SYS_STOP, t);
      },
    };
  }

  private async spawnChild(
    parent: ActorId,
    spec: ActorSpec,
    placement: Placement = 'packed',
  ): Promise<ActorRef> {
    if (placement === 'packed') return this.spawnLocal(spec, parent);
    const ref = await this.request<ActorRef>(parent, actorId(0 as HostId, 0), SYS_SPAWN_DEDICATED, {
      spec,
      supervisor: parent,
    } satisfies SpawnRequest);
    this.actors.get(serialOf(parent))?.children.add(ref.id);
    return ref;
  }

  /** Stops every actor, fails every outstanding request, and clears every timer. */
  shutdown(): void {
    if (this.closed) return;
    for (const serial of [...this.actors.keys()]) this.stopActor(actorId(this.id, serial));
    this.closed = true;
    for (const [corr, p] of this.requests) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      this.requests.delete(corr);
      p.reject(new Error(`actor host ${this.id} shut down before a reply came`));
    }
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
