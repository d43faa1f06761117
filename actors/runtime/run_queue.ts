// A host's queue of local deliveries: a growable circular array, so that push and shift are O(1)
// and a steady stream of messages allocates nothing.
import type { Envelope } from './envelope.js';

export class RunQueue {
  // Owned by the host's thread; nothing else touches it.
  private buf: (Envelope | undefined)[] = new Array(256);
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(e: Envelope): void {
    if (this.tail - this.head === this.buf.length) this.grow();
    this.buf[this.tail & (this.buf.length - 1)] = e;
    this.tail++;
  }

  shift(): Envelope | undefined {
    if (this.head === this.tail) return undefined;
    const i = this.head & (this.buf.length - 1);
    const e = this.buf[i];
    this.buf[i] = undefined;
    this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
    return e;
  }

  private grow(): void {
    const n = this.buf.length;
    const next: (Envelope | undefined)[] = new Array(n * 2);
    for (let k = 0; k < n; k++) next[k] = this.buf[(this.head + k) & (n - 1)];
    this.buf = next;
    this.tail = n;
    this.head = 0;
  }
}
