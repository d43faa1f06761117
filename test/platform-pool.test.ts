// The thread strategy's warm pool: hard kills of spinning guests, reuse of workers after clean
// exits, growth under concurrency, limits, and a close() that leaves no thread or handle behind.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySink } from '../platform/stdio.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import type { GuestProcess } from '../platform/process.js';
import { REPO as ROOT } from './helpers/bundles.js';
import { buildGuests, loadGuest } from './helpers/guest_modules.js';

const load = loadGuest;

test.before(() => {
  buildGuests();
});

test('an idle pool never keeps the engine process alive', () => {
  // A process that makes a pool, runs a guest and never closes the pool must still exit.
  const script = `
    import { ThreadStrategy } from ${JSON.stringify(join(ROOT, 'dist', 'platform', 'index.js'))};
    import { loadModule } from ${JSON.stringify(join(ROOT, 'dist', 'platform', 'index.js'))};
    const s = new ThreadStrategy({ warm: 2 });
    const m = await loadModule(${JSON.stringify(join(ROOT, 'build', 'guests', 'hello.wasm'))});
    const st = await s.spawn(m, { args: ['hello'] }).exited;
    console.log(JSON.stringify(st));
  `;
  const dir = mkdtempSync(join(tmpdir(), 'corral-pool-'));
  try {
    writeFileSync(join(dir, 'main.mjs'), script);
    const out = execFileSync(process.execPath, [join(dir, 'main.mjs')], { timeout: 20_000 });
    assert.equal(out.toString().trim(), '{"code":0}');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function started(p: GuestProcess, out: MemorySink, text: string): Promise<void> {
  await waitFor(() => out.text().includes(text), `"${text}"`);
  void p;
}

test('kill() of a guest spinning in wasm terminates its thread, and the pool replaces it', async () => {
  const s = new ThreadStrategy({ warm: 1 });
  try {
    await s.pool.warmUp();
    const out = new MemorySink();
    const p = s.spawn(await load('spin'), { args: ['spin'], stdio: { stdout: { sink: out } } });
    await started(p, out, 'spinning\n');
    p.kill();
    assert.deepEqual(await p.exited, { signal: 9 });
    assert.equal(s.pool.stats.discarded, 1);
    p.kill(); // a second kill after exit is a no-op
    // A replacement is started in the background and runs the next process.
    await waitFor(() => s.pool.idleCount >= 1, 'a replacement worker');
    const o2 = new MemorySink();
    assert.deepEqual(
      await s.spawn(await load('hello'), { args: ['hello'], stdio: { stdout: { sink: o2 } } }).exited,
      {
        code: 0,
      },
    );
  } finally {
    await s.close();
  }
});

test('workers are reused after clean exits: N runs start far fewer than N threads', async (t) => {
  const s = new ThreadStrategy({ warm: 1 });
  try {
    await s.pool.warmUp();
    const hello = await load('hello');
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const out = new MemorySink();
      const t0 = performance.now();
      const st = await s.spawn(hello, { args: ['hello'], stdio: { stdout: { sink: out } } }).exited;
      times.push(performance.now() - t0);
      assert.deepEqual(st, { code: 0 });
      assert.equal(out.text(), 'hello from corral\n');
    }
    assert.ok(s.pool.stats.started <= 3, `started ${s.pool.stats.started} threads for 50 runs`);
    assert.ok(s.pool.stats.reused >= 45, `reused only ${s.pool.stats.reused}`);
    times.sort((a, b) => a - b);
    t.diagnostic(`hello spawn→exit median ${times[25]!.toFixed(3)} ms`);
  } finally {
    await s.close();
  }
});

test('concurrent processes each get a worker; max bounds the pool with EAGAIN', async () => {
  const s = new ThreadStrategy({ warm: 1, max: 3 });
  try {
    const sleep = await load('sleep');
    const outs = [0, 1, 2].map(() => new MemorySink());
    const ps = outs.map((o) => s.spawn(sleep, { args: ['sleep', '30'], stdio: { stdout: { sink: o } } }));
    assert.throws(
      () => s.spawn(sleep, { args: ['sleep', '1'] }),
      (e: Error & { code?: string }) => e.code === 'EAGAIN',
    );
    for (const p of ps) assert.deepEqual(await p.exited, { code: 0 });
    for (const o of outs) assert.match(o.text(), /errno=0 events=1/);
  } finally {
    await s.close();
  }
  assert.throws(() => s.spawn(cacheFirst(), { args: ['x'] }), /closed/);
});

let helloModule: Awaited<ReturnType<typeof load>> | undefined;
function cacheFirst() {
  return helloModule!;
}

test('close() ends running guests with SIGKILL and leaves no threads or handles', async () => {
  helloModule = await load('hello');
  const baseline = new Set(process.getActiveResourcesInfo());
  const s = new ThreadStrategy({ warm: 2 });
  await s.pool.warmUp();
  const out = new MemorySink();
  const spinner = s.spawn(await load('spin'), { args: ['spin'], stdio: { stdout: { sink: out } } });
  await started(spinner, out, 'spinning\n');
  const sleepOut = new MemorySink();
  const sleeper = s.spawn(await load('sleep'), {
    args: ['sleep', '60000'],
    stdio: { stdout: { sink: sleepOut } },
  });
  await started(sleeper, sleepOut, 'sleeping\n');
  // Sanity: while guests run, their threads and the sleeper's timer show up as resources.
  const during = process.getActiveResourcesInfo().filter((r) => !baseline.has(r));
  assert.ok(during.length > 0, 'nothing to leak: the check below would prove nothing');
  await s.close();
  assert.deepEqual(await spinner.exited, { signal: 9 });
  assert.deepEqual(await sleeper.exited, { signal: 9 });
  assert.equal(s.pool.size, 0);
  // Timers of the sleeper's poll, worker handles, message ports: all gone.
  const extra = process.getActiveResourcesInfo().filter((r) => !baseline.has(r));
  assert.deepEqual(extra, []);
});
