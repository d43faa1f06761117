// Every shared-memory slot of Corral's rings, named in one place.
//
// A ring is one SharedArrayBuffer: a 256-byte control block of Int32 words, then a data region whose
// size is a power of two. Words are grouped by writer on separate 64-byte cache lines, so that the
// producer's stores to `HEAD` do not keep invalidating the line the consumer writes `TAIL` on (the
// Linux counterpart is the split producer/consumer pages of io_uring's SQ/CQ rings).
//
// A doorbell is the pair of words a sleeping consumer waits on. A standalone ring carries its own
// doorbell inside its control block; the rings of an Inbox share one small doorbell SharedArrayBuffer,
// so that one `Atomics.wait` covers every producer (a futex can watch only one address).
//
// Frames in the data region (SPSC ring, bridge/ring.ts), each starting 8-byte aligned:
//   word 0: payload length in bytes (u32), or FRAME_PAD: "skip to the start of the data region"
//   word 1: kind (u32, the caller's message tag)
//   then the payload, then zero to seven bytes of alignment padding.
// A frame is never split across the end of the region: when it does not fit before the end, the
// producer writes a FRAME_PAD header there and puts the frame at offset 0. Payloads are therefore
// always contiguous, which is what lets `drain` hand out a view into the ring instead of a copy.

/** Bytes of the control block in front of the data region (four 64-byte cache lines). */
export const CONTROL_BYTES = 256;

/** Word indices (Int32Array over the ring's SharedArrayBuffer) of the control block. */
export const Slot = {
  // Line 0: immutable after `Ring.create`; written once by the creator before the buffer is shared.
  /** RING_MAGIC, so that `Ring.attach` rejects a buffer that is not a ring. */
  MAGIC: 0,
  /** Data region size in bytes (a power of two). */
  CAPACITY: 1,
  /** Largest payload a frame may carry, in bytes (at most capacity / 2 - FRAME_HEADER_BYTES). */
  MAX_MESSAGE: 2,
  /** RingFlags bits. */
  FLAGS: 3,

  // Line 1 (byte 64): owned by the producer.
  /** Bytes ever published (u32 counter, wraps at 2^32). Written by the producer only, with Atomics.store. */
  HEAD: 16,
  /** 1 while the producer is (about to be) blocked waiting for space. Set by the producer; cleared
   *  by the consumer with Atomics.exchange when it frees space, which tells it to notify TAIL. */
  SPACE_WAITING: 17,

  // Line 2 (byte 128): owned by the consumer.
  /** Bytes ever released (u32 counter). Written by the consumer only, with Atomics.store. A producer
   *  blocked for space waits on this word, so a release that changes it can never be missed. */
  TAIL: 32,

  // Line 3 (byte 192): the ring's own doorbell, used only when RingFlags.EXTERNAL_DOORBELL is clear.
  /** Doorbell epoch: bumped by a producer that wakes the consumer; the consumer waits on it. */
  BELL_SEQ: 48,
  /** 1 while the consumer is (about to be) asleep. Set by the consumer; a producer that finds it set
   *  claims the wake-up with Atomics.compareExchange(1 -> 0), so one burst rings once. */
  BELL_SLEEPING: 49,
} as const;

/** Bits of Slot.FLAGS. */
export const RingFlags = {
  /** The doorbell is a separate SharedArrayBuffer (an Inbox's); attaching without it is an error. */
  EXTERNAL_DOORBELL: 1,
} as const;

/** Word indices in an Inbox's doorbell SharedArrayBuffer (same roles as BELL_SEQ / BELL_SLEEPING). */
export const DoorbellSlot = {
  SEQ: 0,
  SLEEPING: 1,
} as const;
/** Size of an Inbox's doorbell SharedArrayBuffer: one cache line. */
export const DOORBELL_BYTES = 64;

/** 'CRNG' — identifies an SPSC ring buffer. */
export const RING_MAGIC = 0x43524e47;
/** Frame header size; also the alignment of every frame. */
export const FRAME_HEADER_BYTES = 8;
/** Frame header word 0 value meaning "padding up to the end of the data region". */
export const FRAME_PAD = 0xffffffff;

// The MPSC prototype (bridge/ring_mpsc.ts, measured against SPSC-per-producer and not used by the
// runtime). Same control block size; producers share RESERVE and commit each frame by storing its
// header word last; the consumer zeroes headers it has read so a stale one is never taken for new.
//   frame word 0: 0 = not yet committed; payload length + 1 = committed message; -1 = padding
//   frame word 1: kind
export const MpscSlot = {
  MAGIC: 0,
  CAPACITY: 1,
  MAX_MESSAGE: 2,
  /** Bytes ever reserved (u32): producers claim space with Atomics.compareExchange on it. */
  RESERVE: 16,
  /** Number of producers blocked for space; the consumer notifies TAIL when it is non-zero. */
  SPACE_WAITERS: 17,
  /** Bytes ever released (u32), consumer-owned. */
  TAIL: 32,
  BELL_SEQ: 48,
  BELL_SLEEPING: 49,
} as const;
/** 'CMPS' — identifies an MPSC prototype ring. */
export const MPSC_MAGIC = 0x434d5053;
export const MPSC_FRAME_PAD = -1;

/** Rounds a payload length up to the frame size it occupies. */
export function frameBytes(payloadBytes: number): number {
  return (FRAME_HEADER_BYTES + payloadBytes + 7) & ~7;
}
