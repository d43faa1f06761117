// The gofer's file server: answers protocol requests against the host, confined by the resolver.
// One server per container (an attachment of the shared gofer, gofer_host.ts, or in process),
// shared by all its processes; fids name what it has open, in a numbering of its own. Every call
// is a short synchronous host call (the page-cache speed of local files, as node:wasi assumes);
// out of process that blocks only the gofer, in process it is the price of no round trip.

import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  futimesSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { Errno } from '../../platform/wasi_errno.js';
import {
  Fdflags,
  Oflags,
  filetypeOfMode,
  type DirEntry,
  type Filestat,
} from '../../platform/wasi_fs_types.js';
import { Filetype } from '../../platform/wasi_types.js';
import { direntType, exists, times, toFilestat } from './host_stat.js';
import { InodeCache } from './inode_cache.js';
import { lstatAt, modeOf, statBeneath } from './host_at.js';
import { mountsBelow, trustedErrno } from './beneath.js';
import { MountTable, type GoferConfig, type Mount } from './mount_table.js';
import { Access, APPEND_OFFSET, OPEN_AHEAD, type Ok, type Op, type Req, type Res } from './protocol.js';
import {
  FsError,
  Resolver,
  at,
  checkPath,
  errnoOf,
  readLinkAt,
  type Frame,
  type StepResult,
} from './resolver.js';

const C = constants;
/** O_PATH-less Linux: O_RSYNC is O_SYNC's read half; Node only names O_SYNC and O_DSYNC. */
const O_RSYNC = C.O_SYNC;

interface Handle {
  readonly fd: number;
  readonly dir: boolean;
  /** Canonical guest path (directories only: where relative paths start). */
  readonly names: readonly Buffer[];
  readonly mount: Mount;
  readonly filetype: Filetype;
  /** A mount root served to every process: never closed by a client. */
  readonly shared: boolean;
  /** Held by someone else (an fd the direct file service opened natively): never closed here. */
  readonly borrowed?: boolean;
  /** Mount points below a directory, for the fast path (beneath.ts); computed at first use. */
  below?: Uint8Array | null;
}

/**
 * The open(2) flags of the final component of a WASI path_open (the resolver's, and the same on
 * the fast path, beneath.ts): O_NOFOLLOW, the resolver follows symlinks itself; O_NONBLOCK always,
 * so that a FIFO or device in the rootfs never blocks the caller in open(2) (on regular files and
 * directories Linux ignores it).
 */
export function hostOpenFlags(
  oflags: number,
  fdflags: number,
  read: boolean,
  write: boolean,
  mustDir: boolean,
): number {
  let flags = C.O_NOFOLLOW | C.O_NONBLOCK | (read && write ? C.O_RDWR : write ? C.O_WRONLY : C.O_RDONLY);
  if (oflags & Oflags.DIRECTORY || mustDir) flags |= C.O_DIRECTORY;
  if (oflags & Oflags.CREAT) flags |= C.O_CREAT;
  if (oflags & Oflags.EXCL) flags |= C.O_EXCL;
  if (oflags & Oflags.TRUNC) flags |= C.O_TRUNC;
  if (fdflags & Fdflags.SYNC) flags |= C.O_SYNC;
  if (fdflags & Fdflags.DSYNC) flags |= C.O_DSYNC;
  if (fdflags & Fdflags.RSYNC) flags |= O_RSYNC;
  return flags;
}

const ok = <O extends Op>(op: O, fields: Omit<Ok<O>, 'op' | 'errno'>): Res<O> =>
  ({ op, errno: 0, ...fields }) as unknown as Res<O>;
const done = <R>(value: R): StepResult<R> => ({ value });
const EMPTY = new Uint8Array(0);

export class GoferServer {
  /** The mounts; owned by this server, closed by close(). */
  private readonly table: MountTable;
  private readonly resolver: Resolver;
  /** Open fids; owned by this server. Fid i + 1 is mount i's root. */
  private readonly handles = new Map<number, Handle>();
  private nextFid: number;
  /** Inode numbers of directories' entries, while the directories are unchanged; owned here. */
  private readonly inos = new InodeCache();

