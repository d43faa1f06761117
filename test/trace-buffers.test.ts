// Per-thread trace buffers and the trace actor: messages from every host with their causal links,
// records dropped and counted (never blocking) when a buffer is full or a sink falls behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ActorSystem } from '../actors/runtime/index.js';
import type { MsgEvent, StatEvent } from '../actors/trace/events.js';
import { MemorySink } from '../actors/trace/sinks/memory.js';
import { startThreadTrace, stopThreadTrace, traceLifecycle } from '../actors/trace/thread_trace.js';
import { createTraceBuffer, TraceWriter } from '../actors/trace/trace_buffer.js';
import { TraceReader } from '../actors/trace/trace_reader.js';
import { TraceSession } from '../actors/trace/trace_session.js';
import type { ActorId, MessageId } from '../actors/runtime/ids.js';
import type { FrameKind } from '../actors/runtime/envelope.js';
import { FIXTURES } from './trace-fixtures.js';
import { ByteOut } from '../actors/trace/sinks/byte_out.js';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

test('a buffer round-trips messages, syscalls and lifecycle records', () => {
  const ep = createTraceBuffer(3, 1 << 16);
  const w = new TraceWriter(ep);
  const r = new TraceReader(ep);
  w.message({
    ts: 1000.5,
    from: (2 ** 32 + 1) as ActorId,
    to: 7 as ActorId,
    kind: 'spawn',
    frame: 2 as FrameKind,
    bytes: 96,
    id: 11 as MessageId,
    cause: 10 as MessageId,
  });
  w.syscall(42, 'cat', 1, 1, 6, 2000, 0.25, 0, 6, new TextEncoder().encode('hello\n'));
  w.syscall(42, 'cat', 2, 9, 100, 2001, 0.01, 8, 0, null);
  w.lifecycle(3000, { what: 'process-exit', pid: 42, code: 0 });
  const out: ReturnType<TraceReader['drain']> extends number ? Parameters<TraceReader['drain']>[0] : never =
    [];
  assert.equal(r.drain(out), 6, 'two string definitions and four records');
  assert.deepEqual(out[0], {
    t: 'msg',
    ts: 1000.5,
    host: 3,
    from: 2 ** 32 + 1,
    to: 7,
    kind: 'spawn',
    frame: 2,
    bytes: 96,
    id: 11,
    cause: 10,
  });
  assert.equal(out[1]!.t, 'sys');
  assert.deepEqual(
    { ...out[1]!, host: undefined },
    {
      t: 'sys',
      ts: 2000,
      dur: 0.25,
      host: undefined,
      pid: 42,
      proc: 'cat',
      name: 'fd_write',
      args: '1, "hello\\n", 6',
      errno: 0,
      ret: 6,
    },
  );
  assert.equal(out[2]!.t === 'sys' && out[2]!.args, '9, 100');
  assert.deepEqual(out[3], { t: 'life', what: 'process-exit', pid: 42, code: 0, ts: 3000, host: 3 });
  assert.equal(r.dropped, 0);
});

test('a full buffer drops and counts; it never blocks the writer', () => {
  const ep = createTraceBuffer(0, 4096);
  const w = new TraceWriter(ep);
  const r = new TraceReader(ep);
  const t = {
    ts: 1,
    from: 1 as ActorId,
    to: 2 as ActorId,
    kind: 'k',
    frame: 1 as FrameKind,
    bytes: 0,
    id: 1 as MessageId,
    cause: 0 as MessageId,
  };
  for (let i = 0; i < 1000; i++) w.message({ ...t, id: i as MessageId });
  const kept: Parameters<TraceReader['drain']>[0] = [];
  r.drain(kept);
  assert.ok(kept.length > 10 && kept.length < 1000, `kept ${kept.length}`);
  assert.equal(r.dropped, 1000 - kept.length, 'every record is either kept or counted');
  // Space freed by the drain is used again.
  w.message(t);
  const more: Parameters<TraceReader['drain']>[0] = [];
  r.drain(more);
  assert.equal(more.length, 1);
});

