// npm run bench -- fs: file calls under Corral (gofer out of process, the default, and in process)
// against node:wasi, in the same run, on the same files, with the same guest timing itself. Corral
// is measured twice: the guest on the platform with FileSyscalls over a gofer (the library), and
// the guest exec'd into a container of a sandbox, its files a bind mount served by the container's
// gofer (the wired path: Loader, container and process-group actors, GuestSyscalls). Both serve
// the files a guest opened on its own thread (the direct file service, platform/direct_layout.ts);
// `gofer_only*` is the library with that off, every call a round trip through the gofer.
// node:wasi's readdir lists no '.' and '..' and reports every d_ino as 0; Corral's, as Linux's
// getdents, lists both and real inode numbers.
// Targets (issue 6): out of process within 2x of node:wasi, in process within 1.2x.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { ModuleCache } from '../../platform/module.js';
import { Wasm } from '../../platform/wasm_api.js';
import { ThreadStrategy } from '../../platform/thread/thread_strategy.js';
import { median, report, round } from './report.js';
import { openGofer, runCorral, runNodeWasi, type GoferKind } from './_fs_runners.js';
import { SandboxFsRunner } from './_fs_sandbox.js';
import { closeGuestStrategy } from '../../actors/process-group/guest_platform.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const REPEATS = 5;
/**
 * Runs of each case before the measured ones, not counted: Corral's file service is JavaScript
 * that V8 compiles as it runs (node:wasi's is C++), and the JIT state a worker thread reaches is
 * what a warm engine serves with. Every runtime gets them alike.
 */
const WARMUP = 5;

/** [bench name, guest mode, iterations per run, unit]. MiB/s figures are derived from ns per op. */
const CASES: readonly [string, string, number, 'us' | 'MiB/s'][] = [
  ['fs_open_read_close_small_us', 'open_read_close', 300, 'us'],
  ['fs_stat_us', 'stat', 500, 'us'],
  ['fs_readdir_1000_us', 'readdir', 10, 'us'],
  ['fs_read_1MiB_MiB_per_s', 'read1m', 20, 'MiB/s'],
  ['fs_write_1MiB_MiB_per_s', 'write1m', 20, 'MiB/s'],
];

export async function run(): Promise<void> {
  execFileSync('bash', [join(ROOT, 'scripts', 'build-guests.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-fs-'));
  writeFileSync(join(dir, 'small'), Buffer.alloc(4096, 7));
  writeFileSync(join(dir, 'big'), Buffer.alloc(1 << 20, 9));
  mkdirSync(join(dir, 'many'));
  for (let i = 0; i < 1000; i++) writeFileSync(join(dir, 'many', `f${i}`), '');
  const wasmPath = join(ROOT, 'build', 'guests', 'fs_bench.wasm');
  const guest = await new ModuleCache().load(wasmPath);
  // node:wasi runs the module as built: Corral's copy has its loops instrumented, and their poll
  // (a proc_exit call with the poll flag up) would end the program early under node:wasi.
  const plain = await Wasm.compile(readFileSync(wasmPath));
  const strategy = new ThreadStrategy({ warm: 1 });
  await strategy.pool.warmUp();
  const config = { mounts: [{ guestPath: '/', hostPath: dir, readonly: false }] };
  const gofers = {
    'in-process': await openGofer('in-process', config),
    process: await openGofer('process', config),
  };
  const guests = join(ROOT, 'build', 'guests');
  const sandboxes = {
    'in-process': await SandboxFsRunner.open(dir, guests, 'in-process'),
    process: await SandboxFsRunner.open(dir, guests, 'process'),
  };
  try {
    for (const [name, mode, n, unit] of CASES) {
      type Kind =
        'node' | GoferKind | 'sandbox' | 'sandbox-in-process' | 'gofer-only' | 'gofer-only-in-process';
      const samples: Record<Kind, number[]> = {
        node: [],
        'in-process': [],
        process: [],
        sandbox: [],
        'sandbox-in-process': [],
        'gofer-only': [],
        'gofer-only-in-process': [],
      };
      for (let r = -WARMUP; r < REPEATS; r++) {
        // Interleaved, so that machine noise hits every runtime alike.
        const keep = (k: Kind, v: number) => r >= 0 && samples[k].push(v);
        keep('node', await runNodeWasi(plain, dir, mode, n));
        keep('in-process', await runCorral(strategy, guest, gofers['in-process'], mode, n));
        keep('process', await runCorral(strategy, guest, gofers.process, mode, n));
        keep('sandbox', await sandboxes.process.run(mode, n));
        keep('sandbox-in-process', await sandboxes['in-process'].run(mode, n));
        keep('gofer-only', await runCorral(strategy, guest, gofers.process, mode, n, false));
        keep('gofer-only-in-process', await runCorral(strategy, guest, gofers['in-process'], mode, n, false));
      }
      const value = (ns: number) => (unit === 'us' ? ns / 1000 : 1e9 / ns);
      const node = value(median(samples.node));
      const inProc = value(median(samples['in-process']));
      const outProc = value(median(samples.process));
      const sbx = value(median(samples.sandbox));
      const sbxIn = value(median(samples['sandbox-in-process']));
      // Ratio = how many times slower than node:wasi (time ratio; for throughput, inverted).
      const ratio = (x: number) => round(unit === 'us' ? x / node : node / x, 3);
      report({
        name,
        value: round(outProc),
        unit,
        n: REPEATS,
        gofer: 'process',
        node_wasi: round(node),
        ratio_vs_node_wasi: ratio(outProc),
        in_process: round(inProc),
        in_process_ratio_vs_node_wasi: ratio(inProc),
        sandbox: round(sbx),
        sandbox_ratio_vs_node_wasi: ratio(sbx),
        sandbox_in_process: round(sbxIn),
        sandbox_in_process_ratio_vs_node_wasi: ratio(sbxIn),
        // With the direct file service off: every call a round trip through the gofer.
        gofer_only: round(value(median(samples['gofer-only']))),
        gofer_only_ratio_vs_node_wasi: ratio(value(median(samples['gofer-only']))),
        gofer_only_in_process: round(value(median(samples['gofer-only-in-process']))),
        gofer_only_in_process_ratio_vs_node_wasi: ratio(value(median(samples['gofer-only-in-process']))),
      });
    }
  } finally {
    await gofers['in-process'].close();
    await gofers.process.close();
    await sandboxes.process.close();
    await sandboxes['in-process'].close();
    await closeGuestStrategy();
    await strategy.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
