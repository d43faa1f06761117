// The fs benchmark through the wired path: a sandbox (ActorSystem + Loader actor, in this process)
// whose root container idles while fs_bench is exec'd into it, reaching the data directory as a
// bind mount (/data) served by the container's gofer, as any guest in a container does.

import { nsPerOp } from './_fs_runners.js';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorSystem, type ActorRef } from '../../actors/runtime/index.js';
import type { LoaderArgs, LoaderReply, LoaderRequest } from '../../actors/loader/control_protocol.js';
import { settleGofers } from '../../actors/loader/loader_gofer.js';

const LOADER = new URL('../../actors/loader/loader_actor.js', import.meta.url).href;

export class SandboxFsRunner {
  private n = 0;
  private constructor(
    private readonly sys: ActorSystem,
    private readonly loader: ActorRef,
    /** The bundle and the outputs; removed by close(). */
    private readonly dir: string,
  ) {}

  /** A sandbox serving `dataDir` at /data, its gofer `mode`, fs_bench and sleep in its rootfs. */
  static async open(
    dataDir: string,
    guests: string,
    mode: NonNullable<LoaderArgs['gofer']>,
  ): Promise<SandboxFsRunner> {
    const dir = mkdtempSync(join(tmpdir(), 'corral-bench-bundle-'));
    mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
    for (const b of ['fs_bench', 'sleep'])
      copyFileSync(join(guests, `${b}.wasm`), join(dir, 'rootfs', 'bin', b));
    const spec = {
      ociVersion: '1.0.2',
      process: { user: { uid: 0, gid: 0 }, args: ['/bin/sleep', '100000000'], env: ['PATH=/bin'], cwd: '/' },
      root: { path: 'rootfs', readonly: true },
      mounts: [{ destination: '/data', type: 'bind', source: dataDir, options: ['rbind'] }],
      linux: { namespaces: [{ type: 'pid' }] },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    const sys = await ActorSystem.start({ workers: 0 });
    const args: LoaderArgs = {
      sandboxId: `bench-${mode}`,
      rootCid: 'bench',
      rootBundle: dir,
      rootStdio: { kind: 'null' },
      gofer: mode,
    };
    const loader = await sys.spawn({ module: LOADER, export: 'createLoaderActor', args, name: 'loader' });
    const r = new SandboxFsRunner(sys, loader, dir);
    await r.req({ op: 'start', cid: 'bench' });
    return r;
  }

  private req<O extends LoaderRequest['op']>(r: Extract<LoaderRequest, { op: O }>): Promise<LoaderReply<O>> {
    return this.sys.request(this.loader, r.op, r, { timeoutMs: 0 });
  }

  /** Execs one fs_bench run; returns its ns per operation. */
  async run(mode: string, n: number): Promise<number> {
    const out = join(this.dir, `out-${this.n++}`);
    const { pid } = await this.req({
      op: 'exec',
      cid: 'bench',
      process: { args: ['/bin/fs_bench', mode, String(n), '/data'] },
      stdio: { kind: 'paths', stdout: out },
    });
    const st = await this.req({ op: 'wait-pid', cid: 'bench', pid });
    const text = readFileSync(out, 'utf8');
    if (st.exitCode !== 0) throw new Error(`sandbox fs_bench ended ${JSON.stringify(st)}: ${text}`);
    return nsPerOp(text, mode, n);
  }

  async close(): Promise<void> {
    await this.req({ op: 'destroy', cid: 'bench' }).catch(() => undefined);
    await this.sys.shutdown();
    await settleGofers();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
