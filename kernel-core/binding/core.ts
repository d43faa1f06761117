// One wasm instance of the kernel core, hosting many kernels (one per sandbox): a wasm memory
// costs ≥ 64 KiB and ~10 GiB of reserved address space, an idle sandbox's kernel a few KiB.
// Loaded synchronously so that it can be created inside an actor's constructor.
import { readFileSync } from 'node:fs';
import { Fault, KernelFault } from './errno.js';
import type { KernelId, NsId } from './ids.js';
import { Kernel } from './kernel.js';
import { Op } from './ops.js';

/** build/kernel_core.wasm, from dist/kernel-core/binding/ (compiled) up to the repo root. */
const WASM_URL = new URL('../../../build/kernel_core.wasm', import.meta.url);

// lib ES2023 without DOM has no WebAssembly declarations; declaring the global would clash with
// other folders, so this module reaches it through a local view of just what it uses.
/** An opaque compiled module (WebAssembly.Module). */
export interface KernelModule {
  readonly __kernelModule?: never;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => KernelModule;
  Instance: new (m: KernelModule, imports: object) => { exports: Record<string, unknown> };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let cachedModule: KernelModule | undefined;

/** The compiled module, shared by every KernelCore of the thread (compiling is the slow part). */
export function kernelModule(): KernelModule {
  cachedModule ??= new Wasm.Module(readFileSync(WASM_URL));
  return cachedModule;
}

interface Exports {
  memory: { readonly buffer: ArrayBuffer };
  corral_io(): number;
  corral_io_words(): number;
  corral_dispatch(len: number): number;
}

export interface KernelOptions {
  /** /proc/sys/kernel/pid_max (default 32768). */
  pidMax?: number;
  /** The sandbox's pids.max; 0 or absent = unlimited. */
  pidsLimit?: number;
}

export interface CoreStats {
  liveBytes: number;
  liveAllocs: number;
  kernels: number;
}

/**
 * A kernel-core wasm instance. Owned by one actor (the Loader, or a worker hosting several
 * Loaders); not thread-safe, calls are serialised by the owner's mailbox.
 */
export class KernelCore {
  /** The instance's exports; immutable after construction. */
  private readonly ex: Exports;
  /** Word index of the I/O buffer in `io`; immutable (the buffer is a static in wasm memory). */
  readonly base: number;
  /** Size of the I/O buffer in words; immutable. */
  readonly ioWords: number;
  /** A view over the whole memory, replaced when memory grows (growth detaches the old one). */
  io: Int32Array;

  constructor(module: KernelModule = kernelModule()) {
    const inst = new Wasm.Instance(module, {});
    this.ex = inst.exports as unknown as Exports;
    this.base = this.ex.corral_io() >>> 2;
    this.ioWords = this.ex.corral_io_words();
    this.io = new Int32Array(this.ex.memory.buffer);
  }

  /**
   * Runs the `len`-word operation already written at io[base..]; returns the status word and
   * leaves the result at io[base..]. Throws KernelFault for a host fault.
   */
  dispatch(len: number): number {
    this.ex.corral_dispatch(len);
    // A grown memory detaches the old view (its length drops to 0): refresh it only then.
    if (this.io.length === 0) this.io = new Int32Array(this.ex.memory.buffer);
    const st = this.io[this.base]!;
    if (st < 0) throw new KernelFault(st as Fault, this.lastOp);
    return st;
  }

  /** The op of the last call, for fault messages (set by callers via `begin`). */
  private lastOp = 0;

  /** Writes the op header and returns the word index to write arguments at. */
  begin(op: number, kernel: number): number {
    const io = this.io;
    const b = this.base;
    io[b] = op;
    io[b + 1] = kernel;
    this.lastOp = op;
    return b + 2;
  }

  /** Sends raw words (tests, fuzzing): returns the result words; faults are returned, not thrown. */
  raw(words: ArrayLike<number>): Int32Array {
    if (words.length > this.ioWords) throw new RangeError('operation longer than the I/O buffer');
    this.io.set(words, this.base);
    const n = this.ex.corral_dispatch(words.length);
    if (this.io.length === 0) this.io = new Int32Array(this.ex.memory.buffer);
    return this.io.slice(this.base, this.base + n);
  }

  /** Creates a kernel (a sandbox's process state). */
  createKernel(opts: KernelOptions = {}): Kernel {
    const i = this.begin(Op.CREATE_KERNEL, 0);
    this.io[i] = opts.pidMax ?? 0;
    this.io[i + 1] = opts.pidsLimit ?? 0;
    this.dispatch(4);
    const id = this.io[this.base + 2]! as KernelId;
    const root = this.io[this.base + 3]! as NsId;
    return new Kernel(this, id, root);
  }

  /** Allocator counters of the instance and the number of live kernels (leak checks). */
  stats(): CoreStats {
    this.begin(Op.STATS, 0);
    this.dispatch(2);
    const b = this.base;
    return { liveBytes: this.io[b + 2]!, liveAllocs: this.io[b + 3]!, kernels: this.io[b + 4]! };
  }

  /** Linear memory size in bytes. */
  memoryBytes(): number {
    return this.ex.memory.buffer.byteLength;
  }
}
