// One measurement of the trace benchmark in a fresh process, so that the runtime built with the
// hooks compiled out and the real one never share a JIT (two copies of the runtime in one process
// measure each other's inline caches, not the hooks).
//   node _trace_child.js <runtime-dir> <msg|steady|sys> <off|on> <runs>
// msg: one burst of MESSAGES one-way messages (they all wait in the run queue at once);
// steady: the same number in bursts of STEADY_BURST, each awaited (a steady stream: what is queued
// dies young, so the garbage collector's pretenuring, which makes msg's times bimodal, stays out).
// Prints one JSON line: {times: ms[], events, dropped}.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActorSystem } from '../../actors/runtime/system.js';
import type { TraceRecorder } from '../../actors/trace/trace_recorder.js';
import type { ExecutionStrategy } from '../../platform/process.js';
import type { ProcessSyscalls } from '../../platform/syscalls.js';
import type { GuestModule } from '../../platform/module.js';

const [base, workload, trace, runsArg] = process.argv.slice(2) as [
  string,
  'msg' | 'steady' | 'sys',
  'off' | 'on',
  string,
];
const runs = Number(runsArg);
const WRITES = Number(process.env['CORRAL_BENCH_TRACE_WRITES'] ?? 100_000);
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

const dir = mkdtempSync(join(tmpdir(), 'corral-bench-trace-'));
const times: number[] = [];
let events = 0;
let dropped = 0;
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
    once = async () => {
      const p = strategy.spawn(mod, {
        args: ['trace_writes', String(WRITES)],
        syscalls: new StdioSyscalls({}),
      });
      const st = await p.exited;
      if (!('code' in st) || st.code !== 0) throw new Error(`trace_writes failed: ${JSON.stringify(st)}`);
    };
    close = () => strategy.close();
  }
  await once(workload === 'sys' ? 5000 : undefined); // warm-up: JIT, page cache, pool
  for (let i = 0; i < runs; i++) {
    // The production path of `--trace FILE`: buffers drained and encoded on the recorder thread.
    const rec = trace === 'on' ? await Recorder.start(system ? { system } : {}) : null;
    if (rec !== null) await rec.addFile(join(dir, `t${i}.json`), 'chrome');
    const t = performance.now();
    await once();
    times.push(performance.now() - t);
    if (rec !== null) {
      const st = await rec.stop();
      events += st.events;
      dropped += st.dropped;
    }
  }
  await close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify({ times, events, dropped }) + '\n');
