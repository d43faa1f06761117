// The trace hook every message passes. With tracing off it is one null check per message:
// the host holds `trace` in a field and calls it only when set.
import type { ActorId, MessageId } from './ids.js';
import type { FrameKind } from './envelope.js';

/**
 * What a host's hook is given for each message: the Envelope itself, read in place, so that a traced
 * message allocates nothing. A hook must copy what it keeps (the host reuses nothing, but the body
 * and the envelope belong to the receiver once delivered).
 */
export interface TracedMessage {
  readonly from: ActorId;
  readonly to: ActorId;
  readonly kind: string;
  readonly frame: FrameKind;
  /** Bytes on the ring; 0 for a local delivery, which copies nothing. */
  readonly bytes: number;
  readonly id: MessageId;
  /** The message whose handling sent this one (a reply's cause is its request). */
  readonly cause: MessageId;
}

/** A traced message with the time it was sent: what setTracing() hooks and trace readers see. */
export interface MessageTrace extends TracedMessage {
  /** Milliseconds since the Unix epoch, with sub-millisecond precision (comparable across threads). */
  ts: number;
}

/** ActorSystem.setTracing()'s hook: one MessageTrace per message (a debugging aid; allocates). */
export type TraceHook = (t: MessageTrace) => void;

/** ActorHost.trace: called with the message in place; it takes the time itself if it wants it. */
export type HostTraceHook = (m: TracedMessage) => void;

/**
 * performance.now() is per-thread; adding timeOrigin puts every thread on one clock. timeOrigin is a
 * getter that costs about as much as now() itself here, and it is constant for a thread: read once.
 */
const ORIGIN = performance.timeOrigin;

export function traceNow(): number {
  return ORIGIN + performance.now();
}

/** Wraps a TraceHook (which wants a stamped copy) as a HostTraceHook. */
export function stampingHook(hook: TraceHook): HostTraceHook {
  return (m) =>
    hook({
      ts: traceNow(),
      from: m.from,
      to: m.to,
      kind: m.kind,
      frame: m.frame,
      bytes: m.bytes,
      id: m.id,
      cause: m.cause,
    });
}
