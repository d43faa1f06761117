// `npm run bench -- procs`: guest processes through corral_v1, against the same program built
// natively and run on Linux in the same run (test/guests/bench_procs.c times itself in both).
//   guest_spawn_wait_per_s     spawn + wait of children that exit at once
//   guest_pipe_MiB_per_s       a parent streaming to a child through a pipe
//   guest_signal_roundtrip_us  SIGUSR1 ping-pong between two processes, each in sigsuspend
// Each figure is the median of RUNS runs; the native ratio is Corral's figure over Linux's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../../actors/runtime/index.js';
import type { LoaderArgs } from '../../actors/loader/control_protocol.js';
import { closeGuestStrategy } from '../../actors/process-group/guest_platform.js';
import { makeBundle, readText, TempDirs } from '../../test/helpers/bundles.js';
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
  } finally {
    await closeGuestStrategy();
    dirs.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
}
