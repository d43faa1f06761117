// The whole-process part of the lifecycle benchmark: `bin/corral run` and `bin/corral do` of
// examples/hello, each a new process from spawn to exit, run as a user runs them (the bin/corral
// launcher), against node:wasi running the same module in a new Node process (the floor: Node's own
// start-up plus one wasm instance), all with this process's environment.
//
// The launcher drops NODE_EXTRA_CA_CERTS (bin/corral says why); node:wasi keeps whatever the
// environment has, as a user's `node` would. So that the difference shows, `cli_run_hello_cjs_ms`
// runs the same command as `node bin/corral.cjs`, with the environment untouched, and every line
// says whether the variable was set.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile, report, round } from './report.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CORRAL = path.join(REPO, 'bin', 'corral');
const CORRAL_CJS = path.join(REPO, 'bin', 'corral.cjs');
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
function timed(argv: string[], cacheDir: string): Promise<number> {
  const [cmd, ...args] = argv;
  const t0 = performance.now();
  const child = spawn(cmd!, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    // A module cache of the bench's own (platform/instrument_cache.ts): the warm-up run fills it.
    env: { ...process.env, CORRAL_NODE: process.execPath, CORRAL_CACHE_DIR: cacheDir },
  });
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

/**
 * Runs each command RUNS times, interleaved round by round (so that a noisy neighbour slows all of
 * them alike), after one warm-up round (the file cache, and the module cache).
 */
async function rounds(cmds: ((i: number) => string[])[], cacheDir: string): Promise<number[][]> {
  for (const make of cmds) await timed(make(-1), cacheDir);
  const out: number[][] = cmds.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, make] of cmds.entries()) out[k]!.push(await timed(make(i), cacheDir));
  }
  return out;
}

export async function runCliLifecycleBench(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-bench-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-bench-cache-'));
  try {
    const runArgs = (i: number): string[] => [
      '--root',
      root,
      'run',
      '--bundle',
      HELLO_BUNDLE,
      `bench-${i + 1}`,
    ];
    const [run, doRun, wasi, cjs] = await rounds(
      [
        (i) => [CORRAL, ...runArgs(i)],
        () => [CORRAL, '--root', root, 'do', HELLO_WASM],
        () => [process.execPath, '--no-warnings', '-e', NODE_WASI, HELLO_WASM],
        (i) => [process.execPath, CORRAL_CJS, ...runArgs(i)],
      ],
      cache,
    );
    const floor = median(wasi!);
    const line = (name: string, xs: number[], extra: Record<string, number> = {}): void =>
      report({
        name,
        value: round(median(xs)),
        unit: 'ms',
        n: xs.length,
        p90: round(percentile(xs, 90)),
        vs_node_wasi: round(median(xs) / floor, 3),
        node_extra_ca_certs: process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset',
        ...extra,
      });
    line('cli_run_hello_ms', run!, { target: 150 });
    line('cli_run_hello_cjs_ms', cjs!);
    line('cli_do_hello_ms', doRun!);
    line('node_wasi_hello_ms', wasi!);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
}
