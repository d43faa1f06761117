// posix_spawn's file actions, run on a spawned child's descriptor table before it starts, in order
// (as glibc's child runs them between clone and exec). `open` resolves its path against the
// child's preopens, as wasi-libc's open() does: the longest preopen name that is a prefix of it.
import type { FileAction } from '../../platform/corral_abi.js';
import { Errno } from '../../platform/wasi_errno.js';
import type { CallContext } from '../../platform/syscalls.js';
import type { ProcessFds } from './process_fds.js';

/** wasi-libc's O_* bits (wasm32-wasi/__header_fcntl.h) that are not WASI oflags or fdflags. */
const O_NOFOLLOW = 0x01000000;
const O_RDONLY = 0x04000000;
const O_WRONLY = 0x10000000;
const LOOKUP_SYMLINK_FOLLOW = 1;

/** WASI rights bits that depend on the access mode, as wasi-libc's open() grants them. */
const FD_DATASYNC = 1n << 0n;
const FD_READ = 1n << 1n;
const FD_WRITE = 1n << 6n;
const FD_ALLOCATE = 1n << 8n;
const FD_READDIR = 1n << 14n;
const FD_FILESTAT_SET_SIZE = 1n << 22n;
const ALL_RIGHTS = (1n << 30n) - 1n;

/** The first failing action, as posix_spawn reports it; null when all ran. */
export type ActionFailure = { what: string; code: string } | null;

export async function applyFileActions(
  fds: ProcessFds,
  actions: readonly FileAction[],
): Promise<ActionFailure> {
  for (const a of actions) {
    if (a.op === 'close') {
      // Closing an fd that is not open is not an error for posix_spawn (POSIX 2024, glibc).
      fds.close(a.fd);
    } else if (a.op === 'dup2') {
      const e = fds.dup2(a.src, a.fd);
      if (e !== null) return { what: `dup2(${a.src}, ${a.fd})`, code: 'EBADF' };
    } else {
      const name = Buffer.from(a.path).toString();
      const errno = await openAt(fds, a);
      if (errno !== null) return { what: `open(${name})`, code: `E${Errno[errno]}` };
    }
  }
  return null;
}

/** open(2) of `a.path` installed at exactly `a.fd`; returns the errno on failure. */
async function openAt(fds: ProcessFds, a: Extract<FileAction, { op: 'open' }>): Promise<Errno | null> {
  const ctx: CallContext = { signal: new AbortController().signal };
  const path = normalize(Buffer.from(a.path).toString());
  if (path === null) return Errno.NOENT;
  // The preopen with the longest name that holds the path.
  let best: { fd: number; name: string } | null = null;
  for (const fd of fds.fds()) {
    const d = fds.get(fd);
    if (d?.kind !== 'inner' || d.inner.syscalls.fd_prestat_get === undefined) continue;
    const r = d.inner.syscalls.fd_prestat_get(d.fd, ctx);
    const res = r instanceof Promise ? await r : r;
    if (!('value' in res)) continue;
    const name = Buffer.from(res.value).toString().replace(/\/+$/, '') || '/';
    const holds = name === '/' || path === name || path.startsWith(`${name}/`);
    if (holds && (best === null || name.length > best.name.length)) best = { fd, name };
  }
  if (best === null) return Errno.NOENT;
  const d = fds.get(best.fd) as Extract<ReturnType<ProcessFds['get']>, { kind: 'inner' }>;
  const open = d.inner.syscalls.path_open;
  if (open === undefined) return Errno.NOENT;
  const rel = (best.name === '/' ? path.slice(1) : path.slice(best.name.length + 1)) || '.';
  let rights =
    ALL_RIGHTS & ~(FD_DATASYNC | FD_READ | FD_WRITE | FD_ALLOCATE | FD_READDIR | FD_FILESTAT_SET_SIZE);
  if (a.oflags & O_RDONLY) rights |= FD_READ | FD_READDIR;
  if (a.oflags & O_WRONLY) rights |= FD_DATASYNC | FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;
  const r = open.call(
    d.inner.syscalls,
    d.fd,
    a.oflags & O_NOFOLLOW ? 0 : LOOKUP_SYMLINK_FOLLOW,
    Buffer.from(rel),
    (a.oflags >>> 12) & 0xf,
    rights,
    rights,
    a.oflags & 0xfff,
    ctx,
  );
  const res = r instanceof Promise ? await r : r;
  if (!('value' in res)) return 'errno' in res ? res.errno : Errno.IO;
  fds.close(a.fd);
  fds.addInnerAt(d.inner, res.value, a.fd);
  return null;
}

/** An absolute, `.`-free form of a guest path (relative to `/`, the cwd); null for an empty one. */
function normalize(p: string): string | null {
  if (p === '') return null;
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    // `..` stays in the path: the gofer resolves it, confined to the preopen's root.
    parts.push(c);
  }
  return `/${parts.join('/')}`;
}
