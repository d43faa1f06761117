// A process's syscall handlers with files: one fd table for stdio, preopens, files and
// directories (Linux's files_struct), file calls served by the container's gofer, everything else
// (stdio I/O, poll on stdio and clocks, proc_raise) by the stdio handlers it wraps. Rights follow
// WASI (a missing right is ENOTCAPABLE); an fd not open for the access is EBADF, as on Linux.

import { Errno, type FailureErrno } from '../../platform/wasi_errno.js';
import { FdTable, type FdEntry, type OpenDescription } from '../../platform/fd_table.js';
import { fileURLToPath } from 'node:url';
import { useNativeAt } from './host_at.js';
import { KEPT_FLAGS, SETTABLE_FLAGS, exceedsInheritance, openAccess, openNeeds } from './open_rights.js';
import { FdKind } from '../../platform/direct_layout.js';
import { freshBundle } from '../../platform/bundled.js';
import {
  DirectFdMap,
  type AdoptRecord,
  type DirectFilesProvider,
  type DirectOfferBase,
  type DonatedRoot,
} from '../../platform/direct_host.js';
import {
  fail,
  ok,
  type CallContext,
  type FileCalls,
  type ProcessSyscalls,
  type SyscallResult,
  type SyscallReturn,
} from '../../platform/syscalls.js';
import {
  ADVICE_MAX,
  ALL_RIGHTS,
  DIR_RIGHTS,
  FILE_RIGHTS,
  Fdflags,
  FsRights,
  LOOKUP_SYMLINK_FOLLOW,
  Whence,
  packDirents,
  type DirEntry,
  type Filestat,
} from '../../platform/wasi_fs_types.js';
import {
  EventType,
  Filetype,
  Rights,
  type FdStat,
  type PollEvent,
  type Subscription,
} from '../../platform/wasi_types.js';
import type { GoferConnection } from './connection.js';
import { openedAhead, readFile, type ReadAhead } from './read_ahead.js';
import { Access, APPEND_OFFSET, type Ok, type Op, type Req, type Res, type ResOf } from './protocol.js';

interface StdioDesc extends OpenDescription {
  readonly kind: 'stdio';
  /** The fd number the wrapped stdio handlers know it by (0, 1 or 2). */
  readonly stdioFd: number;
}

interface FileDesc extends OpenDescription {
  readonly kind: 'file';
  readonly fid: number;
  readonly filetype: Filetype;
  readonly readable: boolean;
  readonly writable: boolean;
  /** The file offset (shared by dup'ed fds, as Linux's f_pos). */
  pos: bigint;
  /** fdflags; APPEND and NONBLOCK change with fd_fdstat_set_flags. */
  flags: number;
  /** The guest path when this is a preopen; its fid belongs to the whole container. */
  readonly preopen?: Uint8Array;
  /** A preopen's mount index (position in the gofer's configuration). */
  readonly mount?: number;
  /** The listing fd_readdir serves cookies from; taken again at cookie 0. */
  listing?: DirEntry[];
  /** Data read ahead of the guest (regular files); see read_ahead.ts. */
  ahead?: ReadAhead;
}

type Desc = StdioDesc | FileDesc;

/** Applies `f` to a result that may be pending, keeping it synchronous when it is. */
function then<T, U>(r: T | Promise<T>, f: (v: T) => U): U | Promise<U> {
  return r instanceof Promise ? r.then(f) : f(r);
}

/** Maps a gofer answer to a syscall result. */
function answer<O extends Op, T>(r: Res<O> | Promise<Res<O>>, f: (v: Ok<O>) => T): SyscallReturn<T> {
  return then(r, (res): SyscallResult<T> => (res.errno !== 0 ? fail(res.errno) : ok(f(res as Ok<O>))));
}

export interface FileSyscallsOptions {
  /** Largest fd + 1 (RLIMIT_NOFILE); default 1024. */
  readonly maxFds?: number;
  /**
   * Whether the guest's thread may serve the files it opens itself (platform/direct_layout.ts),
   * when the gofer donates its roots; default true. False: every call goes through the gofer.
   */
  readonly direct?: boolean;
}

/**
 * Where the guest-thread half of the direct file service is (loaded by the guest worker): its
 * bundle (scripts/bundle.mjs) while fresh, one file where the entry is a dozen modules (~9 ms less
 * for each worker to load).
 */
