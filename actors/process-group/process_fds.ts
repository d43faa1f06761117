// A guest process's descriptor table as the guest sees it, over the platform's handlers: Linux's
// files_struct, with open descriptions shared between fds (dup, dup2) and between processes (a
// spawned child inherits its parent's). A description is a pipe end, or an fd of an "inner" handler
// object (stdio, and files through the gofer) that several processes may share.
//
// Owned by the process-group actor: only its thread touches a table, its descriptions and pipes.

import { FdTable, type OpenDescription } from '../../platform/fd_table.js';
import { Pipe, type PipeReadEnd, type PipeWriteEnd } from '../../platform/pipe.js';
import { Errno, type FailureErrno } from '../../platform/wasi_errno.js';
import type { ProcessSyscalls } from '../../platform/syscalls.js';
import { DirectFdMap, type DirectFilesProvider } from '../../platform/direct_host.js';
import { FdKind } from '../../platform/direct_layout.js';

/**
 * An inner handler object shared by descriptions; disposed when the last one closes and its
 * owner process (the one it was made for) has ended. `users` is owned by the process-group actor.
 */
export interface InnerHandlers {
  readonly syscalls: ProcessSyscalls;
  users: number;
  /** Run after the handlers' dispose: closes what was opened for them (stdio files, sockets). */
  readonly closed?: () => Promise<void>;
}

export type Desc =
  | { refs: number; readonly kind: 'inner'; readonly inner: InnerHandlers; readonly fd: number }
  | { refs: number; readonly kind: 'pipe-r'; readonly end: PipeReadEnd }
  | { refs: number; readonly kind: 'pipe-w'; readonly end: PipeWriteEnd };

/** Descriptions carry no WASI rights of their own here: the inner handlers enforce theirs. */
const NO_RIGHTS = 0n;

export class ProcessFds {
  /** This process's fds; owned by its GuestSyscalls. */
  private readonly table = new FdTable<Desc & OpenDescription>();
  /** The fd map shared with the guest thread once it serves files directly (direct_layout.ts). */
  private direct: DirectFdMap<Desc & OpenDescription> | null = null;

  /**
   * The fd map of this table for the direct file service, made on first use: `files` is the inner
   * handler object whose preopens the guest may resolve from itself.
   */
  directMap(files: InnerHandlers & { syscalls: DirectFilesProvider }): Int32Array {
    if (this.direct === null) {
      this.direct = new DirectFdMap((e) =>
        e.desc.kind === 'inner' && e.desc.inner === files
          ? files.syscalls.directKindOf(e.desc.fd)
          : FdKind.HOST,
      );
      this.table.setMirror(this.direct);
    }
    return this.direct.map;
  }

  /** A table over `inner`'s open fds (stdio, then its preopens), as a process starts with them. */
  static over(inner: InnerHandlers, fds: readonly number[]): ProcessFds {
    const t = new ProcessFds();
    for (const fd of fds) t.table.insertAt(fd, innerDesc(inner, fd), NO_RIGHTS, NO_RIGHTS);
    return t;
  }

  /** A spawned child's table: the same descriptions at the same numbers (posix_spawn, fork). */
  static inherit(parent: ProcessFds): ProcessFds {
    const t = new ProcessFds();
    for (const fd of parent.table.fds()) {
      t.table.insertAt(fd, parent.table.get(fd)!.desc, NO_RIGHTS, NO_RIGHTS);
    }
    return t;
  }

  get(fd: number): Desc | undefined {
    return this.table.get(fd)?.desc;
  }

  /** Installs a description an inner handler just opened (path_open) at the lowest free fd. */
  /** Returns the fd, or a negated errno (-EMFILE), as FdTable does. */
  addInner(inner: InnerHandlers, innerFd: number): number {
    const d = innerDesc(inner, innerFd);
    const fd = this.table.insert(d, NO_RIGHTS, NO_RIGHTS);
    if (fd < 0) void releaseDesc(d);
    return fd;
  }

