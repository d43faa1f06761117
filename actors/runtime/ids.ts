// Actor identities. An ActorId packs the host (the thread the actor lives on) and a per-host serial,
// so that routing a message needs no lookup table shared between threads: the host part says which
// ring to use, the serial part which actor on that host.

/** Index of an actor host (a thread) within one ActorSystem. 0 is the thread that made the system. */
export type HostId = number & { readonly __brand: 'HostId' };

/** host * 2^32 + serial: a safe integer, unique for the life of the system (serials are never reused). */
export type ActorId = number & { readonly __brand: 'ActorId' };

/** Correlation id of a request, unique per sending host; 0 means "not a request". */
export type CorrelationId = number & { readonly __brand: 'CorrelationId' };

/** Message id used for causal links in traces: host * 2^32 + per-host counter. 0 means "no cause". */
export type MessageId = number & { readonly __brand: 'MessageId' };

const HOST_SPAN = 2 ** 32;
export const MAX_HOSTS = 2 ** 20; // keeps host * 2^32 + serial below 2^53

export function actorId(host: HostId, serial: number): ActorId {
  return (host * HOST_SPAN + serial) as ActorId;
}

export function hostOf(id: ActorId | MessageId): HostId {
  return Math.floor(id / HOST_SPAN) as HostId;
}

export function serialOf(id: ActorId | MessageId): number {
  return id % HOST_SPAN;
}

export function messageId(host: HostId, serial: number): MessageId {
  return (host * HOST_SPAN + serial) as MessageId;
}

export function formatActorId(id: ActorId): string {
  return `${hostOf(id)}.${serialOf(id)}`;
}

/** The address a message is sent to. Refs are plain data: they can be put inside messages. */
export interface ActorRef {
  readonly id: ActorId;
  /** A name for traces and errors ("loader:sbx1"); not used for routing. */
  readonly name: string;
}
