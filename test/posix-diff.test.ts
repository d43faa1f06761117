// Differential tests against Linux: every program of test/guests/posix is built natively with gcc
// and to wasm with the SDK (`corral cc`), run both ways, and must print the same and end the same.
// Programs print no raw pids (they compare them and print the verdict) and write stdout unbuffered,
// so that what is compared is the process model, not two libcs' buffering.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { closeGuestStrategy, guestBusyCount } from '../actors/process-group/guest_platform.js';
import { TempDirs } from './helpers/bundles.js';
import { programs, runCorral, runNative } from './helpers/posix_programs.js';

const dirs = new TempDirs();
after(async () => {
  await closeGuestStrategy();
  dirs.cleanup();
});

/** Programs whose behaviour is Corral's alone (PID namespaces), checked in guest-abi.test.ts. */
const CORRAL_ONLY = new Set(['pidns_init_death']);

const all = programs();

test('there are at least 30 differential programs', () => {
  assert.ok(all.filter((p) => !CORRAL_ONLY.has(p)).length >= 30, `got ${all.length}: ${all.join(', ')}`);
});

for (const name of all.filter((p) => !CORRAL_ONLY.has(p))) {
  test(`${name}: Corral matches Linux`, async () => {
    const linux = runNative(name, [], dirs);
    const corral = await runCorral(name, [], dirs);
    assert.equal(corral.stdout, linux.stdout, `${name}: stdout differs`);
    assert.equal(corral.status, linux.status, `${name}: exit status differs`);
  });
}

test('nothing is left running', () => {
  assert.equal(guestBusyCount(), 0);
});
