// Worker side of scripts/bench/ring.ts (the leading _ keeps it out of the benchmark list).
// Producers run `runs` rounds, each released by the main thread bumping the GO word; echoers answer
// pings until told to stop. Compiled JavaScript only: workers load dist/scripts/bench/_ring_worker.js.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Ring, type RingEndpoint } from '../../bridge/ring.js';
import { MpscRing } from '../../bridge/ring_mpsc.js';

export type RingWorkerJob =
  | {
      mode: 'produce';
      endpoint: RingEndpoint;
      control: SharedArrayBuffer;
      runs: number;
      count: number;
      size: number;
    }
  | {
      mode: 'produce-mpsc';
      sab: SharedArrayBuffer;
      control: SharedArrayBuffer;
      runs: number;
      count: number;
      size: number;
    }
  | { mode: 'echo-ring'; ping: RingEndpoint; pong: RingEndpoint; spin: number }
  | { mode: 'echo-postmessage' };

/** Word indices of the control SharedArrayBuffer: GO is bumped by the main thread (round number). */
export const CONTROL_GO = 0;
export const CONTROL_BYTES = 8;
/** Kind of the message that tells an echoer to stop. */
export const KIND_STOP = 0xffff;

let seq = 0;
let src = new Uint8Array(0);
function fill(bytes: Uint8Array, offset: number): void {
  // Copy a whole payload in, as an encoder would, without allocating per message.
  src[0] = seq;
  bytes.set(src, offset);
}

function waitForRound(control: Int32Array, round: number): void {
  // Atomics.load/wait on GO: the main thread stores the round number then notifies; wait returns
  // at once if GO already moved past the value we saw.
  for (let g = Atomics.load(control, CONTROL_GO); g < round; g = Atomics.load(control, CONTROL_GO)) {
    Atomics.wait(control, CONTROL_GO, g);
  }
}

function runJob(job: RingWorkerJob): void {
  if (job.mode === 'produce' || job.mode === 'produce-mpsc') {
    const ring = job.mode === 'produce' ? Ring.attach(job.endpoint) : MpscRing.attach(job.sab);
    const control = new Int32Array(job.control);
    src = new Uint8Array(job.size).fill(0x5a);
    parentPort!.postMessage('ready');
    for (let round = 1; round <= job.runs; round++) {
      waitForRound(control, round);
      for (seq = 0; seq < job.count; seq++) {
        if (!ring.tryWriteWith(1, job.size, fill)) ring.writeWith(1, job.size, fill, 60_000);
      }
    }
  } else if (job.mode === 'echo-ring') {
    const ping = Ring.attach(job.ping, { spinIterations: job.spin });
    const pong = Ring.attach(job.pong);
    let stop = false;
    const echo = (kind: number, payload: Uint8Array): void => {
      if (kind === KIND_STOP) stop = true;
      else if (!pong.tryWrite(kind, payload)) pong.write(kind, payload, 60_000);
    };
    parentPort!.postMessage('ready');
    while (!stop) {
      if (ping.drain(echo) === 0) ping.waitForMessages(60_000);
    }
  } else {
    parentPort!.on('message', (m: unknown) => {
      if (m === 'stop') parentPort!.close();
      else parentPort!.postMessage(m);
    });
  }
}

// scripts/bench/ring.ts imports the constants above; only a worker runs a job.
if (!isMainThread) runJob(workerData as RingWorkerJob);
