// The WASI calls a guest can serve on its own thread, with no round trip to the host: args,
// environ, clocks, random bytes and sched_yield. They touch only the guest's memory and the
// process-wide clocks, so they are the same for every strategy.

import { Errno } from './wasi_errno.js';
import { ClockId } from './wasi_types.js';
import type { WasmMemory } from './wasm_api.js';

/** Guest memory views, refreshed when memory.grow replaces the buffer. */
export class GuestMemory {
  private buf: ArrayBuffer | null = null;
  private u8v = new Uint8Array(0);
  private dv = new DataView(new ArrayBuffer(0));
  /** Set once the instance exists (its memory is an export); owned by the guest runner. */
  memory: WasmMemory | null = null;
  /** Told the new size when a call finds the buffer replaced (memory.grow); for usage stats. */
  onResize: ((bytes: number) => void) | null = null;

  private refresh(): void {
    const b = this.memory!.buffer;
    if (b !== this.buf) {
      this.buf = b;
      this.u8v = new Uint8Array(b);
      this.dv = new DataView(b);
      this.onResize?.(b.byteLength);
    }
  }
  get u8(): Uint8Array {
    this.refresh();
    return this.u8v;
  }
  get view(): DataView {
    this.refresh();
    return this.dv;
  }
}

/** A string list (argv or environ) encoded once: NUL-terminated UTF-8, back to back. */
class StringBlock {
  readonly bytes: Uint8Array;
  readonly offsets: number[] = [];
  constructor(items: readonly string[]) {
    const enc = new TextEncoder();
    const parts = items.map((s) => enc.encode(s + '\0'));
    this.bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      this.offsets.push(off);
      this.bytes.set(p, off);
      off += p.length;
    }
  }
}

const RANDOM_CHUNK = 65536; // crypto.getRandomValues fills at most 64 KiB per call

export interface LocalCalls {
  args_sizes_get(argcPtr: number, bufSizePtr: number): number;
  args_get(argvPtr: number, bufPtr: number): number;
  environ_sizes_get(countPtr: number, bufSizePtr: number): number;
  environ_get(envPtr: number, bufPtr: number): number;
  clock_res_get(id: number, resPtr: number): number;
  clock_time_get(id: number, precision: bigint, timePtr: number): number;
  random_get(ptr: number, len: number): number;
  sched_yield(): number;
}

/**
 * Builds the local calls for one process. `cpuTimeNs` gives the process's CPU time (the strategy
 * knows when its guest was running); the process has one thread, so THREAD_CPUTIME is the same.
 */
export function localCalls(
  mem: GuestMemory,
  args: readonly string[],
  env: readonly string[],
  cpuTimeNs: () => bigint,
): LocalCalls {
  const argv = new StringBlock(args);
  const envv = new StringBlock(env);
  const sizes = (b: StringBlock, countPtr: number, sizePtr: number) => {
    const v = mem.view;
    v.setUint32(countPtr, b.offsets.length, true);
    v.setUint32(sizePtr, b.bytes.length, true);
    return Errno.SUCCESS;
  };
  const fill = (b: StringBlock, listPtr: number, bufPtr: number) => {
    mem.u8.set(b.bytes, bufPtr);
    const v = mem.view;
    b.offsets.forEach((off, i) => v.setUint32(listPtr + i * 4, bufPtr + off, true));
    return Errno.SUCCESS;
  };
  return {
    args_sizes_get: (a, b) => sizes(argv, a, b),
    args_get: (a, b) => fill(argv, a, b),
    environ_sizes_get: (a, b) => sizes(envv, a, b),
    environ_get: (a, b) => fill(envv, a, b),
    clock_res_get(id, resPtr) {
      // hrtime is nanosecond-grained; the realtime clock below is built from microseconds.
      const res = id === ClockId.REALTIME ? 1000n : id >= 0 && id <= ClockId.THREAD_CPUTIME ? 1n : undefined;
      if (res === undefined) return Errno.INVAL;
      mem.view.setBigUint64(resPtr, res, true);
      return Errno.SUCCESS;
    },
    clock_time_get(id, _precision, timePtr) {
      let t: bigint;
      if (id === ClockId.MONOTONIC) t = process.hrtime.bigint();
      else if (id === ClockId.REALTIME) {
        t = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
      } else if (id === ClockId.PROCESS_CPUTIME || id === ClockId.THREAD_CPUTIME) t = cpuTimeNs();
      else return Errno.INVAL;
      mem.view.setBigUint64(timePtr, t, true);
      return Errno.SUCCESS;
    },
    random_get(ptr, len) {
      const u8 = mem.u8;
      if (ptr + len > u8.length) return Errno.FAULT;
      // The global, not node:crypto's export: a guest that never asks for random bytes never loads
      // Node's crypto modules (~1-2 ms of every guest thread's start).
      for (let off = 0; off < len; off += RANDOM_CHUNK) {
        globalThis.crypto.getRandomValues(u8.subarray(ptr + off, ptr + Math.min(len, off + RANDOM_CHUNK)));
      }
      return Errno.SUCCESS;
    },
    // One guest per thread: there is no other runnable guest to yield to (sched_yield(2) returns 0).
    sched_yield: () => Errno.SUCCESS,
  };
}
