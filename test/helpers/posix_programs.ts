// Running one program of test/guests/posix both ways: natively (gcc's build, on Linux) and under
// Corral (the SDK's build, as the init of a container in an in-process sandbox). Used by
// test/posix-diff.test.ts; `node dist/test/helpers/posix_programs.js NAME [ARGS...]` prints both,
// for whoever writes a new program.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActorSystem } from '../../actors/runtime/index.js';
import type { LoaderArgs } from '../../actors/loader/control_protocol.js';
import { closeGuestStrategy } from '../../actors/process-group/guest_platform.js';
import { readText, REPO, TempDirs } from './bundles.js';

export const NATIVE = join(REPO, 'build', 'posix', 'native');
export const WASM = join(REPO, 'build', 'posix', 'wasm');
const LOADER = new URL('../../actors/loader/loader_actor.js', import.meta.url).href;

export interface Outcome {
  stdout: string;
  /** The exit code, or 128+N for death by signal N (as a shell shows both). */
  status: number;
}

/** Names of the differential programs (built by scripts/build-guests.sh). */
export function programs(): string[] {
  return readdirSync(WASM)
    .filter((f) => f.endsWith('.wasm'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Runs the native build with a deadline; a hang is a failure, never a wait forever. */
export function runNative(name: string, args: string[] = [], dirs: TempDirs): Outcome {
  const cwd = dirs.make('corral-posix-native-');
  const r = spawnSync(join(NATIVE, name), args, { cwd, encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, status: r.status ?? 128 + signalNumber(r.signal) };
}

function signalNumber(sig: NodeJS.Signals | null): number {
  const table: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGTERM: 15,
    SIGABRT: 6,
  };
  return sig === null ? 0 : (table[sig] ?? 0);
}

/** Runs the SDK build as the init of a container (rootfs: /bin/NAME, a writable /tmp). */
export async function runCorral(name: string, args: string[] = [], dirs: TempDirs): Promise<Outcome> {
  const bundle = dirs.make('corral-posix-bundle-');
  mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
  mkdirSync(join(bundle, 'rootfs', 'tmp'));
  copyFileSync(join(WASM, `${name}.wasm`), join(bundle, 'rootfs', 'bin', name));
  const spec = {
    ociVersion: '1.0.2',
    process: { args: [`/bin/${name}`, ...args], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 } },
    root: { path: 'rootfs', readonly: false },
    linux: { namespaces: [{ type: 'pid' }] },
  };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const out = join(dirs.make('corral-posix-out-'), 'stdout');
  const sys = await ActorSystem.start({ workers: 0 });
  try {
    const la: LoaderArgs = {
      sandboxId: `posix-${name}`,
      rootCid: 'root',
      rootBundle: bundle,
      rootStdio: { kind: 'paths', stdout: out },
    };
    const loader = await sys.spawn({ module: LOADER, export: 'createLoaderActor', args: la, name: 'loader' });
    const req = <T>(r: { op: string; cid: string }) => sys.request<T>(loader, r.op, r, { timeoutMs: 20_000 });
    await req({ op: 'start', cid: 'root' });
    const st = await req<{ exitCode?: number; signal?: number }>({ op: 'wait', cid: 'root' });
    await req({ op: 'destroy', cid: 'root' });
    return { stdout: readText(out), status: st.signal !== undefined ? 128 + st.signal : (st.exitCode ?? 0) };
  } finally {
    await sys.shutdown();
  }
}

// As a script: both outcomes of one program, for writing and debugging programs.
if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/^.*\/dist\//, 'dist/'))
) {
  const [name, ...args] = process.argv.slice(2);
  if (name === undefined) {
    process.stderr.write('usage: node dist/test/helpers/posix_programs.js NAME [ARGS...]\n');
    process.exit(2);
  }
  const dirs = new TempDirs();
  try {
    const n = runNative(name, args, dirs);
    const c = await runCorral(name, args, dirs);
    process.stdout.write(
      `--- native (status ${n.status})\n${n.stdout}--- corral (status ${c.status})\n${c.stdout}`,
    );
    process.stdout.write(n.stdout === c.stdout && n.status === c.status ? '=== same\n' : '=== DIFFERENT\n');
  } finally {
    await closeGuestStrategy();
    dirs.cleanup();
  }
}
