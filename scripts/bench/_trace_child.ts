// One configuration of the trace benchmark, in a process of its own, so that the runtime built with
// the hooks compiled out and the real one never share a JIT (two copies of the runtime in one process
// measure each other's inline caches, not the hooks). It stays up for many runs, each asked for on
// stdin, so that the parent can interleave the configurations run by run (see trace.ts).
//   node _trace_child.js <runtime-dir> <msg|steady|sys> <off|on|toggle>
// stdin: a line `run` per run wanted (end of input ends the process); a `toggle` process takes
// `run off` and `run on`, tracing turned on (a recorder started) and off again at run time, as
// `corral trace start|stop` does to a running sandbox. stdout: `ready` once warmed up, then a JSON
// line {ms, cpu, events, dropped} per run: wall-clock ms, and ms this thread (the traced one: it
// runs the actors, and serves the guest's syscalls) spent on a CPU.
// msg: one burst of MESSAGES one-way messages (they all wait in the run queue at once);
// steady: the same number in bursts of STEADY_BURST, each awaited (a steady stream: what is queued
// dies young, so the garbage collector's pretenuring, which makes msg's times bimodal, stays out);
// sys: the trace_writes guest making WRITES write(2)s, each a round trip to this thread.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ActorSystem } from '../../actors/runtime/system.js';
import type { TraceRecorder } from '../../actors/trace/trace_recorder.js';
import type { ExecutionStrategy } from '../../platform/process.js';
import type { ProcessSyscalls } from '../../platform/syscalls.js';
import type { GuestModule } from '../../platform/module.js';

const [base, workload, trace] = process.argv.slice(2) as [
  string,
  'msg' | 'steady' | 'sys',
  'off' | 'on' | 'toggle',
];
const WRITES = Number(process.env['CORRAL_BENCH_TRACE_WRITES'] ?? 50_000);
const MESSAGES = Number(process.env['CORRAL_BENCH_TRACE_MESSAGES'] ?? 1_000_000);
const STEADY_BURST = 1000;
const GUEST = fileURLToPath(new URL('../../../build/guests/trace_writes.wasm', import.meta.url));
const ACTORS = new URL('./_trace_actors.js', import.meta.url).href;

const { ActorSystem: System } = (await import(`${base}/actors/runtime/system.js`)) as {
  ActorSystem: { start(o: { workers: number }): Promise<ActorSystem> };
};
const { TraceRecorder: Recorder } = (await import(`${base}/actors/trace/trace_recorder.js`)) as {
  TraceRecorder: { start(o: { system?: ActorSystem }): Promise<TraceRecorder> };
};
const { ThreadStrategy } = (await import(`${base}/platform/thread/thread_strategy.js`)) as {
  ThreadStrategy: new (o: { warm: number }) => ExecutionStrategy & { pool: { warmUp(): Promise<void> } };
};
const { StdioSyscalls } = (await import(`${base}/platform/wasi_handlers.js`)) as {
  StdioSyscalls: new (o: object) => ProcessSyscalls;
};
const { loadModule } = (await import(`${base}/platform/module.js`)) as {
  loadModule(p: string): Promise<GuestModule>;
};

/**
 * This thread's time on a CPU in ms (Linux schedstat, nanoseconds): unlike wall time, not
 * stretched by other processes taking the cores. NaN where there is no such file.
 */
function threadCpuMs(): number {
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

const dir = mkdtempSync(join(tmpdir(), 'corral-bench-trace-'));
try {
  let once: (n?: number) => Promise<void>;
  let close: () => Promise<void>;
  let system: ActorSystem | undefined;
  if (workload === 'msg' || workload === 'steady') {
    const sys = await System.start({ workers: 0 });
    const c = await sys.spawn({ module: ACTORS, export: 'counter' });
    const b = await sys.spawn({ module: ACTORS, export: 'burst' });
    once =
      workload === 'msg'
        ? async () => void (await sys.request<number>(b, 'go', { to: c, n: MESSAGES }))
        : async () => {
            for (let sent = 0; sent < MESSAGES; sent += STEADY_BURST)
              await sys.request<number>(b, 'go', { to: c, n: Math.min(STEADY_BURST, MESSAGES - sent) });
          };
    close = () => sys.shutdown();
    system = sys;
  } else {
    const strategy = new ThreadStrategy({ warm: 1 });
    await strategy.pool.warmUp();
    const mod = await loadModule(GUEST);
    once = async (n = WRITES) => {
      const p = strategy.spawn(mod, {
        args: ['trace_writes', String(n)],
        syscalls: new StdioSyscalls({}),
      });
      const st = await p.exited;
      if (!('code' in st) || st.code !== 0) throw new Error(`trace_writes failed: ${JSON.stringify(st)}`);
    };
    close = () => strategy.close();
  }
  const timed = async (i: number, on: boolean, n?: number): Promise<RunResult> => {
    // The production path of `--trace FILE`: buffers drained and encoded on the recorder thread.
    const rec = on ? await Recorder.start(system ? { system } : {}) : null;
    const file = join(dir, `t${i}.json`);
    if (rec !== null) await rec.addFile(file, 'chrome');
    // Every run starts from a collected heap: what the run before left (a million envelopes, in
    // msg) must not decide when this one's major collections fall.
    gc?.();
    const c = threadCpuMs();
    const t = performance.now();
    await once(n);
    const ms = performance.now() - t;
    const cpu = threadCpuMs() - c;
    if (rec === null) return { ms, cpu, events: 0, dropped: 0 };
    const st = await rec.stop();
    rmSync(file, { force: true }); // hundreds of MB a run: the disk must not fill
    return { ms, cpu, events: st.events, dropped: st.dropped };
  };
  // Warm-up: JIT, page cache, pool; with tracing on, the recorder's path too.
  const modes = trace === 'toggle' ? [false, true] : [trace === 'on'];
  let i = 0;
  for (let k = 0; k < 2; k++) {
    for (const on of modes) await timed(i++, on, workload === 'sys' ? 5000 : undefined);
  }
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const on = line === 'run on' || (line === 'run' && trace === 'on');
    if (line.startsWith('run')) process.stdout.write(JSON.stringify(await timed(i++, on)) + '\n');
  }
  await close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
