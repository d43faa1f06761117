// WASI preview 1 file-system value types: flags, the filestat and dirent records and their wire
// layout. Shared by the guest-side shims, the host-side handlers and the gofer protocol.

import { Filetype, Rights } from './wasi_types.js';

/** oflags (path_open): O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC. */
export const Oflags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
/** fdflags: O_APPEND, O_DSYNC, O_NONBLOCK, O_RSYNC, O_SYNC. */
export const Fdflags = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
/** lookupflags: follow a final symlink (the opposite of AT_SYMLINK_NOFOLLOW). */
export const LOOKUP_SYMLINK_FOLLOW = 1;
/** fstflags (filestat_set_times). */
export const Fstflags = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
/** whence (fd_seek), as lseek(2)'s SEEK_SET/CUR/END. */
export const Whence = { SET: 0, CUR: 1, END: 2 } as const;
/** advice (fd_advise), as posix_fadvise(2): NORMAL..NOREUSE. */
export const ADVICE_MAX = 5;

/** Every rights bit preview 1 defines (bits 0..29). */
export const ALL_RIGHTS = (1n << 30n) - 1n;

const R = (...bits: number[]) => bits.reduce((m, b) => m | (1n << BigInt(b)), 0n);
/** Rights that make sense on a regular file (wasmtime and uvwasi use the same split). */
export const FILE_RIGHTS = R(0, 1, 2, 3, 4, 5, 6, 7, 8, 21, 22, 23) | Rights.POLL_FD_READWRITE;
/** Rights that make sense on a directory. */
export const DIR_RIGHTS = R(3, 4, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26);

/** Named rights bits beyond those stdio needs. */
export const FsRights = {
  FD_ADVISE: R(7),
  FD_ALLOCATE: R(8),
  PATH_CREATE_DIRECTORY: R(9),
  PATH_CREATE_FILE: R(10),
  PATH_LINK_SOURCE: R(11),
  PATH_LINK_TARGET: R(12),
  PATH_OPEN: R(13),
  FD_READDIR: R(14),
  PATH_READLINK: R(15),
  PATH_RENAME_SOURCE: R(16),
  PATH_RENAME_TARGET: R(17),
  PATH_FILESTAT_GET: R(18),
  PATH_FILESTAT_SET_SIZE: R(19),
  PATH_FILESTAT_SET_TIMES: R(20),
  FD_FILESTAT_SET_SIZE: R(22),
  FD_FILESTAT_SET_TIMES: R(23),
  PATH_SYMLINK: R(24),
  PATH_REMOVE_DIRECTORY: R(25),
  PATH_UNLINK_FILE: R(26),
} as const;

/** Result of fd_filestat_get / path_filestat_get (witx `filestat`). */
export interface Filestat {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly filetype: Filetype;
  readonly nlink: bigint;
  readonly size: bigint;
  readonly atim: bigint;
  readonly mtim: bigint;
  readonly ctim: bigint;
}

/** One directory entry as the gofer lists it; cookies are assigned by the reader. */
export interface DirEntry {
  readonly name: Uint8Array;
  readonly ino: bigint;
  readonly filetype: Filetype;
}

export const FILESTAT_SIZE = 64;
export const DIRENT_HEADER_SIZE = 24;
export const PRESTAT_SIZE = 8;

export function encodeFilestat(view: DataView, offset: number, st: Filestat): void {
  new Uint8Array(view.buffer, view.byteOffset + offset, FILESTAT_SIZE).fill(0);
  view.setBigUint64(offset, st.dev, true);
  view.setBigUint64(offset + 8, st.ino, true);
  view.setUint8(offset + 16, st.filetype);
  view.setBigUint64(offset + 24, st.nlink, true);
  view.setBigUint64(offset + 32, st.size, true);
  view.setBigUint64(offset + 40, st.atim, true);
  view.setBigUint64(offset + 48, st.mtim, true);
  view.setBigUint64(offset + 56, st.ctim, true);
}

export function decodeFilestat(view: DataView, offset: number): Filestat {
  return {
    dev: view.getBigUint64(offset, true),
    ino: view.getBigUint64(offset + 8, true),
    filetype: view.getUint8(offset + 16) as Filetype,
    nlink: view.getBigUint64(offset + 24, true),
    size: view.getBigUint64(offset + 32, true),
    atim: view.getBigUint64(offset + 40, true),
    mtim: view.getBigUint64(offset + 48, true),
    ctim: view.getBigUint64(offset + 56, true),
  };
}

/**
 * Packs entries [from..] as witx dirents (header + name) into at most `bufLen` bytes; the last
 * entry may be cut short, as fd_readdir specifies (the reader retries with a bigger buffer).
 * `d_next` of entry i is i + 1: cookies are indices into one stable listing.
 */
export function packDirents(entries: readonly DirEntry[], from: number, bufLen: number): Uint8Array {
  let size = 0;
  for (let i = from; i < entries.length && size < bufLen; i++)
    size += DIRENT_HEADER_SIZE + entries[i]!.name.length;
  const full = new Uint8Array(size);
  const v = new DataView(full.buffer);
  let p = 0;
  for (let i = from; i < entries.length && p < size; i++) {
    const e = entries[i]!;
    v.setBigUint64(p, BigInt(i + 1), true);
    v.setBigUint64(p + 8, e.ino, true);
    v.setUint32(p + 16, e.name.length, true);
    v.setUint8(p + 20, e.filetype);
    full.set(e.name, p + DIRENT_HEADER_SIZE);
    p += DIRENT_HEADER_SIZE + e.name.length;
  }
  return full.subarray(0, Math.min(size, bufLen));
}

/** The WASI filetype of a Node stat mode (S_IFMT bits). */
export function filetypeOfMode(mode: number): Filetype {
  switch (mode & 0o170000) {
    case 0o100000:
      return Filetype.REGULAR_FILE;
    case 0o040000:
      return Filetype.DIRECTORY;
    case 0o120000:
      return Filetype.SYMBOLIC_LINK;
    case 0o020000:
      return Filetype.CHARACTER_DEVICE;
    case 0o060000:
      return Filetype.BLOCK_DEVICE;
    case 0o140000:
      return Filetype.SOCKET_STREAM;
    default:
      return Filetype.UNKNOWN;
  }
}
