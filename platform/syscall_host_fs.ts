// Host-side decoding of the file calls (Sys.FD_PREAD and up; wire shape in syscall_layout.ts).
// A handler without file calls (stdio only) gets the errno Linux gives for a pipe or terminal fd,
// so that the guest side can marshal every call the same way.

import { Errno, type FailureErrno } from './wasi_errno.js';
import { FS_U64_ARGS, Slot, Sys } from './syscall_layout.js';
import type { SyscallChannel } from './syscall_channel.js';
import type { CallContext, ProcessSyscalls, SyscallReturn } from './syscalls.js';
import { FILESTAT_SIZE, encodeFilestat, type Filestat } from './wasi_fs_types.js';

type Encoder<T> = (value: T) => readonly [number, number];
type Dispatched = [SyscallReturn<never>, Encoder<never>];

const pair = <T>(ret: SyscallReturn<T>, enc: Encoder<T>): Dispatched => [
  ret as SyscallReturn<never>,
  enc as Encoder<never>,
];
const none: Encoder<unknown> = () => [0, 0];
const failed = (e: FailureErrno): Dispatched => pair({ errno: e }, none);

/** What Linux answers for a stdio fd (a pipe or terminal): 0..2 get `forStdio`, others EBADF. */
function stdioErrno(fd: number, forStdio: FailureErrno): Dispatched {
  return failed(fd >= 0 && fd <= 2 ? forStdio : Errno.BADF);
}

