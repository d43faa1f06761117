// Anonymous pipes on their own, without a guest: byte order across chunks, EOF and EPIPE, atomic
// writes up to PIPE_BUF, blocking and interrupted reads and writes, poll readiness, and that every
// wait detaches its abort listener once settled.

import test from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { AbortedError } from '../platform/stdio_ends.js';
import { PIPE_BUF, PIPE_CAPACITY, Pipe, PipeClosedError, type PipeReadEnd } from '../platform/pipe.js';
import { xorshift } from './helpers/prng.js';

const never = () => new AbortController().signal;
const listeners = (s: AbortSignal) => getEventListeners(s, 'abort').length;
/** One macrotask turn: every microtask (promise settlement) queued so far has run. No timer. */
const turn = () => new Promise<void>((r) => setImmediate(r));

/** Records how a Promise (or a value given now) settled, so a test can ask without awaiting it. */
function track<T>(p: T | Promise<T>) {
  const t: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown; p: Promise<T> } = {
    state: 'pending',
    p: Promise.resolve(p),
  };
  t.p.then(
    (v) => {
      t.state = 'resolved';
      t.value = v;
    },
    (e: unknown) => {
      t.state = 'rejected';
      t.error = e;
    },
  );
  return t;
}

/** Bytes 0..n-1 of a recognisable stream (not a multiple of any chunk size used here). */
function pattern(n: number, from = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (from + i) % 251;
  return b;
}

const str = (b: Uint8Array) => Buffer.from(b).toString();
const bytes = (s: string) => new Uint8Array(Buffer.from(s));

/** Reads until `n` bytes or EOF, `max` at a time; yields a turn between reads when `slow`. */
async function readAll(r: PipeReadEnd, n: number, max: number | (() => number), slow = false) {
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const b = await r.read(typeof max === 'number' ? max : max(), never());
    if (b.length === 0) break;
    parts.push(b.slice());
    got += b.length;
    if (slow) await turn();
  }
  return Buffer.concat(parts);
}

function assertSame(got: Uint8Array, want: Uint8Array, what: string) {
  assert.equal(got.length, want.length, `${what}: got ${got.length} bytes, want ${want.length}`);
  const i = got.findIndex((b, k) => b !== want[k]);
  assert.equal(i, -1, `${what}: first difference at byte ${i}: got ${got[i]}, want ${want[i]}`);
}

test('bytes come out in order across many chunks, whatever the write and read sizes', async () => {
  const cases = [
    { name: 'small writes, small reads', capacity: PIPE_CAPACITY, total: 50_000, w: 7, r: 13 },
    { name: 'small writes, large reads', capacity: PIPE_CAPACITY, total: 50_000, w: 100, r: 65536 },
    { name: 'large writes, small reads', capacity: PIPE_CAPACITY, total: 300_000, w: 70_000, r: 1000 },
    { name: 'writes of PIPE_BUF', capacity: PIPE_CAPACITY, total: 100_000, w: PIPE_BUF, r: 5000 },
    { name: 'tiny pipe, fills and drains often', capacity: 10, total: 5_000, w: 3, r: 4 },
    { name: 'tiny pipe, writes larger than it', capacity: 10, total: 5_000, w: 25, r: 7 },
    { name: 'random sizes', capacity: 8192, total: 200_000, w: 0, r: 0 },
  ];
  for (const c of cases) {
    const rnd = xorshift(c.total + c.capacity);
    const size = (fixed: number, cap: number) => (fixed > 0 ? fixed : 1 + (rnd() % cap));
    const p = new Pipe(c.capacity);
    const want = pattern(c.total);
    const writer = (async () => {
      for (let off = 0; off < c.total;) {
        const n = Math.min(size(c.w, 9000), c.total - off);
        const wrote = await p.writer.write(want.subarray(off, off + n), never());
        assert.equal(wrote, n, `${c.name}: write at ${off}: got ${wrote}, want ${n}`);
        off += n;
      }
      p.writer.close();
    })();
    const got = await readAll(p.reader, Infinity, () => size(c.r, 9000));
    await writer;
    assertSame(got, want, c.name);
    assert.deepEqual(p.reader.ready(), { bytes: 0, eof: true }, `${c.name}: after the last byte`);
  }
});

