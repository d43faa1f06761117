// `npm run bench -- ring`: the shared-memory ring across two threads, against postMessage, and
// one SPSC ring per producer (Inbox) against a true MPSC ring (bridge/ring_mpsc.ts).
import { runActorLocalBench } from './_actor_local.js';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Inbox } from '../../bridge/inbox.js';
import { DEFAULT_SPIN, Ring } from '../../bridge/ring.js';
import { MpscRing } from '../../bridge/ring_mpsc.js';
import { CONTROL_BYTES, CONTROL_GO, KIND_STOP, type RingWorkerJob } from './_ring_worker.js';
import { median, report, round } from './report.js';

const WORKER = new URL('./_ring_worker.js', import.meta.url);
const RUNS = 5;

function spawn(job: RingWorkerJob): Worker {
  const w = new Worker(WORKER, { workerData: job });
  // A failed worker would leave this thread waiting for messages that never come: stop loudly.
  w.on('error', (err) => {
    process.stderr.write(`bench ring: worker (${job.mode}) failed: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
  return w;
}

async function ready(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => once(w, 'message')));
}

/** Releases round `r` of every producer: GO is stored, then all waiters notified. */
function go(control: Int32Array, r: number): void {
  Atomics.store(control, CONTROL_GO, r); // producers wait on GO with the old value: no lost wake-up
  Atomics.notify(control, CONTROL_GO); // after the store, so a woken producer loads the new round
}

/** Messages per second into one consumer (this thread) from `producers` worker threads. */
async function throughput(
  design: 'spsc' | 'mpsc',
  producers: number,
  size: number,
  count: number,
): Promise<number> {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  const capacity = 1 << 18;
  const workers: Worker[] = [];
  let drain: () => number;
  let wait: () => void;
  let got = 0;
  let sum = 0;
  const onMessage = (_kind: number, payload: Uint8Array): void => {
    sum += payload[payload.length - 1]!; // touch the payload, as a decoder would
    got++;
  };
  if (design === 'spsc') {
    const inbox = Inbox.create();
    for (let p = 0; p < producers; p++) {
      const endpoint = inbox.addProducer(capacity);
      workers.push(
        spawn({
          mode: 'produce',
          endpoint,
          control: control.buffer as SharedArrayBuffer,
          runs: RUNS,
          count,
          size,
        }),
      );
    }
    drain = () => inbox.drain(onMessage);
    wait = () => void inbox.wait(10_000);
  } else {
    const ring = MpscRing.create(capacity);
    for (let p = 0; p < producers; p++) {
      workers.push(
        spawn({
          mode: 'produce-mpsc',
          sab: ring.sab,
          control: control.buffer as SharedArrayBuffer,
          runs: RUNS,
          count,
          size,
        }),
      );
    }
    drain = () => ring.drain(onMessage);
    wait = () => void ring.waitForMessages(10_000);
  }
  await ready(workers);
  const rates: number[] = [];
  for (let r = 1; r <= RUNS; r++) {
    got = 0;
    const total = count * producers;
    const t0 = performance.now();
    go(control, r);
    // This thread blocks in Atomics.wait: fine for a benchmark, never for the runtime's main thread.
    while (got < total) if (drain() === 0) wait();
    rates.push(total / ((performance.now() - t0) / 1000));
  }
  await Promise.all(workers.map((w) => w.terminate()));
  if (sum !== 0x5a * count * producers * RUNS) throw new Error('bench ring: payloads arrived damaged');
  return median(rates);
}

/** Median over runs of the mean ping-pong time, in µs. */
async function ringRoundtrip(spin: number, useAsync: boolean, trips: number): Promise<number> {
  const ping = Ring.create(1 << 12);
  const pong = Ring.create(1 << 12, { spinIterations: spin });
  const worker = spawn({ mode: 'echo-ring', ping: ping.endpoint, pong: pong.endpoint, spin });
  await ready([worker]);
  const msg = new Uint8Array(32);
  const sink = (): void => {};
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < trips; i++) {
      ping.tryWrite(1, msg);
      if (useAsync) while (pong.drain(sink) === 0) await pong.waitForMessagesAsync(10_000);
      else while (pong.drain(sink) === 0) pong.waitForMessages(10_000);
    }
    times.push(((performance.now() - t0) * 1000) / trips);
  }
  ping.tryWrite(KIND_STOP, msg);
  await once(worker, 'exit');
  return median(times);
}

async function postMessageRoundtrip(trips: number): Promise<number> {
  const worker = spawn({ mode: 'echo-postmessage' });
  const msg = new Uint8Array(32);
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < trips; i++) {
      worker.postMessage(msg);
      await once(worker, 'message');
    }
    times.push(((performance.now() - t0) * 1000) / trips);
  }
  await worker.terminate();
  return median(times);
}

export async function runRingBench(): Promise<void> {
  const small = await throughput('spsc', 1, 32, 4_000_000);
  report({ name: 'ring_oneway_32B_msgs_per_s', value: round(small), unit: 'msgs/s', n: RUNS });
  const kib = await throughput('spsc', 1, 1024, 1_000_000);
  report({ name: 'ring_oneway_1KiB_msgs_per_s', value: round(kib), unit: 'msgs/s', n: RUNS });

  const trips = 2000;
  const ring = await ringRoundtrip(DEFAULT_SPIN, false, trips);
  const pm = await postMessageRoundtrip(trips);
  report({ name: 'ring_roundtrip_us', value: round(ring), unit: 'us', n: RUNS, trips, spin: DEFAULT_SPIN });
  report({ name: 'postmessage_roundtrip_us', value: round(pm), unit: 'us', n: RUNS, trips });
  report({ name: 'ring_vs_postmessage_roundtrip_ratio', value: round(ring / pm), unit: 'ratio', n: RUNS });
  // The consumer's spin before sleeping, and the event-loop-friendly wait the actor hosts use.
  const nospin = await ringRoundtrip(0, false, trips);
  report({ name: 'ring_roundtrip_nospin_us', value: round(nospin), unit: 'us', n: RUNS, trips, spin: 0 });
  const longspin = await ringRoundtrip(20_000, false, trips);
  report({
    name: 'ring_roundtrip_spin20k_us',
    value: round(longspin),
    unit: 'us',
    n: RUNS,
    trips,
    spin: 20_000,
  });
  const asyncRt = await ringRoundtrip(DEFAULT_SPIN, true, trips);
  report({
    name: 'ring_roundtrip_async_us',
    value: round(asyncRt),
    unit: 'us',
    n: RUNS,
    trips,
    spin: DEFAULT_SPIN,
  });

  const spsc3 = await throughput('spsc', 3, 32, 1_000_000);
  report({ name: 'ring_spsc_inbox_3producers_msgs_per_s', value: round(spsc3), unit: 'msgs/s', n: RUNS });
  const mpsc3 = await throughput('mpsc', 3, 32, 1_000_000);
  report({ name: 'ring_mpsc_3producers_msgs_per_s', value: round(mpsc3), unit: 'msgs/s', n: RUNS });
  const mpsc1 = await throughput('mpsc', 1, 32, 4_000_000);
  report({ name: 'ring_mpsc_1producer_msgs_per_s', value: round(mpsc1), unit: 'msgs/s', n: RUNS });
}

export async function run(): Promise<void> {
  await runRingBench();
  // Packed placement: an actor's message to an actor on its own thread, which never touches a ring.
  await runActorLocalBench();
}
