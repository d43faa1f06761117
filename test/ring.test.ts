// The SPSC ring and the Inbox on one thread or two: wrap-around, full rings and back-pressure,
// size limits, zero-length payloads, attaching from another thread. The multi-producer stress run
// is in test/ring-stress.test.ts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Ring, RingTimeoutError } from '../bridge/ring.js';
import { Inbox } from '../bridge/inbox.js';
import { MpscRing } from '../bridge/ring_mpsc.js';
import { CONTROL_BYTES, Slot, frameBytes } from '../bridge/ring_layout.js';
import type { ProducerJob } from './helpers/ring_producer_worker.js';

const WORKER = new URL('./helpers/ring_producer_worker.js', import.meta.url);

function pattern(size: number, salt: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + salt) & 0xff;
  return b;
}

function drainAll(ring: Ring | Inbox): { kind: number; bytes: Uint8Array }[] {
  const out: { kind: number; bytes: Uint8Array }[] = [];
  ring.drain((kind, payload) => out.push({ kind, bytes: payload.slice() }));
  return out;
}

/** Polls `cond` (an Atomics.load of a shared word, say) until it holds or the deadline passes. */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('wrap-around: every start offset × every message size, contents intact', () => {
  const capacity = 256;
  const probe = Ring.create(capacity);
  const max = probe.maxMessageBytes;
  assert.equal(max, capacity / 2 - 8);
  for (let start = 0; start < capacity; start += 8) {
    for (let size = 0; size <= max; size++) {
      const ring = Ring.create(capacity);
      // Move both indices to `start` with one frame of exactly that many bytes.
      if (start > 0) {
        if (start <= max + 8) assert.ok(ring.tryWrite(1, new Uint8Array(start - 8)));
        else {
          assert.ok(ring.tryWrite(1, new Uint8Array(start - 8 - max - 8)));
          assert.ok(ring.tryWrite(1, new Uint8Array(max)));
        }
        drainAll(ring);
      }
      // Two messages back to back, so the second one straddles the end for many (start, size).
      const a = pattern(size, start);
      const b = pattern(max - size, size);
      assert.ok(ring.tryWrite(100 + size, a), `write a at ${start}/${size}`);
      const second = ring.tryWrite(200 + size, b);
      const got = drainAll(ring);
      assert.deepEqual(got[0], { kind: 100 + size, bytes: a });
      if (second) assert.deepEqual(got[1], { kind: 200 + size, bytes: b });
      assert.equal(got.length, second ? 2 : 1);
      assert.ok(ring.isEmpty());
    }
  }
});

test('random interleaving of writes and partial drains matches a queue model', () => {
  const ring = Ring.create(1024);
  const model: { kind: number; bytes: Uint8Array }[] = [];
  let x = 12345;
  const rnd = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  let written = 0;
  let refused = 0;
  for (let op = 0; op < 100_000; op++) {
    if (rnd(3) !== 0) {
      const bytes = pattern(rnd(ring.maxMessageBytes + 1), op);
      if (ring.tryWrite(op & 0xffff, bytes)) {
        model.push({ kind: op & 0xffff, bytes });
        written++;
      } else refused++;
    } else {
      const max = 1 + rnd(4);
      ring.drain((kind, payload) => {
        const want = model.shift()!;
        assert.equal(kind, want.kind);
        assert.deepEqual(payload, want.bytes);
      }, max);
    }
  }
  drainAll(ring).forEach((m) => assert.deepEqual(m, model.shift()));
  assert.equal(model.length, 0);
  assert.ok(
    written > 10_000 && refused > 1000,
    `exercised both paths (${written} written, ${refused} refused)`,
  );
});

test('u32 counters wrap past 2^32 without losing a message', () => {
  const ring = Ring.create(512);
  // Start both counters just below 2^32 (as if 4 GiB had already gone through), then attach.
  const words = new Int32Array(ring.sab);
  // Plain stores: no other object or thread uses the ring yet.
  words[Slot.HEAD] = -64;
  words[Slot.TAIL] = -64;
  const producer = Ring.attach(ring.sab);
  const consumer = Ring.attach(ring.sab);
  for (let i = 0; i < 200; i++) {
    const bytes = pattern(i % 90, i);
    assert.ok(producer.tryWrite(i, bytes));
    assert.deepEqual(drainAll(consumer), [{ kind: i, bytes }]);
  }
  // Same thread, so any load would do; Atomics.load because HEAD is a shared slot.
  assert.ok(Atomics.load(words, Slot.HEAD) > 0, 'HEAD went past 2^32');
});

