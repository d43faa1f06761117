// One process of the trace benchmark (trace.ts says why the runs are arranged as they are). It stays
// up for many runs, each asked for on stdin, so that the parent can interleave runs round by round.
//   node _trace_child.js <label=runtime-dir>[,<label=runtime-dir>...] <msg|steady|sys> <off|toggle>
// Each runtime dir is a whole copy of the compiled runtime (dist/, or a copy of it): several copies
// in one process are separate module instances, with their own functions, feedback and code, which
// share the process's heap and its luck (trace.ts).
// stdin, mode `off`: a line `run` per round; every copy runs the workload once, tracing off, the
// copies interleaved slice by slice (SLICES); stdout: a JSON line {label: {ms, cpu, events,
// dropped}}.
// stdin, mode `toggle` (one copy): `run on` and `run off`, tracing turned on (a recorder started)
// and off again at run time, as `corral trace start|stop` does to a running sandbox; stdout: a JSON
// line {ms, cpu, events, dropped} per run. End of input ends the process.
// ms: wall clock; cpu: ms this thread (the traced one: it runs the actors, and serves the guest's
// syscalls) spent on a CPU. `ready` is printed once every copy is warmed up.
// msg: one burst of MESSAGES one-way messages (they all wait in the run queue at once);
// steady: the same number in bursts of STEADY_BURST, each awaited (a steady stream: what is queued
// dies young, so the garbage collector's pretenuring, which makes msg's times bimodal, stays out);
// sys: the trace_writes guest making WRITES write(2)s, each a round trip to this thread.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ActorSystem } from '../../actors/runtime/system.js';
import type { TraceRecorder } from '../../actors/trace/trace_recorder.js';
import type { ExecutionStrategy } from '../../platform/process.js';
import type { ProcessSyscalls } from '../../platform/syscalls.js';
import type { GuestModule } from '../../platform/module.js';

const [copyList, workload, trace] = process.argv.slice(2) as [
  string,
  'msg' | 'steady' | 'sys',
  'off' | 'toggle',
];
const WRITES = Number(process.env['CORRAL_BENCH_TRACE_WRITES'] ?? 50_000);
const MESSAGES = Number(process.env['CORRAL_BENCH_TRACE_MESSAGES'] ?? 1_000_000);
const STEADY_BURST = 1000;
/**
 * Mode `off` runs the copies interleaved, slice by slice, so that whatever drifts during a run (the
 * heap's state, the CPU's clock, another process's load) falls on every copy alike: msg as 100
 * bursts of 10,000 (each queued whole before any is handled; a slice of one copy fits in the young
 * generation, where a 1,000,000 burst would make the collector's work, not the messages', the
 * measure); steady as 100 slices of 10 awaited bursts of 1,000; sys as 10 guests of 5,000 writes.
 */
const SLICES = workload === 'sys' ? 10 : 100;
const GUEST = fileURLToPath(new URL('../../../build/guests/trace_writes.wasm', import.meta.url));
const ADDON = fileURLToPath(new URL('../../../build/native/corral_at.node', import.meta.url));

/** The corral_at addon's exact clock of this thread's CPU time (ns), when it is built. */
const threadCpuNs = ((): (() => number) | null => {
  try {
    const addon = createRequire(import.meta.url)(ADDON) as { threadcpu?: () => number };
    return typeof addon.threadcpu === 'function' ? addon.threadcpu : null;
  } catch {
    return null;
  }
})();

/**
 * This thread's time on a CPU in ms: unlike wall time, not stretched by other processes taking the
 * cores. From clock_gettime(CLOCK_THREAD_CPUTIME_ID) through the addon; else from Linux's
 * schedstat, which moves only at scheduler ticks (4 ms here) and context switches, too coarse for
 * a slice but within a few percent over a whole run. NaN where neither exists.
 */
