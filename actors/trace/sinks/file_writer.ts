// An append-only text file a sink writes without blocking: writes are queued on a Node stream, and
// once more than `maxQueuedBytes` are waiting for the disk the sink is behind: it drops and counts.
// Before that, from a quarter of it, the file says it is `behind`, so that the trace actor can leave
// records in the rings until the disk has caught up.
import { createWriteStream, type WriteStream } from 'node:fs';

export class QueuedFile {
  /** Owned by the sink that made it. */
  private readonly stream: WriteStream;
  private readonly maxQueued: number;
  private failed: Error | null = null;

  constructor(path: string, maxQueuedBytes = 32 << 20) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (e) => (this.failed = e));
    this.maxQueued = maxQueuedBytes;
  }

  /** True when the disk is keeping up (the text was queued); false means the caller should drop. */
  get ready(): boolean {
    return this.failed === null && this.stream.writableLength < this.maxQueued;
  }

  /** Writes are queued past a quarter of the limit, and the file has not failed: wait a little. */
  get behind(): boolean {
    return this.failed === null && this.stream.writableLength >= this.maxQueued >> 2;
  }

  write(text: string | Uint8Array): void {
    if (this.failed === null) this.stream.write(text);
  }

  /** Writes `tail`, flushes, and closes the file; rejects if any write failed. */
  end(tail: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end(tail, () => (this.failed ? reject(this.failed) : resolve()));
      this.stream.once('error', reject);
    });
  }
}
