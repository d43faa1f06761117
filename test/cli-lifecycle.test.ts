// The runsc lifecycle end to end through bin/corral: create, start, exec, ps, kill, wait, delete, a
// sub-container joining a PID namespace by path, run, do, and that nothing is left behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SANDBOX_ANNOTATION, type ProcessInfo } from '../actors/loader/control_protocol.js';
import { GUESTS, makeBundle, REPO, TempDirs } from './helpers/bundles.js';
import { alive, CORRAL_BIN, CorralCli, until } from './helpers/cli.js';

const dirs = new TempDirs();
test.after(() => {
  CorralCli.killAllHosts();
  dirs.cleanup();
});

const SLEEP = ['/bin/sleep', '1000000'];

function hostPid(stateJson: string): number {
  return (JSON.parse(stateJson) as { pid: number }).pid;
}

test('create, start, exec two processes, ps, kill --pid, wait --pid, kill --all, wait, delete', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['sleep', 'hello'], args: SLEEP });
  const created = await cli.run(['create', '--bundle', bundle, '--pid-file', path.join(bundle, 'pid'), 'c1']);
  assert.equal(created.code, 0, created.stderr);
  const host = hostPid(await cli.ok(['state', 'c1']));
  assert.ok(alive(host), 'the sandbox host runs');
  assert.equal(Number(fs.readFileSync(path.join(bundle, 'pid'), 'utf8')), host);
  assert.equal(JSON.parse(await cli.ok(['state', 'c1'])).status, 'created');
  await cli.ok(['start', 'c1']);
  assert.equal(JSON.parse(await cli.ok(['state', 'c1'])).status, 'running');
  // The root container's init writes to the create caller's stdout, through the sandbox host.
  await until(() => fs.readFileSync(created.stdoutFile, 'utf8').includes('sleeping'), 'the init to print');

  const pidFile = (n: number): string => path.join(bundle, `exec${n}.pid`);
  await cli.ok(['exec', '--detach', '--pid-file', pidFile(1), 'c1', ...SLEEP]);
  await cli.ok(['exec', '-d', '--pid-file', pidFile(2), 'c1', ...SLEEP]);
  const [p1, p2] = [1, 2].map((n) => Number(fs.readFileSync(pidFile(n), 'utf8')));
  assert.ok(p1! > 0 && p2! > 0 && p1 !== p2);

  const ps = JSON.parse(await cli.ok(['ps', '--format', 'json', 'c1'])) as ProcessInfo[];
  assert.deepEqual(
    ps.map((p) => p.pid).sort((a, b) => a - b),
    [ps.find((p) => !p.execd)!.pid, p1, p2].sort((a, b) => a! - b!),
  );
  assert.equal(ps.filter((p) => p.execd).length, 2);
  const table = await cli.ok(['ps', 'c1']);
  assert.match(table, /^UID\s+PID\s+PPID/);
  assert.equal(table.trim().split('\n').length, 4);

  await cli.ok(['kill', '--pid', String(p1), 'c1', 'KILL']);
  const w1 = await cli.run(['wait', '--pid', String(p1), 'c1']);
  assert.equal(w1.code, 137);
  assert.deepEqual(JSON.parse(w1.stdout), { id: 'c1', exitStatus: 137 });
  const after = JSON.parse(await cli.ok(['ps', '--format', 'json', 'c1'])) as ProcessInfo[];
  assert.ok(!after.some((p) => p.pid === p1), 'the killed process is gone from ps');

  await cli.ok(['kill', '--all', 'c1', 'SIGKILL']);
  const w = await cli.run(['wait', 'c1']);
  assert.equal(w.code, 137);
  assert.equal(JSON.parse(await cli.ok(['state', 'c1'])).status, 'stopped');
  await cli.ok(['delete', 'c1']);
  assert.equal(alive(host), false, 'the sandbox host has exited when delete returns');
  assert.deepEqual(cli.leftovers(), []);
  assert.equal(await cli.ok(['list', '-q']), '');
});

test('exec relays stdin, stdout and the exit code; run and do exit with the guest status', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['sleep', 'cat', 'exit_code', 'hello'], args: SLEEP });
  await cli.ok(['create', '--bundle', bundle, 'c2']);
  await cli.ok(['start', 'c2']);
  const cat = await cli.run(['exec', 'c2', '/bin/cat'], { stdin: 'through the fifo\n' });
  assert.equal(cat.code, 0, cat.stderr);
  assert.equal(cat.stdout, 'through the fifo\n');
  const ex = await cli.run(['exec', '--env', 'X=1', 'c2', 'exit_code', '3']);
  assert.equal(ex.code, 3);
  assert.equal(ex.stdout, 'exiting with 3\n');
  assert.deepEqual(
    fs.readdirSync(path.join(cli.root, 'c2')).filter((f) => f.startsWith('exec-')),
    [],
    'the FIFOs are removed',
  );
  await cli.ok(['delete', '--force', 'c2']);

  const hello = await cli.run(['run', '--bundle', path.join(REPO, 'examples', 'hello'), 'h']);
  assert.equal(hello.code, 0, hello.stderr);
  assert.match(hello.stdout, /Hello from Corral/);
  const three = makeBundle(dirs, { bins: ['exit_code'], args: ['/bin/exit_code', '7'] });
  assert.equal((await cli.run(['run', '--bundle', three, 'r7'])).code, 7);
  const d = await cli.run(['do', path.join(GUESTS, 'exit_code.wasm'), '5']);
  assert.equal(d.code, 5);
  assert.equal(d.stdout, 'exiting with 5\n');
  assert.deepEqual(cli.leftovers(), [], 'run and do remove their state and bundles');
});