const DIRECT_SERVICE = freshBundle(
  new URL('./direct_files.js', import.meta.url),
  new URL('./direct_files.bundle.cjs', import.meta.url),
).href;

/** The corral_at addon (scripts/build-native.sh), for this thread's gofer calls and the guests'. */
const NATIVE_AT = fileURLToPath(new URL('../../../build/native/corral_at.node', import.meta.url));
useNativeAt(NATIVE_AT);

export class FileSyscalls implements ProcessSyscalls, FileCalls, DirectFilesProvider {
  /** The process's fd table; owned by this object. */
  readonly fds: FdTable<Desc>;
  /** Handles stdio fds, poll on them, proc_raise; owned by this object (disposed with it). */
  private readonly base: ProcessSyscalls;
  /** The container's gofer; shared with its other processes, not closed here. */
  private readonly gofer: GoferConnection;

  /** This table's fd map when the process's guest serves files directly (directOffer). */
  private direct: DirectFdMap<Desc> | null = null;
  /** Immutable after construction. */
  private readonly allowDirect: boolean;

  constructor(base: ProcessSyscalls, gofer: GoferConnection, opts: FileSyscallsOptions = {}) {
    this.base = base;
    this.gofer = gofer;
    this.allowDirect = opts.direct ?? true;
    this.fds = new FdTable<Desc>(opts.maxFds);
    // Stdio rights are what the stdio handlers report, narrowed by any the guest drops here.
    for (const fd of [0, 1, 2])
      this.fds.insertAt(fd, { kind: 'stdio', stdioFd: fd, refs: 0 }, ALL_RIGHTS, 0n);
    // Preopens: fd 3 is '/', then each mount, as wasi-libc's startup scan expects.
    for (const [mount, p] of gofer.preopens.entries()) {
      const desc: FileDesc = {
        mount,
        kind: 'file',
        fid: p.fid,
        filetype: Filetype.DIRECTORY,
        readable: true,
        writable: false,
        pos: 0n,
        flags: 0,
        preopen: Buffer.from(p.guestPath),
        refs: 0,
      };
      this.fds.insert(desc, DIR_RIGHTS, ALL_RIGHTS, 3);
    }
  }

  // ---- direct file service (platform/direct_layout.ts) ----------------------------------------

  directMounts(): Omit<DirectOfferBase, 'map'> | undefined {
    if (!this.allowDirect || this.gofer.closed) return undefined;
    const mounts: DonatedRoot[] = [];
    for (const p of this.gofer.preopens) {
      if (p.donated === undefined) return undefined;
      mounts.push({ guestPath: p.guestPath, root: p.donated, readonly: p.readonly });
    }
    return { generation: this.gofer.generationWord, mounts, service: DIRECT_SERVICE, native: NATIVE_AT };
  }

  /** As the process's own handlers: the guest's fds are this table's. */
  directOffer(): DirectOfferBase | undefined {
    const m = this.directMounts();
    if (m === undefined) return undefined;
    if (this.direct === null) {
      this.direct = new DirectFdMap<Desc>((e) => this.kindOfEntry(e));
      this.fds.setMirror(this.direct);
    }
    return { ...m, map: this.direct.map };
  }

  directKindOf(fd: number): number {
    const e = this.fds.get(fd);
    return e === undefined ? FdKind.HOST : this.kindOfEntry(e);
  }

  /** A preopen with its rights as given may be resolved from by the guest itself. */
  private kindOfEntry(e: FdEntry<Desc>): number {
    const d = e.desc;
    if (
      d.kind === 'file' &&
      d.mount !== undefined &&
      e.rightsBase === DIR_RIGHTS &&
      e.rightsInheriting === ALL_RIGHTS
    )
      return FdKind.PREOPEN + d.mount;
    return FdKind.HOST;
  }

  adopt(rec: AdoptRecord, at?: number): Promise<number> | number {
    const access = (rec.readable ? Access.READ : 0) | (rec.writable ? Access.WRITE : 0);
    const r = this.call({
      op: 'adopt',
      path: Buffer.from(rec.path, 'latin1'),
      mount: rec.mount,
      names: rec.names,
      access,
    });
    return then(r, (res) => {
      if (res.errno !== 0) return -res.errno;
      const desc: FileDesc = {
        kind: 'file',
        fid: res.fid,
        filetype: res.filetype,
        readable: rec.readable,
        writable: rec.writable,
        pos: rec.pos,
        flags: rec.flags,
        refs: 0,
      };
      if (at === undefined) {
        const fd = this.fds.insert(desc, rec.rightsBase, rec.rightsInheriting);
        if (fd < 0) void this.call({ op: 'close', fid: res.fid });
        return fd;
      }
      this.fds.insertAt(at, desc, rec.rightsBase, rec.rightsInheriting);
      return at;
    });
  }

