// Builds OCI bundles in temp dirs from the guest programs in build/guests, for Loader and CLI tests.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const GUESTS = join(REPO, 'build', 'guests');

export interface BundleOptions {
  /** Guest programs to put in rootfs/bin (names in build/guests, without .wasm). */
  bins: string[];
  args: string[];
  env?: string[];
  /** linux.namespaces[pid]: absent = none; '' = a new one; a path = join by path. */
  pidns?: string;
  terminal?: boolean;
  annotations?: Record<string, string>;
  uid?: number;
  /** root.readonly; true unless said otherwise. */
  readonlyRoot?: boolean;
}

export class TempDirs {
  private readonly dirs: string[] = [];
  make(prefix = 'corral-test-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }
  cleanup(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

export function makeBundle(dirs: TempDirs, o: BundleOptions): string {
  const dir = dirs.make('corral-bundle-');
  mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
  for (const b of o.bins) copyFileSync(join(GUESTS, `${b}.wasm`), join(dir, 'rootfs', 'bin', b));
  const namespaces: { type: string; path?: string }[] = [{ type: 'network' }];
  if (o.pidns !== undefined)
    namespaces.push(o.pidns === '' ? { type: 'pid' } : { type: 'pid', path: o.pidns });
  const spec = {
    ociVersion: '1.0.2',
    process: {
      terminal: o.terminal ?? false,
      user: { uid: o.uid ?? 0, gid: 0 },
      args: o.args,
      env: o.env ?? ['PATH=/bin'],
      cwd: '/',
    },
    root: { path: 'rootfs', readonly: o.readonlyRoot ?? true },
    hostname: 'corral-test',
    linux: { namespaces },
    annotations: o.annotations ?? {},
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
