// `corral events --stats` end to end: CPU time and memory of a container's processes, measured per
// guest thread, summed over running ones and kept for ended ones (as cgroup cpuacct keeps exited
// tasks' time).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { ContainerStats } from '../actors/loader/control_protocol.js';
import { makeBundle, TempDirs } from './helpers/bundles.js';
import { CorralCli, until } from './helpers/cli.js';

const dirs = new TempDirs();
test.after(() => {
  CorralCli.killAllHosts();
  dirs.cleanup();
});

async function stats(cli: CorralCli, id: string): Promise<ContainerStats> {
  const ev = JSON.parse(await cli.ok(['events', '--stats', id])) as { type: string; data: ContainerStats };
  assert.equal(ev.type, 'stats');
  return ev.data;
}

test('events --stats counts CPU time and memory of running and ended processes', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['spin', 'sleep'], args: ['/bin/spin'] });
  const created = await cli.run(['create', '--bundle', bundle, 's1']);
  assert.equal(created.code, 0, created.stderr);
  await cli.ok(['start', 's1']);
  await until(() => fs.readFileSync(created.stdoutFile, 'utf8').includes('spinning'), 'the spinner to start');
  await cli.ok(['exec', '--detach', 's1', '/bin/sleep', '1000000']);

  // A spinning guest never makes a call: only per-thread accounting can see its CPU time grow.
  let first: ContainerStats | undefined;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const s = await stats(cli, 's1');
    first ??= s;
    if ((s.cpuMs ?? 0) >= 100 && (s.cpuMs ?? 0) > (first.cpuMs ?? 0)) {
      first = s;
      break;
    }
    if (Date.now() > deadline)
      assert.fail(`CPU time did not grow: first ${first.cpuMs} ms, last ${s.cpuMs} ms`);
  }
  assert.equal(first.pids.current, 2);
  assert.equal(first.started, 2);
  // Both guests have a linear memory of at least one 64 KiB page each.
  assert.ok((first.memoryBytes ?? 0) >= 2 * 65536, `got memoryBytes ${first.memoryBytes}, want >= 131072`);

  await cli.ok(['kill', '--all', 's1', 'KILL']);
  const w = await cli.run(['wait', 's1']);
  assert.equal(w.code, 137, w.stderr);
  // Ended processes keep their time; nothing runs, so no memory is counted.
  const end = await stats(cli, 's1');
  assert.equal(end.pids.current, 0);
  assert.equal(end.exited, 2);
  assert.equal(end.memoryBytes, 0);
  assert.ok((end.cpuMs ?? 0) >= first.cpuMs!, `got cpuMs ${end.cpuMs} after exit, want >= ${first.cpuMs}`);
  await cli.ok(['delete', 's1']);
  assert.deepEqual(cli.leftovers(), []);
});

test('linux.resources.pids.limit caps a container as cgroup pids.max does, and events shows it', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['sleep'], args: ['/bin/sleep', '1000000'] });
  const configFile = `${bundle}/config.json`;
  const spec = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { linux: Record<string, unknown> };
  spec.linux.resources = { pids: { limit: 2 } };
  fs.writeFileSync(configFile, JSON.stringify(spec));
  const created = await cli.run(['create', '--bundle', bundle, 'p1']);
  assert.equal(created.code, 0, created.stderr);
  await cli.ok(['start', 'p1']);
  await cli.ok(['exec', '--detach', 'p1', '/bin/sleep', '1000000']);
  // The third live process would exceed pids.max: fork(2) fails with EAGAIN there.
  const third = await cli.run(['exec', '--detach', 'p1', '/bin/sleep', '1000000']);
  assert.notEqual(third.code, 0);
  assert.match(third.stderr, /EAGAIN|resource temporarily unavailable|limit/i);
  const s = await stats(cli, 'p1');
  assert.deepEqual(s.pids, { current: 2, limit: 2 });
  await cli.ok(['delete', '--force', 'p1']);
  assert.deepEqual(cli.leftovers(), []);
});