function threadCpuMs(): number {
  if (threadCpuNs !== null) return threadCpuNs() / 1e6;
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

interface RunResult {
  ms: number;
  cpu: number;
  events: number;
  dropped: number;
}

/** One copy of the runtime, set up for the workload. */
interface Copy {
  readonly label: string;
  /** Runs the workload once (`n` writes for sys, else the default). */
  once(n?: number): Promise<void>;
  /** Runs 1/SLICES of the workload: the unit that the copies interleave (mode `off`). */
  slice(): Promise<void>;
  /** Starts a trace recorder of this copy (toggle mode). */
  record(): Promise<TraceRecorder>;
  close(): Promise<void>;
}

async function setUp(label: string, base: string): Promise<Copy> {
  const { ActorSystem: System } = (await import(`${base}/actors/runtime/system.js`)) as {
    ActorSystem: { start(o: { workers: number }): Promise<ActorSystem> };
  };
  const { TraceRecorder: Recorder } = (await import(`${base}/actors/trace/trace_recorder.js`)) as {
    TraceRecorder: { start(o: { system?: ActorSystem }): Promise<TraceRecorder> };
  };
  if (workload === 'msg' || workload === 'steady') {
    // The copy's own actor module: one shared by the copies would mix their contexts' classes in
    // its call sites' feedback.
    const actors = `${base}/scripts/bench/_trace_actors.js`;
    const sys = await System.start({ workers: 0 });
    const c = await sys.spawn({ module: actors, export: 'counter' });
    const b = await sys.spawn({ module: actors, export: 'burst' });
    const once =
      workload === 'msg'
        ? async (): Promise<void> => void (await sys.request<number>(b, 'go', { to: c, n: MESSAGES }))
        : async (): Promise<void> => {
            for (let sent = 0; sent < MESSAGES; sent += STEADY_BURST)
              await sys.request<number>(b, 'go', { to: c, n: Math.min(STEADY_BURST, MESSAGES - sent) });
          };
    const slice =
      workload === 'msg'
        ? async (): Promise<void> =>
            void (await sys.request<number>(b, 'go', { to: c, n: MESSAGES / SLICES }))
        : async (): Promise<void> => {
            for (let sent = 0; sent < MESSAGES / SLICES; sent += STEADY_BURST)
              await sys.request<number>(b, 'go', { to: c, n: STEADY_BURST });
          };
    return { label, once, slice, record: () => Recorder.start({ system: sys }), close: () => sys.shutdown() };
  }
  const { ThreadStrategy } = (await import(`${base}/platform/thread/thread_strategy.js`)) as {
    ThreadStrategy: new (o: { warm: number }) => ExecutionStrategy & { pool: { warmUp(): Promise<void> } };
  };
  const { StdioSyscalls } = (await import(`${base}/platform/wasi_handlers.js`)) as {
    StdioSyscalls: new (o: object) => ProcessSyscalls;
  };
  const { loadModule } = (await import(`${base}/platform/module.js`)) as {
    loadModule(p: string): Promise<GuestModule>;
  };
  const strategy = new ThreadStrategy({ warm: 1 });
  await strategy.pool.warmUp();
  const mod = await loadModule(GUEST);
  const once = async (n = WRITES): Promise<void> => {
    const p = strategy.spawn(mod, { args: ['trace_writes', String(n)], syscalls: new StdioSyscalls({}) });
    const st = await p.exited;
    if (!('code' in st) || st.code !== 0) throw new Error(`trace_writes failed: ${JSON.stringify(st)}`);
  };
  return {
    label,
    once,
    slice: () => once(WRITES / SLICES),
    record: () => Recorder.start({}),
    close: () => strategy.close(),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'corral-bench-trace-'));
let files = 0;

async function timed(copy: Copy, on: boolean, n?: number): Promise<RunResult> {
  // The production path of `--trace FILE`: buffers drained and encoded on the recorder thread.
  const rec = on ? await copy.record() : null;
  const file = join(dir, `t${files++}.json`);
  if (rec !== null) await rec.addFile(file, 'chrome');
  // Every run starts from a collected heap: what the run before left (a million envelopes, in
  // msg) must not decide when this one's major collections fall.
  gc?.();
  const c = threadCpuMs();
  const t = performance.now();
  await copy.once(n);
  const ms = performance.now() - t;
  const cpu = threadCpuMs() - c;
  if (rec === null) return { ms, cpu, events: 0, dropped: 0 };
  const st = await rec.stop();
  rmSync(file, { force: true }); // hundreds of MB a run: the disk must not fill
  return { ms, cpu, events: st.events, dropped: st.dropped };
}

/**
 * One run of every copy, interleaved: SLICES turns, in each of which every copy runs one slice, in
 * an order that rotates from turn to turn (and from run to run). Each copy's figures are the sums
 * of its slices.
 */
async function interleaved(copies: readonly Copy[], round: number): Promise<Record<string, RunResult>> {
  const out: Record<string, RunResult> = {};
  for (const c of copies) out[c.label] = { ms: 0, cpu: 0, events: 0, dropped: 0 };
  gc?.();
  for (let turn = 0; turn < SLICES; turn++) {
    for (let i = 0; i < copies.length; i++) {
      const c = copies[(i + turn + round) % copies.length]!;
      const r = out[c.label]!;
      // Each slice starts from an empty young generation (of a fixed size: trace.ts starts this
      // process so), so that its own allocations alone decide the scavenges it pays for.
      gc?.({ type: 'minor' });
      const cpu = threadCpuMs();
      const t = performance.now();
      await c.slice();
      r.ms += performance.now() - t;
      r.cpu += threadCpuMs() - cpu;
    }
  }
  return out;
}

try {
  const copies: Copy[] = [];
  // In the order given: the parent rotates it across processes, so that no copy is always the
  // first loaded (or the first warmed).
  for (const item of copyList.split(',')) {
    const eq = item.indexOf('=');
    copies.push(await setUp(item.slice(0, eq), item.slice(eq + 1)));
  }
  // Warm-up: JIT, page cache, pool; with tracing on, the recorder's path too.
  const warmN = workload === 'sys' ? 5000 : undefined;
  for (let k = 0; k < 2; k++) {
    for (const c of copies) {
      await timed(c, false, warmN);
      if (trace === 'toggle') await timed(c, true, warmN);
    }
  }
  process.stdout.write('ready\n');
  let round = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    if (trace === 'toggle') {
      if (line === 'run on' || line === 'run off')
        process.stdout.write(JSON.stringify(await timed(copies[0]!, line === 'run on')) + '\n');
      continue;
    }
    if (line !== 'run') continue;
    process.stdout.write(JSON.stringify(await interleaved(copies, round++)) + '\n');
  }
  for (const c of copies) await c.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