test('full ring: tryWrite refuses without overwriting; space comes back after a drain', () => {
  const ring = Ring.create(256);
  const sent: Uint8Array[] = [];
  for (let i = 0; ; i++) {
    const bytes = pattern(20, i);
    if (!ring.tryWrite(i, bytes)) break;
    sent.push(bytes);
  }
  assert.equal(sent.length, Math.floor(256 / frameBytes(20)));
  assert.equal(ring.tryWrite(99, pattern(20, 99)), false);
  assert.equal(
    ring.tryWriteWith(99, 0, () => assert.fail('fill must not run on a full ring')),
    false,
  );
  const got = drainAll(ring);
  assert.deepEqual(
    got.map((m) => m.bytes),
    sent,
  );
  assert.ok(ring.tryWrite(99, pattern(20, 99)));
  assert.deepEqual(drainAll(ring), [{ kind: 99, bytes: pattern(20, 99) }]);
});

test('a fill that throws publishes nothing', () => {
  const ring = Ring.create(256);
  assert.throws(
    () =>
      ring.tryWriteWith(1, 10, () => {
        throw new Error('encoder failed');
      }),
    /encoder failed/,
  );
  assert.ok(ring.isEmpty());
  assert.ok(ring.tryWriteWith(2, 3, (b, o) => b.set([1, 2, 3], o)));
  assert.deepEqual(drainAll(ring), [{ kind: 2, bytes: Uint8Array.of(1, 2, 3) }]);
});

test('blocking write on a worker unblocks when the consumer drains', async () => {
  const inbox = Inbox.create();
  const endpoint = inbox.addProducer(256);
  const filler = Ring.attach(endpoint);
  while (filler.tryWrite(1, new Uint8Array(50)));
  const job: ProducerJob = { mode: 'blocking-write', endpoint, size: 100, timeoutMs: 20_000 };
  const worker = new Worker(WORKER, { workerData: job });
  const words = new Int32Array(endpoint.sab);
  // The producer flags itself before it sleeps on TAIL: that is the state we want to wake it from.
  // Atomics.load: the worker stores SPACE_WAITING (sequentially consistent) just before it sleeps; we
  // may see it a little before the sleep starts, which is fine: a release then makes its wait return.
  await until(() => Atomics.load(words, Slot.SPACE_WAITING) === 1, 'the worker to block for space');
  const before = drainAll(inbox);
  assert.ok(before.every((m) => m.kind === 1 && m.bytes.length === 50));
  const [reply] = (await once(worker, 'message')) as [{ written: boolean }];
  assert.deepEqual(reply, { written: true });
  assert.ok(await inbox.waitAsync(10_000));
  assert.deepEqual(drainAll(inbox), [{ kind: 7, bytes: new Uint8Array(100).fill(0xab) }]);
  await once(worker, 'exit');
});

