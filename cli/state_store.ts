// On-disk container state, one directory per container under the state root, as runc keeps it:
// `<root>/<id>/state.json` holds the OCI state (runtime-spec's "state" operation output) plus what
// Corral needs to find the container again from a later CLI invocation: the sandbox it lives in and
// that sandbox's control socket. Every write is atomic (temp file + rename(2)), so a reader never sees
// a half-written file, and create is race-free: mkdir(2) of the id directory either creates it or
// fails with EEXIST, so of two concurrent `corral create x` exactly one wins.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodedError } from '../bridge/errors.js';

/** A validated container id. */
export type ContainerId = string & { readonly __brand: 'ContainerId' };

/** OCI states plus `paused` (runc's extension, which runsc also reports). */
export type ContainerStatus = 'created' | 'running' | 'stopped' | 'paused';

export const CONTAINER_STATUSES: readonly ContainerStatus[] = ['created', 'running', 'stopped', 'paused'];

/** state.json; owned by the CLI invocation that writes it, read by every later one. */
export interface ContainerState {
  readonly ociVersion: string;
  readonly id: string;
  readonly status: ContainerStatus;
  /**
   * Host pid of the process hosting the sandbox (the detached host, or the `run`/`do` CLI itself),
   * as runsc reports its sandbox process: a guest's pid means nothing to the host. `state` shows 0
   * once stopped.
   */
  readonly pid: number;
  /** Absolute path of the bundle directory. */
  readonly bundle: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** Corral: id of the sandbox holding the container (the root container's id, as in runsc). */
  readonly sandboxId: string;
  /** Corral: nanomsg address of the sandbox host's control socket, `ipc://<root>/<sandbox-id>/control.sock`. */
  readonly controlAddress: string;
  /** Corral: creation time, RFC 3339 (as runc's list prints it). */
  readonly created: string;
  /** Corral: user name of whoever created the container (runc list's OWNER column). */
  readonly owner: string;
}

/** runc's rule for container ids. */
const ID_RE = /^[\w+.-]+$/;
const MAX_ID_LENGTH = 1024;

/** Codes: 'ENOENT' (no such container), 'EEXIST', 'EINVAL' (bad id or state file). */
export class StateError extends CodedError<'ENOENT' | 'EEXIST' | 'EINVAL'> {
  constructor(code: 'ENOENT' | 'EEXIST' | 'EINVAL', message: string) {
    super('StateError', code, message);
  }
}

/** Checks `id` as runc does (also refusing `.` and `..`, which would name the root or its parent). */
export function validateContainerId(id: string): ContainerId {
  if (id.length === 0 || id.length > MAX_ID_LENGTH || !ID_RE.test(id) || id === '.' || id === '..') {
    throw new StateError('EINVAL', `invalid container id ${JSON.stringify(id)}`);
  }
  return id as ContainerId;
}

/** The user name recorded as a container's owner. */
export function currentOwner(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(typeof process.getuid === 'function' ? process.getuid() : 0);
  }
}

/** Control socket address of the sandbox host serving `sandboxId` under `root`. */
export function controlAddress(root: string, sandboxId: string): string {
  return `ipc://${path.join(root, sandboxId, 'control.sock')}`;
}

/** Writes `data` to `file` atomically: a reader sees the old contents or the new, never a mix. */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function checkState(v: unknown, file: string): ContainerState {
  const o = v as Record<string, unknown>;
  const ok =
    typeof o === 'object' &&
    o !== null &&
    typeof o.id === 'string' &&
    typeof o.ociVersion === 'string' &&
    CONTAINER_STATUSES.includes(o.status as ContainerStatus) &&
    typeof o.pid === 'number' &&
    typeof o.bundle === 'string' &&
    typeof o.sandboxId === 'string' &&
    typeof o.controlAddress === 'string' &&
    typeof o.created === 'string' &&
    typeof o.owner === 'string';
  if (!ok) throw new StateError('EINVAL', `${file}: malformed container state`);
  return {
    ...(o as unknown as ContainerState),
    annotations: (o.annotations as Record<string, string>) ?? {},
  };
}

/** The state directory tree under one state root. Holds no cached state: every call reads the disk. */
export class StateStore {
  /** Absolute state root; immutable after construction. */
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** `<root>/<id>`. */
  dir(id: string): string {
    return path.join(this.root, validateContainerId(id));
  }

  private file(id: string): string {
    return path.join(this.dir(id), 'state.json');
  }

  controlAddress(sandboxId: string): string {
    return controlAddress(this.root, sandboxId);
  }

  exists(id: string): boolean {
    return fs.existsSync(this.file(id));
  }

  /** Creates the container's directory and state.json; fails when the directory already exists. */
  create(state: ContainerState): void {
    const dir = this.dir(state.id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    try {
      fs.mkdirSync(dir, { mode: 0o700 }); // not recursive: EEXIST is the lock
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new StateError('EEXIST', `container ${JSON.stringify(state.id)} already exists`);
      }
      throw e;
    }
    try {
      writeFileAtomic(path.join(dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  load(id: string): ContainerState {
    const file = this.file(id);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StateError('ENOENT', `container ${JSON.stringify(id)} does not exist`);
      }
      throw e;
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new StateError('EINVAL', `${file}: malformed container state`);
    }
    return checkState(v, file);
  }

  /** Replaces the state of an existing container. */
  save(state: ContainerState): void {
    if (!this.exists(state.id)) {
      throw new StateError('ENOENT', `container ${JSON.stringify(state.id)} does not exist`);
    }
    writeFileAtomic(this.file(state.id), JSON.stringify(state, null, 2) + '\n');
  }

  /** Loads, applies `patch`, saves; returns the new state. Not atomic against concurrent updaters. */
  update(id: string, patch: Partial<Omit<ContainerState, 'id'>>): ContainerState {
    const next = { ...this.load(id), ...patch };
    this.save(next);
    return next;
  }

  /**
   * Every container with a readable state.json, sorted by id. Directories without one (a sandbox's
   * own directory, or a create in progress) are skipped, as runc's list skips them.
   */
  list(): ContainerState[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: ContainerState[] = [];
    for (const name of names.sort()) {
      try {
        validateContainerId(name);
        out.push(this.load(name));
      } catch {
        continue;
      }
    }
    return out;
  }

  /** Removes the container's directory and everything in it; a missing one is not an error. */
  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }
}
