// The guest side of the WASI file calls (thread strategy): each copies its arguments (u64s first,
// then up to two byte strings from guest memory) into the syscall channel, blocks for the answer
// and copies the result back into guest memory. The shape is in syscall_layout.ts (FS_U64_ARGS).

import { Errno } from '../wasi_errno.js';
import type { GuestMemory } from '../wasi_local.js';
import type { SyscallChannel } from '../syscall_channel.js';
import { FS_U64_ARGS, Slot, Sys } from '../syscall_layout.js';
import { FILESTAT_SIZE, PRESTAT_SIZE } from '../wasi_fs_types.js';

type Fn = (...args: never[]) => number;
/** One round trip (wasi_imports.ts): returns the errno; the caller then reads results and releases. */
export type CallFn = (sys: Sys, a0: number, a1: number, reqLen: number) => number;

export function fsImports(ch: SyscallChannel, mem: GuestMemory, call: CallFn): Record<string, Fn> {
  const w = ch.words;
  const cap = ch.dataSize;

  /** A guest buffer [ptr, ptr+len) or RangeError (the import wrapper answers EFAULT). */
  const guest = (ptr: number, len: number): Uint8Array => {
    const u8 = mem.u8;
    const p = ptr >>> 0;
    const n = len >>> 0;
    if (p + n > u8.length) throw new RangeError('guest buffer out of bounds');
    return u8.subarray(p, p + n);
  };

  /**
   * Marshals a file call and makes the round trip. Returns the errno; on success `after` reads the
   * result while the channel is still ours.
   */
  const run = (
    sys: Sys,
    fd: number,
    a1: number,
    u64s: readonly bigint[],
    s1: Uint8Array | null = null,
    s2: Uint8Array | null = null,
    after?: () => void,
  ): number => {
    const k = FS_U64_ARGS[sys] ?? 0;
    const len1 = s1?.length ?? 0;
    const len2 = s2?.length ?? 0;
    // A path longer than the channel cannot be a valid path (PATH_MAX is far smaller).
    if (k * 8 + len1 + len2 > cap) return Errno.NAMETOOLONG;
    for (let i = 0; i < k; i++) ch.view.setBigUint64(i * 8, BigInt.asUintN(64, u64s[i] ?? 0n), true);
    if (s1) ch.data.set(s1, k * 8);
    if (s2) ch.data.set(s2, k * 8 + len1);
    w[Slot.ARG2] = len1;
    w[Slot.ARG3] = len2;
    const errno = call(sys, fd, a1, k * 8 + len1 + len2);
    if (errno === Errno.SUCCESS && after) after();
    ch.release();
    return errno;
  };
  const resultBytes = () => ch.data.subarray(0, w[Slot.RES_LEN]!);

  const iovecs = (iovs: number, n: number): [number, number][] => {
    const v = mem.view;
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++)
      out.push([v.getUint32(iovs + i * 8, true), v.getUint32(iovs + i * 8 + 4, true)]);
    return out;
  };

  const fd_pread = (fd: number, iovs: number, iovsLen: number, offset: bigint, nreadPtr: number): number => {
    const vecs = iovecs(iovs, iovsLen);
    const want = vecs.reduce((s, [, l]) => s + l, 0);
    let n = 0;
    const errno = run(Sys.FD_PREAD, fd, Math.min(want, cap), [offset], null, null, () => {
      const data = resultBytes();
      n = data.length;
      let off = 0;
      for (const [ptr, len] of vecs) {
        if (off >= n) break;
        const k = Math.min(len, n - off);
        guest(ptr, k).set(data.subarray(off, off + k));
        off += k;
      }
    });
    if (errno === Errno.SUCCESS) mem.view.setUint32(nreadPtr, n, true);
    return errno;
  };

  const fd_pwrite = (fd: number, iovs: number, iovsLen: number, offset: bigint, nwPtr: number): number => {
    // Gathered into one buffer, then sent in channel-sized pieces at advancing offsets.
    const parts = iovecs(iovs, iovsLen).map(([p, l]) => guest(p, l));
    const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const room = cap - 8;
    let total = 0;
    do {
      const piece = all.subarray(total, total + room);
      let n = 0;
      const errno = run(
        Sys.FD_PWRITE,
        fd,
        0,
        [offset + BigInt(total)],
        piece,
        null,
        () => (n = w[Slot.RES_VALUE]!),
      );
      if (errno !== Errno.SUCCESS) {
        if (total === 0) return errno;
        break;
      }
      total += n;
      if (n < piece.length) break;
    } while (total < all.length);
    mem.view.setUint32(nwPtr, total, true);
    return Errno.SUCCESS;
  };

  const u64Result = (sys: Sys, fd: number, a1: number, u64s: bigint[], outPtr: number): number => {
    let v = 0n;
    const errno = run(sys, fd, a1, u64s, null, null, () => (v = ch.view.getBigUint64(0, true)));
    if (errno === Errno.SUCCESS) mem.view.setBigUint64(outPtr, v, true);
    return errno;
  };

  const statInto = (ptr: number) => () => guest(ptr, FILESTAT_SIZE).set(ch.data.subarray(0, FILESTAT_SIZE));

  return {
    fd_pread,
    fd_pwrite,
    fd_seek: (fd: number, offset: bigint, whence: number, newPtr: number) =>
      u64Result(Sys.FD_SEEK, fd, whence, [offset], newPtr),
    fd_tell: (fd: number, ptr: number) => u64Result(Sys.FD_TELL, fd, 0, [], ptr),
    fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, usedPtr: number) => {
      const dst = guest(buf, bufLen);
      let n = 0;
      const errno = run(Sys.FD_READDIR, fd, Math.min(bufLen >>> 0, cap), [cookie], null, null, () => {
        const data = resultBytes();
        n = data.length;
        dst.set(data);
      });
      if (errno === Errno.SUCCESS) mem.view.setUint32(usedPtr, n, true);
      return errno;
    },
    fd_filestat_get: (fd: number, ptr: number) =>
      run(Sys.FD_FILESTAT_GET, fd, 0, [], null, null, statInto(ptr)),
    fd_filestat_set_size: (fd: number, size: bigint) => run(Sys.FD_FILESTAT_SET_SIZE, fd, 0, [size]),
    fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, fst: number) =>
      run(Sys.FD_FILESTAT_SET_TIMES, fd, fst, [atim, mtim]),
    fd_fdstat_set_flags: (fd: number, flags: number) => run(Sys.FD_FDSTAT_SET_FLAGS, fd, flags, []),
    fd_fdstat_set_rights: (fd: number, base: bigint, inh: bigint) =>
      run(Sys.FD_FDSTAT_SET_RIGHTS, fd, 0, [base, inh]),
    fd_advise: (fd: number, offset: bigint, len: bigint, advice: number) =>
      run(Sys.FD_ADVISE, fd, advice, [offset, len]),
    fd_allocate: (fd: number, offset: bigint, len: bigint) => run(Sys.FD_ALLOCATE, fd, 0, [offset, len]),
    fd_sync: (fd: number) => run(Sys.FD_SYNC, fd, 0, []),
    fd_datasync: (fd: number) => run(Sys.FD_DATASYNC, fd, 0, []),
    fd_renumber: (fd: number, to: number) => run(Sys.FD_RENUMBER, fd, to, []),
    fd_prestat_get: (fd: number, ptr: number) => {
      let n = 0;
      const errno = run(Sys.FD_PRESTAT, fd, 0, [], null, null, () => (n = w[Slot.RES_LEN]!));
      if (errno === Errno.SUCCESS) {
        guest(ptr, PRESTAT_SIZE).fill(0); // tag 0: a directory; padding zeroed
        mem.view.setUint32(ptr + 4, n, true);
      }
      return errno;
    },
    fd_prestat_dir_name: (fd: number, pathPtr: number, pathLen: number) => {
      const dst = guest(pathPtr, pathLen);
      let short = false;
      const errno = run(Sys.FD_PRESTAT, fd, 0, [], null, null, () => {
        const name = resultBytes();
        if (name.length > dst.length) short = true;
        else dst.set(name);
      });
      return short ? Errno.NAMETOOLONG : errno;
    },
    path_create_directory: (fd: number, p: number, l: number) =>
      run(Sys.PATH_CREATE_DIRECTORY, fd, 0, [], guest(p, l)),
    path_filestat_get: (fd: number, flags: number, p: number, l: number, statPtr: number) =>
      run(Sys.PATH_FILESTAT_GET, fd, flags, [], guest(p, l), null, statInto(statPtr)),
    path_filestat_set_times: (
      fd: number,
      flags: number,
      p: number,
      l: number,
      atim: bigint,
      mtim: bigint,
      fst: number,
    ) => run(Sys.PATH_FILESTAT_SET_TIMES, fd, flags, [atim, mtim, BigInt(fst)], guest(p, l)),
    path_link: (
      oldFd: number,
      oldFlags: number,
      op: number,
      ol: number,
      newFd: number,
      np: number,
      nl: number,
    ) => run(Sys.PATH_LINK, oldFd, newFd, [BigInt(oldFlags >>> 0)], guest(op, ol), guest(np, nl)),
    path_open: (
      fd: number,
      dirflags: number,
      p: number,
      l: number,
      oflags: number,
      base: bigint,
      inh: bigint,
      fdflags: number,
      fdPtr: number,
    ) => {
      let nfd = 0;
      const errno = run(
        Sys.PATH_OPEN,
        fd,
        dirflags,
        [BigInt(oflags & 0xffff), base, inh, BigInt(fdflags & 0xffff)],
        guest(p, l),
        null,
        () => (nfd = w[Slot.RES_VALUE]!),
      );
      if (errno === Errno.SUCCESS) mem.view.setUint32(fdPtr, nfd, true);
      return errno;
    },
    path_readlink: (fd: number, p: number, l: number, buf: number, bufLen: number, usedPtr: number) => {
      const dst = guest(buf, bufLen);
      let n = 0;
      const errno = run(Sys.PATH_READLINK, fd, Math.min(bufLen >>> 0, cap), [], guest(p, l), null, () => {
        const t = resultBytes();
        n = t.length;
        dst.set(t);
      });
      if (errno === Errno.SUCCESS) mem.view.setUint32(usedPtr, n, true);
      return errno;
    },
    path_remove_directory: (fd: number, p: number, l: number) =>
      run(Sys.PATH_REMOVE_DIRECTORY, fd, 0, [], guest(p, l)),
    path_rename: (fd: number, op: number, ol: number, newFd: number, np: number, nl: number) =>
      run(Sys.PATH_RENAME, fd, newFd, [], guest(op, ol), guest(np, nl)),
    path_symlink: (op: number, ol: number, fd: number, np: number, nl: number) =>
      run(Sys.PATH_SYMLINK, fd, 0, [], guest(op, ol), guest(np, nl)),
    path_unlink_file: (fd: number, p: number, l: number) => run(Sys.PATH_UNLINK_FILE, fd, 0, [], guest(p, l)),
  };
}
