// Bad input through bin/corral: each a clear error, a non-zero exit, and nothing left behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeBundle, TempDirs } from './helpers/bundles.js';
import { alive, CorralCli } from './helpers/cli.js';

const dirs = new TempDirs();
test.after(() => {
  CorralCli.killAllHosts();
  dirs.cleanup();
});

const SLEEP = ['/bin/sleep', '1000000'];

async function refused(cli: CorralCli, args: string[], stderr: RegExp | string, code = 1): Promise<void> {
  const r = await cli.run(args);
  assert.equal(r.code, code, `corral ${args.join(' ')}: ${r.stderr}`);
  if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
  else assert.match(r.stderr, stderr);
  assert.equal(r.stdout, '');
}

test('bundles with a missing or malformed config.json, or wrong field types', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['hello'], args: ['/bin/hello'] });
  const config = path.join(bundle, 'config.json');
  const good = fs.readFileSync(config, 'utf8');
  fs.rmSync(config);
  await refused(cli, ['create', '--bundle', bundle, 'x'], `corral: no config.json in bundle ${bundle}\n`);
  fs.writeFileSync(config, '{"ociVersion": "1.0.2", "process": ');
  await refused(cli, ['create', '--bundle', bundle, 'x'], /^corral: config\.json.*\n$/);
  const spec = JSON.parse(good) as { process: { args: unknown; cwd: unknown } };
  spec.process.args = 'hello';
  fs.writeFileSync(config, JSON.stringify(spec));
  await refused(
    cli,
    ['create', '--bundle', bundle, 'x'],
    /process\.args: must be a non-empty array of strings/,
  );
  spec.process.args = ['/bin/hello'];
  spec.process.cwd = 7;
  fs.writeFileSync(config, JSON.stringify(spec));
  await refused(cli, ['run', '--bundle', bundle, 'x'], /process\.cwd/);
  await refused(cli, ['create', '--bundle', path.join(bundle, 'nope'), 'x'], /does not exist/);
  assert.deepEqual(cli.leftovers(), []);
});

test('a missing executable is exit 127 at once; a non-wasm one is 126', async () => {
  const cli = new CorralCli(dirs);
  const missing = makeBundle(dirs, { bins: ['hello'], args: ['/bin/x'] });
  for (const cmd of ['create', 'run']) {
    const r = await cli.run([cmd, '--bundle', missing, 'm']);
    assert.equal(r.code, 127);
    assert.equal(r.stderr, 'corral: executable not found: /bin/x\n');
    assert.ok(r.ms < 3000, `${cmd} failed fast (${r.ms} ms)`);
  }
  const notWasm = makeBundle(dirs, { bins: ['hello'], args: ['/bin/script'] });
  fs.writeFileSync(path.join(notWasm, 'rootfs', 'bin', 'script'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await refused(
    cli,
    ['create', '--bundle', notWasm, 'n'],
    'corral: not a WebAssembly module: /bin/script\n',
    126,
  );
  const d = await cli.run(['do', path.join(notWasm, 'rootfs', 'bin', 'script')]);
  assert.equal(d.code, 126);
  assert.match(d.stderr, /not a WebAssembly module/);
  assert.deepEqual(cli.leftovers(), []);
});

test('unknown ids, a second create with the same id, start twice, exec of a missing program', async () => {
  const cli = new CorralCli(dirs);
  for (const args of [['start'], ['state'], ['kill'], ['delete'], ['wait'], ['ps'], ['exec', '-d']]) {
    await refused(
      cli,
      [...args, 'ghost', ...(args[0] === 'exec' ? ['/bin/sleep'] : [])],
      'corral: container "ghost" does not exist\n',
    );
  }
  const bundle = makeBundle(dirs, { bins: ['sleep'], args: SLEEP });
  await cli.ok(['create', '--bundle', bundle, 'dup']);
  const host = (JSON.parse(await cli.ok(['state', 'dup'])) as { pid: number }).pid;
  await refused(cli, ['create', '--bundle', bundle, 'dup'], 'corral: container "dup" already exists\n');
  assert.equal(JSON.parse(await cli.ok(['state', 'dup'])).status, 'created', 'the first one is intact');
  await cli.ok(['start', 'dup']);
  await refused(cli, ['start', 'dup'], /^corral: container "dup" is already started/);
  await refused(cli, ['exec', 'dup', '/bin/nope'], 'corral: executable not found: /bin/nope\n', 127);
  await refused(cli, ['kill', 'dup', 'SIGNOPE'], /invalid signal "SIGNOPE"/, 2);
  await refused(cli, ['frobnicate'], /unknown command "frobnicate"/, 2);
  await cli.ok(['delete', '--force', 'dup']);
  assert.equal(alive(host), false);
  assert.deepEqual(cli.leftovers(), []);
});

test('spec writes a default config.json and refuses to overwrite it', async () => {
  const cli = new CorralCli(dirs);
  const dir = dirs.make('corral-spec-');
  await cli.ok(['spec', '--bundle', dir]);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    process: { args: string[] };
  };
  assert.deepEqual(spec.process.args, ['/bin/hello']);
  await refused(cli, ['spec', '--bundle', dir], 'corral: File config.json exists. Remove it first\n');
  const help = await cli.run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: corral/);
});
