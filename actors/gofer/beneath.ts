// The fast path of the gofer's lookups: one openat2(2) (scripts/native/corral_at.c) with
// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV on the directory
// fd a path starts from, instead of the resolver's walk of one component at a time (resolver.ts).
//
// Why it answers exactly what the resolver would. The addon takes only a path the kernel's walk
// and the resolver's agree on: relative, every component a plain name (no '', '.', '..', none over
// NAME_MAX, no NUL), no trailing '/', shorter than PATH_MAX, and no component reaching a mount
// point of the container (the resolver would jump into that mount: `mountsBelow` lists them,
// relative to the start directory). On such a path the resolver opens one real directory after
// another and then acts on the final name, which is just what the kernel does, except where the
// resolver has rules of its own, and there the kernel refuses instead of walking on:
//   - a symlink anywhere (the resolver follows it under the container's root): ELOOP;
//   - a host mount point below the root (the resolver ignores host mounts): EXDEV;
//   - a rename racing the walk out of the start directory: EAGAIN.
// Those, and every other error whose cause the resolver might meet in another place or order
// (EACCES: the resolver opens intermediate directories for reading, the kernel only searches
// them), go to the resolver, which then decides: the fast path is only ever a shortcut to an answer
// the resolver gives. Only errors that name the same cause at the same component on both ways are
// answered at once (TRUSTED): a component missing (ENOENT), one that is no directory (ENOTDIR),
// O_CREAT|O_EXCL on something there (EEXIST), a directory opened for writing (EISDIR). A kernel
// without openat2 (before Linux 5.6) answers ENOSYS once, and every later call falls back.

import { constants as osConstants } from 'node:os';
import { Errno, errnoFromHostCode, type FailureErrno } from '../../platform/wasi_errno.js';
import { keyOf, type MountTable } from './mount_table.js';

/** The addon's "not for the fast path: ask the resolver" (corral_at.c FALLBACK). */
export const FALLBACK = -4096;

const E = osConstants.errno;
/** -errno results answered as they are (see above); any other goes to the resolver. */
const TRUSTED = new Set([-E.ENOENT, -E.ENOTDIR, -E.EEXIST, -E.EISDIR]);
/** The addon's -EFAULT: a guest range outside its memory (the caller's RangeError). */
export const NEG_EFAULT = -E.EFAULT;

/** WASI errnos by Linux errno number. */
const WASI_OF: FailureErrno[] = [];
for (const [name, n] of Object.entries(E)) WASI_OF[n] ??= errnoFromHostCode(name);

/** The guest's errno for an addon result `r` < 0 that is TRUSTED; null: ask the resolver. */
export function trustedErrno(r: number): FailureErrno | null {
  return TRUSTED.has(r) ? (WASI_OF[-r] ?? Errno.IO) : null;
}

/** A Linux errno number as a WASI errno (host call failures the addon reports). */
export function wasiErrno(negErrno: number): FailureErrno {
  return WASI_OF[-negErrno] ?? Errno.IO;
}

/**
 * The mount points strictly below the directory at canonical guest path `names`, relative to it,
 * as the addon takes them (each NUL-terminated, back to back); null when there are none. A path
 * from that directory that is, or passes through, one of them is the resolver's.
 */
export function mountsBelow(table: MountTable, names: readonly Uint8Array[]): Uint8Array | null {
  const parts: Buffer[] = [];
  const here = keyOf(names);
  for (const m of table.mounts) {
    if (m.names.length <= names.length) continue;
    if (names.length > 0 && keyOf(m.names.slice(0, names.length)) !== here) continue;
    parts.push(Buffer.from(keyOf(m.names.slice(names.length)), 'latin1'), Buffer.from([0]));
  }
  return parts.length === 0 ? null : Buffer.concat(parts);
}
