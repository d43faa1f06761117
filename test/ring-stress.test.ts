// Three producer threads into one Inbox, millions of messages: nothing lost, duplicated, reordered
// within a producer, or corrupted; then no worker or handle left behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Inbox } from '../bridge/inbox.js';
import { STRESS_HEADER, fnv1a, type ProducerJob } from './helpers/ring_producer_worker.js';

const WORKER = new URL('./helpers/ring_producer_worker.js', import.meta.url);

function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Resources active now that were not in `before` (a transient one may have gone since). */
function extraResources(before: string[]): string[] {
  const left = [...before];
  return process.getActiveResourcesInfo().filter((r) => {
    const i = left.indexOf(r);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

/** Runs `producers` workers of `count` messages each into one Inbox and checks every message. */
async function stress(producers: number, count: number, maxBody: number, capacity: number): Promise<number> {
  const inbox = Inbox.create();
  const next = new Array<number>(producers).fill(0);
  let bytes = 0;
  const check = (kind: number, payload: Uint8Array): void => {
    assert.ok(kind < producers, `unknown producer ${kind}`);
    assert.ok(payload.length >= STRESS_HEADER, `short message (${payload.length} bytes) from ${kind}`);
    const seq = readU32(payload, 0);
    if (seq !== next[kind]) assert.fail(`producer ${kind}: got seq ${seq}, expected ${next[kind]}`);
    if (readU32(payload, 4) !== fnv1a(payload, STRESS_HEADER, payload.length)) {
      assert.fail(`producer ${kind} seq ${seq}: checksum mismatch over ${payload.length} bytes`);
    }
    next[kind] = seq + 1;
    bytes += payload.length;
  };
  const workers = [...Array(producers).keys()].map((id) => {
    const job: ProducerJob = {
      mode: 'stress',
      endpoint: inbox.addProducer(capacity),
      id,
      count,
      maxBody,
      seed: 0x9e3779b9 ^ (id * 7919),
      useAsync: id === 0,
    };
    return new Worker(WORKER, { workerData: job });
  });
  const exited = workers.map((w) => once(w, 'exit'));
  const reports = workers.map((w) => once(w, 'message') as Promise<[{ done: number; blocked: number }]>);
  const errors: unknown[] = [];
  workers.forEach((w) => w.on('error', (e) => errors.push(e)));
  const total = producers * count;
  let got = 0;
  const deadline = performance.now() + 60_000;
  while (got < total) {
    const n = inbox.drain(check);
    got += n;
    if (n > 0) continue;
    if (errors.length > 0) throw errors[0];
    assert.ok(performance.now() < deadline, `stalled after ${got} of ${total} messages`);
    await inbox.waitAsync(1000);
  }
  const blocked = (await Promise.all(reports)).reduce((sum, [r]) => sum + r.blocked, 0);
  await Promise.all(exited);
  assert.deepEqual(errors, []);
  assert.deepEqual(next, new Array(producers).fill(count), 'every producer complete, none beyond');
  assert.ok(inbox.isEmpty(), 'no extra message after the last expected one');
  assert.ok(bytes >= total * STRESS_HEADER);
  return blocked;
}

test('ring stress: 3 producers × 700,000 small messages through 16 KiB rings', async (t) => {
  const before = process.getActiveResourcesInfo();
  const blocked = await stress(3, 700_000, 40, 16 * 1024);
  t.diagnostic(`producers found their ring full ${blocked} times (then blocked or awaited space)`);
  assert.deepEqual(extraResources(before), [], 'no handle left behind');
});

test('ring stress: 3 producers × 4,000 messages of 8 B .. 64 KiB through 256 KiB rings', async (t) => {
  const before = process.getActiveResourcesInfo();
  const blocked = await stress(3, 4_000, 64 * 1024 - STRESS_HEADER, 256 * 1024);
  t.diagnostic(`producers found their ring full ${blocked} times (then blocked or awaited space)`);
  assert.deepEqual(extraResources(before), [], 'no handle left behind');
});