test('sub-containers join a sandbox, and one joins another PID namespace by path', async () => {
  const cli = new CorralCli(dirs);
  const root = makeBundle(dirs, { bins: ['sleep'], args: SLEEP });
  const join = { [SANDBOX_ANNOTATION]: 'sb' };
  const s1 = makeBundle(dirs, { bins: ['sleep'], args: SLEEP, pidns: '/run/ns/shared', annotations: join });
  const s2 = makeBundle(dirs, { bins: ['sleep'], args: SLEEP, pidns: '/run/ns/shared', annotations: join });
  await cli.ok(['create', '--bundle', root, 'sb']);
  const host = hostPid(await cli.ok(['state', 'sb']));
  await cli.ok(['start', 'sb']);
  await cli.ok(['create', '--bundle', s1, 's1']);
  await cli.ok(['create', '--bundle', s2, 's2']);
  assert.equal(hostPid(await cli.ok(['state', 's1'])), host, 'same sandbox host');
  await cli.ok(['start', 's1']);
  await cli.ok(['start', 's2']);
  const ps1 = JSON.parse(await cli.ok(['ps', '--format', 'json', 's1'])) as ProcessInfo[];
  const ps2 = JSON.parse(await cli.ok(['ps', '--format', 'json', 's2'])) as ProcessInfo[];
  assert.equal(ps1[0]!.nspid, 1, "s1's init is init of the new namespace");
  assert.equal(ps2[0]!.nspid, 2, "s2's init is the second process of s1's namespace");
  const listed = (await cli.ok(['list', '-q'])).trim().split('\n');
  assert.deepEqual(listed, ['s1', 's2', 'sb']);

  // The root container goes first; the host stays for the others, and ends with the last one.
  await cli.ok(['delete', '--force', 'sb']);
  assert.ok(alive(host));
  // Its directory held the control socket: the others still reach the sandbox through it.
  assert.equal(JSON.parse(await cli.ok(['state', 's1'])).id, 's1');
  assert.equal((await cli.ok(['list', '-q'])).trim(), 's1\ns2');
  await cli.ok(['delete', '--force', 's1']);
  assert.ok(alive(host));
  await cli.ok(['delete', '--force', 's2']);
  assert.equal(alive(host), false);
  assert.deepEqual(cli.leftovers(), []);
});

test('delete --force of a running container leaves no process, state or temp file', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['sleep', 'spin'], args: ['/bin/spin'] });
  const before = fs.readdirSync(bundle).sort();
  await cli.ok(['run', '--detach', '--bundle', bundle, 'f1']);
  const host = hostPid(await cli.ok(['state', 'f1']));
  await cli.ok(['exec', '-d', 'f1', ...SLEEP]);
  const refused = await cli.run(['delete', 'f1']);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    'corral: cannot delete running container "f1": stop it first or use --force\n',
  );
  await cli.ok(['delete', '--force', 'f1']);
  assert.equal(alive(host), false);
  assert.deepEqual(cli.leftovers(), []);
  assert.deepEqual(fs.readdirSync(bundle).sort(), before);
  const gone = await cli.run(['state', 'f1']);
  assert.equal(gone.code, 1);
  assert.equal(gone.stderr, 'corral: container "f1" does not exist\n');
});

test('run catches and forwards SIGTERM; a kill from another terminal ends it with 128+9', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['sleep'], args: SLEEP });
  const child = spawn(CORRAL_BIN, ['--root', cli.root, 'run', '--bundle', bundle, 'sig'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  try {
    await until(() => out.includes('sleeping'), 'the init to start');
    // Another terminal sees the in-process sandbox through its control socket.
    assert.equal(JSON.parse(await cli.ok(['state', 'sig'])).status, 'running');
    // run survives its own SIGTERM (it forwards it). The init, like Linux's PID-namespace init, ignores
    // a default-action signal from outside its namespace (guests cannot install handlers yet), so the
    // container keeps running: `docker stop` of a bare `sleep` behaves the same.
    child.kill('SIGTERM');
    assert.equal(JSON.parse(await cli.ok(['state', 'sig'])).status, 'running');
    assert.equal(child.exitCode, null);
    await cli.ok(['kill', 'sig', 'KILL']);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>(
      (r) => (timer = setTimeout(() => r('no exit within 10 s of SIGKILL'), 10_000)),
    );
    const code = await Promise.race([exited, late]);
    clearTimeout(timer);
    assert.equal(code, 137);
    assert.deepEqual(cli.leftovers(), []);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a sandbox host that died: state says stopped, delete cleans up; exec --process', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['sleep', 'exit_code'], args: SLEEP });
  await cli.ok(['run', '-d', '--bundle', bundle, 'dead']);
  const procFile = path.join(bundle, 'process.json');
  fs.writeFileSync(procFile, JSON.stringify({ args: ['/bin/exit_code', '4'], cwd: '/' }));
  const ex = await cli.run(['exec', '--process', procFile, 'dead']);
  assert.equal(ex.code, 4);
  assert.equal(ex.stdout, 'exiting with 4\n');
  fs.writeFileSync(procFile, JSON.stringify({ args: 'x' }));
  const bad = await cli.run(['exec', '--process', procFile, 'dead']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /process\.json: args: must be a non-empty array of strings/);

  const host = hostPid(await cli.ok(['state', 'dead']));
  process.kill(host, 'SIGKILL');
  await until(() => !alive(host), 'the host to die');
  const st = JSON.parse(await cli.ok(['state', 'dead'])) as { status: string; pid: number };
  assert.equal(st.status, 'stopped');
  assert.equal(st.pid, 0);
  const k = await cli.run(['kill', 'dead']);
  assert.equal(k.code, 1);
  assert.equal(k.stderr, 'corral: sandbox for container "dead" is not running\n');
  await cli.ok(['delete', 'dead']);
  assert.deepEqual(cli.leftovers(), []);
});
