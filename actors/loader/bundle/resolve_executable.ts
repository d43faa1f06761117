// Resolving process.args[0] inside a rootfs, as execve(2)/execvp(3) would inside the container's mount
// namespace, but from the host: every path is confined to the rootfs. Symlinks are followed one
// component at a time; an absolute target restarts at the rootfs, and `..` at the rootfs stays there
// (the semantics of chroot and of openat2's RESOLVE_IN_ROOT), so no link can lead outside.

import * as fs from 'node:fs';
import * as path from 'node:path';

import { DEFAULT_PATH } from './env.js';
import { BundleError } from './errors.js';

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);

/** A resolved executable; immutable. */
export interface ResolvedExecutable {
  /** Absolute path inside the container, with symlinks resolved (what /proc/self/exe would show). */
  readonly guestPath: string;
  /** The same file on the host. */
  readonly hostPath: string;
}

/** Result of walking a guest path: where it led, and the lstat of the final file when it exists. */
export interface RootedPath {
  readonly guestPath: string;
  readonly hostPath: string;
  readonly stat: fs.Stats | undefined;
  /** Set when it is missing because a component before the last is not a directory (ENOTDIR). */
  readonly notDir?: boolean;
}

function hostOf(rootfs: string, parts: readonly string[]): string {
  return parts.length === 0 ? rootfs : path.join(rootfs, ...parts);
}

/**
 * Walks absolute guest path `guest` inside `rootfs`, following symlinks but never leaving it.
 * `stat` is undefined when the path (or one of its directories) does not exist.
 */
export function resolveInRoot(rootfs: string, guest: string): RootedPath {
  const done: string[] = [];
  const todo = guest.split('/').reverse();
  let links = 0;
  while (todo.length > 0) {
    const part = todo.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop(); // at the root this is a no-op: `..` of / is /
      continue;
    }
    const host = hostOf(rootfs, [...done, part]);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(host);
    } catch {
      // ENOENT, or ENOTDIR when an earlier component is a file: either way there is nothing here.
      const rest = todo.filter((p) => p !== '' && p !== '.').reverse();
      const parts = [...done, part, ...rest];
      return { guestPath: '/' + parts.join('/'), hostPath: hostOf(rootfs, parts), stat: undefined };
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) {
        throw new BundleError('ENOENT', `too many levels of symbolic links: ${guest}`, 127);
      }
      const target = fs.readlinkSync(host);
      if (target.startsWith('/')) done.length = 0; // re-rooted at the rootfs, as in a chroot
      todo.push(...target.split('/').reverse());
      continue;
    }
    if (todo.some((p) => p !== '' && p !== '.') && !st.isDirectory()) {
      const parts = [...done, part, ...todo.filter((p) => p !== '' && p !== '.').reverse()];
      return {
        guestPath: '/' + parts.join('/'),
        hostPath: hostOf(rootfs, parts),
        stat: undefined,
        notDir: true,
      };
    }
    done.push(part);
  }
  const hostPath = hostOf(rootfs, done);
  return { guestPath: '/' + done.join('/'), hostPath, stat: fs.statSync(hostPath) };
}

export interface ResolveOptions {
  /** The process's environment; its PATH drives the search for bare names. */
  readonly env?: readonly string[];
  /** The process's working directory inside the container (absolute); default `/`. */
  readonly cwd?: string;
}

function pathOf(env: readonly string[] | undefined): string {
  let found: string | undefined;
  for (const e of env ?? []) if (e.startsWith('PATH=')) found = e.slice(5);
  return found ?? DEFAULT_PATH;
}

/**
 * Resolves `argv0` (process.args[0]) inside `rootfs` and checks that it is a WebAssembly module.
 * Errors: ENOENT (exit 127) when missing, EACCES (126) when not a regular file, ENOEXEC (126) when not wasm.
 */
export function resolveExecutable(
  rootfs: string,
  argv0: string,
  opts: ResolveOptions = {},
): ResolvedExecutable {
  const cwd = opts.cwd ?? '/';
  let found: RootedPath | undefined;
  if (argv0.includes('/')) {
    const guest = argv0.startsWith('/') ? argv0 : path.posix.join(cwd, argv0);
    const r = resolveInRoot(rootfs, guest);
    if (r.stat || r.notDir) found = r;
  } else {
    // execvp(3): try each PATH entry; an entry that exists but is not a regular file is remembered
    // so that, when nothing better turns up, the error is "permission denied" as execvp reports it.
    let denied: RootedPath | undefined;
    for (const dir of pathOf(opts.env).split(':')) {
      const base = dir === '' ? cwd : dir.startsWith('/') ? dir : path.posix.join(cwd, dir);
      const r = resolveInRoot(rootfs, path.posix.join(base, argv0));
      if (!r.stat) continue;
      if (r.stat.isFile()) {
        found = r;
        break;
      }
      denied ??= r;
    }
    found ??= denied;
  }
  if (!found) throw new BundleError('ENOENT', `executable not found: ${argv0}`, 127);
  // execve(2): ENOTDIR when a component of the path is not a directory.
  if (!found.stat && found.notDir) throw new BundleError('ENOTDIR', `not a directory: ${argv0}`, 127);
  if (!found.stat!.isFile()) throw new BundleError('EACCES', `permission denied: ${argv0}`, 126);
  checkWasmMagic(found.hostPath, argv0);
  return { guestPath: found.guestPath, hostPath: found.hostPath };
}

/** Throws ENOEXEC unless the file starts with the wasm magic `\0asm`. */
export function checkWasmMagic(hostPath: string, shownAs: string): void {
  const head = Buffer.alloc(4);
  let n = 0;
  let fd: number;
  try {
    fd = fs.openSync(hostPath, 'r');
  } catch {
    throw new BundleError('EACCES', `permission denied: ${shownAs}`, 126);
  }
  try {
    n = fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (n < 4 || !head.equals(WASM_MAGIC)) {
    throw new BundleError('ENOEXEC', `not a WebAssembly module: ${shownAs}`, 126);
  }
}