export function dispatchFileCall(
  ch: SyscallChannel,
  h: ProcessSyscalls,
  sys: number,
  ctx: CallContext,
): Dispatched | null {
  const w = ch.words;
  const fd = w[Slot.ARG0]!;
  const a1 = w[Slot.ARG1]!;
  const k = FS_U64_ARGS[sys as Sys] ?? 0;
  const len1 = w[Slot.ARG2]!;
  const len2 = w[Slot.ARG3]!;
  if (len1 < 0 || len2 < 0 || k * 8 + len1 + len2 > ch.dataSize) return failed(Errno.NAMETOOLONG);
  const u64 = (i: number) => ch.view.getBigUint64(i * 8, true);
  // Copies: handlers may keep the bytes after the call is answered.
  const s1 = () => ch.data.slice(k * 8, k * 8 + len1);
  const s2 = () => ch.data.slice(k * 8 + len1, k * 8 + len1 + len2);
  const bytesOut: Encoder<Uint8Array> = (b) => {
    const n = Math.min(b.length, ch.dataSize);
    ch.data.set(b.subarray(0, n), 0);
    return [n, n];
  };
  const u64Out: Encoder<bigint> = (v) => {
    ch.view.setBigUint64(0, v, true);
    return [0, 8];
  };
  const statOut: Encoder<Filestat> = (st) => {
    encodeFilestat(ch.view, 0, st);
    return [0, FILESTAT_SIZE];
  };
  switch (sys) {
    case Sys.FD_PREAD:
      if (!h.fd_pread) return stdioErrno(fd, Errno.SPIPE);
      return pair(h.fd_pread(fd, Math.max(0, Math.min(a1, ch.dataSize)), u64(0), ctx), bytesOut);
    case Sys.FD_PWRITE:
      if (!h.fd_pwrite) return stdioErrno(fd, Errno.SPIPE);
      return pair(h.fd_pwrite(fd, s1(), u64(0), ctx), (n) => [n, 0]);
    case Sys.FD_SEEK:
      if (!h.fd_seek) return stdioErrno(fd, Errno.SPIPE);
      return pair(h.fd_seek(fd, BigInt.asIntN(64, u64(0)), a1, ctx), u64Out);
    case Sys.FD_TELL:
      if (!h.fd_tell) return stdioErrno(fd, Errno.SPIPE);
      return pair(h.fd_tell(fd, ctx), u64Out);
    case Sys.FD_READDIR:
      if (!h.fd_readdir) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.fd_readdir(fd, Math.max(0, Math.min(a1, ch.dataSize)), u64(0), ctx), bytesOut);
    case Sys.FD_FILESTAT_GET:
      if (!h.fd_filestat_get) return stdioErrno(fd, Errno.NOSYS);
      return pair(h.fd_filestat_get(fd, ctx), statOut);
    case Sys.FD_FILESTAT_SET_SIZE:
      if (!h.fd_filestat_set_size) return stdioErrno(fd, Errno.INVAL);
      return pair(h.fd_filestat_set_size(fd, u64(0), ctx), none);
    case Sys.FD_FILESTAT_SET_TIMES:
      if (!h.fd_filestat_set_times) return stdioErrno(fd, Errno.NOSYS);
      return pair(h.fd_filestat_set_times(fd, u64(0), u64(1), a1, ctx), none);
    case Sys.FD_FDSTAT_SET_FLAGS:
      if (!h.fd_fdstat_set_flags) return stdioErrno(fd, Errno.NOSYS);
      return pair(h.fd_fdstat_set_flags(fd, a1, ctx), none);
    case Sys.FD_FDSTAT_SET_RIGHTS:
      if (!h.fd_fdstat_set_rights) return stdioErrno(fd, Errno.NOTSUP);
      return pair(h.fd_fdstat_set_rights(fd, u64(0), u64(1), ctx), none);
    case Sys.FD_ADVISE:
      if (!h.fd_advise) return stdioErrno(fd, Errno.SPIPE);
      return pair(h.fd_advise(fd, u64(0), u64(1), a1, ctx), none);
    case Sys.FD_ALLOCATE:
      if (!h.fd_allocate) return stdioErrno(fd, Errno.SPIPE);
      return pair(h.fd_allocate(fd, u64(0), u64(1), ctx), none);
    case Sys.FD_SYNC:
      if (!h.fd_sync) return stdioErrno(fd, Errno.INVAL);
      return pair(h.fd_sync(fd, ctx), none);
    case Sys.FD_DATASYNC:
      if (!h.fd_datasync) return stdioErrno(fd, Errno.INVAL);
      return pair(h.fd_datasync(fd, ctx), none);
    case Sys.FD_RENUMBER:
      if (!h.fd_renumber) return stdioErrno(fd, Errno.NOSYS);
      return pair(h.fd_renumber(fd, a1, ctx), none);
    case Sys.FD_PRESTAT:
      // No preopens without file calls: wasi-libc's scan stops at the first EBADF.
      if (!h.fd_prestat_get) return failed(Errno.BADF);
      return pair(h.fd_prestat_get(fd, ctx), bytesOut);
    case Sys.PATH_CREATE_DIRECTORY:
      if (!h.path_create_directory) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_create_directory(fd, s1(), ctx), none);
    case Sys.PATH_FILESTAT_GET:
      if (!h.path_filestat_get) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_filestat_get(fd, a1, s1(), ctx), statOut);
    case Sys.PATH_FILESTAT_SET_TIMES:
      if (!h.path_filestat_set_times) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_filestat_set_times(fd, a1, s1(), u64(0), u64(1), Number(u64(2)), ctx), none);
    case Sys.PATH_LINK:
      if (!h.path_link) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_link(fd, Number(u64(0)), s1(), a1, s2(), ctx), none);
    case Sys.PATH_OPEN:
      if (!h.path_open) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_open(fd, a1, s1(), Number(u64(0)), u64(1), u64(2), Number(u64(3)), ctx), (n) => [
        n,
        0,
      ]);
    case Sys.PATH_READLINK:
      if (!h.path_readlink) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_readlink(fd, s1(), Math.max(0, Math.min(a1, ch.dataSize)), ctx), bytesOut);
    case Sys.PATH_REMOVE_DIRECTORY:
      if (!h.path_remove_directory) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_remove_directory(fd, s1(), ctx), none);
    case Sys.PATH_RENAME:
      if (!h.path_rename) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_rename(fd, s1(), a1, s2(), ctx), none);
    case Sys.PATH_SYMLINK:
      if (!h.path_symlink) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_symlink(s1(), fd, s2(), ctx), none);
    case Sys.PATH_UNLINK_FILE:
      if (!h.path_unlink_file) return stdioErrno(fd, Errno.NOTDIR);
      return pair(h.path_unlink_file(fd, s1(), ctx), none);
    default:
      return null;
  }
}