  fd_adopt(rec: AdoptRecord): SyscallReturn<void> {
    if (this.fds.get(rec.fd) !== undefined) return fail(Errno.BADF);
    return then(this.adopt(rec, rec.fd), (fd): SyscallResult<void> =>
      fd < 0 ? fail(-fd as Errno.IO) : ok(undefined),
    );
  }

  // ---- helpers --------------------------------------------------------------------------------

  private call<R extends Req>(req: R): ResOf<R> | Promise<ResOf<R>> {
    return this.gofer.call(req);
  }

  /**
   * The fd's file description, with `right` checked; or the errno. Linux's own errors come first
   * (`access` names the one an fd not open for reading or writing gets), then ENOTCAPABLE.
   */
  private file(
    fd: number,
    right: bigint,
    access?: { read?: FailureErrno; write?: FailureErrno },
  ): FileDesc | FailureErrno {
    const e = this.fds.get(fd);
    if (!e) return Errno.BADF;
    if (e.desc.kind !== 'file') return Errno.BADF;
    if (access?.read !== undefined && !e.desc.readable) return access.read;
    if (access?.write !== undefined && !e.desc.writable) return access.write;
    if ((e.rightsBase & right) !== right) return Errno.NOTCAPABLE;
    return e.desc;
  }

  /** A directory fd for a path call, with `right` checked. */
  private dir(fd: number, right: bigint): FileDesc | FailureErrno {
    const e = this.fds.get(fd);
    if (!e) return Errno.BADF;
    if (e.desc.kind !== 'file' || e.desc.filetype !== Filetype.DIRECTORY) return Errno.NOTDIR;
    if ((e.rightsBase & right) !== right) return Errno.NOTCAPABLE;
    return e.desc;
  }

  private closeDesc(d: Desc, ctx: CallContext): SyscallReturn<void> {
    if (d.kind === 'stdio') return this.base.fd_close(d.stdioFd, ctx);
    // A preopen's fid serves every process of the container.
    if (d.preopen) return ok(undefined);
    const r = this.call({ op: 'close', fid: d.fid });
    // Out of process, not waited for: the gofer fails a close only for a fid it does not know
    // (never a live description's), and later calls queue behind it on the connection anyway.
    if (r instanceof Promise) return ok(undefined);
    return answer(r, () => undefined);
  }

  // ---- fd calls -------------------------------------------------------------------------------

  fd_write(fd: number, data: Uint8Array, ctx: CallContext): SyscallReturn<number> {
    const e = this.fds.get(fd);
    if (!e) return fail(Errno.BADF);
    if (e.desc.kind === 'stdio') return this.base.fd_write(e.desc.stdioFd, data, ctx);
    const d = e.desc;
    if (!d.writable) return fail(Errno.BADF);
    if ((e.rightsBase & Rights.FD_WRITE) === 0n) return fail(Errno.NOTCAPABLE);
    const offset = d.flags & Fdflags.APPEND ? APPEND_OFFSET : d.pos;
    return answer(this.call({ op: 'write', fid: d.fid, offset, data }), (r) => {
      d.pos = r.end;
      return r.n;
    });
  }

  fd_read(fd: number, maxBytes: number, ctx: CallContext): SyscallReturn<Uint8Array> {
    const e = this.fds.get(fd);
    if (!e) return fail(Errno.BADF);
    if (e.desc.kind === 'stdio') return this.base.fd_read(e.desc.stdioFd, maxBytes, ctx);
    const d = e.desc;
    if (d.filetype === Filetype.DIRECTORY) return fail(Errno.ISDIR);
    if (!d.readable) return fail(Errno.BADF);
    if ((e.rightsBase & Rights.FD_READ) === 0n) return fail(Errno.NOTCAPABLE);
    if (d.filetype === Filetype.REGULAR_FILE) return readFile(this.gofer, d, maxBytes);
    const at = d.pos;
    return answer(this.call({ op: 'read', fid: d.fid, offset: at, len: maxBytes }), (r) => {
      d.pos = at + BigInt(r.data.length);
      return r.data;
    });
  }

