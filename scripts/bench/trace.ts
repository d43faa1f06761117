// `npm run bench -- trace`: what tracing costs.
//   trace_off_overhead_pct   tracing off against a build with the hooks compiled out (target <= 2%)
//   trace_on_overhead_pct    tracing on, recording Chrome JSON to a file, against off (target <= 30%)
//   trace_events_per_s       events recorded per second, sustained, while the message workload runs
// Three workloads: a syscall-heavy guest (trace_writes: 50,000 two-byte write(2)s, each a round trip
// to the host thread), a message-heavy actor workload (a burst of 1,000,000 one-way messages between
// two actors on one thread, handlers that do nothing: the worst case for a per-message hook), and
// the same messages as a steady stream (awaited bursts of 1,000: the run queue then never holds a
// million envelopes, so V8's pretenuring does not flip between runs, which makes the single burst's
// times bimodal; and its per-message cost is lower, so the same hook costs a larger share). The
// headlines are the worst of the three.
//
// Method. This machine is shared: run times drift by tens of percent with other processes' load,
// which a 2% effect drowns in unless every comparison is made at one moment and with a measure the
// load does not stretch. And a process has luck of its own: two processes of the same
// configuration differed by up to 2x in the steady workload's CPU time, run after run, while runs
// within one process agree far better (JIT and heap decisions made once and kept).
//   - Tracing off against compiled out must compare two processes (one copy of the runtime each:
//     the baseline is a copy of dist/ with the hook checks removed, _trace_nohook.ts; two copies in
//     one process would measure each other's inline caches).
//   - Tracing on against off is measured within one process that turns tracing on and off at run
//     time (a recorder started and stopped around its runs), which is also how `corral trace
//     start|stop` uses it; the old cross-process ratio (that process's on against the tracing-off
//     process) is reported beside it as *_xproc_pct.
// The parent asks the three processes for their runs in turn, a round, in an order that rotates
// through all six permutations (the first of a round must not always be the one that finds the
// caches cold); the toggling process's pair alternates its order too. A round's ratios are taken
// within the round; the figure is their median over every round, with a distribution-free 95%
// interval for that median (order statistics), so that a reader sees whether a target is
// resolved. Rounds come from several sets of fresh processes.
//
// The headline figures compare the traced thread's time on a CPU (Linux schedstat): what tracing
// costs the thread that runs the actors and serves the syscalls, which is what the hooks add to,
// without the time other processes held the cores. The wall-clock ratios of the same runs are
// reported beside them (*_wall_pct): they also show what the recorder thread takes from a machine
// with no core to spare, and how noisy wall time is here.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeNoHookCopy } from './_trace_nohook.js';
import { median, report, round } from './report.js';

type Workload = 'msg' | 'steady' | 'sys';
/** What a run measured: hooks compiled out; tracing off; on and off in the toggling process. */
type Config = 'nohook' | 'off' | 'on' | 'toff';
/** A round's order: 'on' stands for the toggling process's pair of runs (on and off). */
type Slot = 'nohook' | 'off' | 'on';

const env = (k: string, d: number): number => Number(process.env[`CORRAL_BENCH_TRACE_${k}`] ?? d);
/** Sets of fresh processes and rounds per set, by workload. */
const PLAN: Record<Workload, { sets: number; rounds: number }> = {
  sys: { sets: env('SYS_SETS', 3), rounds: env('SYS_ROUNDS', 7) },
  msg: { sets: env('MSG_SETS', 4), rounds: env('MSG_ROUNDS', 6) },
  steady: { sets: env('STEADY_SETS', 4), rounds: env('STEADY_ROUNDS', 6) },
};
const CHILD = fileURLToPath(new URL('./_trace_child.js', import.meta.url));
const PERMS: readonly (readonly Slot[])[] = [
  ['nohook', 'off', 'on'],
  ['on', 'off', 'nohook'],
  ['off', 'nohook', 'on'],
  ['on', 'nohook', 'off'],
  ['nohook', 'on', 'off'],
  ['off', 'on', 'nohook'],
];

