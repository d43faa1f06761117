// The gofer's host calls on one name inside a confined directory fd (resolver.ts's rule), through
// the corral_at addon (scripts/native/corral_at.c: fstatat(2) on the fd itself) when it is built,
// else through Node's path calls on /proc/self/fd/<fd>/<name>. Both reach exactly that
// name in exactly that directory; the addon skips the kernel's walk through procfs and Node's
// Stats objects (a stat: ~0.6 µs against ~2 µs here). Errors are thrown as Node's are (an Error
// with `code`), so callers handle both alike. The resolver's opens stay Node's (openSync on the
// /proc path): a worker thread tracks the fds Node opens and warns, slowly, at every close of any
// other. The addon's own opens (openat2(2), beneath.ts) are closed by the addon alone.

import { fstatSync, lstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { filetypeOfMode, type Filestat } from '../../platform/wasi_fs_types.js';
import { toFilestat } from './host_stat.js';
import { at } from './resolver.js';
import { FALLBACK } from './beneath.js';

/** The addon's calls (scripts/native/corral_at.c says what each does); results are >= 0 or -errno. */
export interface CorralAt {
  lstatat(dirfd: number, name: Uint8Array, out: BigInt64Array): number;
  /** fstat(2) into `out` (8 values), or as a WASI filestat into guest memory `out` at `ptr`. */
  fstatfd(fd: number, out: BigInt64Array): number;
  fstatfd(fd: number, out: Uint8Array, ptr: number): number;
  openbeneath(
    dirfd: number,
    bytes: Uint8Array,
    off: number,
    len: number,
    mounts: Uint8Array | null,
    flags: number,
    mode: number,
    map: Int32Array,
    slot: number,
    tag: number,
    out: Int32Array,
  ): number;
  statbeneath(
    dirfd: number,
    bytes: Uint8Array,
    off: number,
    len: number,
    mounts: Uint8Array | null,
    follow: boolean,
    out: Uint8Array | BigInt64Array,
    ptr: number,
  ): number;
  closeslot(map: Int32Array, slot: number, tag: number): number;
  /** A directory's entries but '.' and '..', sorted, packed as WASI dirents numbered from `first`. */
  listdir(fd: number, first: number): Buffer | number;
  readv(fd: number, mem: Uint8Array, iovs: number, n: number, pos: number): number;
  writev(fd: number, mem: Uint8Array, iovs: number, n: number, pos: number): number;
}

const CALLS: readonly (keyof CorralAt)[] = [
  'lstatat',
  'fstatfd',
  'openbeneath',
  'statbeneath',
  'closeslot',
  'listdir',
  'readv',
  'writev',
];

/** Where the addon is, told by whoever knows the install (useNativeAt); per thread. */
let addonPath: string | null = null;
/** The addon once loaded; null when it could not be (the path calls serve); undefined: not tried. */
let addon: CorralAt | null | undefined;

/** Names the built addon; the first call on this thread loads it. */
export function useNativeAt(path: string): void {
  if (addon === undefined) addonPath = path;
}

function lib(): CorralAt | null {
  if (addon === undefined) {
    addon = null;
    // CORRAL_NATIVE_AT=off: the path calls serve, as where the addon is not built (tests).
    if (addonPath !== null && process.env['CORRAL_NATIVE_AT'] !== 'off') {
      try {
        // Any base will do: the path is absolute (a CommonJS bundle has no import.meta).
        const a = createRequire(`${process.cwd()}/`)(addonPath) as Partial<CorralAt>;
        // A build older than this code (stale build/native) lacks calls: not used at all.
        if (CALLS.every((c) => typeof a[c] === 'function')) addon = a as CorralAt;
      } catch {
        // not built here (no Node headers): the path calls serve
      }
    }
  }
  return addon;
}

/** Whether the addon serves this thread's calls (tests). */
export function nativeAtLoaded(): boolean {
  return lib() !== null;
}

/** The addon, when this thread has it (the direct file service calls it straight). */
export function nativeAt(): CorralAt | null {
  return lib();
}

const ERRNO_NAMES: string[] = [];
for (const [name, n] of Object.entries(osConstants.errno)) ERRNO_NAMES[n] ??= name;

function fail(negErrno: number): never {
  const code = ERRNO_NAMES[-negErrno] ?? 'EIO';
  throw Object.assign(new Error(`${code} (corral_at)`), { code, errno: negErrno });
}

/** Filled by the addon's stat calls; read at once, so one per thread suffices. */
const stat8 = new BigInt64Array(8);

function filestat(): Filestat {
  return {
    dev: BigInt.asUintN(64, stat8[0]!),
    ino: BigInt.asUintN(64, stat8[1]!),
    filetype: filetypeOfMode(Number(stat8[2]!)),
    nlink: BigInt.asUintN(64, stat8[3]!),
    size: BigInt.asUintN(64, stat8[4]!),
    atim: BigInt.asUintN(64, stat8[5]!),
    mtim: BigInt.asUintN(64, stat8[6]!),
    ctim: BigInt.asUintN(64, stat8[7]!),
  };
}

/** lstat(2) of `name` in directory `dirfd`. */
export function lstatAt(dirfd: number, name: Uint8Array): Filestat {
  const a = lib();
  if (a === null) return toFilestat(lstatSync(at(dirfd, name), { bigint: true }));
  const r = a.lstatat(dirfd, name, stat8);
  if (r < 0) fail(r);
  return filestat();
}

/**
 * lstat(2) (stat(2) with `follow`) of `path` below `dirfd` in one confined openat2(2) (beneath.ts
 * says when that is the resolver's answer): a Filestat, or the addon's result (-errno, FALLBACK).
 */
export function statBeneath(
  dirfd: number,
  path: Uint8Array,
  mounts: Uint8Array | null,
  follow: boolean,
): Filestat | number {
  const a = lib();
  if (a === null) return FALLBACK;
  const r = a.statbeneath(dirfd, path, 0, path.length, mounts, follow, stat8, 0);
  return r === 0 ? filestat() : r;
}

/** st_mode of an open fd. */
export function modeOf(fd: number): number {
  const a = lib();
  if (a === null) return fstatSync(fd).mode;
  const r = a.fstatfd(fd, stat8);
  if (r < 0) fail(r);
  return Number(stat8[2]!);
}
