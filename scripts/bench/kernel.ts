// kernel-core through its TypeScript binding: a getpid-like query, spawn+exit+reap, signal
// delivery (kill + dequeue), and the bytes one idle sandbox (one kernel, one process) costs.
import { KernelCore, SaFlags, Sig, type Kernel, type Pid } from '../../kernel-core/binding/index.js';
import { median, report, round } from './report.js';

const RUNS = 5;

function sandbox(core: KernelCore): { k: Kernel; init: Pid } {
  const k = core.createKernel();
  const c = k.registerContainer();
  const r = k.spawnInit(c, k.rootNs);
  if (!r.ok) throw new Error('spawnInit failed');
  return { k, init: r.value.pid };
}

/** Median ops/s over RUNS runs of `n` iterations of `body`. */
function rate(n: number, body: (n: number) => void): number {
  const rates: number[] = [];
  body(Math.min(n, 10_000)); // warm-up
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    body(n);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(n / dt);
  }
  return median(rates);
}

export async function run(): Promise<void> {
  const core = new KernelCore();
  const { k, init } = sandbox(core);

  const nSimple = 2_000_000;
  let sink = 0;
  const simple = rate(nSimple, (n) => {
    for (let i = 0; i < n; i++) {
      const r = k.getpid(init);
      if (r.ok) sink += r.value;
    }
  });
  report({
    name: 'kernel_simple_ops_per_s',
    value: round(simple),
    unit: 'ops/s',
    n: RUNS,
    ops_per_run: nSimple,
    target: 1_000_000,
  });

  const nSpawn = 200_000;
  const spawn = rate(nSpawn, (n) => {
    for (let i = 0; i < n; i++) {
      const s = k.spawn(init);
      if (!s.ok) throw new Error('spawn failed');
      k.exit(s.value.pid, 0);
      k.waitpid(init, s.value.pid, 0);
      // The Loader drains after each call that reports events; batching keeps it realistic
      // without measuring only the drain.
      if (k.pendingEvents > 64) k.drainEvents();
    }
  });
  report({
    name: 'kernel_spawn_exit_reap_per_s',
    value: round(spawn),
    unit: 'cycles/s',
    n: RUNS,
    cycles_per_run: nSpawn,
    target: 200_000,
  });

  const child = k.spawn(init);
  if (!child.ok) throw new Error('spawn failed');
  const c = child.value.pid;
  k.sigaction(c, Sig.SIGUSR1, { handler: 'handler', index: 1, flags: SaFlags.SA_NODEFER });
  const nSig = 1_000_000;
  const sig = rate(nSig, (n) => {
    for (let i = 0; i < n; i++) {
      k.kill(init, c, Sig.SIGUSR1);
      const d = k.dequeue(c);
      if (d.ok && d.value.kind === 'handler') sink += d.value.sig;
      if (k.pendingEvents > 64) k.drainEvents();
    }
  });
  report({
    name: 'kernel_signal_delivery_per_s',
    value: round(sig),
    unit: 'signals/s',
    n: RUNS,
    signals_per_run: nSig,
  });
  k.destroy();

  // A fresh instance: allocator bytes and linear-memory growth for 1000 idle sandboxes.
  const fresh = new KernelCore();
  const nSandboxes = 1000;
  const before = fresh.stats().liveBytes;
  const memBefore = fresh.memoryBytes();
  const all: Kernel[] = [];
  for (let i = 0; i < nSandboxes; i++) all.push(sandbox(fresh).k);
  const after = fresh.stats().liveBytes;
  const memAfter = fresh.memoryBytes();
  report({
    name: 'kernel_bytes_per_idle_sandbox',
    value: round((after - before) / nSandboxes),
    unit: 'bytes',
    n: 1,
    sandboxes: nSandboxes,
    target: 16384,
    memory_growth_per_sandbox: round((memAfter - memBefore) / nSandboxes),
  });
  for (const s of all) s.destroy();
  if (sink === -1) process.stdout.write('');
}
