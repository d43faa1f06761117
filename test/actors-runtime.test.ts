// The actor runtime under both placements: requests, errors across threads, supervision, timeouts,
// tracing, and a shutdown that leaves nothing behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import {
  ActorSystem,
  RequestError,
  type ActorFailed,
  type ActorRef,
  type MessageTrace,
} from '../actors/runtime/index.js';
import { linkActorModule } from '../actors/runtime/actor_modules.js';
import { RemoteError } from '../bridge/errors.js';
import { TEST_ACTORS } from './helpers/test_actors.js';

const echoSpec = { module: TEST_ACTORS, export: 'echo', name: 'echo' };
const parentSpec = { module: TEST_ACTORS, export: 'parent', name: 'parent' };

/** Polls `f` until it returns true or the deadline passes. */
async function until(f: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((r) => setImmediate(r));
  }
}

function nextFailure(sys: ActorSystem): Promise<ActorFailed> {
  return new Promise((r) => sys.once('actor-failed', r));
}

for (const workers of [0, 2]) {
  const where = workers === 0 ? 'on the embedding thread' : `packed on ${workers} workers`;

  test(`request/reply and one-way order ${where}`, async () => {
    const sys = await ActorSystem.start({ workers });
    try {
      const a = await sys.spawn(echoSpec);
      const body = { n: 1, m: new Map([['k', [1, 2]]]), b: new Uint8Array([1, 2, 3]), big: 2n ** 70n };
      assert.deepEqual(await sys.request(a, 'echo', body), body);
      assert.deepEqual(await sys.request(a, 'echo', new Uint8Array([9, 8])), new Uint8Array([9, 8]));
      assert.equal(await sys.request(a, 'async-echo', 'later'), 'later');
      for (let i = 0; i < 10_000; i++) sys.send(a, 'tick', i);
      assert.deepEqual(await sys.request(a, 'count'), { count: 10_000, last: 9_999 });
      const { threadId: t } = await sys.request<{ threadId: number }>(a, 'where');
      if (workers === 0) assert.equal(t, threadId);
      else assert.notEqual(t, threadId);
    } finally {
      await sys.shutdown();
    }
  });

  test(`errors cross as {name, message, stack} and are thrown again ${where}`, async () => {
    const sys = await ActorSystem.start({ workers });
    try {
      const a = await sys.spawn(echoSpec);
      // A RequestError refuses one request; the actor lives on.
      await assert.rejects(sys.request(a, 'refuse', 'x'), (e: unknown) => {
        assert.ok(e instanceof RemoteError);
        assert.equal(e.name, 'RequestError');
        assert.equal(e.message, 'refused: x');
        assert.equal(e.code, 'EPERM');
        assert.match(e.remoteStack, /test_actors\.js/);
        return true;
      });
      assert.equal(await sys.request(a, 'echo', 1), 1);
      // Any other throw is a fault: the caller gets it, the actor stops, the supervisor hears.
      const failed = nextFailure(sys);
      await assert.rejects(sys.request(a, 'crash', 'boom'), {
        name: 'TypeError',
        message: 'crashed on purpose: boom',
      });
      const f = await failed;
      assert.equal(f.actor, a.id);
      assert.equal(f.error.name, 'TypeError');
      assert.match(f.error.stack, /crashed on purpose/);
      await assert.rejects(sys.request(a, 'echo', 1), { name: 'NoSuchActorError' });
    } finally {
      await sys.shutdown();
    }
  });

  test(`a one-way message that crashes an actor is reported to its supervisor ${where}`, async () => {
    const sys = await ActorSystem.start({ workers });
    try {
      const a = await sys.spawn(echoSpec);
      const failed = nextFailure(sys);
      sys.send(a, 'crash-async');
      const f = await failed;
      assert.equal(f.error.name, 'RangeError');
      assert.equal(f.error.message, 'async crash');
    } finally {
      await sys.shutdown();
    }
  });

  test(`request timeouts name the request ${where}`, async () => {
    const sys = await ActorSystem.start({ workers });
    try {
      const a = await sys.spawn(echoSpec);
      await assert.rejects(sys.request(a, 'never', undefined, { timeoutMs: 50 }), (e: unknown) => {
        assert.equal((e as Error).name, 'RequestTimeoutError');
        assert.match((e as Error).message, /request "never" to actor .* got no reply within 50 ms/);
        return true;
      });
      assert.equal(await sys.request(a, 'echo', 'still alive'), 'still alive');
    } finally {
      await sys.shutdown();
    }
  });

  test(`a parent supervises its children ${where}`, async () => {
    const sys = await ActorSystem.start({ workers });
    try {
      const p = await sys.spawn(parentSpec);
      const child = await sys.request<ActorRef>(p, 'spawn-child', {});
      assert.equal(
        Math.floor(child.id / 2 ** 32),
        Math.floor(p.id / 2 ** 32),
        'a packed child shares its parent thread',
      );
      assert.deepEqual(await sys.request(p, 'to-child', { kind: 'echo', body: 5 }), 5);
      await assert.rejects(sys.request(p, 'to-child', { kind: 'crash', body: 'c' }), {
        name: 'RequestError',
        message: 'child failed: TypeError: crashed on purpose: c',
      });
      await until(async () => (await sys.request<ActorFailed[]>(p, 'failures')).length === 1);
      const [f] = await sys.request<ActorFailed[]>(p, 'failures');
      assert.equal(f!.actor, child.id);
      // Stopping a parent stops its children.
      const child2 = await sys.request<ActorRef>(p, 'spawn-child', {});
      sys.stop(p);
      await until(async () => {
        try {
          await sys.request(child2, 'echo', 1);
          return false;
        } catch (e) {
          return (e as Error).name === 'NoSuchActorError';
        }
      });
    } finally {
      await sys.shutdown();
    }
  });

  test(`an actor whose factory throws is reported and its queued requests fail ${where}`, async () => {
    const sys = await ActorSystem.start({ workers });
    try {
      const failed = nextFailure(sys);
      const a = await sys.spawn({ module: TEST_ACTORS, export: 'brokenAtStart' });
      const f = await failed;
      assert.equal(f.error.message, 'cannot start');
      await assert.rejects(sys.request(a, 'echo', 1), { name: 'NoSuchActorError' });
      const failed2 = nextFailure(sys);
      await sys.spawn({ module: TEST_ACTORS, export: 'noSuchExport' });
      assert.match((await failed2).error.message, /has no exported factory "noSuchExport"/);
    } finally {
      await sys.shutdown();
    }
  });
}

