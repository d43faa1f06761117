// actor_local_send_ns: one actor sending to another on the same thread (packed placement), measured
// from the first send to the last delivery, so it includes the run queue and the handler dispatch.
// Two shapes: a steady sender (batches of 256, then it messages itself to go on, as a busy actor
// does), and a burst of one million sends from one handler, where the queued envelopes outlive the
// young generation and garbage collection dominates.
import { ActorHost } from '../../actors/runtime/host.js';
import type { Actor } from '../../actors/runtime/actor.js';
import type { ActorId, HostId } from '../../actors/runtime/ids.js';
import { median, report, round } from './report.js';

const MESSAGES = 1_000_000;
const RUNS = 7;

export async function runActorLocalBench(): Promise<void> {
  for (const [name, batch] of [
    ['actor_local_send_ns', 256],
    ['actor_local_send_burst_1M_ns', MESSAGES],
  ] as const) {
    const samples: number[] = [];
    for (let r = 0; r < RUNS; r++) samples.push(await once(batch));
    report({ name, value: round(median(samples), 3), unit: 'ns', n: RUNS, target: 200 });
  }
}

function once(batch: number): Promise<number> {
  return new Promise((resolve) => {
    const host = new ActorHost(0 as HostId);
    let got = 0;
    let sent = 0;
    let t0 = 0;
    let to = 0 as ActorId;
    host.registerFactory({ module: 'bench:', export: 'sink' }, (): Actor => ({
      receive() {
        if (++got === MESSAGES) {
          const ns = (Number(process.hrtime.bigint()) - t0) / MESSAGES;
          host.shutdown();
          resolve(ns);
        }
      },
    }));
    host.registerFactory({ module: 'bench:', export: 'source' }, (): Actor => ({
      receive(msg, ctx) {
        if (msg.kind === 'go') {
          to = msg.body as ActorId;
          t0 = Number(process.hrtime.bigint());
        }
        for (let i = 0; i < batch && sent < MESSAGES; i++) ctx.send(to, 'tick', sent++);
        if (sent < MESSAGES) ctx.send(ctx.self, 'more');
      },
    }));
    const sink = host.spawnLocal({ module: 'bench:', export: 'sink' }, host.endpoint);
    const source = host.spawnLocal({ module: 'bench:', export: 'source' }, host.endpoint);
    host.send(host.endpoint, source.id, 'go', sink.id);
  });
}
