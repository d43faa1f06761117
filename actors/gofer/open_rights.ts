// What a WASI path_open asks for and may get, as both halves of the file service decide it:
// FileSyscalls on the host thread and the direct service on a guest's thread (direct_files.ts).
// One definition, so that an open answers the same whichever thread serves it.

import { Fdflags, FsRights, Oflags } from '../../platform/wasi_fs_types.js';
import { Rights } from '../../platform/wasi_types.js';

/** Status flags fcntl(F_SETFL) may change on Linux; the others are fixed at open. */
export const SETTABLE_FLAGS = Fdflags.APPEND | Fdflags.NONBLOCK;
/** fdflags an open description keeps. */
export const KEPT_FLAGS = Fdflags.APPEND | Fdflags.NONBLOCK | Fdflags.SYNC | Fdflags.DSYNC | Fdflags.RSYNC;
const READ_ACCESS = Rights.FD_READ | FsRights.FD_READDIR;
const WRITE_ACCESS = Rights.FD_WRITE | FsRights.FD_ALLOCATE | FsRights.FD_FILESTAT_SET_SIZE;

/** The rights the directory of a path_open with `oflags` must have. */
export function openNeeds(oflags: number): bigint {
  let need = FsRights.PATH_OPEN;
  if (oflags & Oflags.CREAT) need |= FsRights.PATH_CREATE_FILE;
  if (oflags & Oflags.TRUNC) need |= FsRights.PATH_FILESTAT_SET_SIZE;
  return need;
}

/** openNeeds as a number (every WASI right is below 2^30), by oflags & 15: no BigInt per call. */
const NEEDS_BITS = Array.from({ length: 16 }, (_, o) => Number(openNeeds(o)));

/** openNeeds(oflags) as a number, for callers that keep rights as numbers (direct_files.ts). */
export function openNeedsBits(oflags: number): number {
  return NEEDS_BITS[oflags & 15]!;
}

/** Whether a new fd asks for more than its directory may hand down (ENOTCAPABLE). */
export function exceedsInheritance(base: bigint, inheriting: bigint, dirInheriting: bigint): boolean {
  return (base & ~dirInheriting) !== 0n || (inheriting & ~dirInheriting) !== 0n;
}

/** The access an open with these rights and fdflags is for: O_RDONLY, O_WRONLY or O_RDWR. */
export function openAccess(base: bigint, fdflags: number): { read: boolean; write: boolean } {
  const write = (base & WRITE_ACCESS) !== 0n || (fdflags & Fdflags.APPEND) !== 0;
  return { read: (base & READ_ACCESS) !== 0n || !write, write };
}