test('a read takes at most max bytes and leaves the rest; the caller may reuse its write buffer', async () => {
  const p = new Pipe();
  const buf = bytes('hello, world');
  assert.equal(p.writer.write(buf, never()), 12);
  buf.fill(0); // the pipe holds its own copy
  p.writer.write(bytes('!'), never());
  const steps = [
    { max: 5, want: 'hello', left: 8 },
    { max: 2, want: ', ', left: 6 },
    { max: 0, want: '', left: 6 },
    { max: 100, want: 'world!', left: 0 },
  ];
  for (const s of steps) {
    const got = str(await p.reader.read(s.max, never()));
    assert.equal(got, s.want, `read(${s.max}): got ${JSON.stringify(got)}, want ${JSON.stringify(s.want)}`);
    const left = p.reader.ready().bytes;
    assert.equal(left, s.left, `after read(${s.max}): got ${left} bytes left, want ${s.left}`);
  }
});

test('a read is answered at once when bytes are there, and waits (a Promise) when not', async () => {
  const p = new Pipe();
  p.writer.write(bytes('ab'), never());
  const now = p.reader.read(10, never());
  assert.ok(now instanceof Uint8Array, `got ${String(now)}, want bytes at once`);
  const later = p.reader.read(10, never());
  assert.ok(later instanceof Promise, 'empty pipe: got an answer at once, want a pending read');
  p.writer.write(bytes('cd'), never());
  assert.equal(str(await later), 'cd');
});