  /** `makeMountPoints`: see MountTable (false for a guest thread's direct file service). */
  constructor(config: GoferConfig, makeMountPoints = true) {
    this.table = new MountTable(config, makeMountPoints);
    this.resolver = new Resolver(this.table);
    for (const m of this.table.mounts) {
      this.handles.set(m.id + 1, {
        fd: m.rootFd,
        dir: true,
        names: m.names as Buffer[],
        mount: m,
        filetype: Filetype.DIRECTORY,
        shared: true,
      });
    }
    this.nextFid = this.table.mounts.length + 1;
  }

  /** Fids of the mount roots, in configuration order (preopens). */
  get rootFids(): number[] {
    return this.table.mounts.map((m) => m.id + 1);
  }

  /** The host fds of the mount roots, in configuration order (donated: FileSyscalls.directMounts). */
  get rootFds(): number[] {
    return this.table.mounts.map((m) => m.rootFd);
  }

  /** What `fid` holds, for handing it over (direct file service); undefined for an unknown fid. */
  describe(
    fid: number,
  ): { fd: number; names: readonly Buffer[]; mount: number; filetype: Filetype } | undefined {
    const h = this.handles.get(fid);
    return h && { fd: h.fd, names: h.names, mount: h.mount.id, filetype: h.filetype };
  }

  /** Open fids (leak checks in tests). */
  get openCount(): number {
    return this.handles.size - this.table.mounts.length;
  }

  close(): void {
    for (const h of this.handles.values()) if (!h.shared && !h.borrowed) closeSync(h.fd);
    this.handles.clear();
    this.table.close();
  }

  handle(req: Req): Res {
    try {
      return this.dispatch(req);
    } catch (e) {
      return { op: req.op, errno: errnoOf(e) } as Res;
    }
  }

  // ---- the same operations for a guest thread's direct file service (direct_files.ts), without
  // the protocol's request and response records on its hot path; they throw FsError or the host's
  // error, which the caller maps to an errno (errnoOf).

  /** `open` without data read ahead. */
  openDirect(req: Req<'open'>): { fid: number; filetype: number } {
    return this.open(req);
  }

  /** `fast`: false when the caller's own fast path already fell back (beneath.ts). */
  statDirect(dir: number, path: Uint8Array, follow: boolean, fast = true): Filestat {
    return this.stat(dir, path, follow, fast);
  }

  closeDirect(fid: number): void {
    const h = this.fid(fid);
    if (h.shared) return;
    this.handles.delete(fid);
    if (!h.borrowed) closeSync(h.fd);
  }

  /**
   * Registers a directory the direct file service opened itself (its fast path), so that paths
   * resolve from it and it lists: the server never closes it (forget() drops it).
   */
  borrow(fd: number, names: readonly Buffer[], mount: number): number {
    const m = this.table.mounts[mount]!;
    return this.add({
      fd,
      dir: true,
      names,
      mount: m,
      filetype: Filetype.DIRECTORY,
      shared: false,
      borrowed: true,
    });
  }

  /** Drops a borrowed handle (its owner closes the fd). */
  forget(fid: number): void {
    if (this.handles.get(fid)?.borrowed === true) this.handles.delete(fid);
  }

  /** The mount points below directory `fid` for the fast path (beneath.ts mountsBelow). */
  mountsBelow(fid: number): Uint8Array | null {
    const h = this.fid(fid);
    if (h.below === undefined) h.below = mountsBelow(this.table, h.names);
    return h.below;
  }

  /** The mount points below guest path `names` (a directory about to be registered). */
  mountsBelowNames(names: readonly Buffer[]): Uint8Array | null {
    return mountsBelow(this.table, names);
  }

  /** Whether mount `id` refuses writes. */
  readonlyMount(id: number): boolean {
    return this.table.mounts[id]?.readonly ?? false;
  }

  private fid(fid: number): Handle {
    const h = this.handles.get(fid);
    if (!h) throw new FsError(Errno.BADF);
    return h;
  }

  private dirFrame(fid: number): Frame {
    const h = this.fid(fid);
    if (!h.dir) throw new FsError(Errno.NOTDIR);
    return { fd: h.fd, owned: false, names: h.names, mount: h.mount };
  }

