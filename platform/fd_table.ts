// A process's file-descriptor table: stdio, files, directories and preopens in one numbering, as
// Linux's files_struct. An fd names an open description (shared by dup'ed fds, with its offset and
// status flags, like Linux's struct file) plus the fd's own WASI rights. Descriptions count their
// fds; the table hands back a description whose last fd went away, for the owner to close.

import { Errno } from './wasi_errno.js';

/** What an fd points at. `refs` is maintained by the table only. */
export interface OpenDescription {
  refs: number;
}

export interface FdEntry<D extends OpenDescription> {
  readonly desc: D;
  /** WASI rights of this fd (fd_fdstat_set_rights may only drop bits). */
  rightsBase: bigint;
  rightsInheriting: bigint;
}

/** RLIMIT_NOFILE's usual soft limit: opening more gives EMFILE. */
export const DEFAULT_MAX_FDS = 1024;

/**
 * Who else numbers fds in the same space (platform/direct_layout.ts: a guest thread serving files
 * itself). Set once by the table's owner; called on the owner's thread.
 */
export interface FdTableMirror<D extends OpenDescription> {
  /** An fd of this table changed: `entry` is what it holds now, undefined once closed. */
  changed(fd: number, entry: FdEntry<D> | undefined): void;
  /** The fd is in use elsewhere: open(2)'s lowest-free search must skip it. */
  taken(fd: number): boolean;
}

export class FdTable<D extends OpenDescription> {
  /** Entries by fd; owned by this table. */
  private readonly entries = new Map<number, FdEntry<D>>();
  /** Immutable after construction. */
  private readonly maxFds: number;
  /** Told of every change; set by the owner (setMirror), null when nobody shares the numbering. */
  private mirror: FdTableMirror<D> | null = null;

  constructor(maxFds = DEFAULT_MAX_FDS) {
    this.maxFds = maxFds;
  }

  /** Shares this table's numbering with `m`, telling it of every fd open now. */
  setMirror(m: FdTableMirror<D>): void {
    this.mirror = m;
    for (const [fd, e] of this.entries) m.changed(fd, e);
  }

  /** Tells the mirror again what `fd` holds (its rights or description changed in place). */
  touch(fd: number): void {
    this.mirror?.changed(fd, this.entries.get(fd));
  }

  get(fd: number): FdEntry<D> | undefined {
    return this.entries.get(fd);
  }

  get size(): number {
    return this.entries.size;
  }

  fds(): number[] {
    return [...this.entries.keys()].sort((a, b) => a - b);
  }

  /**
   * Installs `desc` at the lowest free fd >= `min` (open(2)'s rule). Returns the fd, or a negated
   * errno (-EMFILE when full): errno values are small numbers that are also valid fds.
   */
  insert(desc: D, rightsBase: bigint, rightsInheriting: bigint, min = 0): number {
    let fd = min;
    const m = this.mirror;
    while (this.entries.has(fd) || (m !== null && m.taken(fd))) fd++;
    if (fd >= this.maxFds) return -Errno.MFILE;
    desc.refs++;
    const e = { desc, rightsBase, rightsInheriting };
    this.entries.set(fd, e);
    m?.changed(fd, e);
    return fd;
  }

  /** Installs at exactly `fd` (which must be free). */
  insertAt(fd: number, desc: D, rightsBase: bigint, rightsInheriting: bigint): void {
    if (this.entries.has(fd)) throw new Error(`internal: fd ${fd} in use`);
    desc.refs++;
    const e = { desc, rightsBase, rightsInheriting };
    this.entries.set(fd, e);
    this.mirror?.changed(fd, e);
  }

  /** dup(2)/F_DUPFD: a new fd on the same description, or a negated errno (-EBADF, -EMFILE). */
  dup(fd: number, min = 0): number {
    const e = this.entries.get(fd);
    if (!e) return -Errno.BADF;
    return this.insert(e.desc, e.rightsBase, e.rightsInheriting, min);
  }

  /**
   * close(2): removes `fd`. Returns the description when that was its last fd (the caller closes
   * it), null when others still use it, or EBADF.
   */
  remove(fd: number): D | null | Errno.BADF {
    const e = this.entries.get(fd);
    if (!e) return Errno.BADF;
    this.entries.delete(fd);
    this.mirror?.changed(fd, undefined);
    return --e.desc.refs === 0 ? e.desc : null;
  }

  /**
   * fd_renumber / dup2(2): `from` moves to `to`, closing what `to` held. Both must be open (WASI
   * requires it; wasmtime and uvwasi answer EBADF otherwise). Returns a description to close.
   */
  renumber(from: number, to: number): D | null | Errno.BADF {
    const e = this.entries.get(from);
    const t = this.entries.get(to);
    if (!e || !t) return Errno.BADF;
    if (from === to) return null;
    this.entries.delete(from);
    this.entries.set(to, e);
    this.mirror?.changed(from, undefined);
    this.mirror?.changed(to, e);
    return --t.desc.refs === 0 ? t.desc : null;
  }

  /** Empties the table, returning every description whose last fd this was. */
  clear(): D[] {
    const out: D[] = [];
    for (const [fd, e] of this.entries) {
      if (--e.desc.refs === 0) out.push(e.desc);
      this.mirror?.changed(fd, undefined);
    }
    this.entries.clear();
    return out;
  }
}