test('writeAsync resolves after a drain on the same thread', async () => {
  const ring = Ring.create(256);
  while (ring.tryWrite(1, new Uint8Array(40)));
  let resolved = false;
  const p = ring.writeAsync(2, pattern(60, 2), 10_000).then(() => (resolved = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(resolved, false, 'still waiting for space');
  const first = drainAll(ring);
  assert.ok(first.length > 0 && first.every((m) => m.kind === 1));
  await p;
  assert.deepEqual(drainAll(ring), [{ kind: 2, bytes: pattern(60, 2) }]);
});

test('timeouts name the wait and the sizes', async () => {
  const ring = Ring.create(128);
  while (ring.tryWrite(1, new Uint8Array(8)));
  assert.throws(
    () => ring.write(1, new Uint8Array(30), 30),
    (err: unknown) =>
      err instanceof RingTimeoutError &&
      err.code === 'ETIMEDOUT' &&
      /timed out after 30 ms: a 30-byte message needs 40 bytes, 0 of 128 free/.test(err.message),
  );
  await assert.rejects(ring.writeAsync(1, new Uint8Array(30), 30), RingTimeoutError);
  // Same thread: the failed writes must have cleared the flag they set (else every release notifies).
  assert.equal(Atomics.load(new Int32Array(ring.sab), Slot.SPACE_WAITING), 0, 'no stale waiting flag');
  assert.equal(drainAll(ring).length, 128 / 16, 'nothing lost by the failed writes');
  const inbox = Inbox.create();
  inbox.addProducer(128);
  assert.equal(inbox.wait(20), false);
  assert.equal(await inbox.waitAsync(20), false);
  assert.equal(Ring.create(64).waitForMessages(10), false);
});

test('a message larger than the maximum is a RangeError naming both sizes', async () => {
  const ring = Ring.create(1024);
  const big = new Uint8Array(ring.maxMessageBytes + 1);
  const re =
    /message of 505 bytes exceeds the maximum message size of 504 bytes \(ring capacity 1024 bytes\)/;
  assert.throws(() => ring.tryWrite(1, big), RangeError);
  assert.throws(() => ring.tryWrite(1, big), re);
  assert.throws(() => ring.tryWriteWith(1, 505, () => {}), re);
  assert.throws(() => ring.write(1, big, 10), re);
  await assert.rejects(ring.writeAsync(1, big, 10), re);
  assert.ok(ring.tryWrite(1, new Uint8Array(504)), 'the maximum itself fits, at any offset');
  assert.throws(() => Ring.create(1000), /1000 is not a power of two/);
  assert.throws(() => Ring.create(256, { maxMessageBytes: 200 }), /maxMessageBytes 200 must be 0 \.\. 120/);
  assert.throws(() => Ring.create(256, { maxMessageBytes: 16 }).tryWrite(1, new Uint8Array(17)), /16 bytes/);
  assert.throws(() => ring.tryWrite(-1, new Uint8Array(1)), /kind -1 is not a u32/);
});

test('zero-length payloads', () => {
  const ring = Ring.create(128);
  let fills = 0;
  let n = 0;
  while (n % 2 ? ring.tryWrite(n, new Uint8Array(0)) : ring.tryWriteWith(n, 0, () => fills++)) n++;
  assert.equal(n, 128 / 8, 'a zero-length frame is just its 8-byte header');
  assert.equal(fills, 0, 'fill is not called for an empty payload');
  const got = drainAll(ring);
  assert.deepEqual(
    got.map((m) => [m.kind, m.bytes.length]),
    [...Array(n).keys()].map((k) => [k, 0]),
  );
});

test('drain: max, payload views into the ring, an onMessage that throws', () => {
  const ring = Ring.create(256);
  for (let i = 0; i < 5; i++) assert.ok(ring.tryWrite(i, pattern(4, i)));
  const kinds: number[] = [];
  assert.equal(
    ring.drain((k, p) => {
      kinds.push(k);
      assert.equal(p.buffer, ring.sab, 'the payload is a view, not a copy');
      assert.equal(p.byteOffset % 8, 0, 'payloads are 8-byte aligned');
    }, 2),
    2,
  );
  assert.throws(
    () =>
      ring.drain(() => {
        throw new Error('handler failed');
      }),
    /handler failed/,
  );
  assert.deepEqual(
    drainAll(ring).map((m) => m.kind),
    [3, 4],
    'the failing message counts as consumed',
  );
  assert.deepEqual(kinds, [0, 1]);
});

test('attach from another thread sees the same ring', async () => {
  const ring = Ring.create(4096, { maxMessageBytes: 1000 });
  for (let i = 0; i < 3; i++) assert.ok(ring.tryWrite(10 + i, pattern(i * 7, i)));
  const job: ProducerJob = { mode: 'attach', sab: ring.sab };
  const worker = new Worker(WORKER, { workerData: job });
  const [state] = (await once(worker, 'message')) as [Record<string, unknown>];
  await once(worker, 'exit');
  assert.deepEqual(state, {
    capacity: 4096,
    maxMessageBytes: 1000,
    empty: false,
    emptyAfter: true,
    seen: [0, 1, 2].map((i) => ({ kind: 10 + i, bytes: [...pattern(i * 7, i)] })),
  });
  assert.ok(ring.isEmpty(), "the worker's drain moved the shared TAIL");
  assert.ok(ring.tryWrite(1, new Uint8Array(1000)));
});

test('attach rejects a buffer that is not a ring, and an Inbox ring without its doorbell', () => {
  assert.throws(() => Ring.attach(new SharedArrayBuffer(CONTROL_BYTES + 64)), /not a ring/);
  const inbox = Inbox.create();
  const ep = inbox.addProducer(256);
  assert.throws(() => Ring.attach(ep.sab), /belongs to an Inbox/);
  assert.equal(inbox.size, 1);
  assert.ok(inbox.removeProducer(ep));
  assert.equal(inbox.size, 0);
});

test('inbox drains its rings in turn, up to max', () => {
  const inbox = Inbox.create();
  const producers = [0, 1, 2].map(() => Ring.attach(inbox.addProducer(256)));
  producers.forEach((p, i) => {
    for (let j = 0; j < 3; j++) assert.ok(p.tryWrite(i * 10 + j, new Uint8Array(0)));
  });
  assert.ok(inbox.wait(0));
  const kinds: number[] = [];
  assert.equal(
    inbox.drain((k) => kinds.push(k), 4),
    4,
  );
  assert.equal(
    inbox.drain((k) => kinds.push(k)),
    5,
  );
  assert.deepEqual(
    kinds.sort((a, b) => a - b),
    [0, 1, 2, 10, 11, 12, 20, 21, 22],
  );
  assert.ok(inbox.isEmpty());
});

test('the MPSC prototype (bench comparison only) keeps order and contents across wrap-around', () => {
  const ring = MpscRing.create(1024);
  const model: Uint8Array[] = [];
  let n = 0;
  for (let round = 0; round < 200; round++) {
    for (;;) {
      const bytes = pattern((round * 7 + n) % 100, n);
      if (!ring.tryWriteWith(n & 0xffff, bytes.length, (b, o) => b.set(bytes, o))) break;
      model.push(bytes);
      n++;
    }
    ring.drain((_kind, payload) => assert.deepEqual(payload, model.shift()), 1 + (round % 13));
  }
  ring.drain((_kind, payload) => assert.deepEqual(payload, model.shift()));
  assert.equal(model.length, 0);
  assert.ok(n > 1000, `${n} messages`);
});