  fd_pread(fd: number, maxBytes: number, offset: bigint): SyscallReturn<Uint8Array> {
    const de = this.fds.get(fd)?.desc;
    if (de?.kind === 'file' && de.filetype === Filetype.DIRECTORY) return fail(Errno.ISDIR);
    const d = this.file(fd, Rights.FD_READ | Rights.FD_SEEK, { read: Errno.BADF });
    if (typeof d === 'number') return fail(this.stdioSpipe(fd, d));
    return answer(this.call({ op: 'read', fid: d.fid, offset, len: maxBytes }), (r) => r.data);
  }

  fd_pwrite(fd: number, data: Uint8Array, offset: bigint): SyscallReturn<number> {
    const d = this.file(fd, Rights.FD_WRITE | Rights.FD_SEEK, { write: Errno.BADF });
    if (typeof d === 'number') return fail(this.stdioSpipe(fd, d));
    // Linux's pwrite(2) on an O_APPEND file appends whatever the offset (a documented bug).
    const at = d.flags & Fdflags.APPEND ? APPEND_OFFSET : offset;
    return answer(this.call({ op: 'write', fid: d.fid, offset: at, data }), (r) => r.n);
  }

  /** Seek-like calls on stdio (pipes, terminals) are ESPIPE; on other non-files EBADF stands. */
  private stdioSpipe(fd: number, errno: FailureErrno): FailureErrno {
    return errno === Errno.BADF && this.fds.get(fd)?.desc.kind === 'stdio' ? Errno.SPIPE : errno;
  }

  fd_seek(fd: number, offset: bigint, whence: number): SyscallReturn<bigint> {
    // lseek(fd, 0, SEEK_CUR) is how tell is done: FD_TELL suffices for it.
    const right = whence === Whence.CUR && offset === 0n ? Rights.FD_TELL : Rights.FD_SEEK;
    const d = this.file(fd, right);
    if (typeof d === 'number') return fail(this.stdioSpipe(fd, d));
    const to = (base: bigint): SyscallResult<bigint> => {
      const pos = base + offset;
      if (pos < 0n) return fail(Errno.INVAL);
      d.pos = pos;
      return ok(pos);
    };
    if (whence === Whence.SET) return to(0n);
    if (whence === Whence.CUR) return to(d.pos);
    if (whence !== Whence.END) return fail(Errno.INVAL);
    return then(this.call({ op: 'fstat', fid: d.fid }), (r) =>
      r.errno !== 0 ? fail(r.errno) : to(r.stat.size),
    );
  }

  fd_tell(fd: number): SyscallReturn<bigint> {
    const d = this.file(fd, Rights.FD_TELL);
    if (typeof d === 'number') return fail(this.stdioSpipe(fd, d));
    return ok(d.pos);
  }

  fd_fdstat_get(fd: number, ctx: CallContext): SyscallReturn<FdStat> {
    const e = this.fds.get(fd);
    if (!e) return fail(Errno.BADF);
    if (e.desc.kind === 'stdio') {
      return then(this.base.fd_fdstat_get(e.desc.stdioFd, ctx), (r) =>
        'value' in r ? ok({ ...r.value, rightsBase: r.value.rightsBase & e.rightsBase }) : r,
      );
    }
    return ok({
      filetype: e.desc.filetype,
      flags: e.desc.flags,
      rightsBase: e.rightsBase,
      rightsInheriting: e.rightsInheriting,
    });
  }

  fd_fdstat_set_flags(fd: number, flags: number): SyscallReturn<void> {
    const e = this.fds.get(fd);
    if (!e) return fail(Errno.BADF);
    if ((e.rightsBase & Rights.FD_FDSTAT_SET_FLAGS) === 0n && e.desc.kind === 'file')
      return fail(Errno.NOTCAPABLE);
    if (e.desc.kind === 'stdio') return ok(undefined); // pipes and terminals: nothing to change here
    e.desc.flags = (e.desc.flags & ~SETTABLE_FLAGS) | (flags & SETTABLE_FLAGS);
    return ok(undefined);
  }

  fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint): SyscallReturn<void> {
    const e = this.fds.get(fd);
    if (!e) return fail(Errno.BADF);
    // Rights can only be dropped, never gained.
    if ((base & ~e.rightsBase) !== 0n || (inheriting & ~e.rightsInheriting) !== 0n)
      return fail(Errno.NOTCAPABLE);
    e.rightsBase = base;
    e.rightsInheriting = inheriting;
    this.fds.touch(fd);
    return ok(undefined);
  }

  fd_filestat_get(fd: number, ctx: CallContext): SyscallReturn<Filestat> {
    const e = this.fds.get(fd);
    if (!e) return fail(Errno.BADF);
    if ((e.rightsBase & Rights.FD_FILESTAT_GET) === 0n) return fail(Errno.NOTCAPABLE);
    if (e.desc.kind === 'stdio') {
      // A pipe or terminal: only its type is known here.
      return then(this.base.fd_fdstat_get(e.desc.stdioFd, ctx), (r) =>
        'value' in r
          ? ok({
              dev: 0n,
              ino: 0n,
              filetype: r.value.filetype,
              nlink: 1n,
              size: 0n,
              atim: 0n,
              mtim: 0n,
              ctim: 0n,
            })
          : r,
      );
    }
    return answer(this.call({ op: 'fstat', fid: e.desc.fid }), (r) => r.stat);
  }

  fd_filestat_set_size(fd: number, size: bigint): SyscallReturn<void> {
    // ftruncate(2) on an fd not open for writing (a directory, a pipe) is EINVAL.
    const d = this.file(fd, FsRights.FD_FILESTAT_SET_SIZE, { write: Errno.INVAL });
    if (typeof d === 'number') return fail(d === Errno.BADF && this.fds.get(fd) ? Errno.INVAL : d);
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) return fail(Errno.FBIG);
    return answer(this.call({ op: 'setSize', fid: d.fid, size }), () => undefined);
  }

  fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, fstflags: number): SyscallReturn<void> {
    const d = this.file(fd, FsRights.FD_FILESTAT_SET_TIMES);
    if (typeof d === 'number') return fail(d);
    return answer(this.call({ op: 'setTimes', fid: d.fid, atim, mtim, flags: fstflags }), () => undefined);
  }

  fd_advise(fd: number, _offset: bigint, _len: bigint, advice: number): SyscallReturn<void> {
    const d = this.file(fd, FsRights.FD_ADVISE);
    if (typeof d === 'number') return fail(this.stdioSpipe(fd, d));
    if (advice < 0 || advice > ADVICE_MAX) return fail(Errno.INVAL);
    // posix_fadvise(2) is a hint; the gofer's page cache decides.
    return ok(undefined);
  }

  fd_allocate(fd: number, offset: bigint, len: bigint): SyscallReturn<void> {
    const d = this.file(fd, FsRights.FD_ALLOCATE, { write: Errno.BADF });
    if (typeof d === 'number') return fail(this.stdioSpipe(fd, d));
    return answer(this.call({ op: 'allocate', fid: d.fid, offset, len }), () => undefined);
  }

  fd_sync(fd: number): SyscallReturn<void> {
    return this.sync(fd, Rights.FD_SYNC, 0);
  }

  fd_datasync(fd: number): SyscallReturn<void> {
    return this.sync(fd, Rights.FD_DATASYNC, 1);
  }

  private sync(fd: number, right: bigint, dataOnly: number): SyscallReturn<void> {
    const d = this.file(fd, right);
    // fsync(2) of a pipe or terminal is EINVAL.
    if (typeof d === 'number') return fail(d === Errno.BADF && this.fds.get(fd) ? Errno.INVAL : d);
    return answer(this.call({ op: 'sync', fid: d.fid, dataOnly }), () => undefined);
  }

  fd_close(fd: number, ctx: CallContext): SyscallReturn<void> {
    const d = this.fds.remove(fd);
    if (d === Errno.BADF) return fail(Errno.BADF);
    return d === null ? ok(undefined) : this.closeDesc(d, ctx);
  }

  fd_renumber(fd: number, to: number, ctx: CallContext): SyscallReturn<void> {
    const d = this.fds.renumber(fd, to);
    if (d === Errno.BADF) return fail(Errno.BADF);
    return d === null ? ok(undefined) : this.closeDesc(d, ctx);
  }

  fd_readdir(fd: number, bufLen: number, cookie: bigint): SyscallReturn<Uint8Array> {
    const e = this.fds.get(fd);
    if (!e) return fail(Errno.BADF);
    if (e.desc.kind !== 'file' || e.desc.filetype !== Filetype.DIRECTORY) return fail(Errno.NOTDIR);
    if ((e.rightsBase & FsRights.FD_READDIR) === 0n) return fail(Errno.NOTCAPABLE);
    const d = e.desc;
    const serve = (list: DirEntry[]) =>
      ok(packDirents(list, Number(cookie > BigInt(list.length) ? BigInt(list.length) : cookie), bufLen));
    // Cookie 0 (re)reads the directory, as rewinddir(3); later cookies index that listing.
    if (cookie !== 0n && d.listing) return serve(d.listing);
    return then(this.call({ op: 'readdir', fid: d.fid }), (r): SyscallResult<Uint8Array> => {
      if (r.errno !== 0) return fail(r.errno);
      d.listing = r.entries;
      return serve(r.entries);
    });
  }

  fd_prestat_get(fd: number): SyscallReturn<Uint8Array> {
    const e = this.fds.get(fd);
    if (!e || e.desc.kind !== 'file' || !e.desc.preopen) return fail(Errno.BADF);
    return ok(e.desc.preopen);
  }

  // ---- path calls -----------------------------------------------------------------------------

  path_open(
    fd: number,
    dirflags: number,
    path: Uint8Array,
    oflags: number,
    rightsBase: bigint,
    rightsInheriting: bigint,
    fdflags: number,
  ): SyscallReturn<number> {
    const dir = this.dir(fd, openNeeds(oflags));
    if (typeof dir === 'number') return fail(dir);
    // A new fd gets at most what its directory may hand down.
    if (exceedsInheritance(rightsBase, rightsInheriting, this.fds.get(fd)!.rightsInheriting))
      return fail(Errno.NOTCAPABLE);
    const { read, write } = openAccess(rightsBase, fdflags);
    // A file opened only to read is read ahead with the open: open + read + close of a small
    // file is then one round trip to the gofer.
    const access = (read ? Access.READ : 0) | (write ? Access.WRITE : Access.AHEAD);
    const req: Req<'open'> = {
      op: 'open',
      dir: dir.fid,
      follow: dirflags & LOOKUP_SYMLINK_FOLLOW ? 1 : 0,
      oflags,
      fdflags,
      access,
      path,
    };
    const gen = this.gofer.generation;
    return then(this.call(req), (r): SyscallResult<number> => {
      if (r.errno !== 0) return fail(r.errno);
      const isDir = r.filetype === Filetype.DIRECTORY;
      const ahead =
        r.filetype === Filetype.REGULAR_FILE && (access & Access.AHEAD) !== 0
          ? openedAhead(r.data, gen)
          : undefined;
      const desc: FileDesc = {
        kind: 'file',
        fid: r.fid,
        filetype: r.filetype,
        readable: read,
        writable: write && !isDir,
        pos: 0n,
        flags: fdflags & KEPT_FLAGS,
        refs: 0,
        ahead,
      };
      const nfd = this.fds.insert(desc, rightsBase & (isDir ? DIR_RIGHTS : FILE_RIGHTS), rightsInheriting);
      if (nfd < 0) {
        void this.call({ op: 'close', fid: r.fid });
        return fail(Errno.MFILE);
      }
      return ok(nfd as number);
    });
  }

  path_create_directory(fd: number, path: Uint8Array): SyscallReturn<void> {
    const d = this.dir(fd, FsRights.PATH_CREATE_DIRECTORY);
    if (typeof d === 'number') return fail(d);
    return answer(this.call({ op: 'mkdir', dir: d.fid, path }), () => undefined);
  }

  path_filestat_get(fd: number, flags: number, path: Uint8Array): SyscallReturn<Filestat> {
    const d = this.dir(fd, FsRights.PATH_FILESTAT_GET);
    if (typeof d === 'number') return fail(d);
    const follow = flags & LOOKUP_SYMLINK_FOLLOW ? 1 : 0;
    return answer(this.call({ op: 'stat', dir: d.fid, follow, path }), (r) => r.stat);
  }

  path_filestat_set_times(
    fd: number,
    flags: number,
    path: Uint8Array,
    atim: bigint,
    mtim: bigint,
    fstflags: number,
  ): SyscallReturn<void> {
    const d = this.dir(fd, FsRights.PATH_FILESTAT_SET_TIMES);
    if (typeof d === 'number') return fail(d);
    const follow = flags & LOOKUP_SYMLINK_FOLLOW ? 1 : 0;
    return answer(
      this.call({ op: 'setTimesAt', dir: d.fid, follow, path, atim, mtim, flags: fstflags }),
      () => undefined,
    );
  }

  path_link(
    oldFd: number,
    oldFlags: number,
    oldPath: Uint8Array,
    newFd: number,
    newPath: Uint8Array,
  ): SyscallReturn<void> {
    const a = this.dir(oldFd, FsRights.PATH_LINK_SOURCE);
    if (typeof a === 'number') return fail(a);
    const b = this.dir(newFd, FsRights.PATH_LINK_TARGET);
    if (typeof b === 'number') return fail(b);
    const follow = oldFlags & LOOKUP_SYMLINK_FOLLOW ? 1 : 0;
    return answer(
      this.call({ op: 'link', dir: a.fid, follow, path: oldPath, dir2: b.fid, path2: newPath }),
      () => undefined,
    );
  }

  path_readlink(fd: number, path: Uint8Array, bufLen: number): SyscallReturn<Uint8Array> {
    const d = this.dir(fd, FsRights.PATH_READLINK);
    if (typeof d === 'number') return fail(d);
    return answer(this.call({ op: 'readlink', dir: d.fid, path }), (r) => r.target.subarray(0, bufLen));
  }

  path_remove_directory(fd: number, path: Uint8Array): SyscallReturn<void> {
    const d = this.dir(fd, FsRights.PATH_REMOVE_DIRECTORY);
    if (typeof d === 'number') return fail(d);
    return answer(this.call({ op: 'rmdir', dir: d.fid, path }), () => undefined);
  }

  path_rename(fd: number, oldPath: Uint8Array, newFd: number, newPath: Uint8Array): SyscallReturn<void> {
    const a = this.dir(fd, FsRights.PATH_RENAME_SOURCE);
    if (typeof a === 'number') return fail(a);
    const b = this.dir(newFd, FsRights.PATH_RENAME_TARGET);
    if (typeof b === 'number') return fail(b);
    return answer(
      this.call({ op: 'rename', dir: a.fid, path: oldPath, dir2: b.fid, path2: newPath }),
      () => undefined,
    );
  }

  path_symlink(target: Uint8Array, fd: number, path: Uint8Array): SyscallReturn<void> {
    const d = this.dir(fd, FsRights.PATH_SYMLINK);
    if (typeof d === 'number') return fail(d);
    return answer(this.call({ op: 'symlink', target, dir: d.fid, path }), () => undefined);
  }

  path_unlink_file(fd: number, path: Uint8Array): SyscallReturn<void> {
    const d = this.dir(fd, FsRights.PATH_UNLINK_FILE);
    if (typeof d === 'number') return fail(d);
    return answer(this.call({ op: 'unlink', dir: d.fid, path }), () => undefined);
  }

  // ---- delegated ------------------------------------------------------------------------------

  proc_raise(sig: number, ctx: CallContext): SyscallReturn<void> {
    return this.base.proc_raise(sig, ctx);
  }

  poll_oneoff(subs: readonly (Subscription | null)[], ctx: CallContext): SyscallReturn<PollEvent[]> {
    // Regular files and directories are always ready (poll(2) on them never blocks).
    const ready: PollEvent[] = [];
    const mapped = subs.map((s): Subscription | null => {
      if (s === null || s.type === EventType.CLOCK) return s;
      const e = this.fds.get(s.fd);
      if (e?.desc.kind === 'stdio') return { ...s, fd: e.desc.stdioFd };
      const errno = e ? 0 : Errno.BADF;
      ready.push({ userdata: s.userdata, errno, type: s.type, nbytes: 0n, hangup: false });
      return null;
    });
    if (ready.length > 0) return ok(ready);
    return this.base.poll_oneoff(mapped, ctx);
  }

  /** Closes every fd (their gofer fids) and the stdio handlers. */
  dispose(): void {
    for (const d of this.fds.clear()) {
      if (d.kind === 'file' && !d.preopen && !this.gofer.closed) void this.call({ op: 'close', fid: d.fid });
    }
    this.base.dispose?.();
  }
}