test('EOF comes only once the buffer has drained; a waiting read gets EOF when the writer goes', async () => {
  const p = new Pipe();
  p.writer.write(bytes('abcde'), never());
  p.writer.close();
  assert.deepEqual(p.reader.ready(), { bytes: 5, eof: false });
  for (const want of ['abc', 'de', '', '']) {
    const got = str(await p.reader.read(3, never()));
    assert.equal(got, want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  assert.deepEqual(p.reader.ready(), { bytes: 0, eof: true });

  const q = new Pipe();
  const ac = new AbortController();
  const waiting = track(q.reader.read(10, ac.signal));
  await turn();
  assert.equal(waiting.state, 'pending');
  q.writer.close();
  await turn();
  assert.equal(waiting.state, 'resolved', `got ${waiting.state}, want EOF`);
  assert.equal(waiting.value!.length, 0, `got ${waiting.value!.length} bytes, want EOF`);
  assert.equal(listeners(ac.signal), 0, 'abort listeners left behind');
});

test('EPIPE: a write with no reader fails; a blocked writer fails when the reader goes', async () => {
  const p = new Pipe();
  p.reader.close();
  assert.throws(() => p.writer.write(bytes('x'), never()), PipeClosedError);
  assert.equal(
    p.writer.write(new Uint8Array(0), never()),
    0,
    'a zero-length write is 0, even with no reader',
  );
  assert.deepEqual(p.writer.ready().broken, true);

  const cases = [
    { name: 'atomic write, nothing in', fill: PIPE_CAPACITY, size: 100, written: 0 },
    { name: 'large write, part in', fill: 0, size: PIPE_CAPACITY + 5000, written: PIPE_CAPACITY },
  ];
  for (const c of cases) {
    const q = new Pipe();
    if (c.fill > 0) q.writer.write(pattern(c.fill), never());
    const ac = new AbortController();
    const w = track(q.writer.write(pattern(c.size), ac.signal));
    await turn();
    assert.equal(w.state, 'pending', `${c.name}: got ${w.state}, want a blocked write`);
    q.reader.close();
    await turn();
    assert.equal(w.state, 'rejected', `${c.name}: got ${w.state}, want EPIPE`);
    assert.ok(w.error instanceof PipeClosedError, `${c.name}: got ${String(w.error)}, want PipeClosedError`);
    assert.equal(w.error.written, c.written, `${c.name}: got written ${w.error.written}, want ${c.written}`);
    assert.equal(listeners(ac.signal), 0, `${c.name}: abort listeners left behind`);
    assert.deepEqual(q.writer.ready().broken, true);
  }
});

test('writes up to PIPE_BUF never interleave with another writer, even with a slow reader', async () => {
  // Records: [writer, seq lo, seq hi, len lo, len hi, payload...] with the payload all (writer ^ seq).
  const p = new Pipe();
  const rnd = xorshift(7);
  const perWriter = 120;
  const record = (id: number, seq: number, len: number) => {
    const b = new Uint8Array(len).fill((id ^ seq) & 0xff);
    b.set([id, seq & 0xff, seq >> 8, len & 0xff, len >> 8]);
    return b;
  };
  let total = 0;
  const writers = [1, 2].map(async (id) => {
    for (let seq = 0; seq < perWriter; seq++) {
      // Mostly small, sometimes exactly PIPE_BUF: the largest size that must stay whole.
      const len = seq % 10 === 0 ? PIPE_BUF : 5 + (rnd() % 3000);
      total += len;
      const n = await p.writer.write(record(id, seq, len), never());
      assert.equal(n, len, `writer ${id} record ${seq}: got ${n} written, want ${len}`);
    }
  });
  const reading = readAll(p.reader, Infinity, 37, true);
  await Promise.all(writers);
  p.writer.close();
  const stream = await reading;
  assert.equal(stream.length, total, `got ${stream.length} bytes, want ${total}`);
  const next = new Map([
    [1, 0],
    [2, 0],
  ]);
  let interleaved = 0;
  let last = 0;
  for (let off = 0; off < stream.length;) {
    const id = stream[off]!;
    const seq = stream[off + 1]! | (stream[off + 2]! << 8);
    const len = stream[off + 3]! | (stream[off + 4]! << 8);
    assert.equal(seq, next.get(id), `record at ${off}: writer ${id}: got seq ${seq}, want ${next.get(id)}`);
    const body = stream.subarray(off + 5, off + len);
    const bad = body.findIndex((b) => b !== ((id ^ seq) & 0xff));
    assert.equal(
      bad,
      -1,
      `writer ${id} record ${seq}: byte ${bad + 5} got ${body[bad]}, want ${(id ^ seq) & 0xff}`,
    );
    next.set(id, seq + 1);
    if (id !== last) interleaved++;
    last = id;
    off += len;
  }
  assert.deepEqual([...next.values()], [perWriter, perWriter]);
  assert.ok(interleaved > 10, `got ${interleaved} switches between writers, want the two to alternate`);
});

test('a large write blocks until the reader drains it, then resolves with its full length', async () => {
  const p = new Pipe();
  const data = pattern(5 * PIPE_CAPACITY + 123);
  const w = track(p.writer.write(data, never()));
  await turn();
  assert.equal(w.state, 'pending', `got ${w.state}, want a write blocked on a full pipe`);
  assert.deepEqual(p.writer.ready(), { room: 0, broken: false });
  const got = await readAll(p.reader, data.length, 10_000);
  await turn();
  assert.equal(w.state, 'resolved', `got ${w.state}, want the write done once all is read`);
  assert.equal(w.value, data.length, `got ${w.value}, want ${data.length}`);
  assertSame(got, data, 'the large write');
});

test('an aborted read fails with AbortedError and takes nothing; later readers get the bytes', async () => {
  const p = new Pipe();
  const ac = new AbortController();
  const a = track(p.reader.read(10, ac.signal));
  const b = track(p.reader.read(10, never()));
  await turn();
  ac.abort();
  await turn();
  assert.ok(a.error instanceof AbortedError, `got ${a.state} ${String(a.error)}, want AbortedError`);
  assert.equal(listeners(ac.signal), 0, 'abort listeners left behind');
  p.writer.write(bytes('xyz'), never());
  await turn();
  assert.equal(b.state, 'resolved');
  assert.equal(str(b.value!), 'xyz', `got ${JSON.stringify(str(b.value!))}, want "xyz"`);

  // A signal already pending: bytes there are still read (as Linux), an empty pipe gives EINTR.
  const q = new Pipe();
  const gone = AbortSignal.abort();
  await assert.rejects(Promise.resolve(q.reader.read(5, gone)), AbortedError);
  q.writer.write(bytes('ok'), never());
  assert.equal(str(await q.reader.read(5, gone)), 'ok');
});

test('an interrupted write gives the bytes written so far, or AbortedError if there were none', async () => {
  const cases = [
    // A split write: the first 64 KiB went in at once, the rest waits; the count so far is the answer.
    { name: 'large write, part in', fill: 0, size: PIPE_CAPACITY + 1000, want: PIPE_CAPACITY },
    // An atomic write waiting for room puts nothing in.
    { name: 'atomic write, none in', fill: PIPE_CAPACITY - 10, size: 100, want: 0 },
  ];
  for (const c of cases) {
    const p = new Pipe();
    if (c.fill > 0) p.writer.write(pattern(c.fill), never());
    const ac = new AbortController();
    const w = track(p.writer.write(pattern(c.size, 7), ac.signal));
    await turn();
    assert.equal(w.state, 'pending', `${c.name}: got ${w.state}, want a blocked write`);
    ac.abort();
    await turn();
    if (c.want > 0) assert.equal(w.value, c.want, `${c.name}: got ${String(w.value)}, want ${c.want}`);
    else assert.ok(w.error instanceof AbortedError, `${c.name}: got ${w.state}, want AbortedError`);
    assert.equal(listeners(ac.signal), 0, `${c.name}: abort listeners left behind`);
    const inPipe = p.reader.ready().bytes;
    assert.equal(
      inPipe,
      c.fill + c.want,
      `${c.name}: got ${inPipe} bytes in the pipe, want ${c.fill + c.want}`,
    );
    // Nothing more of the write turns up once the reader drains the pipe.
    p.writer.close();
    const rest = await readAll(p.reader, Infinity, 50_000);
    assert.equal(
      rest.length,
      c.fill + c.want,
      `${c.name}: got ${rest.length} bytes read, want ${c.fill + c.want}`,
    );
  }
});

test('waiting writers go in turn: a small write does not overtake an atomic one waiting for room', async () => {
  const p = new Pipe(PIPE_BUF);
  p.writer.write(pattern(PIPE_BUF), never());
  const a = track(p.writer.write(new Uint8Array(PIPE_BUF).fill(1), never()));
  const b = track(p.writer.write(new Uint8Array(10).fill(2), never()));
  const steps = [
    { read: 100, want: ['pending', 'pending'] },
    { read: PIPE_BUF - 100, want: ['resolved', 'pending'] },
    { read: 10, want: ['resolved', 'resolved'] },
  ];
  for (const s of steps) {
    assert.equal((await p.reader.read(s.read, never())).length, s.read);
    await turn();
    assert.deepEqual([a.state, b.state], s.want, `after reading ${s.read}: got ${a.state}/${b.state}`);
  }
  const rest = await p.reader.read(PIPE_BUF, never());
  assert.deepEqual([rest[0], rest[PIPE_BUF - 11], rest[PIPE_BUF - 10], rest[PIPE_BUF - 1]], [1, 1, 2, 2]);
});

test('an interrupted writer at the head of the queue lets the ones behind it in', async () => {
  const p = new Pipe(PIPE_BUF);
  p.writer.write(pattern(PIPE_BUF), never());
  await p.reader.read(100, never());
  const ac = new AbortController();
  const a = track(p.writer.write(new Uint8Array(PIPE_BUF).fill(1), ac.signal));
  const b = track(p.writer.write(new Uint8Array(50).fill(2), never()));
  await turn();
  assert.deepEqual([a.state, b.state], ['pending', 'pending'], 'want both waiting: b is behind a');
  ac.abort();
  await turn();
  assert.deepEqual([a.state, b.state], ['rejected', 'resolved'], `got ${a.state}/${b.state} after a's abort`);
  assert.equal(p.reader.ready().bytes, PIPE_BUF - 50, `got ${p.reader.ready().bytes} bytes buffered`);
});

test('waiting readers are served in turn', async () => {
  const p = new Pipe();
  const rs = [0, 1, 2].map(() => track(p.reader.read(10, never())));
  for (const [i, s] of ['a', 'b', 'c'].entries()) {
    p.writer.write(bytes(s), never());
    await turn();
    const got = rs.map((r) => (r.state === 'resolved' ? str(r.value!) : '-')).join('');
    const want = 'abc'.slice(0, i + 1).padEnd(3, '-');
    assert.equal(got, want, `after writing ${s}: got ${got}, want ${want}`);
  }
});

test('ready(), whenReadable() and whenWritable() follow data, room and the other end', async () => {
  const p = new Pipe();
  assert.deepEqual(p.reader.ready(), { bytes: 0, eof: false });
  assert.deepEqual(p.writer.ready(), { room: PIPE_CAPACITY, broken: false });
  await p.writer.whenWritable(never()); // empty pipe: writable at once

  const ac = new AbortController();
  const readable = track(p.reader.whenReadable(ac.signal));
  await turn();
  assert.equal(readable.state, 'pending', 'empty pipe: want whenReadable pending');
  p.writer.write(bytes('hi'), never());
  await turn();
  assert.equal(readable.state, 'resolved', `after a write: got ${readable.state}, want resolved`);
  assert.deepEqual(p.reader.ready(), { bytes: 2, eof: false });
  await p.reader.read(2, never());

  // Full pipe: writable again once a PIPE_BUF write would not wait (poll's POLLOUT on Linux).
  p.writer.write(pattern(PIPE_CAPACITY), never());
  assert.deepEqual(p.writer.ready(), { room: 0, broken: false });
  const writable = track(p.writer.whenWritable(ac.signal));
  const steps = [
    { read: 100, want: 'pending' },
    { read: PIPE_BUF - 101, want: 'pending' },
    { read: 1, want: 'resolved' },
  ];
  for (const s of steps) {
    await p.reader.read(s.read, never());
    await turn();
    assert.equal(
      writable.state,
      s.want,
      `room ${p.writer.ready().room}: got ${writable.state}, want ${s.want}`,
    );
  }

  // The other end going also wakes them: EOF for the reader, a broken pipe for the writer.
  const q = new Pipe(16);
  q.writer.write(pattern(16), never());
  const w = track(q.writer.whenWritable(ac.signal));
  const r2 = new Pipe();
  const r = track(r2.reader.whenReadable(ac.signal));
  await turn();
  assert.deepEqual([w.state, r.state], ['pending', 'pending']);
  q.reader.close();
  r2.writer.close();
  await turn();
  assert.deepEqual([w.state, r.state], ['resolved', 'resolved'], 'want both woken by the other end closing');
  assert.deepEqual(q.writer.ready().broken, true);
  assert.deepEqual(r2.reader.ready(), { bytes: 0, eof: true });
  assert.equal(listeners(ac.signal), 0, 'abort listeners left behind');
});

test('aborted readiness waits reject with AbortedError and leave no listener', async () => {
  const p = new Pipe(8);
  p.writer.write(pattern(8), never());
  const empty = new Pipe();
  const ac = new AbortController();
  const waits = [track(empty.reader.whenReadable(ac.signal)), track(p.writer.whenWritable(ac.signal))];
  await turn();
  assert.equal(listeners(ac.signal), 2, 'want one listener per wait while waiting');
  ac.abort();
  await turn();
  for (const w of waits) assert.ok(w.error instanceof AbortedError, `got ${w.state}, want AbortedError`);
  assert.equal(listeners(ac.signal), 0, 'abort listeners left behind');
  // A later wake-up finds no stale waiter to settle.
  empty.writer.write(bytes('x'), never());
  await p.reader.read(8, never());
  await turn();
});

test('a signal shared by many completed waits keeps no listeners', async () => {
  const ac = new AbortController();
  const p = new Pipe(64);
  const writing = (async () => {
    for (let i = 0; i < 200; i++) await p.writer.write(pattern(50), ac.signal);
    await p.writer.write(pattern(1000), ac.signal);
    p.writer.close();
  })();
  let n = 0;
  for (;;) {
    await p.reader.whenReadable(ac.signal);
    const b = await p.reader.read(17, ac.signal);
    if (b.length === 0) break;
    n += b.length;
  }
  await writing;
  assert.equal(n, 200 * 50 + 1000);
  assert.equal(listeners(ac.signal), 0, `got ${listeners(ac.signal)} abort listeners, want 0`);
});

test('a pipe needs a positive capacity', () => {
  for (const c of [0, -1, 1.5, NaN]) assert.throws(() => new Pipe(c), RangeError, `capacity ${c}`);
});
