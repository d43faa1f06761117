// The confined path resolver: turns a guest path, relative to a directory the gofer holds, into a
// (directory fd, final name) pair that no host operation can escape from. This is the gofer's
// whole security argument, so it is kept small:
//
// - Every directory fd comes from a mount root, or from opening ONE component with O_NOFOLLOW
//   relative to another such fd. Symlinks are never followed by the host kernel; the resolver reads
//   them and resolves their targets itself, against the container's root (chroot semantics: an
//   absolute target starts at '/', '..' at '/' stays at '/').
// - A host operation only ever names "/proc/self/fd/<confined dirfd>/<one component>": the kernel
//   jumps through the magic link to that very directory (openat(2) semantics, which Node lacks) and
//   the final component is never '.', '..', empty, or contains '/'.
// - Mount points are matched by canonical guest path before the host is asked, so a mount shows
//   its own contents whatever lies beneath it on the host.
// Linux counterparts: fs/namei.c's link_path_walk (MAXSYMLINKS 40, ENAMETOOLONG at PATH_MAX and
// NAME_MAX), follow_dotdot with a chroot root.

import { closeSync, constants, openSync, readlinkSync } from 'node:fs';
import { Errno, errnoFromHostCode, type FailureErrno } from '../../platform/wasi_errno.js';
import type { Mount, MountTable } from './mount_table.js';

/** Linux's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;
/** PATH_MAX including the terminating NUL. */
const PATH_MAX = 4096;
/** NAME_MAX. */
const NAME_MAX = 255;
const SLASH = 0x2f;
const DOT = 0x2e;

/** A directory reached during a walk: a confined fd and its canonical guest path. */
export interface Frame {
  readonly fd: number;
  /** True when the walk opened `fd` and must close it. */
  readonly owned: boolean;
  /** Canonical guest path components. */
  readonly names: readonly Buffer[];
  /** The mount the directory belongs to. */
  readonly mount: Mount;
}

/** How the path ended: a name to act on, or the directory itself ('.', '..', '/', a mount root). */
export type LastKind = 'name' | 'dot' | 'dotdot' | 'root' | 'mount';

/** What an operation on the final component returns: a result, or "that is a symlink: follow it". */
export type StepResult<R> = { readonly value: R } | { readonly symlink: Buffer };

/** A guest-visible failure from the resolver or an operation. */
export class FsError extends Error {
  constructor(readonly errno: FailureErrno) {
    super(`errno ${errno}`);
  }
}

/** Maps a Node fs error to a guest errno (FsError passes through); host faults rethrow. */
export function errnoOf(e: unknown): FailureErrno {
  if (e instanceof FsError) return e.errno;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('E')) return errnoFromHostCode(code);
  throw e;
}

const PROC_PREFIX = '/proc/self/fd/';

/** "/proc/self/fd/<fd>/" by fd number, made once each (a number's path never changes). */
const heads: Buffer[] = [];

/** The host path that names `name` inside confined directory `fd` (or the directory itself). */
export function at(fd: number, name?: Uint8Array): Buffer {
  let head = heads[fd];
  if (head === undefined) {
    head = Buffer.from(`${PROC_PREFIX}${fd}/`, 'latin1');
    if (fd < 65536) heads[fd] = head;
  }
  if (!name) return head.subarray(0, head.length - 1);
  const out = Buffer.allocUnsafe(head.length + name.length);
  out.set(head, 0);
  out.set(name, head.length);
  return out;
}

/** readlink(2) of `name` in `fd`; undefined when it is not a symlink. */
export function readLinkAt(fd: number, name: Uint8Array): Buffer | undefined {
  try {
    return readlinkSync(at(fd, name), { encoding: 'buffer' });
  } catch (e) {
    if ((e as { code?: string }).code === 'EINVAL') return undefined;
    throw e;
  }
}

/** A path's non-empty components, copied (the path may be guest memory). */
export function split(path: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path[i] === SLASH) {
      if (i > start) out.push(Buffer.from(path.subarray(start, i)));
      start = i + 1;
    }
  }
  return out;
}

const isDot = (c: Uint8Array) => c.length === 1 && c[0] === DOT;
const isDotDot = (c: Uint8Array) => c.length === 2 && c[0] === DOT && c[1] === DOT;

/** Checks a path as the guest gave it: non-empty, no NUL, within PATH_MAX. */
export function checkPath(path: Uint8Array): void {
  if (path.length === 0) throw new FsError(Errno.NOENT);
  // A C path cannot hold NUL; one inside a WASI (ptr, len) string is not a valid name.
  if (path.includes(0)) throw new FsError(Errno.INVAL);
  if (path.length >= PATH_MAX) throw new FsError(Errno.NAMETOOLONG);
}

