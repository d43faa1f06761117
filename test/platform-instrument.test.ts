// Loop instrumentation (platform/instrument.ts): a guest spinning without a syscall still reaches a
// signal boundary. While its host holds the delivery (a stop), the thread uses no CPU; a handler can
// run in the middle of the loop; and a rewritten module behaves as the original.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralOp } from '../platform/corral_abi.js';
import { POLL_FLAG_EXPORT, instrumentLoops } from '../platform/instrument.js';
import { MemorySink } from '../platform/stdio.js';
import { ok, type CorralResult, type ProcessSyscalls, type SyscallResult } from '../platform/syscalls.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { StdioSyscalls } from '../platform/wasi_handlers.js';
import { Wasm } from '../platform/wasm_api.js';
import { buildGuests, guestCache, loadGuest } from './helpers/guest_modules.js';
import { GUESTS } from './helpers/bundles.js';

let strategy: ThreadStrategy;
test.before(async () => {
  buildGuests();
  strategy = new ThreadStrategy({ warm: 1 });
  await strategy.pool.warmUp();
});
test.after(() => strategy.close());

/** Polls `cond` until it holds or the deadline passes (no sleeps as synchronisation). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 1));
  }
}

test('every guest program still compiles after the rewrite, and gets the poll flag export', async () => {
  for (const name of ['hello', 'spin', 'cat', 'fs_calls', 'abi_procs', 'bench_procs']) {
    const bytes = new Uint8Array(readFileSync(join(GUESTS, `${name}.wasm`)));
    const out = instrumentLoops(bytes);
    assert.ok(Wasm.validate(out), `${name}: the rewritten module must validate`);
    const m = await Wasm.compile(out);
    const exports = Wasm.Module.exports(m).map((e) => `${e.name}:${e.kind}`);
    assert.ok(exports.includes(`${POLL_FLAG_EXPORT}:global`), `${name}: got exports ${exports.join(', ')}`);
  }
});

test('a module with no proc_exit import is left as it is', () => {
  // (module (func (loop)) (memory 1)): a loop but no import to call.
  const bytes = Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 10, 7, 1, 5, 0, 3, 64, 11, 11,
  ]);
  assert.ok(Wasm.validate(bytes));
  assert.equal(instrumentLoops(bytes), bytes);
});

test('a spinning guest stops at its next loop poll while its signal delivery is held', async () => {
  const out = new MemorySink();
  const base = new StdioSyscalls({ stdout: { sink: out } });
  let asked = 0;
  let release: ((r: SyscallResult<CorralResult>) => void) | null = null;
  const handlers: ProcessSyscalls = Object.assign(Object.create(base) as StdioSyscalls, {
    // As the Loader does for a stopped process: the delivery parks until SIGCONT.
    corral(op: number) {
      assert.equal(op, CorralOp.SIGNAL_NEXT);
      asked++;
      return new Promise<SyscallResult<CorralResult>>((r) => (release = r));
    },
  });
  const proc = strategy.spawn(await loadGuest('spin'), { args: ['spin'], syscalls: handlers });
  await until(() => out.text() === 'spinning\n');
  proc.interrupt();
  await until(() => asked === 1);
  // Parked in the poll: its thread's CPU time stands still (a spinning thread gains ~1 ms per ms).
  const before = proc.usage().cpuNs;
  const t0 = performance.now();
  await until(() => performance.now() - t0 >= 50);
  const used = (proc.usage().cpuNs - before) / 1e6;
  assert.ok(used < 10, `a held guest used ${used.toFixed(1)} ms of CPU in 50 ms`);
  // SIGCONT: nothing to deliver; it spins again, and only a kill ends it.
  release!(ok({ value: 0 }));
  const again = proc.usage().cpuNs;
  await until(() => proc.usage().cpuNs - again > 5e6);
  proc.kill(9);
  assert.deepEqual(await proc.exited, { signal: 9 });
});

test('the compile cache instruments what it loads', async () => {
  const m = await guestCache.load(join(GUESTS, 'spin.wasm'));
  assert.ok(Wasm.Module.exports(m.module).some((e) => e.name === POLL_FLAG_EXPORT));
});