test('messages between packed actors on one thread never touch a ring', async () => {
  const sys = await ActorSystem.start({ workers: 1 });
  try {
    const p = await sys.spawn(parentSpec);
    await sys.request(p, 'spawn-child', {});
    const before = await sys.stats();
    assert.deepEqual(await sys.request(p, 'burst-child', 5000), { count: 5000, last: 4999 });
    const after = await sys.stats();
    const ringBefore = before.reduce((n, h) => n + h.framesOut, 0);
    const ringAfter = after.reduce((n, h) => n + h.framesOut, 0);
    // The request from here and its reply cross; the 5000 sends and the inner request do not.
    assert.equal(ringAfter - ringBefore, 2);
    assert.ok(after[1]!.delivered - before[1]!.delivered >= 5002);
  } finally {
    await sys.shutdown();
  }
});

test('dedicated placement starts a thread per actor and ends it with the actor', async () => {
  const sys = await ActorSystem.start({ workers: 1 });
  try {
    assert.equal(sys.workerCount, 1);
    const a = await sys.spawn(echoSpec, { placement: 'dedicated' });
    assert.equal(sys.workerCount, 2);
    const b = await sys.spawn(echoSpec);
    const ta = await sys.request<{ threadId: number }>(a, 'where');
    const tb = await sys.request<{ threadId: number }>(b, 'where');
    assert.notEqual(ta.threadId, tb.threadId);
    // A packed actor asking for a dedicated child gets one on a new thread.
    const p = await sys.spawn(parentSpec);
    const c = await sys.request<ActorRef>(p, 'spawn-child', { placement: 'dedicated' });
    assert.notEqual(Math.floor(c.id / 2 ** 32), Math.floor(p.id / 2 ** 32));
    assert.equal(sys.workerCount, 3);
    assert.deepEqual(await sys.request(p, 'to-child', { kind: 'echo', body: 'hi' }), 'hi');
    sys.stop(a);
    await sys.request(p, 'stop-child');
    await until(() => sys.workerCount === 1);
  } finally {
    await sys.shutdown();
  }
});

