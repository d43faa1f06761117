// Recording a trace on its own thread: the traced threads only write records into their buffers;
// a recorder thread drains them, encodes Chrome JSON or strace text and writes the files (the
// trace actor, off the hot path). This is what `corral run --trace FILE` and `corral trace start`
// use; a TraceSession on the calling thread is the choice for in-process viewers and tests.
import { Worker } from 'node:worker_threads';
import type { ActorSystem } from '../runtime/system.js';
import type {
  RecorderFormat,
  RecorderReply,
  RecorderRequest,
  RecorderWorkerData,
} from './recorder_protocol.js';
import { startThreadTrace, stopThreadTrace } from './thread_trace.js';
import { createTraceBuffer, DEFAULT_TRACE_RING_BYTES, type TraceBufferEndpoint } from './trace_buffer.js';
import type { TraceStatus } from './trace_session.js';
import type { TraceEvent } from './events.js';

const WORKER_URL = new URL('./recorder_worker.js', import.meta.url);

export interface TraceRecorderOptions {
  system?: ActorSystem;
  ringBytes?: number;
  drainMs?: number;
  /**
   * A file to record into from the first event on. A file added later (addFile) misses what was
   * drained before it, such as the actor names every host records when tracing starts (so its
   * tracks would be unnamed): the recorder drains on a timer whether or not it has a sink.
   */
  file?: { path: string; format: RecorderFormat };
}

export class TraceRecorder {
  // Owned by the thread that started the recorder.
  private readonly worker: Worker;
  private readonly system: ActorSystem | undefined;
  private readonly ringBytes: number;
  private readonly pending = new Map<number, { resolve(r: RecorderReply): void; reject(e: Error): void }>();
  private nextId = 1;
  private stopped: Promise<TraceStatus> | null = null;
  private failure: Error | null = null;

  private constructor(opts: TraceRecorderOptions) {
    this.system = opts.system;
    this.ringBytes = opts.ringBytes ?? DEFAULT_TRACE_RING_BYTES;
    const data: RecorderWorkerData = {
      drainMs: opts.drainMs ?? 10,
      origin: performance.timeOrigin + performance.now(),
    };
    // A larger young generation: the recorder allocates short-lived events and JSON lines at a high
    // rate, and scavenges are what keep that cheap.
    this.worker = new Worker(WORKER_URL, {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: 48 },
    });
    this.worker.on('message', (r: RecorderReply) => {
      const p = this.pending.get(r.id);
      if (p === undefined) return;
      this.pending.delete(r.id);
      if (r.error !== undefined) p.reject(new Error(`trace recorder: ${r.error}`));
      else p.resolve(r);
    });
    const fail = (e: Error): void => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('trace recorder thread ended')));
  }

  /** Starts the recorder thread and traces every host of `system` (or this thread) into it. */
  static async start(opts: TraceRecorderOptions = {}): Promise<TraceRecorder> {
    const r = new TraceRecorder(opts);
    try {
      const make = (host: number): TraceBufferEndpoint => {
        const ep = createTraceBuffer(host, r.ringBytes);
        // postMessage order: the recorder attaches the buffer before it is asked for anything else.
        r.call({ op: 'attach', ep }).catch(() => undefined); // a dead recorder fails the next call
        return ep;
      };
      if (opts.file !== undefined) await r.call({ op: 'file', ...opts.file });
      if (r.system !== undefined) await r.system.traceTo(make);
      else startThreadTrace(make(0));
      await r.call({ op: 'status' });
    } catch (e) {
      await r.worker.terminate();
      throw e;
    }
    return r;
  }

  private call(req: RecorderRequest): Promise<RecorderReply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, req });
    });
  }

  /** Records into `path` too (Chrome JSON or strace text). */
  async addFile(path: string, format: RecorderFormat): Promise<TraceStatus> {
    return (await this.call({ op: 'file', path, format })).status!;
  }

  async status(): Promise<TraceStatus> {
    return (await this.call({ op: 'status' })).status!;
  }

  /** Events since the previous poll (from the first poll on), at most `max`. */
  async poll(max = 50_000): Promise<{ status: TraceStatus; batch: TraceEvent[] }> {
    const r = await this.call({ op: 'poll', max });
    return { status: r.status!, batch: r.batch ?? [] };
  }

  /** Stops tracing, drains what is left, closes the files and ends the recorder thread. */
  stop(): Promise<TraceStatus> {
    this.stopped ??= (async () => {
      if (this.system !== undefined) await this.system.traceTo(null).catch(() => undefined);
      else stopThreadTrace();
      try {
        return (await this.call({ op: 'stop' })).status!;
      } finally {
        this.worker.removeAllListeners('exit');
        await this.worker.terminate();
      }
    })();
    return this.stopped;
  }
}
