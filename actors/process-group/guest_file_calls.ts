// The WASI file calls of a guest, through its descriptor table to the inner handlers that serve
// files (the gofer's FileSyscalls). Installed only when the process's inner handlers have them: a
// process with stdio only gets the platform's answers for stdio fds (ESPIPE, ENOTDIR, EBADF).
import { Errno, type FailureErrno } from '../../platform/wasi_errno.js';
import {
  fail,
  type CallContext,
  type FileCalls,
  type ProcessSyscalls,
  type SyscallReturn,
} from '../../platform/syscalls.js';
import type { Desc, InnerHandlers, ProcessFds } from './process_fds.js';

/** File calls whose first argument is the fd (and that return no new fd). */
const FD_FIRST = [
  'fd_pread',
  'fd_pwrite',
  'fd_seek',
  'fd_tell',
  'fd_readdir',
  'fd_filestat_get',
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'fd_fdstat_set_flags',
  'fd_fdstat_set_rights',
  'fd_advise',
  'fd_allocate',
  'fd_sync',
  'fd_datasync',
  'fd_prestat_get',
  'path_create_directory',
  'path_filestat_get',
  'path_filestat_set_times',
  'path_readlink',
  'path_remove_directory',
  'path_unlink_file',
] as const;

type AnyCall = (...a: unknown[]) => SyscallReturn<unknown>;

/** The fd's inner handlers and their fd, or the errno for a pipe or a closed fd. */
function innerOf(
  fds: ProcessFds,
  fd: number,
): { d: Extract<Desc, { kind: 'inner' }> } | { errno: FailureErrno } {
  const d = fds.get(fd);
  if (d === undefined) return { errno: Errno.BADF };
  // A pipe cannot seek or hold a path (ESPIPE, ENOTDIR as Linux answers for a pipe fd).
  if (d.kind !== 'inner') return { errno: Errno.SPIPE };
  return { d };
}

function method(inner: InnerHandlers, name: string): AnyCall | undefined {
  const f = (inner.syscalls as unknown as Record<string, unknown>)[name];
  return typeof f === 'function' ? (f as AnyCall).bind(inner.syscalls) : undefined;
}

export function installFileCalls(target: ProcessSyscalls, fds: ProcessFds): void {
  const first = fds.get(0) ?? fds.get(1) ?? fds.get(3);
  if (first === undefined || first.kind !== 'inner' || method(first.inner, 'path_open') === undefined) return;
  const t = target as unknown as Record<string, AnyCall>;
  for (const name of FD_FIRST) {
    t[name] = (fd: unknown, ...rest: unknown[]) => {
      const r = innerOf(fds, fd as number);
      // A pipe is no preopen: EBADF, the answer wasi-libc's start-up scan of fds 3.. stops at (any
      // other errno there is fatal to it: exit 71, EX_OSERR).
      if ('errno' in r && name === 'fd_prestat_get') return fail(Errno.BADF);
      if ('errno' in r)
        return fail(r.errno === Errno.SPIPE && name.startsWith('path_') ? Errno.NOTDIR : r.errno);
      const f = method(r.d.inner, name);
      return f === undefined ? fail(Errno.BADF) : f(r.d.fd, ...rest);
    };
  }
  const calls = t as unknown as FileCalls;
  calls.path_open = (fd, dirflags, path, oflags, base, inheriting, fdflags, ctx: CallContext) => {
    const r = innerOf(fds, fd);
    if ('errno' in r) return fail(r.errno === Errno.SPIPE ? Errno.NOTDIR : r.errno);
    const inner = r.d.inner;
    const ret = inner.syscalls.path_open!(r.d.fd, dirflags, path, oflags, base, inheriting, fdflags, ctx);
    // The inner fd joins this process's table under its own number (the inner's numbering is private).
    const wrap = (res: Awaited<typeof ret>): Awaited<typeof ret> => {
      if (!('value' in res)) return res;
      const nfd = fds.addInner(inner, res.value);
      return nfd < 0 ? fail(-nfd as Errno.MFILE) : { errno: Errno.SUCCESS, value: nfd };
    };
    return ret instanceof Promise ? ret.then(wrap) : wrap(ret);
  };
  // Two-fd calls: both fds must reach the same inner handlers (one gofer: else EXDEV, as across mounts).
  const pair = (a: number, b: number) => {
    const x = innerOf(fds, a);
    const y = innerOf(fds, b);
    if ('errno' in x) return x;
    if ('errno' in y) return y;
    if (x.d.inner !== y.d.inner) return { errno: Errno.XDEV as FailureErrno };
    return { x: x.d, y: y.d };
  };
  calls.path_link = (oldFd, oldFlags, oldPath, newFd, newPath, ctx) => {
    const p = pair(oldFd, newFd);
    if ('errno' in p) return fail(p.errno === Errno.SPIPE ? Errno.NOTDIR : (p.errno as Errno.BADF));
    return p.x.inner.syscalls.path_link!(p.x.fd, oldFlags, oldPath, p.y.fd, newPath, ctx);
  };
  calls.path_rename = (fd, oldPath, newFd, newPath, ctx) => {
    const p = pair(fd, newFd);
    if ('errno' in p) return fail(p.errno === Errno.SPIPE ? Errno.NOTDIR : (p.errno as Errno.BADF));
    return p.x.inner.syscalls.path_rename!(p.x.fd, oldPath, p.y.fd, newPath, ctx);
  };
  calls.path_symlink = (target2, fd, path, ctx) => {
    const r = innerOf(fds, fd);
    if ('errno' in r) return fail(r.errno === Errno.SPIPE ? Errno.NOTDIR : r.errno);
    return r.d.inner.syscalls.path_symlink!(target2, r.d.fd, path, ctx);
  };
}