test('the trace hook sees every message with its cause', async () => {
  const sys = await ActorSystem.start({ workers: 1 });
  try {
    const p = await sys.spawn(parentSpec);
    await sys.request(p, 'spawn-child', {});
    const local: MessageTrace[] = [];
    await sys.setTracing((t) => local.push({ ...t })); // the record is reused: copy it
    await sys.request(p, 'to-child', { kind: 'echo', body: 'x' });
    await sys.setTracing(null);
    const { events, dropped } = await sys.collectTrace();
    const all = [...local, ...events];
    assert.equal(dropped, 0);
    const outer = all.find((e) => e.kind === 'to-child' && e.frame === 2)!;
    const inner = all.find((e) => e.kind === 'echo' && e.frame === 2)!;
    const innerReply = all.find((e) => e.kind === 'echo' && e.frame === 3)!;
    const outerReply = all.find((e) => e.kind === 'to-child' && e.frame === 3)!;
    assert.ok(outer && inner && innerReply && outerReply, 'four messages traced');
    assert.equal(inner.cause, outer.id, 'the inner request was caused by the outer one');
    assert.equal(innerReply.cause, inner.id, 'a reply is caused by its request');
    assert.ok(outer.bytes > 0, 'a cross-thread message has its ring size');
    assert.equal(inner.bytes, 0, 'a local message copies nothing');
    assert.ok(outer.ts <= inner.ts && inner.ts <= outerReply.ts);
  } finally {
    await sys.shutdown();
  }
});

test('RequestError is exported for actors to refuse requests', () => {
  const e = new RequestError('no', 'EINVAL');
  assert.equal(e.code, 'EINVAL');
});

test('shutdown leaves no worker, handle or timer behind', async () => {
  const before = process.getActiveResourcesInfo().sort();
  const sys = await ActorSystem.start({ workers: 2 });
  const a = await sys.spawn(echoSpec);
  await sys.spawn(echoSpec, { placement: 'dedicated' });
  const pending = sys.request(a, 'never', undefined, { timeoutMs: 60_000 });
  await sys.shutdown();
  await assert.rejects(pending, /shut down/);
  await until(() => process.getActiveResourcesInfo().sort().join() === before.join());
  await assert.rejects(sys.spawn(echoSpec), /shut down/);
});

test('a linked actor module is used instead of importing its URL (the bundled CLI relies on it)', async () => {
  // A URL with no file behind it: only the linked loader can produce the module.
  const url = new URL('./no-such-actor-module.js', TEST_ACTORS).href;
  let loads = 0;
  linkActorModule(url, async () => {
    loads++;
    return (await import(TEST_ACTORS)) as Record<string, unknown>;
  });
  const sys = await ActorSystem.start({ workers: 0 });
  try {
    const a = await sys.spawn({ module: url, export: 'echo', name: 'linked' });
    assert.equal(await sys.request(a, 'echo', 'hi'), 'hi');
    assert.equal(loads, 1, `got ${loads} loads of the linked module, want 1`);
    // An unlinked URL still goes through import(): a missing file fails the actor, naming the file.
    const missing = new URL('./also-missing.js', TEST_ACTORS).href;
    const failed = nextFailure(sys);
    await sys.spawn({ module: missing, export: 'echo', name: 'missing' });
    assert.match((await failed).error.message, /also-missing/);
  } finally {
    await sys.shutdown();
  }
});