test('the trace actor collects messages from every host with causes, and lifecycle events', async () => {
  const sys = await ActorSystem.start({ workers: 2 });
  const sink = new MemorySink();
  const session = new TraceSession({ system: sys, sinks: [sink], drainMs: 5 });
  try {
    const pong = await sys.spawn({ module: FIXTURES, export: 'ponger', name: 'ponger' });
    const rel = await sys.spawn({ module: FIXTURES, export: 'relay', name: 'relay' });
    assert.notEqual(Math.floor(pong.id / 2 ** 32), Math.floor(rel.id / 2 ** 32), 'two threads');
    await session.start();
    traceLifecycle({ what: 'sandbox-start', sandbox: 's1' });
    assert.equal(await sys.request(rel, 'relay', { to: pong, n: 20 }), 20);
    await until(() => sink.peek().filter((e) => e.t === 'msg' && e.kind === 'ping').length === 40);
    const status = await session.stop();
    assert.equal(status.on, false);
    assert.equal(status.dropped, 0);
    const msgs = sink.peek().filter((e): e is MsgEvent => e.t === 'msg');
    const outer = msgs.find((e) => e.kind === 'relay' && e.frame === 2)!;
    const pings = msgs.filter((e) => e.kind === 'ping' && e.frame === 2);
    const pongs = msgs.filter((e) => e.kind === 'ping' && e.frame === 3);
    assert.equal(pings.length, 20);
    assert.equal(pongs.length, 20);
    assert.ok(
      pings.every((p) => p.host === Math.floor(rel.id / 2 ** 32)),
      'pings recorded on the relay thread',
    );
    assert.ok(
      pongs.every((p) => p.host === Math.floor(pong.id / 2 ** 32)),
      'pongs on the ponger thread',
    );
    assert.equal(pings[0]!.cause, outer.id, 'the first ping was caused by the relay request');
    for (const p of pongs)
      assert.ok(
        pings.some((q) => q.id === p.cause),
        'each reply names its request',
      );
    assert.ok(
      pings.every((p) => p.bytes > 0),
      'cross-thread messages carry their ring size',
    );
    // Actors that existed before tracing started are named by their hosts when it starts.
    const names = sink.peek().filter((e) => e.t === 'life' && e.what === 'actor');
    assert.deepEqual(
      names.map((e) => e.t === 'life' && `${e.actor}=${e.name}`).sort(),
      [`${pong.id}=ponger`, `${rel.id}=relay`].sort(),
    );
    assert.ok(sink.peek().some((e) => e.t === 'life' && e.what === 'sandbox-start'));
    // In time order across threads.
    const ts = sink.peek().map((e) => e.ts);
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => a - b),
    );
    // Off means off: nothing more is recorded.
    const before = sink.length;
    await sys.request(rel, 'relay', { to: pong, n: 3 });
    session.drain();
    assert.equal(sink.length, before);
  } finally {
    await session.stop();
    await sys.shutdown();
  }
});

test('tracing starts and stops at run time while the actors keep working', async () => {
  const sys = await ActorSystem.start({ workers: 1 });
  try {
    const pong = await sys.spawn({ module: FIXTURES, export: 'ponger' });
    const rel = await sys.spawn({ module: FIXTURES, export: 'relay' });
    for (let round = 0; round < 3; round++) {
      const sink = new MemorySink();
      const session = new TraceSession({ system: sys, sinks: [sink] });
      await session.start();
      assert.equal(await sys.request(rel, 'relay', { to: pong, n: 5 }), 5);
      await session.stop();
      const pings = sink.peek().filter((e) => e.t === 'msg' && e.kind === 'ping');
      assert.equal(pings.length, 10, `round ${round}: 5 requests and 5 replies`);
      assert.equal(await sys.request(rel, 'relay', { to: pong, n: 2 }), 2, 'still serving while off');
    }
  } finally {
    await sys.shutdown();
  }
});

test('a sink that falls behind drops, counts, and the count is shown', async () => {
  const slow = new MemorySink('slow', 50);
  const session = new TraceSession({ sinks: [slow], drainMs: 1000 });
  await session.start();
  try {
    for (let i = 0; i < 200; i++) traceLifecycle({ what: 'signal', pid: 1, signal: 10, sender: i });
    session.drain();
    const st = session.status();
    assert.equal(slow.length, 50);
    assert.ok(st.dropped >= 150, `dropped ${st.dropped}`);
    assert.deepEqual(st.sinks, [{ name: 'slow', dropped: slow.dropped }]);
    // The next batch carries a 'stat' event with the count, for viewers to show.
    const viewer = new MemorySink('viewer');
    session.addSink(viewer);
    traceLifecycle({ what: 'signal', pid: 1, signal: 10 });
    session.drain();
    const stat = viewer.peek().find((e): e is StatEvent => e.t === 'stat');
    assert.ok(stat !== undefined && stat.dropped >= 150);
  } finally {
    await session.stop();
  }
  stopThreadTrace();
});

test('thread tracing is off by default and after stop', () => {
  const sink: Parameters<TraceReader['drain']>[0] = [];
  const ep = createTraceBuffer(0, 4096);
  traceLifecycle({ what: 'sandbox-stop' }); // off: goes nowhere
  startThreadTrace(ep);
  traceLifecycle({ what: 'sandbox-stop' });
  stopThreadTrace();
  traceLifecycle({ what: 'sandbox-stop' });
  new TraceReader(ep).drain(sink);
  assert.equal(sink.length, 1);
});