  /** Installs a description an inner handler opened at exactly `fd`, which must be free. */
  addInnerAt(inner: InnerHandlers, innerFd: number, fd: number): void {
    this.table.insertAt(fd, innerDesc(inner, innerFd), NO_RIGHTS, NO_RIGHTS);
  }

  /** pipe(2): the read end at the lowest free fd, the write end at the next. */
  pipe(): [number, number] | FailureErrno {
    const p = new Pipe();
    const r: Desc = { refs: 0, kind: 'pipe-r', end: p.reader };
    const w: Desc = { refs: 0, kind: 'pipe-w', end: p.writer };
    const rfd = this.table.insert(r, NO_RIGHTS, NO_RIGHTS);
    if (rfd < 0) {
      p.reader.close();
      p.writer.close();
      return Errno.MFILE;
    }
    const wfd = this.table.insert(w, NO_RIGHTS, NO_RIGHTS);
    if (wfd < 0) {
      this.close(rfd);
      p.writer.close();
      return Errno.MFILE;
    }
    return [rfd, wfd];
  }

  /** dup(2): the new fd, or a negated errno. */
  dup(fd: number): number {
    return this.table.dup(fd);
  }

  /** dup2(2): `newfd` becomes a copy of `fd`, closing what it held; the same fd is a no-op. */
  dup2(fd: number, newfd: number): FailureErrno | null {
    const e = this.table.get(fd);
    if (e === undefined || newfd < 0 || newfd >= 1024) return Errno.BADF;
    if (fd === newfd) return null;
    if (this.table.get(newfd) !== undefined) this.close(newfd);
    this.table.insertAt(newfd, e.desc, NO_RIGHTS, NO_RIGHTS);
    return null;
  }

  /** fd_renumber: WASI's dup2-and-close, both fds open (as wasmtime and uvwasi require). */
  renumber(from: number, to: number): FailureErrno | null {
    if (this.table.get(from) === undefined || this.table.get(to) === undefined) return Errno.BADF;
    const gone = this.table.renumber(from, to);
    if (gone !== null && gone !== Errno.BADF) void releaseDesc(gone);
    return null;
  }

  /** close(2); EBADF for an fd not open. */
  close(fd: number): FailureErrno | null {
    const gone = this.table.remove(fd);
    if (gone === Errno.BADF) return Errno.BADF;
    if (gone !== null) void releaseDesc(gone);
    return null;
  }

  /**
   * Closes every fd (the process ended, or its spawn failed). Resolves once what that released on
   * the host (stdio files and sockets of inner handlers nobody else uses) is closed.
   */
  closeAll(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const d of this.table.clear()) {
      const p = releaseDesc(d);
      if (p !== undefined) pending.push(p);
    }
    return Promise.all(pending).then(() => undefined);
  }

  fds(): number[] {
    return this.table.fds();
  }
}

function innerDesc(inner: InnerHandlers, fd: number): Desc & OpenDescription {
  inner.users++;
  return { refs: 0, kind: 'inner', inner, fd };
}

/** The last fd of a description went away: close what it holds (Linux's fput → release). */
function releaseDesc(d: Desc): Promise<void> | undefined {
  if (d.kind === 'pipe-r' || d.kind === 'pipe-w') {
    d.end.close();
    return undefined;
  }
  // A stdio fd closes only the guest's view; a file's handle goes back to the gofer.
  const r = d.inner.syscalls.fd_close(d.fd, { signal: new AbortController().signal });
  if (r instanceof Promise) r.catch(() => undefined);
  return releaseInner(d.inner);
}

/**
 * Drops one use of an inner handler object; the last one disposes it. What closing its host files
 * takes is handed back, so that the exit report can wait for it.
 */
export function releaseInner(inner: InnerHandlers): Promise<void> | undefined {
  if (--inner.users !== 0) return undefined;
  inner.syscalls.dispose?.();
  return inner.closed?.().catch(() => undefined);
}
