// Reads of regular files through the gofer, served from data read ahead when it holds the answer.
// Every gofer call out of process is a round trip to another process (two wake-ups, ~20-100 µs
// here), so a small file is read with its open (Access.AHEAD: open + read + read-to-EOF + close is
// one round trip), and a sequential reader gets a window that doubles up to MAX_WINDOW (1 MiB read
// in 64 KiB calls: 3 round trips, not 16).
//
// Coherence. Data read ahead is valid while the connection's generation has not moved: no call
// that may change a file was sent through it since (GoferConnection.generation), so a process sees
// its container's own writes at once. A host process or another sandbox writing the same file
// between the read ahead and the guest's read is not seen: the close-to-open consistency of NFS,
// or of runsc's exclusive file access mode, which this assumes of a container's files.

import { fail, ok, type SyscallResult, type SyscallReturn } from '../../platform/syscalls.js';
import type { GoferConnection } from './connection.js';
import { OPEN_AHEAD, type Res } from './protocol.js';

export interface ReadAhead {
  /** File offset of data[0]. */
  readonly at: bigint;
  readonly data: Uint8Array;
  /** The file ended within data. */
  readonly eof: boolean;
  /** The connection's generation when it was read. */
  readonly gen: number;
  /** Offset just past the guest's last read: a read starting here is sequential. */
  readonly next: bigint;
  /** Bytes asked for the last time: sequential reads double it, up to MAX_WINDOW. */
  readonly window: number;
}

/** The part of a file description this module reads and updates (FileDesc). */
export interface AheadDesc {
  readonly fid: number;
  pos: bigint;
  ahead?: ReadAhead;
}

/** The largest read ahead of a sequential reader (one gofer round trip per MiB). */
const MAX_WINDOW = 1 << 20;

/** What an open with Access.AHEAD brought back (`gen`: the generation when it was sent). */
export function openedAhead(data: Uint8Array, gen: number): ReadAhead {
  return { at: 0n, data, eof: data.length < OPEN_AHEAD, gen, next: 0n, window: OPEN_AHEAD };
}

/** fd_read of a regular file at d.pos. */
export function readFile(gofer: GoferConnection, d: AheadDesc, maxBytes: number): SyscallReturn<Uint8Array> {
  const at = d.pos;
  const c = d.ahead;
  if (c !== undefined && c.gen === gofer.generation && at >= c.at && at <= c.at + BigInt(c.data.length)) {
    const o = Number(at - c.at);
    const avail = c.data.length - o;
    // Served only whole (or up to the end of the file): a short read of a file misleads programs.
    if (avail >= maxBytes || c.eof) {
      const out = c.data.subarray(o, o + Math.min(avail, maxBytes));
      d.pos = at + BigInt(out.length);
      d.ahead = { ...c, next: d.pos };
      return ok(out);
    }
  }
  const sequential = c !== undefined && at === c.next;
  const len = sequential ? Math.min(Math.max(2 * c.window, 4 * maxBytes), MAX_WINDOW) : maxBytes;
  const gen = gofer.generation;
  d.ahead = undefined;
  const r = gofer.call({ op: 'read', fid: d.fid, offset: at, len });
  const done = (res: Res<'read'>): SyscallResult<Uint8Array> => {
    if (res.errno !== 0) return fail(res.errno);
    const data = res.data;
    const out = data.subarray(0, maxBytes);
    d.pos = at + BigInt(out.length);
    d.ahead = { at, data, eof: data.length < len, gen, next: d.pos, window: len };
    return ok(out);
  };
  return r instanceof Promise ? r.then(done) : done(r);
}
