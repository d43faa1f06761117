// Loading an OCI bundle directory: its config.json, validated, and its rootfs, resolved against the
// bundle directory as runc does (root.path is relative to the bundle unless absolute). Synchronous on
// purpose: it runs once per create, on the CLI or control path, never on a guest's hot path.

import * as fs from 'node:fs';
import * as path from 'node:path';

import { BundleError } from './errors.js';
import type { OciSpec } from './oci_spec.js';
import { parseSpec } from './validate_spec.js';

/** A loaded bundle; immutable after construction, owned by whoever loaded it (the Loader actor). */
export interface Bundle {
  /** Absolute path of the bundle directory. */
  readonly dir: string;
  /** Absolute path of its config.json. */
  readonly configPath: string;
  readonly spec: OciSpec;
  /** Absolute, symlink-free path of the rootfs directory on the host. */
  readonly rootfs: string;
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Loads and validates the bundle at `dir` (relative to the current directory when not absolute). */
export function loadBundle(dir: string): Bundle {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') throw new BundleError('ENOENT', `bundle ${abs} does not exist`);
    throw new BundleError('EIO', `bundle ${abs}: ${(e as Error).message}`);
  }
  if (!st.isDirectory()) throw new BundleError('ENOTDIR', `bundle ${abs} is not a directory`);

  const configPath = path.join(abs, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'ENOENT') throw new BundleError('ENOENT', `no config.json in bundle ${abs}`);
    if (code === 'EISDIR') throw new BundleError('EINVAL', `${configPath} is not a regular file`);
    if (code === 'EACCES') throw new BundleError('EACCES', `cannot read ${configPath}: permission denied`);
    throw new BundleError('EIO', `cannot read ${configPath}: ${(e as Error).message}`);
  }
  const spec = parseSpec(text, 'config.json');

  const rootPath = path.resolve(abs, spec.root.path);
  let rootfs: string;
  try {
    rootfs = fs.realpathSync(rootPath);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') {
      throw new BundleError('ENOENT', `config.json: root.path: rootfs ${rootPath} does not exist`);
    }
    throw new BundleError('EIO', `config.json: root.path: ${rootPath}: ${(e as Error).message}`);
  }
  if (!fs.statSync(rootfs).isDirectory()) {
    throw new BundleError('ENOTDIR', `config.json: root.path: rootfs ${rootPath} is not a directory`);
  }
  return { dir: abs, configPath, spec, rootfs };
}