interface Run {
  /** Wall-clock ms. */
  ms: number;
  /** ms the traced thread spent on a CPU. */
  cpu: number;
  events: number;
  dropped: number;
}

/** A configuration's process: owned by the measuring loop, which asks it for one run at a time. */
class Child {
  private readonly proc: ChildProcess;
  private readonly lines: AsyncIterator<string>;

  constructor(base: string, workload: Workload, trace: 'off' | 'toggle') {
    // --expose-gc: each run starts from a collected heap (_trace_child.ts).
    this.proc = spawn(process.execPath, ['--expose-gc', CHILD, base, workload, trace], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.lines = createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();
  }

  private async line(): Promise<string> {
    const r = await this.lines.next();
    if (r.done === true) throw new Error('trace bench: a child process ended early');
    return r.value;
  }

  async ready(): Promise<void> {
    if ((await this.line()) !== 'ready') throw new Error('trace bench: a child did not start');
  }

  async run(cmd: 'run' | 'run on' | 'run off' = 'run'): Promise<Run> {
    this.proc.stdin!.write(`${cmd}\n`);
    return JSON.parse(await this.line()) as Run;
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin!.end();
    await exited;
  }
}

interface Measured {
  /**
   * Per round, of CPU time: off / compiled-out (two processes), and on / off within the toggling
   * process (tracing started and stopped at run time, as `corral trace start|stop` does).
   */
  offRatios: number[];
  onRatios: number[];
  /** The same, of wall-clock time. */
  offWall: number[];
  onWall: number[];
  /** on / off across processes (the toggling one's on against the off one's): what it used to be. */
  onXproc: number[];
  runs: Record<Config, Run[]>;
}

async function measure(workload: Workload, nohook: string, real: string): Promise<Measured> {
  const m: Measured = {
    offRatios: [],
    onRatios: [],
    offWall: [],
    onWall: [],
    onXproc: [],
    runs: { nohook: [], off: [], on: [], toff: [] },
  };
  const { sets, rounds } = PLAN[workload];
  for (let s = 0; s < sets; s++) {
    const kids: Record<Slot, Child> = {
      nohook: new Child(nohook, workload, 'off'),
      off: new Child(real, workload, 'off'),
      on: new Child(real, workload, 'toggle'),
    };
    try {
      // One at a time: their warm-ups must not compete for the two cores either.
      for (const c of Object.values(kids)) await c.ready();
      for (let r = 0; r < rounds; r++) {
        const got = {} as Record<Config, Run>;
        for (const c of PERMS[(s * rounds + r) % PERMS.length]!) {
          if (c !== 'on') got[c] = await kids[c].run();
          else {
            // The toggling process's pair, in alternating order.
            const first = r % 2 === 0 ? 'on' : 'toff';
            for (const p of [first, first === 'on' ? 'toff' : 'on'] as const)
              got[p] = await kids.on.run(p === 'on' ? 'run on' : 'run off');
          }
        }
        for (const c of Object.keys(got) as Config[]) m.runs[c].push(got[c]);
        m.offRatios.push(got.off.cpu / got.nohook.cpu);
        m.onRatios.push(got.on.cpu / got.toff.cpu);
        m.offWall.push(got.off.ms / got.nohook.ms);
        m.onWall.push(got.on.ms / got.toff.ms);
        m.onXproc.push(got.on.cpu / got.off.cpu);
      }
    } finally {
      await Promise.all(Object.values(kids).map((c) => c.close()));
    }
  }
  return m;
}

/**
 * The median's distribution-free 95% interval: order statistics j..k around n/2 (binomial, normal
 * approximation). With fewer than 6 samples it is the whole range.
 */
function medianCi(xs: number[]): [number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const h = 0.98 * Math.sqrt(n);
  const j = Math.max(0, Math.floor(n / 2 - h) - 1);
  const k = Math.min(n - 1, Math.ceil(n / 2 + h));
  return [s[j]!, s[k]!];
}

const pct = (ratio: number): number => round((ratio - 1) * 100, 3);
const ciText = (xs: number[]): string =>
  medianCi(xs)
    .map((r) => pct(r))
    .join(' .. ');

export async function run(): Promise<void> {
  const copy = makeNoHookCopy();
  const real = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
  try {
    const res = {} as Record<Workload, Measured>;
    for (const w of ['sys', 'msg', 'steady'] as const) res[w] = await measure(w, copy.dir, real);
    const { sys, msg, steady } = res;
    const rounds = sys.offRatios.length + msg.offRatios.length + steady.offRatios.length;
    const worst = (k: 'offRatios' | 'onRatios'): number =>
      Math.max(...[sys, msg, steady].map((x) => pct(median(x[k]))));

    // Each workload's median and 95% interval, on the traced thread's CPU time and on the wall clock.
    const workloads = [
      ['syscall', sys],
      ['message', msg],
      ['steady', steady],
    ] as const;
    const overhead = (name: string, k: 'off' | 'on', target: string): void => {
      const cpu = `${k}Ratios` as const;
      const wall = `${k}Wall` as const;
      const fields: Record<string, number | string> = {};
      for (const [label, x] of workloads) {
        fields[`${label}_pct`] = pct(median(x[cpu]));
        fields[`${label}_ci95`] = ciText(x[cpu]);
      }
      for (const [label, x] of workloads) {
        fields[`${label}_wall_pct`] = pct(median(x[wall]));
        fields[`${label}_wall_ci95`] = ciText(x[wall]);
      }
      if (k === 'on') {
        for (const [label, x] of workloads) {
          fields[`${label}_xproc_pct`] = pct(median(x.onXproc));
          fields[`${label}_xproc_ci95`] = ciText(x.onXproc);
        }
      }
      report({ name, value: worst(cpu), unit: '%', n: rounds, ...fields, target });
    };
    overhead('trace_off_overhead_pct', 'off', '<= 2');
    overhead('trace_on_overhead_pct', 'on', '<= 30');
    const rate = (x: Measured): { perS: number; droppedPct: number } => {
      const on = x.runs.on;
      const events = on.reduce((n, r) => n + r.events, 0);
      const dropped = on.reduce((n, r) => n + r.dropped, 0);
      const ms = on.reduce((n, r) => n + r.ms, 0);
      return {
        perS: round(events / (ms / 1000)),
        droppedPct: round((dropped / (events + dropped)) * 100, 3),
      };
    };
    for (const [name, x] of [
      ['trace_events_per_s', msg],
      ['trace_steady_events_per_s', steady],
      ['trace_syscall_events_per_s', sys],
    ] as const) {
      const r = rate(x);
      report({ name, value: r.perS, unit: 'events/s', n: x.runs.on.length, dropped_pct: r.droppedPct });
    }
    for (const [name, x] of [
      ['trace_syscall_run_ms', sys],
      ['trace_message_run_ms', msg],
      ['trace_steady_run_ms', steady],
    ] as const) {
      report({
        name,
        value: round(median(x.runs.off.map((r) => r.ms))),
        unit: 'ms',
        n: x.runs.off.length,
        nohook_ms: round(median(x.runs.nohook.map((r) => r.ms))),
        on_ms: round(median(x.runs.on.map((r) => r.ms))),
        cpu_ms: round(median(x.runs.off.map((r) => r.cpu))),
        nohook_cpu_ms: round(median(x.runs.nohook.map((r) => r.cpu))),
        on_cpu_ms: round(median(x.runs.on.map((r) => r.cpu))),
      });
    }
  } finally {
    copy.cleanup();
  }
}
