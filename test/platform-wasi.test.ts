// WASI calls served by the platform: clocks and random bytes (served in the guest's own thread),
// poll_oneoff on clocks (a pending completion on the host, via a timer), and what a signal or a
// kill does to a guest blocked in poll.

import test from 'node:test';
import assert from 'node:assert/strict';
import { MemorySink } from '../platform/stdio.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { Errno } from '../platform/wasi_errno.js';
import { StdioSyscalls } from '../platform/wasi_handlers.js';
import { ok, type ProcessSyscalls } from '../platform/syscalls.js';
import { buildGuests, loadGuest } from './helpers/guest_modules.js';

const load = loadGuest;

let strategy: ThreadStrategy;
test.before(async () => {
  buildGuests();
  strategy = new ThreadStrategy({ warm: 2 });
  await strategy.pool.warmUp();
});
test.after(() => strategy.close());

/**
 * Default handlers whose poll_oneoff tells the test when the guest is parked in it: a kill or an
 * interrupt sent after that finds the guest blocked in the call, whatever the scheduling.
 */
function parkedInPoll(): { syscalls: ProcessSyscalls; parked: Promise<void> } {
  const base = new StdioSyscalls({ stdout: { sink: new MemorySink() } });
  let onParked!: () => void;
  const parked = new Promise<void>((r) => (onParked = r));
  const syscalls: ProcessSyscalls = {
    fd_write: (fd, data) => base.fd_write(fd, data),
    fd_read: (fd, max, ctx) => base.fd_read(fd, max, ctx),
    fd_fdstat_get: (fd) => base.fd_fdstat_get(fd),
    fd_close: (fd) => base.fd_close(fd),
    proc_raise: (sig) => base.proc_raise(sig),
    poll_oneoff(subs, ctx) {
      const r = base.poll_oneoff(subs, ctx);
      onParked();
      return r;
    },
    dispose: () => base.dispose(),
  };
  return { syscalls, parked };
}

test('clocks and random_get behave', async () => {
  const m = await load('clocks');
  const out = new MemorySink();
  const before = Date.now();
  assert.deepEqual(await strategy.spawn(m, { args: ['clocks'], stdio: { stdout: { sink: out } } }).exited, {
    code: 0,
  });
  const after = Date.now();
  const o = out.text();
  assert.match(o, /^monotonic_ok=1$/m);
  const rt = Number(/^realtime_ms=(\d+)$/m.exec(o)![1]);
  assert.ok(rt >= before - 1000 && rt <= after + 1000, `realtime ${rt} not within [${before}, ${after}]`);
  assert.match(o, /^res\[0\]=1000 errno=0$/m);
  assert.match(o, /^res\[1\]=1 errno=0$/m);
  assert.match(o, /^res\[2\]=1 errno=0$/m);
  assert.match(o, /^cputime_advanced=1$/m);
  assert.match(o, new RegExp(`^bad_clock_errno=${Errno.INVAL}$`, 'm'));
  // 200,000 random bytes: several 64 KiB getRandomValues chunks, every byte value seen, the tail filled.
  assert.match(o, /^random errno=0 distinct=256 tail_zero=0$/m);
});

test('poll_oneoff sleeps at least the time asked, on relative and absolute clocks', async () => {
  const m = await load('sleep');
  for (const mode of ['rel', 'abs']) {
    const out = new MemorySink();
    const t0 = process.hrtime.bigint();
    assert.deepEqual(
      await strategy.spawn(m, { args: ['sleep', '60', mode], stdio: { stdout: { sink: out } } }).exited,
      {
        code: 0,
      },
    );
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const r = /errno=(\d+) events=(\d+) userdata=(\d+) type=(\d+) slept_us=(\d+)/.exec(out.text());
    assert.ok(r, out.text());
    assert.deepEqual(r.slice(1, 5), ['0', '1', '42', '0']);
    const slept = Number(r[5]);
    assert.ok(slept >= 60_000, `${mode}: guest slept only ${slept} µs`);
    assert.ok(slept < 60_000 + 2_000_000, `${mode}: guest slept ${slept} µs`); // generous: a loaded 2-core box
    assert.ok(wallMs >= 60, `${mode}: process lived only ${wallMs} ms`);
  }
});

test('interrupt() ends a blocking poll with EINTR, long before its timeout', async () => {
  const m = await load('sleep');
  const out = new MemorySink();
  const { syscalls, parked } = parkedInPoll();
  const p = strategy.spawn(m, { args: ['sleep', '30000'], syscalls: withStdout(syscalls, out) });
  await parked;
  const t0 = Date.now();
  p.interrupt();
  assert.deepEqual(await p.exited, { code: 0 });
  assert.ok(Date.now() - t0 < 10_000);
  assert.match(out.text(), new RegExp(`errno=${Errno.INTR} events=0`));
});

test('an interrupt raised before the guest blocks makes its next blocking call EINTR', async () => {
  const m = await load('sleep');
  const out = new MemorySink();
  const p = strategy.spawn(m, { args: ['sleep', '30000'], stdio: { stdout: { sink: out } } });
  p.interrupt(); // the guest has not reached poll yet (its first call is the "sleeping" write)
  assert.deepEqual(await p.exited, { code: 0 });
  assert.equal(out.text().split('\n')[0], 'sleeping');
  assert.match(out.text(), new RegExp(`errno=${Errno.INTR} events=0`));
});

test('kill() of a guest parked in poll unwinds it and keeps its worker', async () => {
  const m = await load('sleep');
  const out = new MemorySink();
  const before = { ...strategy.pool.stats };
  const { syscalls, parked } = parkedInPoll();
  const p = strategy.spawn(m, { args: ['sleep', '30000'], syscalls: withStdout(syscalls, out) });
  await parked;
  p.kill(15);
  assert.deepEqual(await p.exited, { signal: 15 });
  assert.equal(strategy.pool.stats.discarded, before.discarded, 'the worker was terminated');
  // The guest never returned from poll: nothing after "sleeping" was printed.
  assert.equal(out.text(), 'sleeping\n');
  // And the worker runs the next process.
  const o2 = new MemorySink();
  const hello = await load('hello');
  assert.deepEqual(await strategy.spawn(hello, { args: ['hello'], stdio: { stdout: { sink: o2 } } }).exited, {
    code: 0,
  });
  assert.equal(o2.text(), 'hello from corral\n');
});

/** Routes fd 1 writes of `s` into `out`. */
function withStdout(s: ProcessSyscalls, out: MemorySink): ProcessSyscalls {
  return {
    ...s,
    fd_write: (fd, data, ctx) => {
      if (fd !== 1) return s.fd_write(fd, data, ctx);
      out.chunks.push(data);
      return ok(data.length);
    },
  };
}
