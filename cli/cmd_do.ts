// `corral do FILE.wasm [ARGS…]`: runs a wasm file from the host with no bundle, as `runsc do`. The
// Loader takes bundles, so do writes a throwaway one under the state root (config.json from the
// flags; a rootfs holding a hard link to FILE, or the --dir HOST::/ directory), runs it in process as
// `corral run` does, and removes it afterwards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_PATH } from '../actors/loader/bundle/index.js';
import type { DoCommand } from './args.js';
import { checkBundle } from './cmd_create.js';
import { CliError, openStore } from './cmd_common.js';
import { runInProcess } from './cmd_run.js';

/** Records the network mode asked for, until the netstack issue gives it a meaning. */
export const NETWORK_ANNOTATION = 'dev.corral.network';

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Writes the bundle for `cmd` into `dir` (which exists and is empty); returns nothing, throws on bad input. */
function writeBundle(cmd: DoCommand, dir: string): void {
  let file: string;
  try {
    file = fs.realpathSync(cmd.file);
  } catch {
    throw new CliError(`executable not found: ${cmd.file}`, 127);
  }
  const rootMap = cmd.flags.dir.find((d) => d.guest === '/');
  let rootPath: string;
  let argv0: string;
  if (rootMap !== undefined) {
    rootPath = fs.realpathSync(path.resolve(rootMap.host));
    if (!isInside(rootPath, file)) {
      throw new CliError(
        `${cmd.file} is not inside the root directory ${rootMap.host} (--dir ${rootMap.host}::/)`,
      );
    }
    argv0 = '/' + path.relative(rootPath, file).split(path.sep).join('/');
  } else {
    rootPath = path.join(dir, 'rootfs');
    fs.mkdirSync(rootPath);
    argv0 = '/' + path.basename(file);
    try {
      fs.linkSync(file, path.join(rootPath, path.basename(file)));
    } catch {
      fs.copyFileSync(file, path.join(rootPath, path.basename(file))); // another file system
    }
  }
  const mounts = cmd.flags.dir
    .filter((d) => d.guest !== '/')
    .map((d) => ({ destination: d.guest, type: 'bind', source: path.resolve(d.host), options: ['rbind'] }));
  const namespaces =
    cmd.flags.network === 'host' ? [{ type: 'pid' }] : [{ type: 'pid' }, { type: 'network' }];
  const spec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: [argv0, ...cmd.args],
      env: [`PATH=${DEFAULT_PATH}`, ...cmd.flags.env],
      cwd: cmd.flags.cwd ?? '/',
    },
    root: { path: rootPath, readonly: false },
    hostname: 'corral',
    mounts,
    linux: { namespaces },
    annotations: { [NETWORK_ANNOTATION]: cmd.flags.network },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2) + '\n');
}

export async function runDo(cmd: DoCommand): Promise<number> {
  const store = openStore(cmd.global);
  const id = `do-${process.pid}`;
  const dir = fs.mkdtempSync(path.join(store.root, `do-bundle-${process.pid}-`));
  try {
    writeBundle(cmd, dir);
    return await runInProcess(
      store,
      id,
      checkBundle(dir),
      cmd.flags.trace !== undefined ? { trace: cmd.flags.trace } : {},
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
