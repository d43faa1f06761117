// The trace hook every message passes. With tracing off it is one null check per message:
// the host holds `hook` in a field and calls it only when set.
import type { ActorId, MessageId } from './ids.js';
import type { FrameKind } from './envelope.js';

export interface MessageTrace {
  /** Milliseconds since the Unix epoch, with sub-millisecond precision (comparable across threads). */
  ts: number;
  from: ActorId;
  to: ActorId;
  kind: string;
  frame: FrameKind;
  /** Bytes on the ring; 0 for a local delivery, which copies nothing. */
  bytes: number;
  id: MessageId;
  /** The message whose handling sent this one (a reply's cause is its request). */
  cause: MessageId;
}

/**
 * Called for every message while tracing is on. `t` is reused for the next message: a hook that
 * keeps a record must copy it.
 */
export type TraceHook = (t: MessageTrace) => void;

/** performance.now() is per-thread; adding timeOrigin puts every thread on one clock. */
export function traceNow(): number {
  return performance.timeOrigin + performance.now();
}
