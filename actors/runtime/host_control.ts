// The control-plane interface of a worker host, called over comlink by the ActorSystem.
import type { RingEndpoint } from '../../bridge/ring.js';
import type { ActorSpec } from './actor.js';
import type { ActorId, ActorRef, HostId } from './ids.js';
import type { MessageTrace } from './trace_hook.js';
import type { TraceBufferEndpoint } from '../trace/trace_buffer.js';

export interface HostStats {
  host: HostId;
  actors: number;
  delivered: number;
  deadLetters: number;
  /** Frames this host wrote to rings: a local delivery adds nothing here. */
  framesOut: number;
}

export interface HostControl {
  addProducer(from: HostId): RingEndpoint;
  attachOutgoing(to: HostId, endpoint: RingEndpoint): void;
  detach(peer: HostId): void;
  spawn(spec: ActorSpec, supervisor: ActorId): ActorRef;
  /** Starts (true) or stops (false) buffering this host's message traces. */
  setTracing(on: boolean): void;
  /** Traces this thread's messages, syscalls and lifecycle events into a shared buffer (null: off). */
  traceTo(buffer: TraceBufferEndpoint | null): void;
  /** Takes the buffered traces and the count of those dropped because the buffer was full. */
  takeTrace(): { events: MessageTrace[]; dropped: number };
  stats(): HostStats;
  /** Stops every actor and the inbound loop. The thread is terminated afterwards by the system. */
  shutdown(): void;
}

/** What a worker host is started with. */
export interface HostWorkerData {
  hostId: HostId;
  dedicated: boolean;
  defaultTimeoutMs: number;
}

/** Per-thread trace buffer bound: past it, events are dropped and counted (tracing never blocks). */
export const TRACE_BUFFER_EVENTS = 100_000;
