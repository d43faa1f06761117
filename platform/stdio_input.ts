// Input ends for a guest's stdin: fixed bytes, a Node Readable, or a host fd. Streams are opened
// lazily, on first use, so that a guest that never reads stdin does not hold the host's stdin open.

import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { StdioBinding } from './stdio.js';
import { abortable, fdFiletype, streamFiletype, type InputEnd } from './stdio_ends.js';
import { Filetype } from './wasi_types.js';

/** Input from fixed bytes (tests) or nothing (/dev/null). */
class BytesInput implements InputEnd {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}
  ready() {
    return { bytes: this.bytes.length - this.pos, eof: this.pos >= this.bytes.length };
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  read(max: number): Promise<Uint8Array> {
    const out = this.bytes.slice(this.pos, this.pos + max);
    this.pos += out.length;
    return Promise.resolve(out);
  }
  // Like a pipe: not a terminal (a character device would make isatty() true).
  readonly filetype = () => Promise.resolve(Filetype.UNKNOWN);
  close(): void {}
}

/** Input from a Node Readable in paused mode: pulled with read(), so backpressure holds. */
class StreamInput implements InputEnd {
  private held: Buffer | null = null;
  private ended = false;
  private readonly onEnd = () => (this.ended = true);
  constructor(
    private readonly stream: Readable,
    private readonly owned: boolean,
  ) {
    stream.once('end', this.onEnd);
  }
  private pull(): void {
    if (this.held === null || this.held.length === 0) {
      const c = this.stream.read() as Buffer | string | null;
      this.held = c === null ? null : typeof c === 'string' ? Buffer.from(c) : c;
    }
    if (this.held === null && (this.stream.readableEnded || this.stream.destroyed)) this.ended = true;
  }
  ready() {
    this.pull();
    const bytes = this.held?.length ?? 0;
    return { bytes, eof: bytes === 0 && this.ended };
  }
  whenReady(signal: AbortSignal): Promise<void> {
    const r = this.ready();
    if (r.bytes > 0 || r.eof) return Promise.resolve();
    return abortable<void>(signal, (done) => {
      const on = () => {
        const now = this.ready();
        if (now.bytes > 0 || now.eof) done();
      };
      this.stream.on('readable', on);
      this.stream.on('end', on);
      this.stream.on('close', on);
      return () => {
        this.stream.off('readable', on);
        this.stream.off('end', on);
        this.stream.off('close', on);
      };
    });
  }
  async read(max: number, signal: AbortSignal): Promise<Uint8Array> {
    await this.whenReady(signal);
    if (this.held === null || this.held.length === 0) return new Uint8Array(0);
    const out = this.held.subarray(0, max);
    this.held = this.held.subarray(out.length);
    return out;
  }
  readonly filetype = () => streamFiletype(this.stream);
  close(): void {
    this.stream.off('end', this.onEnd);
    if (this.owned) {
      this.stream.destroy();
      return;
    }
    // A shared stream (the host's stdin, a console) outlives this process: bytes pulled but not
    // read go back to it for the next reader.
    if (this.held !== null && this.held.length > 0 && !this.stream.readableEnded)
      this.stream.unshift(this.held);
    this.held = null;
    // process.stdin stops reading its fd when paused, so the engine can exit once idle.
    if (this.stream === process.stdin && this.stream.listenerCount('readable') === 0) this.stream.pause();
  }
}

/** Input from a regular host file: positional async reads, never blocking. */
class FileInput implements InputEnd {
  private pos = 0;
  private eof = false;
  constructor(private readonly fd: number) {}
  ready() {
    // A regular file is always readable (poll(2) says so too); the read reports EOF.
    return { bytes: 1, eof: this.eof };
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  read(max: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const buf = Buffer.alloc(max);
      fs.read(this.fd, buf, 0, max, this.pos, (err, n) => {
        if (err) return reject(err);
        this.pos += n;
        if (n === 0) this.eof = true;
        resolve(buf.subarray(0, n));
      });
    });
  }
  readonly filetype = () => fdFiletype(this.fd);
  close(): void {}
}

/** Builds the input end for a stdin binding. */
export function openInput(b: StdioBinding | undefined): InputEnd {
  if (b === null || b === undefined) return new BytesInput(new Uint8Array(0));
  if ('input' in b) return new BytesInput(typeof b.input === 'string' ? Buffer.from(b.input) : b.input);
  if ('stream' in b) return new StreamInput(b.stream as Readable, false);
  if ('sink' in b) return new BytesInput(new Uint8Array(0));
  return new LazyFdInput(b.fd);
}

/**
 * A host fd as stdin, opened on first use: a regular file is read positionally; anything else
 * (TTY, pipe, socket) through a stream. fd 0 uses process.stdin, which Node already manages.
 */
class LazyFdInput implements InputEnd {
  private inner: InputEnd | null = null;
  private kind: Promise<Filetype> | null = null;
  constructor(private readonly fd: number) {}
  private get(): InputEnd {
    if (this.inner) return this.inner;
    const st = fs.fstatSync(this.fd); // fstat of an open fd never blocks on I/O
    if (st.isFile()) this.inner = new FileInput(this.fd);
    else if (this.fd === 0) this.inner = new StreamInput(process.stdin, false);
    else this.inner = new StreamInput(fs.createReadStream('', { fd: this.fd, autoClose: false }), true);
    return this.inner;
  }
  ready() {
    return this.get().ready();
  }
  whenReady(signal: AbortSignal): Promise<void> {
    return this.get().whenReady(signal);
  }
  read(max: number, signal: AbortSignal): Promise<Uint8Array> {
    return this.get().read(max, signal);
  }
  readonly filetype = () => (this.kind ??= fdFiletype(this.fd));
  close(): void {
    this.inner?.close();
  }
}
