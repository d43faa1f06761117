// Where a guest's stdin/stdout/stderr go on the host: a host fd, a Node stream, or memory (tests).
// The ends built from these bindings are in stdio_input.ts and stdio_output.ts; every operation
// on them is asynchronous, nothing blocks the host thread (DESIGN.md rule 3).

import type { Readable, Writable } from 'node:stream';

/** A binding for one stdio fd. `null` is /dev/null (reads hit EOF, writes are discarded). */
export type StdioBinding =
  | null
  | { readonly fd: number }
  | { readonly stream: Readable | Writable }
  | { readonly input: Uint8Array | string }
  | { readonly sink: MemorySink };

export interface StdioBindings {
  readonly stdin?: StdioBinding;
  readonly stdout?: StdioBinding;
  readonly stderr?: StdioBinding;
}

/** Collects a guest's output in memory (tests, `corral do` captures). Owned by whoever made it. */
export class MemorySink {
  /** Appended to by the guest's writes, in order. */
  readonly chunks: Uint8Array[] = [];
  get length(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
}
