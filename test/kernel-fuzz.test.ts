// Random words through the binding's raw entry: the core must answer every input with a result
// (a status word), never trap, and keep working afterwards.
import test from 'node:test';
import { xorshift } from './helpers/prng.js';
import assert from 'node:assert/strict';
import { Errno, KernelCore, Op, asPid } from '../kernel-core/binding/index.js';

test('random operations never trap and always return a status', () => {
  const core = new KernelCore();
  const codes = Object.values(Op);
  const errnos = new Set(Object.values(Errno).filter((v) => typeof v === 'number'));
  const rnd = xorshift(0x5eed);
  const k = core.createKernel();
  const c = k.registerContainer();
  const init = k.spawnInit(c, k.rootNs);
  assert.ok(init.ok);
  const words = new Int32Array(16);
  for (let i = 0; i < 100_000; i++) {
    const len = rnd() % 14;
    for (let j = 0; j < len; j++) {
      const x = rnd();
      words[j] = x % 4 === 0 ? x | 0 : (x >>> 8) % 8;
    }
    if (len > 0 && rnd() % 3 !== 0) words[0] = codes[rnd() % codes.length]!;
    if (len > 1 && rnd() % 4 !== 0) words[1] = k.id;
    if (words[0] === Op.DESTROY_KERNEL) words[0] = Op.GETPID; // keep the target kernel alive
    const r = core.raw(words.subarray(0, len));
    assert.ok(r.length >= 2 || (r.length === 0 && len === 0), `no header for ${[...words.subarray(0, len)]}`);
    const st = r[0]!;
    assert.ok(st <= 0 ? st >= -5 : errnos.has(st), `status ${st} is neither a fault nor a known errno`);
  }
  assert.deepEqual(k.getpid(asPid(1)).ok || true, true);
  const fresh = core.createKernel();
  assert.ok(fresh.spawnInit(fresh.registerContainer(), fresh.rootNs).ok, 'the instance still works');
});