test('messages through the hook: times sampled, the rest spread between samples, in order', async () => {
  const ep = createTraceBuffer(0, 1 << 20);
  const w = new TraceWriter(ep);
  const r = new TraceReader(ep);
  const m = {
    from: 1 as ActorId,
    to: 2 as ActorId,
    kind: 'tick',
    frame: 1 as FrameKind,
    bytes: 0,
    id: 0 as MessageId,
    cause: 7 as MessageId,
  };
  const t0 = performance.timeOrigin + performance.now();
  for (let i = 1; i <= 100; i++) w.messageHook({ ...m, id: i as MessageId });
  // A different cause: another handler's turn, which takes its own sample.
  w.messageHook({ ...m, id: 101 as MessageId, cause: 8 as MessageId });
  w.flush();
  const t1 = performance.timeOrigin + performance.now();
  const out: Parameters<TraceReader['drain']>[0] = [];
  r.drain(out);
  const msgs = out.filter((e): e is MsgEvent => e.t === 'msg');
  assert.deepEqual(
    msgs.map((e) => e.id),
    Array.from({ length: 101 }, (_, i) => i + 1),
    'every message, in order',
  );
  for (let i = 0; i < msgs.length; i++) {
    assert.ok(msgs[i]!.ts >= t0 && msgs[i]!.ts <= t1, `message ${i + 1} within the run`);
    if (i > 0) assert.ok(msgs[i]!.ts >= msgs[i - 1]!.ts, `message ${i + 1} not before the one before it`);
  }
  // Unpublished records become visible when the event loop turns, without a flush.
  w.messageHook({ ...m, id: 102 as MessageId });
  w.messageHook({ ...m, id: 103 as MessageId });
  await new Promise((res) => setImmediate(res));
  const later: Parameters<TraceReader['drain']>[0] = [];
  r.drain(later);
  assert.deepEqual(
    later.map((e) => e.t === 'msg' && e.id),
    [102, 103],
  );
});

test('the Chrome byte writer prints numbers as JavaScript does', () => {
  const chunks: Buffer[] = [];
  const b = new ByteOut((c) => chunks.push(Buffer.from(c)));
  const ints = [0, 7, 10, 99, 1234567, 2 ** 32 + 5, 2 ** 53 - 1, -1, -250];
  const ns = [0, 1, 10, 100, 999, 1000, 1500, 1234567, 987654321012, -31, -1000, -20804687];
  for (const v of ints) {
    b.int(v);
    b.separator();
  }
  for (const v of ns) {
    b.milli(v);
    b.separator();
  }
  b.flush();
  const text = Buffer.concat(chunks).toString('utf8');
  assert.equal(text, [...ints.map(String), ...ns.map((v) => String(v / 1000))].join(',\n') + ',\n');
});

test('a flood through the hook into a small ring: every message kept whole or counted, never misnamed', () => {
  const ep = createTraceBuffer(0, 4096);
  const w = new TraceWriter(ep);
  const r = new TraceReader(ep);
  const kept: MsgEvent[] = [];
  const out: Parameters<TraceReader['drain']>[0] = [];
  let id = 0;
  // Runs of repeats (same fields, ids following on) broken by other kinds, receivers and causes.
  for (let i = 0; i < 20_000; i++) {
    const to = (i % 700 < 500 ? 2 : 3) as ActorId;
    const kind = i % 1000 < 900 ? 'tick' : 'tock';
    w.messageHook({
      from: 1 as ActorId,
      to,
      kind,
      frame: 1 as FrameKind,
      bytes: 0,
      id: ++id as MessageId,
      cause: (Math.floor(i / 3000) + 1) as MessageId,
    });
    if (i % 1999 === 0) {
      w.flush();
      r.drain(out);
    }
  }
  w.flush();
  r.drain(out);
  for (const e of out) if (e.t === 'msg') kept.push(e);
  assert.equal(kept.length + r.dropped, 20_000, 'every message is either kept or counted');
  assert.ok(kept.length > 1000 && r.dropped > 0, `kept ${kept.length}, dropped ${r.dropped}`);
  for (let k = 0; k < kept.length; k++) {
    const e = kept[k]!;
    const i = e.id - 1;
    assert.equal(e.to, i % 700 < 500 ? 2 : 3, `message ${e.id}: receiver`);
    assert.equal(e.kind, i % 1000 < 900 ? 'tick' : 'tock', `message ${e.id}: kind`);
    assert.equal(e.cause, Math.floor(i / 3000) + 1, `message ${e.id}: cause`);
    if (k > 0) assert.ok(e.id > kept[k - 1]!.id, 'in order');
  }
});
