// `npm run bench -- procs`: guest processes through corral_v1, against the same program built
// natively and run on Linux in the same run (test/guests/bench_procs.c times itself in both).
//   guest_spawn_wait_per_s     spawn + wait of children that exit at once
//   guest_pipe_MiB_per_s       a parent streaming to a child through a pipe
//   guest_signal_roundtrip_us  SIGUSR1 ping-pong between two processes, each in sigsuspend
//   guest_loop_poll_overhead_pct  what loop instrumentation (platform/instrument.ts) costs a
//                              loop-heavy guest: the same module run instrumented and not
// Each figure is the median of RUNS runs; the native ratio is Corral's figure over Linux's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../../actors/runtime/index.js';
import type { LoaderArgs } from '../../actors/loader/control_protocol.js';
import { closeGuestStrategy } from '../../actors/process-group/guest_platform.js';
import { makeBundle, readText, TempDirs } from '../../test/helpers/bundles.js';
import { instrumentLoops } from '../../platform/instrument.js';
import { checkInterface } from '../../platform/module.js';
import { MemorySink } from '../../platform/stdio.js';
import { ThreadStrategy } from '../../platform/thread/thread_strategy.js';
import { Wasm } from '../../platform/wasm_api.js';
import { median, report, round } from './report.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const LOADER = new URL('../../actors/loader/loader_actor.js', import.meta.url).href;
const RUNS = 5;

/** Parses the program's "ops=N ns=T" line. */
function parse(out: string): { ops: number; ns: number } {
  const m = /ops=(\d+) ns=(\d+)/.exec(out);
  if (m === null) throw new Error(`bench_procs printed no result: ${JSON.stringify(out)}`);
  return { ops: Number(m[1]), ns: Number(m[2]) };
}

function native(bin: string, args: string[]): { ops: number; ns: number } {
  return parse(execFileSync(bin, args, { encoding: 'utf8' }));
}

async function corral(dirs: TempDirs, args: string[]): Promise<{ ops: number; ns: number }> {
  const out = join(dirs.make(), 'out');
  const bundle = makeBundle(dirs, { bins: ['bench_procs'], args: ['/bin/bench_procs', ...args] });
  const sys = await ActorSystem.start({ workers: 0 });
  try {
    const la: LoaderArgs = {
      sandboxId: 'bench',
      rootCid: 'root',
      rootBundle: bundle,
      rootStdio: { kind: 'paths', stdout: out },
    };
    const loader = await sys.spawn({ module: LOADER, export: 'createLoaderActor', args: la, name: 'loader' });
    const req = (r: { op: string; cid: string }) => sys.request(loader, r.op, r, { timeoutMs: 600_000 });
    await req({ op: 'start', cid: 'root' });
    await req({ op: 'wait', cid: 'root' });
    await req({ op: 'destroy', cid: 'root' });
    return parse(readText(out));
  } finally {
    await sys.shutdown();
  }
}

/** Runs bench_procs `cpu` compiled from `bytes` directly on the thread strategy; returns its ns. */
async function cpuRun(strategy: ThreadStrategy, bytes: Uint8Array): Promise<number> {
  const module = await Wasm.compile(bytes);
  const out = new MemorySink();
  const proc = strategy.spawn(
    {
      module,
      hash: '',
      label: 'bench_procs',
      corralImports: checkInterface(module, 'bench_procs'),
      filesUsed: false,
    },
    { args: ['bench_procs', 'cpu', '200'], stdio: { stdout: { sink: out } } },
  );
  await proc.exited;
  return parse(out.text()).ns;
}

async function loopOverhead(): Promise<void> {
  const bytes = new Uint8Array(readFileSync(join(REPO, 'build/guests/bench_procs.wasm')));
  const instrumented = instrumentLoops(bytes);
  const strategy = new ThreadStrategy({ warm: 1 });
  try {
    const plain: number[] = [];
    const polled: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      plain.push(await cpuRun(strategy, bytes));
      polled.push(await cpuRun(strategy, instrumented));
    }
    const p = median(plain);
    const q = median(polled);
    report({
      name: 'guest_loop_poll_overhead_pct',
      value: round(((q - p) / p) * 100, 3),
      unit: '%',
      n: RUNS,
      plain_ms: round(p / 1e6),
      instrumented_ms: round(q / 1e6),
    });
  } finally {
    await strategy.close();
  }
}

export async function run(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'corral-bench-procs-'));
  const dirs = new TempDirs();
  try {
    const bin = join(tmp, 'bench_procs');
    execFileSync('gcc', ['-O2', join(REPO, 'test/guests/bench_procs.c'), '-o', bin]);
    const cases: {
      name: string;
      args: string[];
      unit: string;
      value: (r: { ops: number; ns: number }) => number;
    }[] = [
      {
        name: 'guest_spawn_wait_per_s',
        args: ['spawn', '300'],
        unit: 'spawns/s',
        value: (r) => r.ops / (r.ns / 1e9),
      },
      {
        name: 'guest_pipe_MiB_per_s',
        args: ['pipe', '64'],
        unit: 'MiB/s',
        value: (r) => r.ops / (r.ns / 1e9),
      },
      {
        name: 'guest_signal_roundtrip_us',
        args: ['signal', '2000'],
        unit: 'us',
        value: (r) => r.ns / 1e3 / r.ops,
      },
    ];
    for (const c of cases) {
      const ours: number[] = [];
      const linux: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        ours.push(c.value(await corral(dirs, c.args)));
        linux.push(c.value(native(bin, c.args)));
      }
      const v = median(ours);
      const nv = median(linux);
      report({
        name: c.name,
        value: round(v),
        unit: c.unit,
        n: RUNS,
        native: round(nv),
        ratio: round(v / nv, 3),
      });
    }
    await loopOverhead();
  } finally {
    await closeGuestStrategy();
    dirs.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
}
