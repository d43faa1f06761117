// Small host-side helpers of the gofer server: Node stats to WASI filestats, utimensat(2)'s
// UTIME_NOW/UTIME_OMIT for fstflags, dirent types, and an existence probe inside a confined dir.

import { lstatSync, type BigIntStats } from 'node:fs';
import { Errno } from '../../platform/wasi_errno.js';
import { Fstflags, filetypeOfMode, type Filestat } from '../../platform/wasi_fs_types.js';
import { Filetype } from '../../platform/wasi_types.js';
import { FsError, at } from './resolver.js';

export function toFilestat(s: BigIntStats): Filestat {
  return {
    dev: s.dev,
    ino: s.ino,
    filetype: filetypeOfMode(Number(s.mode)),
    nlink: s.nlink,
    size: s.size,
    atim: s.atimeNs,
    mtim: s.mtimeNs,
    ctim: s.ctimeNs,
  };
}

export function exists(fd: number, name: Uint8Array): boolean {
  try {
    lstatSync(at(fd, name));
    return true;
  } catch {
    return false;
  }
}

/** utimensat(2) times for fstflags: [atime, mtime] in seconds, UTIME_OMIT kept from `s`. */
export function times(s: BigIntStats, atim: bigint, mtim: bigint, flags: number): [number, number] {
  if (
    (flags & Fstflags.ATIM && flags & Fstflags.ATIM_NOW) ||
    (flags & Fstflags.MTIM && flags & Fstflags.MTIM_NOW)
  )
    throw new FsError(Errno.INVAL);
  const now = Date.now() / 1000;
  const sec = (ns: bigint) => Number(ns) / 1e9;
  const a = flags & Fstflags.ATIM_NOW ? now : flags & Fstflags.ATIM ? sec(atim) : sec(s.atimeNs);
  const m = flags & Fstflags.MTIM_NOW ? now : flags & Fstflags.MTIM ? sec(mtim) : sec(s.mtimeNs);
  return [a, m];
}

export function direntType(d: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): Filetype {
  if (d.isFile()) return Filetype.REGULAR_FILE;
  if (d.isDirectory()) return Filetype.DIRECTORY;
  if (d.isSymbolicLink()) return Filetype.SYMBOLIC_LINK;
  if (d.isCharacterDevice()) return Filetype.CHARACTER_DEVICE;
  if (d.isBlockDevice()) return Filetype.BLOCK_DEVICE;
  if (d.isSocket()) return Filetype.SOCKET_STREAM;
  return Filetype.UNKNOWN;
}
