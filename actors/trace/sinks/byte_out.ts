// Text written straight into byte chunks: what the Chrome JSON sink uses for message events, which are
// most of a trace. Building each event as a JS string (template literals, join, then UTF-8 encoding
// by the stream) cost several times more than writing its bytes: numbers here are integers, and
// names repeat, so both are written from digits and from cached encodings without a string made.

/** Bytes per chunk handed to the file; a chunk is handed over when full or when a batch ends. */
const CHUNK = 1 << 20;
const COMMA = 44;
const NEWLINE = 10;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;

export class ByteOut {
  // Owned by the sink that made it.
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private readonly digits = new Uint8Array(24);

  constructor(private readonly flushChunk: (chunk: Buffer) => void) {}

  /** Makes room for `n` more bytes (n is at most CHUNK). */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  /** Hands what was written to the file; the next bytes go into a fresh chunk. */
  flush(): void {
    if (this.pos === 0) return;
    // The stream keeps the chunk until it is written: hand over a view and start a new one.
    this.flushChunk(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
  }

  /** Bytes known in advance (an encoded name, a fixed piece of JSON). */
  bytes(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) {
      this.flush();
      if (b.length > this.buf.length) return this.flushChunk(Buffer.from(b));
    }
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Any string, as UTF-8. */
  text(s: string): void {
    const max = s.length * 3;
    if (max > CHUNK) {
      this.flush();
      return this.flushChunk(Buffer.from(s, 'utf8'));
    }
    this.ensure(max);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** ",\n" between two JSON array elements. */
  separator(): void {
    this.ensure(2);
    this.buf[this.pos++] = COMMA;
    this.buf[this.pos++] = NEWLINE;
  }

  /** A non-negative integer below 2^53, or a negative one above -2^53. */
  int(v: number): void {
    this.ensure(17);
    const b = this.buf;
    if (v < 0) {
      b[this.pos++] = MINUS;
      v = -v;
    }
    if (v < 10) {
      b[this.pos++] = ZERO + v;
      return;
    }
    const d = this.digits;
    let n = 0;
    // Doubles up to 2^53 divide exactly enough: v % 10 and the floored quotient are exact integers.
    while (v > 0) {
      const q = Math.floor(v / 10);
      d[n++] = ZERO + (v - q * 10);
      v = q;
    }
    while (n > 0) b[this.pos++] = d[--n]!;
  }

  /** thousandths / 1000 as JavaScript prints it: `12.5`, `7`, `-0.031` (microseconds from nanoseconds). */
  milli(thousandths: number): void {
    let v = thousandths;
    if (v < 0) {
      this.ensure(1);
      this.buf[this.pos++] = MINUS;
      v = -v;
    }
    const whole = Math.floor(v / 1000);
    let frac = v - whole * 1000;
    this.int(whole);
    if (frac === 0) return;
    this.ensure(4);
    const b = this.buf;
    b[this.pos++] = DOT;
    let div = 100;
    // Three digits at most, trailing zeros left out.
    while (frac > 0) {
      const q = Math.floor(frac / div);
      b[this.pos++] = ZERO + q;
      frac -= q * div;
      div /= 10;
    }
  }
}
