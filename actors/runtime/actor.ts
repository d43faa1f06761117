// What an actor is, and what it can do while it handles a message.
import type { ActorId, ActorRef, HostId, MessageId } from './ids.js';

/** A message as its handler sees it. Treat it as immutable: locally it is shared, not copied. */
export interface Message<B = unknown> {
  readonly kind: string;
  readonly body: B;
  readonly from: ActorId;
  readonly id: MessageId;
  /** True when the sender awaits a reply: the handler's return value (or thrown error) is the reply. */
  readonly isRequest: boolean;
}

/**
 * An actor's behaviour. Handlers run one message at a time, to completion, in mailbox order.
 * A handler may return a promise: that only defers the reply to a request; the next message is
 * handled at once (state read after an `await` must be checked again). Throwing a RequestError
 * refuses one request and keeps the actor; throwing anything else is a fault: the actor is stopped
 * and its supervisor gets an `actor-failed` message.
 */
export interface Actor {
  started?(ctx: ActorContext): void;
  receive(msg: Message, ctx: ActorContext): unknown;
  stopped?(ctx: ActorContext): void;
}

/** Where an actor's code lives: a module that workers can import, and the factory it exports. */
export interface ActorSpec {
  /** An absolute file: URL of compiled JavaScript (workers load no TypeScript). */
  module: string;
  /** Name of the exported factory `(args, ctx) => Actor`. */
  export: string;
  /** Structured-cloneable arguments for the factory. */
  args?: unknown;
  /** For traces and error messages. */
  name?: string;
}

export type Placement = 'packed' | 'dedicated';

export interface RequestOptions {
  /** Milliseconds before the request fails with ETIMEDOUT; default 30,000; 0 waits forever. */
  timeoutMs?: number;
  /**
   * The message this request follows from, for traces. The runtime knows it only while a handler
   * runs synchronously; a handler that awaited first passes its message's id here.
   */
  cause?: MessageId;
}

export type ActorFactory = (args: unknown, ctx: ActorContext) => Actor;

export interface ActorContext {
  readonly self: ActorRef;
  readonly host: HostId;
  /** `opts.cause`: as RequestOptions.cause, for a send made after an await. */
  send(to: ActorRef | ActorId, kind: string, body?: unknown, opts?: { cause?: MessageId }): void;
  request<T = unknown>(
    to: ActorRef | ActorId,
    kind: string,
    body?: unknown,
    opts?: RequestOptions,
  ): Promise<T>;
  /** Starts a child supervised by this actor. Packed children live on this actor's thread. */
  spawn(spec: ActorSpec, opts?: { placement?: Placement }): Promise<ActorRef>;
  /** Stops this actor (no argument) or one of the actors it supervises. */
  stop(target?: ActorRef | ActorId): void;
}

/** An expected, per-request failure: the caller gets the error; the actor keeps running. */
export class RequestError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
  }
}

/** A request that got no reply in time. */
export class RequestTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(kind: string, to: string, ms: number) {
    super(`request "${kind}" to actor ${to} got no reply within ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** The addressee does not exist (never did, or has stopped). */
export class NoSuchActorError extends Error {
  readonly code = 'ESRCH';
  constructor(to: string, kind: string) {
    super(`no actor ${to} to receive "${kind}"`);
    this.name = 'NoSuchActorError';
  }
}
