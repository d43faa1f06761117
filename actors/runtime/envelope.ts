// What travels between actors. Locally an Envelope is passed by reference (no copy, no ring);
// across threads it is encoded into a ring frame by codec.ts.
import type { ActorId, CorrelationId, MessageId } from './ids.js';
import type { WireError } from '../../bridge/errors.js';

/** Frame kinds on a host-to-host ring (the ring's `kind` field). */
export const enum FrameKind {
  /** A one-way message. */
  Send = 1,
  /** A request: the receiver's handler result becomes a Reply with the same correlation id. */
  Request = 2,
  /** A successful reply to a request. */
  Reply = 3,
  /** A failed reply: the body is a WireError, rethrown on the requester's side. */
  ErrorReply = 4,
  /** Runtime-internal messages between hosts (spawn, stop, supervision). */
  System = 5,
}

export interface Envelope {
  frame: FrameKind;
  to: ActorId;
  /** The sender; 0 for messages injected from outside any actor (the system's own calls). */
  from: ActorId;
  /** What the message is ("spawn", "exit", ...). Interned by the caller; compared with ===. */
  kind: string;
  body: unknown;
  /** Non-zero for Request, Reply and ErrorReply. */
  corr: CorrelationId;
  /** This message's id (for traces). */
  id: MessageId;
  /** The message whose handling caused this one to be sent; 0 when none. */
  cause: MessageId;
  /** Encoded size in bytes when the message crossed a ring; 0 for local delivery. */
  bytes: number;
  /** frame === Request, kept as a field so that an Envelope is itself the handler's Message. */
  isRequest: boolean;
}

/** Body of a supervision notice: an actor the receiver supervises has stopped because it threw. */
export interface ActorFailed {
  actor: ActorId;
  name: string;
  error: WireError;
}

export const ACTOR_FAILED = 'actor-failed';
export const ACTOR_STOPPED = 'actor-stopped';
