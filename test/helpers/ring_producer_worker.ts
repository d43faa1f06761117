// Worker side of test/ring.test.ts: producers that write checkable messages, and small probes.
// Message format of the stress producers: kind = producer id; payload = seq (u32 LE), FNV-1a of the
// body (u32 LE), then the body: pseudo-random bytes of a pseudo-random length.
import { parentPort, workerData } from 'node:worker_threads';
import { Ring, type RingEndpoint } from '../../bridge/ring.js';

export type ProducerJob =
  | {
      mode: 'stress';
      endpoint: RingEndpoint;
      id: number;
      count: number;
      maxBody: number;
      seed: number;
      /** Block with writeWithAsync (an event loop that keeps running) instead of writeWith. */
      useAsync: boolean;
    }
  | { mode: 'attach'; sab: SharedArrayBuffer }
  | { mode: 'blocking-write'; endpoint: RingEndpoint; size: number; timeoutMs: number };

export const STRESS_HEADER = 8;

export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

function xorshift(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

async function stress(job: Extract<ProducerJob, { mode: 'stress' }>): Promise<void> {
  const ring = Ring.attach(job.endpoint);
  let rnd = job.seed >>> 0 || 1;
  let seq = 0;
  let body = 0;
  // One fill for all messages (no closure per message), reading the current seq/body/rnd.
  const fill = (b: Uint8Array, off: number): void => {
    const start = off + STRESS_HEADER;
    const end = start + body;
    let x = rnd;
    for (let i = start; i < end; i++) {
      x = xorshift(x);
      b[i] = x;
    }
    writeU32(b, off, seq);
    writeU32(b, off + 4, fnv1a(b, start, end));
  };
  let blocked = 0;
  for (seq = 0; seq < job.count; seq++) {
    rnd = xorshift(rnd);
    body = rnd % (job.maxBody + 1);
    const size = STRESS_HEADER + body;
    if (ring.tryWriteWith(job.id, size, fill)) continue;
    blocked++;
    if (job.useAsync) await ring.writeWithAsync(job.id, size, fill, 30_000);
    else ring.writeWith(job.id, size, fill, 30_000);
  }
  parentPort!.postMessage({ done: job.count, blocked });
}

function attach(job: Extract<ProducerJob, { mode: 'attach' }>): void {
  const ring = Ring.attach(job.sab);
  const seen: { kind: number; bytes: number[] }[] = [];
  const state = { capacity: ring.capacity, maxMessageBytes: ring.maxMessageBytes, empty: ring.isEmpty() };
  ring.drain((kind, payload) => seen.push({ kind, bytes: [...payload] }));
  parentPort!.postMessage({ ...state, seen, emptyAfter: ring.isEmpty() });
}

function blockingWrite(job: Extract<ProducerJob, { mode: 'blocking-write' }>): void {
  const ring = Ring.attach(job.endpoint);
  try {
    ring.write(7, new Uint8Array(job.size).fill(0xab), job.timeoutMs);
    parentPort!.postMessage({ written: true });
  } catch (err) {
    parentPort!.postMessage({ written: false, error: (err as Error).message });
  }
}

const job = workerData as ProducerJob | null;
if (job?.mode === 'stress') await stress(job);
else if (job?.mode === 'attach') attach(job);
else if (job?.mode === 'blocking-write') blockingWrite(job);