export class Resolver {
  /** The container's mounts; owned by the gofer server. */
  private readonly table: MountTable;

  constructor(table: MountTable) {
    this.table = table;
  }

  rootFrame(): Frame {
    const m = this.table.root;
    return { fd: m.rootFd, owned: false, names: [], mount: m };
  }

  /**
   * Resolves `path` from `start` and runs `step` on the final component. `step` gets the parent
   * frame and the final name (null when the path names the directory itself) and may ask to
   * follow a symlink when `follow` is set; the resolver then continues with the link's target.
   */
  resolve<R>(
    start: Frame,
    path: Uint8Array,
    follow: boolean,
    step: (parent: Frame, name: Buffer | null, last: LastKind, mustBeDir: boolean) => StepResult<R>,
  ): R {
    checkPath(path);
    const stack: Frame[] = [start];
    let links = 0;
    let mustBeDir = path[path.length - 1] === SLASH;
    let queue = split(path);
    if (path[0] === SLASH) this.reset(stack);
    let last: LastKind = path[0] === SLASH ? 'root' : 'dot';
    try {
      for (;;) {
        while (queue.length > 0) {
          const c = queue.shift()!;
          const final = queue.length === 0;
          const top = stack[stack.length - 1]!;
          if (isDot(c)) {
            last = 'dot';
            continue;
          }
          if (isDotDot(c)) {
            last = 'dotdot';
            if (top.names.length === 0) continue; // '..' of the root is the root
            if (stack.length > 1) {
              release(stack.pop()!);
              continue;
            }
            // The walk started below its parent: walk again from the root to the parent.
            const parentNames = top.names.slice(0, -1);
            this.reset(stack);
            queue = [...parentNames, ...queue];
            continue;
          }
          if (c.length > NAME_MAX) throw new FsError(Errno.NAMETOOLONG);
          const names = [...top.names, c];
          const mount = this.table.at(names);
          if (mount) {
            stack.push({ fd: mount.rootFd, owned: false, names, mount });
            last = 'mount';
            continue;
          }
          if (final) {
            // Hand the last component to the operation, which applies its own follow rule. A
            // trailing '/' follows a final symlink whatever the flags, as Linux's lookup does.
            last = 'name';
            const r = step(top, c, last, mustBeDir);
            if ('value' in r) return r.value;
            if (!follow && !mustBeDir) throw new FsError(Errno.LOOP);
            queue = this.follow(stack, r.symlink, ++links);
            if (r.symlink[r.symlink.length - 1] === SLASH) mustBeDir = true;
            if (r.symlink[0] === SLASH) last = 'root';
            continue;
          }
          const child = this.openDir(top, c);
          if (typeof child !== 'number') {
            queue = [...this.follow(stack, child, ++links), ...queue];
            continue;
          }
          stack.push({ fd: child, owned: true, names, mount: top.mount });
          last = 'name';
        }
        // The path named a directory itself ('.', '..', '/', a mount point).
        const r = step(stack[stack.length - 1]!, null, last, true);
        if ('value' in r) return r.value;
        // Only a name can be a symlink; a directory frame never is.
        throw new FsError(Errno.LOOP);
      }
    } finally {
      for (const f of stack) release(f);
    }
  }

  /** Opens directory `name` in `dir` without following; a symlink's target comes back instead. */
  private openDir(dir: Frame, name: Buffer): number | Buffer {
    try {
      return openSync(at(dir.fd, name), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as { code?: string }).code;
      // O_NOFOLLOW|O_DIRECTORY on a symlink gives ENOTDIR on Linux, ELOOP on others.
      if (code === 'ENOTDIR' || code === 'ELOOP') {
        const target = readLinkAt(dir.fd, name);
        if (target !== undefined) return target;
      }
      throw new FsError(errnoOf(e));
    }
  }

  /** Applies a symlink's target to the walk; returns the target's components to walk next. */
  private follow(stack: Frame[], target: Buffer, links: number): Buffer[] {
    if (links > MAX_SYMLINKS) throw new FsError(Errno.LOOP);
    if (target.length === 0) throw new FsError(Errno.NOENT);
    if (target[0] === SLASH) this.reset(stack);
    return split(target);
  }

  private reset(stack: Frame[]): void {
    for (const f of stack.splice(0)) release(f);
    stack.push(this.rootFrame());
  }
}

function release(f: Frame): void {
  if (f.owned) closeSync(f.fd);
}
