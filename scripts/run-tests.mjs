// Runs every test suite, streams its output, and sums the counts into the closing line
// "N passed, N failed" that CI reads. Exit code is non-zero when anything failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const filter = process.argv.slice(2);
// The CLI's module cache (platform/instrument_cache.ts) goes to a directory of this run's own, not
// the user's ~/.cache: tests start from a cold cache and leave nothing behind.
const cacheDir = mkdtempSync(join(tmpdir(), 'corral-test-cache-'));
process.env.CORRAL_CACHE_DIR = cacheDir;
let passed = 0;
let failed = 0;

// TypeScript tests, compiled to dist/test/*.test.js.
const testDir = 'dist/test';
const files = existsSync(testDir)
  ? readdirSync(testDir)
      .filter((f) => f.endsWith('.test.js'))
      .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
      .map((f) => join(testDir, f))
  : [];
if (files.length > 0) {
  const r = await run(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', ...files]);
  const pass = /^# pass (\d+)/m.exec(r.out);
  const fail = /^# fail (\d+)/m.exec(r.out);
  passed += pass ? Number(pass[1]) : 0;
  failed += fail ? Number(fail[1]) : 0;
  if (!pass || (r.code !== 0 && (!fail || Number(fail[1]) === 0))) failed += 1; // runner itself broke
}

// kernel-core Rust unit tests (host toolchain).
if (existsSync('kernel-core/Cargo.toml') && (filter.length === 0 || filter.includes('kernel'))) {
  const r = await run('cargo', ['test', '--quiet', '--manifest-path', 'kernel-core/Cargo.toml']);
  let any = false;
  for (const m of r.out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
    any = true;
  }
  if (!any || r.code !== 0) failed += any ? 0 : 1;
}

rmSync(cacheDir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
