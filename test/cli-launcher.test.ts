// bin/corral, the launcher, and bin/corral.cjs, which loads the CLI bundle with a V8 code cache: the
// launcher drops NODE_EXTRA_CA_CERTS and passes everything else through; the code cache is made
// by a first run, used (not remade) by the next, remade when V8 rejects it, and never kept in a
// directory others may write.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { CORRAL_BIN } from './helpers/cli.js';
import { REPO, TempDirs } from './helpers/bundles.js';

const dirs = new TempDirs();
test.after(() => dirs.cleanup());

function corral(args: string[], env: NodeJS.ProcessEnv): { code: number | null; out: string; err: string } {
  const r = spawnSync(CORRAL_BIN, args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('the launcher runs bin/corral.cjs with CORRAL_NODE, without NODE_EXTRA_CA_CERTS, args intact', () => {
  const dir = dirs.make('corral-launcher-');
  const report = join(dir, 'report');
  const fake = join(dir, 'fake-node');
  // Stands in for node: records what it was given.
  fs.writeFileSync(
    fake,
    `#!/bin/sh\n{ echo "ca=\${NODE_EXTRA_CA_CERTS-unset}"; echo "keep=$KEEP_ME"; for a in "$@"; do echo "arg=$a"; done; } > "${report}"\n`,
    { mode: 0o755 },
  );
  // Through a symlink, as npm installs bins.
  const link = join(dir, 'corral');
  fs.symlinkSync(CORRAL_BIN, link);
  execFileSync(link, ['run', 'a b', ''], {
    env: {
      ...process.env,
      CORRAL_NODE: fake,
      NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
      KEEP_ME: 'yes',
    },
  });
  const lines = fs.readFileSync(report, 'utf8').trim().split('\n');
  assert.deepEqual(lines, [
    'ca=unset',
    'keep=yes',
    `arg=${join(REPO, 'bin', 'corral.cjs')}`,
    'arg=run',
    'arg=a b',
    'arg=',
  ]);
});

test('the code cache: made by a first run, used by the next, remade when V8 rejects it', () => {
  // Only the bundle is compiled with a cache (a later tsc alone makes bin/corral.cjs run the tree).
  const bundle = fs.statSync(join(REPO, 'dist', 'cli', 'corral.bundle.cjs')).mtimeMs;
  const entry = fs.statSync(join(REPO, 'dist', 'cli', 'corral_entry.js')).mtimeMs;
  assert.ok(bundle >= entry, 'the CLI bundle is older than the tree: run `npm run build` first');
  const cache = dirs.make('corral-codecache-');
  const env = { CORRAL_CACHE_DIR: cache };
  const first = corral(['--version'], env);
  assert.equal(first.code, 0, first.err);
  const codeDir = join(cache, 'code');
  const files = fs.readdirSync(codeDir).filter((n) => n.endsWith('.bin'));
  assert.equal(files.length, 1, `got ${files.join(',')}, want one cache file`);
  const file = join(codeDir, files[0]!);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const made = fs.readFileSync(file);
  assert.ok(made.length > 10_000, `got a ${made.length}-byte cache, want the bundle's code`);

  // Used: the same output, and the file is not written again (a rejected cache would be).
  const before = fs.statSync(file, { bigint: true }).mtimeNs;
  const second = corral(['--version'], env);
  assert.equal(second.code, 0, second.err);
  assert.equal(second.out, first.out);
  assert.equal(fs.statSync(file, { bigint: true }).mtimeNs, before, 'an accepted cache is not rewritten');
  assert.deepEqual(fs.readFileSync(file), made);

  // Garbage in its place: rejected by V8, the CLI still runs, and a good cache replaces it.
  fs.writeFileSync(file, Buffer.alloc(4096, 0x5a));
  const third = corral(['--version'], env);
  assert.equal(third.code, 0, third.err);
  assert.equal(third.out, first.out);
  const remade = fs.readFileSync(file);
  assert.notDeepEqual(remade, Buffer.alloc(4096, 0x5a));
  assert.ok(remade.length > 10_000);
});

test('no code cache in a directory others may write, nor with CORRAL_CACHE_DIR empty', () => {
  const open = dirs.make('corral-codecache-');
  fs.chmodSync(open, 0o777);
  const r = corral(['--version'], { CORRAL_CACHE_DIR: open });
  assert.equal(r.code, 0, r.err);
  const code = join(open, 'code');
  assert.deepEqual(fs.existsSync(code) ? fs.readdirSync(code) : [], []);

  const home = dirs.make('corral-home-');
  const off = corral(['--version'], { CORRAL_CACHE_DIR: '', HOME: home, XDG_CACHE_HOME: '' });
  assert.equal(off.code, 0, off.err);
  assert.deepEqual(fs.readdirSync(home), []);
});

test('the bundles run in strict mode and share each builtin module namespace', () => {
  for (const name of ['corral.bundle.cjs', 'sandbox_host.bundle.cjs']) {
    const text = fs.readFileSync(join(REPO, 'dist', 'cli', name), 'utf8');
    // The directive opens the code (esbuild's own comes after the banner, where it does nothing).
    assert.ok(text.startsWith('"use strict";\n'), `${name} opens with "use strict"`);
    assert.equal(text.split('__toESM(require("node:').length - 1, 0, `${name}: no per-importer namespace`);
    assert.ok(text.includes('__toESMBuiltin(require("node:fs")'), `${name}: shared namespaces`);
  }
  // Strict mode, in fact: assigning to an undeclared name throws there (and only there).
  const probe = join(dirs.make(), 'probe.cjs');
  const bundle = fs.readFileSync(join(REPO, 'dist', 'cli', 'corral.bundle.cjs'), 'utf8');
  const head = bundle.slice(0, bundle.indexOf('\n// '));
  fs.writeFileSync(
    probe,
    `${head}\ntry { undeclaredCorralName = 1; console.log('sloppy'); } catch { console.log('strict'); }\n`,
  );
  assert.equal(execFileSync(process.execPath, [probe], { encoding: 'utf8' }).trim(), 'strict');
});