  private add(h: Handle): number {
    const fid = this.nextFid++;
    this.handles.set(fid, h);
    return fid;
  }

  private dispatch(req: Req): Res {
    switch (req.op) {
      case 'attach':
      case 'detach':
        // Attachments are the GoferHost's business (one server is one attachment).
        throw new FsError(Errno.INVAL);
      case 'open': {
        const o = this.open(req);
        return ok('open', { ...o, data: this.ahead(o.fid, req.access) });
      }
      case 'close':
        this.closeDirect(req.fid);
        return ok('close', {});
      case 'read': {
        const h = this.fid(req.fid);
        if (h.dir) throw new FsError(Errno.ISDIR);
        const buf = Buffer.allocUnsafe(req.len);
        const n = readSync(h.fd, buf, 0, req.len, req.offset);
        return ok('read', { data: buf.subarray(0, n) });
      }
      case 'write': {
        const h = this.fid(req.fid);
        if (req.offset === APPEND_OFFSET) {
          // O_APPEND is a per-description flag that fcntl may toggle, so the host fd never has it:
          // append is "write at the current end" here (one gofer serialises its requests).
          const end = fstatSync(h.fd).size;
          const n = writeSync(h.fd, req.data, 0, req.data.length, end);
          return ok('write', { n, end: BigInt(end + n) });
        }
        if (req.offset + BigInt(req.data.length) > BigInt(Number.MAX_SAFE_INTEGER))
          throw new FsError(Errno.FBIG);
        const n = writeSync(h.fd, req.data, 0, req.data.length, Number(req.offset));
        return ok('write', { n, end: req.offset + BigInt(n) });
      }
      case 'readdir':
        return ok('readdir', { entries: this.readdir(this.fid(req.fid)) });
      case 'fstat':
        return ok('fstat', { stat: toFilestat(fstatSync(this.fid(req.fid).fd, { bigint: true })) });
      case 'stat':
        return ok('stat', { stat: this.stat(req.dir, req.path, req.follow !== 0) });
      case 'setSize': {
        const h = this.writable(req.fid);
        if (req.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError(Errno.FBIG);
        ftruncateSync(h.fd, Number(req.size));
        return ok('setSize', {});
      }
      case 'setTimes': {
        const h = this.fid(req.fid);
        if (h.mount.readonly) throw new FsError(Errno.ROFS);
        const [a, m] = times(fstatSync(h.fd, { bigint: true }), req.atim, req.mtim, req.flags);
        futimesSync(h.fd, a, m);
        return ok('setTimes', {});
      }
      case 'setTimesAt':
        this.setTimesAt(req);
        return ok('setTimesAt', {});
      case 'sync': {
        const h = this.fid(req.fid);
        if (req.dataOnly) fdatasyncSync(h.fd);
        else fsyncSync(h.fd);
        return ok('sync', {});
      }
      case 'allocate': {
        const h = this.writable(req.fid);
        if (req.len === 0n) throw new FsError(Errno.INVAL);
        const end = req.offset + req.len;
        if (end > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError(Errno.FBIG);
        // posix_fallocate(3) only ever grows a file; Node has no fallocate, so extend it sparsely.
        if (fstatSync(h.fd, { bigint: true }).size < end) ftruncateSync(h.fd, Number(end));
        return ok('allocate', {});
      }
      case 'mkdir':
        this.mkdir(req.dir, req.path);
        return ok('mkdir', {});
      case 'rmdir':
        this.remove(req.dir, req.path, true);
        return ok('rmdir', {});
      case 'unlink':
        this.remove(req.dir, req.path, false);
        return ok('unlink', {});
      case 'rename':
        this.rename(req);
        return ok('rename', {});
      case 'symlink':
        this.symlink(req.target, req.dir, req.path);
        return ok('symlink', {});
      case 'readlink':
        return ok('readlink', { target: this.readlink(req.dir, req.path) });
      case 'link':
        this.link(req);
        return ok('link', {});
      case 'adopt':
        return ok('adopt', this.adopt(req));
    }
  }

  /**
   * Reopens a file the sandbox opened through a donated root. Only a /proc magic link to an fd is
   * accepted: opening it follows no path, so it reaches exactly the file the sandbox holds, which
   * its own confined resolver reached from this gofer's roots.
   */
  private adopt(req: Req<'adopt'>): { fid: number; filetype: number } {
    const path = Buffer.from(req.path).toString('latin1');
    if (!/^\/proc\/\d+\/fd\/\d+$/.test(path)) throw new FsError(Errno.INVAL);
    const mount = this.table.mounts[req.mount];
    if (mount === undefined) throw new FsError(Errno.INVAL);
    const write = (req.access & Access.WRITE) !== 0;
    const read = (req.access & Access.READ) !== 0 || !write;
    const fd = openSync(path, (read && write ? C.O_RDWR : write ? C.O_WRONLY : C.O_RDONLY) | C.O_NONBLOCK);
    const names = req.names.length === 0 ? [] : Buffer.from(req.names).toString('latin1').split('/');
    return this.opened(
      fd,
      names.map((n) => Buffer.from(n, 'latin1')),
      mount,
    );
  }

  /** The first bytes of a regular file just opened for reading, when the client asked for them. */
  private ahead(fid: number, access: number): Uint8Array {
    const h = this.handles.get(fid)!;
    if ((access & (Access.AHEAD | Access.READ)) !== (Access.AHEAD | Access.READ)) return EMPTY;
    if (h.filetype !== Filetype.REGULAR_FILE) return EMPTY;
    const buf = Buffer.allocUnsafe(OPEN_AHEAD);
    try {
      return buf.subarray(0, readSync(h.fd, buf, 0, OPEN_AHEAD, 0));
    } catch {
      return EMPTY; // the read itself will report the error, when the guest reads
    }
  }

  private writable(fid: number): Handle {
    const h = this.fid(fid);
    if (h.dir) throw new FsError(Errno.ISDIR);
    if (h.mount.readonly) throw new FsError(Errno.ROFS);
    return h;
  }

  private open(req: Req<'open'>): { fid: number; filetype: number } {
    const write = (req.access & Access.WRITE) !== 0;
    const read = (req.access & Access.READ) !== 0;
    const o = req.oflags;
    return this.resolver.resolve(
      this.dirFrame(req.dir),
      req.path,
      req.follow !== 0,
      (parent, name, _l, mustDir) => {
        if (name === null) {
          // open(2) of the directory itself ('.', '/', a mount point).
          if (o & Oflags.CREAT && o & Oflags.EXCL) throw new FsError(Errno.EXIST);
          if (write || o & (Oflags.CREAT | Oflags.TRUNC)) throw new FsError(Errno.ISDIR);
          const fd = openSync(at(parent.fd), C.O_RDONLY | C.O_DIRECTORY);
          return done(this.opened(fd, parent.names, parent.mount));
        }
        const flags = hostOpenFlags(o, req.fdflags, read, write, mustDir);
        const host = at(parent.fd, name);
        let fd: number;
        try {
          if (parent.mount.readonly && (write || o & (Oflags.CREAT | Oflags.TRUNC))) {
            // Linux reports lookup errors, EEXIST and EISDIR before EROFS: find out what is there.
            const probe = openSync(
              host,
              (flags & ~(C.O_CREAT | C.O_EXCL | C.O_TRUNC | C.O_WRONLY | C.O_RDWR)) | C.O_RDONLY,
            );
            const dir = fstatSync(probe).isDirectory();
            closeSync(probe);
            if (o & Oflags.CREAT && o & Oflags.EXCL) throw new FsError(Errno.EXIST);
            if (dir && (write || o & Oflags.CREAT)) throw new FsError(Errno.ISDIR);
            throw new FsError(Errno.ROFS);
          }
          fd = openSync(host, flags, 0o666);
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'ELOOP' || (code === 'ENOTDIR' && flags & C.O_DIRECTORY)) {
            const target = readLinkAt(parent.fd, name);
            if (target !== undefined) return { symlink: target };
          }
          if (code === 'ENOENT' && parent.mount.readonly && o & Oflags.CREAT) throw new FsError(Errno.ROFS);
          throw e;
        }
        return done(this.opened(fd, [...parent.names, name], parent.mount));
      },
    );
  }

  private opened(fd: number, names: readonly Buffer[], mount: Mount): { fid: number; filetype: number } {
    const filetype = filetypeOfMode(modeOf(fd));
    const dir = filetype === Filetype.DIRECTORY;
    return { fid: this.add({ fd, dir, names: dir ? names : [], mount, filetype, shared: false }), filetype };
  }

  private readdir(h: Handle): DirEntry[] {
    if (!h.dir) throw new FsError(Errno.NOTDIR);
    const self = fstatSync(h.fd, { bigint: true });
    const parent = this.stat(this.fidOf(h), Buffer.from('..'), false);
    const out: DirEntry[] = [
      { name: Buffer.from('.'), ino: self.ino, filetype: Filetype.DIRECTORY },
      { name: Buffer.from('..'), ino: parent.ino, filetype: Filetype.DIRECTORY },
    ];
    // Node's readdir has no d_ino: each entry's inode number costs an lstat, unless this
    // directory was listed before and has not changed since (inode_cache.ts).
    const known = this.inos.lookup(self);
    const fresh = new Map<string, bigint>();
    for (const d of readdirSync(at(h.fd), { withFileTypes: true, encoding: 'buffer' })) {
      const name = d.name as unknown as Buffer;
      const key = name.toString('latin1');
      let ino = known?.get(key);
      if (ino === undefined) {
        ino = 0n;
        try {
          ino = lstatSync(at(h.fd, name), { bigint: true }).ino;
        } catch {
          // removed meanwhile: getdents(2) may still list it
        }
      }
      fresh.set(key, ino);
      out.push({ name, ino, filetype: direntType(d) });
    }
    this.inos.store(self, fresh);
    return out;
  }

  private fidOf(h: Handle): number {
    for (const [fid, x] of this.handles) if (x === h) return fid;
    throw new FsError(Errno.BADF);
  }

  private stat(dir: number, path: Uint8Array, follow: boolean, fast = true): Filestat {
    const frame = this.dirFrame(dir);
    if (fast) {
      // One confined openat2(2) when the path allows it (beneath.ts); else the resolver's walk.
      const r = statBeneath(frame.fd, path, this.mountsBelow(dir), follow);
      if (typeof r !== 'number') return r;
      const e = trustedErrno(r);
      if (e !== null) throw new FsError(e);
    }
    return this.resolver.resolve(frame, path, follow, (parent, name, _l, mustDir) => {
      if (name === null) return done(toFilestat(fstatSync(parent.fd, { bigint: true })));
      const s = lstatAt(parent.fd, name);
      if (s.filetype === Filetype.SYMBOLIC_LINK && (follow || mustDir))
        return { symlink: readlinkSync(at(parent.fd, name), { encoding: 'buffer' }) };
      if (mustDir && s.filetype !== Filetype.DIRECTORY) throw new FsError(Errno.NOTDIR);
      return done(s);
    });
  }

  private setTimesAt(req: Req<'setTimesAt'>): void {
    this.resolver.resolve(this.dirFrame(req.dir), req.path, req.follow !== 0, (parent, name) => {
      const s =
        name === null
          ? fstatSync(parent.fd, { bigint: true })
          : lstatSync(at(parent.fd, name), { bigint: true });
      if (name !== null && s.isSymbolicLink() && req.follow)
        return { symlink: readlinkSync(at(parent.fd, name), { encoding: 'buffer' }) };
      const [a, m] = times(s, req.atim, req.mtim, req.flags);
      if (parent.mount.readonly) throw new FsError(Errno.ROFS);
      if (name === null) futimesSync(parent.fd, a, m);
      else lutimesSync(at(parent.fd, name), a, m);
      return done(undefined);
    });
  }

  private mkdir(dir: number, path: Uint8Array): void {
    this.resolver.resolve(this.dirFrame(dir), path, false, (parent, name) => {
      if (name === null) throw new FsError(Errno.EXIST);
      if (parent.mount.readonly) {
        if (exists(parent.fd, name)) throw new FsError(Errno.EXIST);
        throw new FsError(Errno.ROFS);
      }
      mkdirSync(at(parent.fd, name), 0o777);
      return done(undefined);
    });
  }

  private remove(dir: number, path: Uint8Array, isRmdir: boolean): void {
    this.resolver.resolve(this.dirFrame(dir), path, false, (parent, name, last, mustDir) => {
      if (name === null) {
        if (!isRmdir) throw new FsError(Errno.ISDIR);
        // rmdir(2): a mount point or the root is EBUSY (wasi-libc turns "/mnt" into "." of the
        // mount's preopen), else '.' is EINVAL and '..' ENOTEMPTY.
        if (parent.fd === parent.mount.rootFd) throw new FsError(Errno.BUSY);
        throw new FsError(last === 'dot' ? Errno.INVAL : last === 'dotdot' ? Errno.NOTEMPTY : Errno.BUSY);
      }
      const s = lstatSync(at(parent.fd, name));
      if (!isRmdir && mustDir) throw new FsError(s.isDirectory() ? Errno.ISDIR : Errno.NOTDIR);
      if (isRmdir && !s.isDirectory()) throw new FsError(Errno.NOTDIR);
      if (parent.mount.readonly) throw new FsError(Errno.ROFS);
      if (isRmdir) rmdirSync(at(parent.fd, name));
      else unlinkSync(at(parent.fd, name));
      return done(undefined);
    });
  }

  private rename(req: Req<'rename'>): void {
    this.resolver.resolve(this.dirFrame(req.dir), req.path, false, (p1, n1, _l1, dir1) => {
      if (n1 === null) throw new FsError(Errno.BUSY);
      const s1 = lstatSync(at(p1.fd, n1));
      return done(
        this.resolver.resolve(this.dirFrame(req.dir2), req.path2, false, (p2, n2, _l2, dir2) => {
          if (n2 === null) throw new FsError(Errno.BUSY);
          if ((dir1 || dir2) && !s1.isDirectory()) throw new FsError(Errno.NOTDIR);
          if (p1.mount !== p2.mount) throw new FsError(Errno.XDEV);
          if (p1.mount.readonly) throw new FsError(Errno.ROFS);
          renameSync(at(p1.fd, n1), at(p2.fd, n2));
          return done(undefined);
        }),
      );
    });
  }

  private symlink(target: Uint8Array, dir: number, path: Uint8Array): void {
    checkPath(target);
    this.resolver.resolve(this.dirFrame(dir), path, false, (parent, name) => {
      if (name === null || exists(parent.fd, name)) throw new FsError(Errno.EXIST);
      if (parent.mount.readonly) throw new FsError(Errno.ROFS);
      // The target is stored verbatim; only the resolver ever follows it, inside the roots.
      symlinkSync(Buffer.from(target), at(parent.fd, name));
      return done(undefined);
    });
  }

  private readlink(dir: number, path: Uint8Array): Uint8Array {
    return this.resolver.resolve(this.dirFrame(dir), path, false, (parent, name) => {
      if (name === null) throw new FsError(Errno.INVAL);
      return done(readlinkSync(at(parent.fd, name), { encoding: 'buffer' }));
    });
  }

  private link(req: Req<'link'>): void {
    const follow = req.follow !== 0;
    this.resolver.resolve(this.dirFrame(req.dir), req.path, follow, (p1, n1) => {
      if (n1 === null) throw new FsError(Errno.PERM);
      const s1 = lstatSync(at(p1.fd, n1));
      if (s1.isSymbolicLink() && follow)
        return { symlink: readlinkSync(at(p1.fd, n1), { encoding: 'buffer' }) };
      return done(
        this.resolver.resolve(this.dirFrame(req.dir2), req.path2, false, (p2, n2) => {
          if (n2 === null) throw new FsError(Errno.EXIST);
          if (p1.mount !== p2.mount) throw new FsError(Errno.XDEV);
          if (p1.mount.readonly) throw new FsError(exists(p2.fd, n2) ? Errno.EXIST : Errno.ROFS);
          linkSync(at(p1.fd, n1), at(p2.fd, n2));
          return done(undefined);
        }),
      );
    });
  }
}
