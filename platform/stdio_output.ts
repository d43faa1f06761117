// Output ends for a guest's stdout/stderr: discard, memory, a Node Writable, or a host fd. A write
// resolves only once the bytes were handed on, so the guest feels the backpressure write(2) gives.

import * as fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { MemorySink, StdioBinding } from './stdio.js';
import { fdFiletype, streamFiletype, type OutputEnd } from './stdio_ends.js';
import { errnoFromHostCode } from './wasi_errno.js';
import { fail, ok, type SyscallResult } from './syscalls.js';
import { Filetype } from './wasi_types.js';

class DiscardOutput implements OutputEnd {
  write(data: Uint8Array): Promise<SyscallResult<number>> {
    return Promise.resolve(ok(data.length));
  }
  // /dev/null is a character device, but not a terminal: UNKNOWN keeps isatty() false.
  readonly filetype = () => Promise.resolve(Filetype.UNKNOWN);
  close(): void {}
}

class SinkOutput implements OutputEnd {
  constructor(private readonly sink: MemorySink) {}
  write(data: Uint8Array): Promise<SyscallResult<number>> {
    this.sink.chunks.push(data);
    return Promise.resolve(ok(data.length));
  }
  readonly filetype = () => Promise.resolve(Filetype.UNKNOWN);
  close(): void {}
}

class StreamOutput implements OutputEnd {
  constructor(private readonly stream: Writable) {}
  write(data: Uint8Array): Promise<SyscallResult<number>> {
    return new Promise((resolve) => {
      if (this.stream.destroyed || this.stream.writableEnded) {
        resolve(fail(errnoFromHostCode('EPIPE')));
        return;
      }
      // The callback fires once the stream has handed the bytes on: the guest stays blocked until
      // then, which is the pipe backpressure write(2) gives.
      this.stream.write(data, (err) =>
        resolve(err ? fail(errnoFromHostCode((err as { code?: string }).code)) : ok(data.length)),
      );
    });
  }
  readonly filetype = () => streamFiletype(this.stream);
  close(): void {}
}

class FdOutput implements OutputEnd {
  constructor(private readonly fd: number) {}
  write(data: Uint8Array): Promise<SyscallResult<number>> {
    return new Promise((resolve) => {
      let off = 0;
      let delay = 0;
      const step = () => {
        fs.write(this.fd, data, off, data.length - off, null, (err, n) => {
          if (err) {
            // A host fd in non-blocking mode (Node sets pipes so) answers EAGAIN when full: retry
            // later instead of blocking, backing off up to 10 ms.
            if (err.code === 'EAGAIN') {
              delay = Math.min(10, delay + 1);
              setTimeout(step, delay);
              return;
            }
            // Like write(2): bytes already written are reported; the error shows on the next call.
            resolve(off > 0 ? ok(off) : fail(errnoFromHostCode(err.code)));
            return;
          }
          off += n;
          if (off < data.length) step();
          else resolve(ok(off));
        });
      };
      step();
    });
  }
  readonly filetype = () => fdFiletype(this.fd);
  close(): void {}
}

/** Builds the output end for a stdout/stderr binding. */
export function openOutput(b: StdioBinding | undefined): OutputEnd {
  if (b === null || b === undefined) return new DiscardOutput();
  if ('sink' in b) return new SinkOutput(b.sink);
  if ('stream' in b) return new StreamOutput(b.stream as Writable);
  if ('input' in b) return new DiscardOutput();
  return new FdOutput(b.fd);
}
