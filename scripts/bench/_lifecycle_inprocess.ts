// lifecycle_inprocess_us: one sandbox's whole life inside a running engine with a warm guest pool:
// create (a Loader actor with its root container) → start → hello exits → wait → destroy; with the
// gofer out of process (the default: an attachment to the thread's shared, warm gofer child) and on
// the Loader's thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../../actors/runtime/index.js';
import type { LoaderArgs, LoaderReply, LoaderRequest } from '../../actors/loader/control_protocol.js';
import { closeGuestStrategy, guestStrategy } from '../../actors/process-group/guest_platform.js';
import { median, percentile, report, round } from './report.js';

const LOADER = new URL('../../actors/loader/loader_actor.js', import.meta.url).href;
const HELLO_BUNDLE = fileURLToPath(new URL('../../../examples/hello', import.meta.url));
const WARMUP = 50;
const RUNS = 500;

export async function runInprocessLifecycleBench(): Promise<void> {
  // The default: each container attaches to the thread's shared gofer child, started once (by the
  // warm-up) and kept warm, so a container no longer pays a node start-up (~70 ms).
  await lifecycleBench('process', '', WARMUP, RUNS);
  // The gofer on the Loader's thread (LoaderArgs.gofer 'in-process'): what density costs without it.
  await lifecycleBench('in-process', '_gofer_inprocess', WARMUP, RUNS);
}

async function lifecycleBench(
  gofer: NonNullable<LoaderArgs['gofer']>,
  suffix: string,
  warmup: number,
  runs: number,
): Promise<void> {
  if (!existsSync(`${HELLO_BUNDLE}/rootfs/bin/hello`))
    throw new Error(`build examples/hello first (${HELLO_BUNDLE})`);
  const sys = await ActorSystem.start({ workers: 0 });
  await guestStrategy().pool.warmUp();
  const samples: number[] = [];
  try {
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = performance.now();
      const args: LoaderArgs = {
        sandboxId: `bench-${i}`,
        rootCid: 'hello',
        rootBundle: HELLO_BUNDLE,
        rootStdio: { kind: 'null' },
        gofer,
      };
      const loader = await sys.spawn({ module: LOADER, export: 'createLoaderActor', args });
      const req = <O extends LoaderRequest['op']>(
        r: Extract<LoaderRequest, { op: O }>,
      ): Promise<LoaderReply<O>> => sys.request(loader, r.op, r);
      await req({ op: 'start', cid: 'hello' });
      const w = await req({ op: 'wait', cid: 'hello' });
      if (w.exitCode !== 0) throw new Error(`hello exited with ${JSON.stringify(w)}`);
      await req({ op: 'destroy', cid: 'hello' });
      sys.stop(loader);
      if (i >= warmup) samples.push((performance.now() - t0) * 1000);
    }
  } finally {
    await sys.shutdown();
    await closeGuestStrategy();
  }
  report({
    name: `lifecycle_inprocess${suffix}_us`,
    value: round(median(samples), 3),
    unit: 'us',
    n: runs,
    gofer,
    target: 2000,
  });
  report({
    name: `lifecycle_inprocess${suffix}_p99_us`,
    value: round(percentile(samples, 99), 3),
    unit: 'us',
    n: runs,
    gofer,
  });
}
