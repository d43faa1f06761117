// The whole-process part of the lifecycle benchmark: `bin/corral run` and `bin/corral do` of
// examples/hello, each a new Node process from spawn to exit, against node:wasi running the same
// module in a new Node process (the floor: Node's own start-up plus one wasm instance).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile, report, round } from './report.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CORRAL = path.join(REPO, 'bin', 'corral');
const HELLO_BUNDLE = path.join(REPO, 'examples', 'hello');
const HELLO_WASM = path.join(HELLO_BUNDLE, 'rootfs', 'bin', 'hello');
const RUNS = 15;

const NODE_WASI = `
const { WASI } = require('node:wasi');
const fs = require('node:fs');
const wasi = new WASI({ version: 'preview1', args: ['/bin/hello'], env: {}, returnOnExit: true });
const mod = new WebAssembly.Module(fs.readFileSync(process.argv[1]));
const inst = new WebAssembly.Instance(mod, wasi.getImportObject());
process.exitCode = wasi.start(inst);
`;

/** Runs one process to its exit; returns the wall time in ms. Throws on a non-zero exit. */
function timed(args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${args.join(' ')} exited ${code}: ${err.trim()}`));
    });
  });
}

async function series(make: (i: number) => string[]): Promise<number[]> {
  await timed(make(-1)); // warm the file cache
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await timed(make(i)));
  return out;
}

export async function runCliLifecycleBench(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-bench-'));
  try {
    const run = await series((i) => [
      CORRAL,
      '--root',
      root,
      'run',
      '--bundle',
      HELLO_BUNDLE,
      `bench-${i + 1}`,
    ]);
    const doRun = await series(() => [CORRAL, '--root', root, 'do', HELLO_WASM]);
    const wasi = await series(() => ['--no-warnings', '-e', NODE_WASI, HELLO_WASM]);
    const floor = median(wasi);
    const line = (name: string, xs: number[]): void =>
      report({
        name,
        value: round(median(xs)),
        unit: 'ms',
        n: xs.length,
        p90: round(percentile(xs, 90)),
        vs_node_wasi: round(median(xs) / floor, 3),
      });
    line('cli_run_hello_ms', run);
    line('cli_do_hello_ms', doRun);
    line('node_wasi_hello_ms', wasi);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
