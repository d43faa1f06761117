// The gofer's file server on a guest's own thread (runsc's directfs; why and the shared layout:
// platform/direct_layout.ts). The container's gofer donates its mount roots (their /proc magic
// links); this thread reopens them and runs the same GoferServer over them, with the same
// confined resolver (resolver.ts: one component at a time, symlinks resolved by Corral under the
// container's root, never by the host kernel), so a path resolved here reaches exactly what the
// gofer would have. What it opens, this thread then reads and writes itself, straight between the
// host file and guest memory. The semantics are FileSyscalls' (rights first as WASI says, then
// Linux's errnos); whatever this thread does not serve, the host serves after a handover.
//
// Where the corral_at addon is built, an open or a stat of a lexically simple path takes one
// confined openat2(2) instead of the resolver's walk (beneath.ts says when, and why the answer is
// the resolver's), and reads, writes, stats and listings go straight between the host file and
// guest memory (preadv(2), pwritev(2), fstat(2) into the guest's filestat, getdents(2) packed as
// WASI dirents), with no Buffer, BigInt or Stats object per call. An fd the addon opened only the
// addon closes (platform/direct_layout.ts).
//
// Owned by one guest image on one worker thread; its OS fds are recorded in the process's fd map
// before use and released (recorded -1 first) when closed, so that the host can close what a
// terminated thread left (reclaimDirect).

import { fstatSync, readSync, readvSync, writeSync, writevSync } from 'node:fs';
import { Errno } from '../../platform/wasi_errno.js';
import {
  ADVICE_MAX,
  ALL_RIGHTS,
  DIRENT_HEADER_SIZE,
  DIR_RIGHTS,
  FILE_RIGHTS,
  FILESTAT_SIZE,
  Fdflags,
  FsRights,
  LOOKUP_SYMLINK_FOLLOW,
  Oflags,
  Whence,
  encodeFilestat,
  filetypeOfMode,
  packDirents,
  type DirEntry,
} from '../../platform/wasi_fs_types.js';
import { FDSTAT_SIZE, Filetype, Rights } from '../../platform/wasi_types.js';
import {
  FdKind,
  MAP_KIND,
  MAP_OS_FD,
  MAP_ROOT,
  MAX_FDS,
  MAX_ROOTS,
  NATIVE_FD,
  forgetPreopen,
  kindAt,
} from '../../platform/direct_layout.js';
import type { AdoptRecord, DirectOffer } from '../../platform/direct_host.js';
import type { GuestMemory } from '../../platform/wasi_local.js';
import type { DirectFileService } from '../../platform/thread/direct_imports.js';
import { bumpGeneration, openMutates } from './connection.js';
import { KEPT_FLAGS, SETTABLE_FLAGS, exceedsInheritance, openAccess, openNeedsBits } from './open_rights.js';
import { Access, type Req } from './protocol.js';
import { GoferServer, hostOpenFlags } from './server.js';
import { errnoOf, split } from './resolver.js';
import { nativeAt, useNativeAt, type CorralAt } from './host_at.js';
import { NEG_EFAULT, trustedErrno, wasiErrno } from './beneath.js';
import { toFilestat } from './host_stat.js';

/** Rights as numbers (every WASI right is below 2^30): the per-call checks allocate no BigInt. */
const R = {
  READ: Number(Rights.FD_READ),
  SEEK: Number(Rights.FD_SEEK),
  TELL: Number(Rights.FD_TELL),
  WRITE: Number(Rights.FD_WRITE),
  FILESTAT_GET: Number(Rights.FD_FILESTAT_GET),
  SET_FLAGS: Number(Rights.FD_FDSTAT_SET_FLAGS),
  READDIR: Number(FsRights.FD_READDIR),
  ADVISE: Number(FsRights.FD_ADVISE),
  PATH_FILESTAT_GET: Number(FsRights.PATH_FILESTAT_GET),
} as const;
const DIR_RIGHTS_N = Number(DIR_RIGHTS);

/** A directory paths resolve from here: a file below, or a preopen's root (its rights untouched). */
interface Dir {
  /** The server's fid (0: none, a regular file the addon opened). */
  readonly fid: number;
  /** The host fd. */
  readonly os: number;
  /** rightsBase as a number. */
  readonly rights: number;
  readonly rightsBase: bigint;
  readonly rightsInheriting: bigint;
  readonly mount: number;
  /** Canonical guest path components (directories). */
  readonly names: readonly Buffer[];
  /** Mount points below it, for the fast path (beneath.ts); null: none; undefined: not yet known. */
  below?: Uint8Array | null;
}

/** A file this thread serves (FileSyscalls' FileDesc, with the OS fd it reads and writes). */
interface LocalFile extends Dir {
  /** Opened by the addon: the addon closes it (platform/direct_layout.ts). */
  readonly native: boolean;
  readonly filetype: Filetype;
  readonly readable: boolean;
  readonly writable: boolean;
  /** The file offset (f_pos). */
  pos: number;
  flags: number;
  /** The listing fd_readdir serves cookies from; taken again at cookie 0. */
  listing?: DirEntry[];
  /** The same, packed as WASI dirents by the addon, and where each entry starts (one more: the end). */
  packed?: Uint8Array;
  starts?: Int32Array;
}

/** Calls the fast path answered, on this thread (tests check that it is taken). */
export const fastPathCounts = { opens: 0, stats: 0 };

const NO_NAMES: readonly Buffer[] = [];
const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');
const fault = () => new RangeError('guest buffer out of bounds');

/**
 * A host call's failure (EIO, ENOSPC, EFBIG...) is the guest's errno, as the gofer answers it;
 * a RangeError (a guest pointer outside its memory: EFAULT) and anything else pass through.
 */
function hostErrno(e: unknown): number {
  if (e instanceof RangeError) throw e;
  return errnoOf(e);
}

/** Loaded by the guest worker from DirectOffer.service. */
export function createDirectFiles(offer: DirectOffer, mem: GuestMemory): DirectFileService {
  return new DirectFiles(offer, mem).service();
}

class DirectFiles {
  /** The server over this thread's own reopened roots; made at the first call that needs it. */
  private server: GoferServer | null = null;
  /** Set when the server could not be made (ready()). */
  private broken = false;
  /** Files served here, by guest fd (an array: a Map's lookup costs more on every call). */
  private readonly files: (LocalFile | undefined)[] = [];
  /** The preopens' roots, by mount index; made with the server. */
  private roots: Dir[] = [];
  /** The addon, when offered and loadable here: the fast paths. */
  private readonly native: CorralAt | null;
  /** The addon's st_mode out-parameter (openbeneath). */
  private readonly mode = new Int32Array(1);

  constructor(
    private readonly offer: DirectOffer,
    private readonly mem: GuestMemory,
  ) {
    if (offer.native !== undefined) useNativeAt(offer.native);
    this.native = offer.native !== undefined ? nativeAt() : null;
  }

  private get map(): Int32Array {
    return this.offer.map;
  }

  /**
   * Whether the server is (or could now be) set up. Reopening a donated root can fail (the gofer
   * just died, or /proc is not ours to read): the service then stays off and every call crosses
   * to the host, which answers as it would have anyway.
   */
  private ready(): boolean {
    if (this.server !== null) return true;
    if (this.broken) return false;
    try {
      this.srv();
      return true;
    } catch {
      this.broken = true;
      return false;
    }
  }

  private srv(): GoferServer {
    if (this.server === null) {
      const mounts = this.offer.mounts.map((m) => ({
        guestPath: m.guestPath,
        hostPath: m.root,
        readonly: m.readonly,
      }));
      const server = new GoferServer({ mounts }, false);
      this.roots = server.rootFds.map((os, i) => {
        const h = server.describe(i + 1)!;
        return {
          fid: i + 1,
          os,
          rights: DIR_RIGHTS_N,
          rightsBase: DIR_RIGHTS,
          rightsInheriting: ALL_RIGHTS,
          mount: i,
          names: h.names as readonly Buffer[],
        };
      });
      for (const [i, fd] of server.rootFds.entries()) if (i < MAX_ROOTS) this.map[MAP_ROOT + i] = fd;
      this.server = server;
    }
    return this.server;
  }

  service(): DirectFileService {
    // Fixed arities, one try each: a call goes through no rest array or extra closure.
    const calls = {
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
        try {
          return this.pathOpen(fd, dirflags, p, l, oflags, base, inh, fdflags, fdPtr);
        } catch (e) {
          return hostErrno(e);
        }
      },
      path_filestat_get: (fd: number, flags: number, p: number, l: number, statPtr: number) => {
        try {
          return this.pathFilestatGet(fd, flags, p, l, statPtr);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_read: (fd: number, iovs: number, n: number, ret: number) => {
        try {
          return this.read(fd, iovs, n, null, ret);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_pread: (fd: number, iovs: number, n: number, off: bigint, ret: number) => {
        try {
          return this.read(fd, iovs, n, off, ret);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_write: (fd: number, iovs: number, n: number, ret: number) => {
        try {
          return this.write(fd, iovs, n, null, ret);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_pwrite: (fd: number, iovs: number, n: number, off: bigint, ret: number) => {
        try {
          return this.write(fd, iovs, n, off, ret);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_seek: (fd: number, offset: bigint, whence: number, newPtr: number) => {
        try {
          return this.seek(fd, offset, whence, newPtr);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_tell: (fd: number, ptr: number) => this.tell(fd, ptr),
      fd_close: (fd: number) => {
        try {
          return this.close(fd);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_fdstat_get: (fd: number, ptr: number) => this.fdstatGet(fd, ptr),
      fd_fdstat_set_flags: (fd: number, flags: number) => this.fdstatSetFlags(fd, flags),
      fd_filestat_get: (fd: number, ptr: number) => {
        try {
          return this.filestatGet(fd, ptr);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, usedPtr: number) => {
        try {
          return this.readdir(fd, buf, bufLen, cookie, usedPtr);
        } catch (e) {
          return hostErrno(e);
        }
      },
      fd_advise: (fd: number, offset: bigint, len: bigint, advice: number) =>
        this.advise(fd, offset, len, advice),
    };
    return {
      // Seq-cst load: pairs with setSyscallTraceHook's store on the host thread.
      active: () => Atomics.load(this.offer.gate, 0) === 0 && this.ready(),
      isDirect: (fd) => this.files[fd] !== undefined,
      resolvesFrom: (fd) => {
        const k = kindAt(this.map, fd);
        if (k >= FdKind.PREOPEN) return k - FdKind.PREOPEN < this.offer.mounts.length;
        return this.files[fd]?.filetype === Filetype.DIRECTORY;
      },
      directFds: () => this.fds(),
      hostOnly: (fd) => {
        const t = this.files[fd]?.filetype;
        return t !== undefined && t !== Filetype.REGULAR_FILE && t !== Filetype.DIRECTORY;
      },
      handoverRecord: (fd) => this.record(fd),
      handedOver: (fd) => void this.drop(fd, false),
      forget: (fd) => forgetPreopen(this.map, fd),
      closeAll: () => this.closeAll(),
      calls: calls as unknown as DirectFileService['calls'],
    };
  }

  // ---- fds ----------------------------------------------------------------------------------

  private fds(): number[] {
    const out: number[] = [];
    for (const [fd, f] of this.files.entries()) if (f !== undefined) out.push(fd);
    return out;
  }

  /** open(2)'s lowest free fd, in the numbering the host shares; -1 when none is free. */
  private lowestFree(): number {
    const m = this.map;
    for (let fd = 0; fd < MAX_FDS; fd++) if (m[MAP_KIND + fd] === FdKind.FREE) return fd;
    return -1;
  }

  /** The directory a path call starts from, with the rights `need` checked; or an errno. */
  private dirOf(fd: number, need: number): Dir | Errno {
    const k = kindAt(this.map, fd);
    let d: Dir;
    if (k >= FdKind.PREOPEN) {
      this.srv();
      d = this.roots[k - FdKind.PREOPEN]!;
    } else {
      const f = this.files[fd];
      if (f === undefined) return Errno.BADF;
      if (f.filetype !== Filetype.DIRECTORY) return Errno.NOTDIR;
      d = f;
    }
    if ((d.rights & need) !== need) return Errno.NOTCAPABLE;
    return d;
  }

  /** The mount points below `d` (beneath.ts), worked out once per directory. */
  private below(d: Dir): Uint8Array | null {
    if (d.below === undefined) d.below = this.srv().mountsBelowNames(d.names as Buffer[]);
    return d.below;
  }

  private record(fd: number): AdoptRecord {
    const f = this.files[fd]!;
    const names = Buffer.from(f.names.map((n) => Buffer.from(n).toString('latin1')).join('/'), 'latin1');
    return {
      fd,
      path: `/proc/${process.pid}/fd/${f.os}`,
      mount: f.mount,
      names,
      filetype: f.filetype,
      readable: f.readable,
      writable: f.writable,
      flags: f.flags,
      pos: BigInt(f.pos),
      rightsBase: f.rightsBase,
      rightsInheriting: f.rightsInheriting,
    };
  }

  /**
   * Forgets `fd` and closes its OS fd; `free`: the fd number is free again (else the host has it).
   * Returns what close(2) reported (the fd is released whatever it reports, as on Linux).
   */
  private drop(fd: number, free: boolean): number {
    const f = this.files[fd];
    if (f === undefined) return Errno.SUCCESS;
    this.files[fd] = undefined;
    if (free) this.map[MAP_KIND + fd] = FdKind.FREE;
    if (f.native) {
      // The addon records -1 and closes, in one call (direct_layout.ts).
      if (f.fid !== 0) this.srv().forget(f.fid);
      const r = this.native!.closeslot(this.map, MAP_OS_FD + fd, NATIVE_FD);
      return r < 0 ? wasiErrno(r) : Errno.SUCCESS;
    }
    // -1 before the close: a host reclaiming after a terminated thread never closes it twice.
    this.map[MAP_OS_FD + fd] = -1;
    this.srv().closeDirect(f.fid);
    return Errno.SUCCESS;
  }

  private closeAll(): void {
    for (const fd of this.fds()) this.drop(fd, true);
    if (this.server !== null) {
      for (let i = 0; i < MAX_ROOTS; i++) this.map[MAP_ROOT + i] = -1;
      this.server.close();
      this.server = null;
      this.roots = [];
    }
  }

  // ---- path calls ---------------------------------------------------------------------------

  private pathOpen(
    fd: number,
    dirflags: number,
    p: number,
    l: number,
    oflags: number,
    base: bigint,
    inh: bigint,
    fdflags: number,
    fdPtr: number,
  ): number {
    const dir = this.dirOf(fd, openNeedsBits(oflags));
    if (typeof dir === 'number') return dir;
    // A new fd gets at most what its directory may hand down.
    if (exceedsInheritance(base, inh, dir.rightsInheriting)) return Errno.NOTCAPABLE;
    const { read, write } = openAccess(base, fdflags);
    const o = oflags & 0xffff;
    const ff = fdflags & 0xffff;
    // What the gofer connection counts as a change, counted the same here (read_ahead.ts).
    if (openMutates(write, o)) bumpGeneration(this.offer.generation);
    const server = this.srv();
    const a = this.native;
    // The fast path (beneath.ts). A read-only mount's refusals (EROFS after the lookup's own
    // errors) are the resolver's to work out.
    if (a !== null && !(server.readonlyMount(dir.mount) && (write || o & (Oflags.CREAT | Oflags.TRUNC)))) {
      const nfd = this.lowestFree();
      if (nfd >= 0) {
        const flags = hostOpenFlags(o, ff, read, write, false);
        const os = a.openbeneath(
          dir.os,
          this.mem.u8,
          p >>> 0,
          l >>> 0,
          this.below(dir),
          flags,
          0o666,
          this.map,
          MAP_OS_FD + nfd,
          NATIVE_FD,
          this.mode,
        );
        if (os >= 0) {
          const filetype = filetypeOfMode(this.mode[0]!);
          let fid = 0;
          let names = NO_NAMES;
          if (filetype === Filetype.DIRECTORY) {
            names = [...dir.names, ...split(this.guest(p, l))];
            fid = server.borrow(os, names as Buffer[], dir.mount);
          }
          this.add(nfd, os, true, fid, filetype, read, write, ff, base, inh, dir.mount, names);
          this.mem.view.setUint32(fdPtr, nfd, true);
          fastPathCounts.opens++;
          return Errno.SUCCESS;
        }
        if (os === NEG_EFAULT) throw fault();
        const e = trustedErrno(os);
        if (e !== null) {
          fastPathCounts.opens++;
          return e;
        }
      }
    }
    const req: Req<'open'> = {
      op: 'open',
      dir: dir.fid,
      follow: dirflags & LOOKUP_SYMLINK_FOLLOW ? 1 : 0,
      oflags: o,
      fdflags: ff,
      access: (read ? Access.READ : 0) | (write ? Access.WRITE : 0),
      path: this.guest(p, l),
    };
    const opened = server.openDirect(req);
    const nfd = this.lowestFree();
    const h = server.describe(opened.fid)!;
    if (nfd < 0) {
      server.closeDirect(opened.fid);
      return Errno.MFILE;
    }
    // Recorded before anything else can happen: a terminated thread's fds are the host's to find.
    this.map[MAP_OS_FD + nfd] = h.fd;
    this.add(nfd, h.fd, false, opened.fid, opened.filetype, read, write, ff, base, inh, h.mount, h.names);
    this.mem.view.setUint32(fdPtr, nfd, true);
    return Errno.SUCCESS;
  }

  private add(
    nfd: number,
    os: number,
    native: boolean,
    fid: number,
    filetype: Filetype,
    read: boolean,
    write: boolean,
    fdflags: number,
    base: bigint,
    inh: bigint,
    mount: number,
    names: readonly Buffer[],
  ): void {
    const isDir = filetype === Filetype.DIRECTORY;
    const rightsBase = base & (isDir ? DIR_RIGHTS : FILE_RIGHTS);
    this.map[MAP_KIND + nfd] = FdKind.DIRECT;
    this.files[nfd] = {
      fid,
      os,
      native,
      filetype,
      readable: read,
      writable: write && !isDir,
      pos: 0,
      flags: fdflags & KEPT_FLAGS,
      rights: Number(rightsBase),
      rightsBase,
      rightsInheriting: inh,
      mount,
      names: isDir ? names : NO_NAMES,
    };
  }

  private pathFilestatGet(fd: number, flags: number, p: number, l: number, statPtr: number): number {
    const dir = this.dirOf(fd, R.PATH_FILESTAT_GET);
    if (typeof dir === 'number') return dir;
    const follow = (flags & LOOKUP_SYMLINK_FOLLOW) !== 0;
    const a = this.native;
    if (a !== null) {
      // The fast path (beneath.ts): the filestat goes straight into guest memory.
      const u8 = this.mem.u8;
      const r = a.statbeneath(dir.os, u8, p >>> 0, l >>> 0, this.below(dir), follow, u8, statPtr >>> 0);
      if (r === NEG_EFAULT) throw fault();
      const e = r === 0 ? Errno.SUCCESS : trustedErrno(r);
      if (e !== null) {
        fastPathCounts.stats++;
        return e;
      }
    }
    // The resolver alone: the fast path was this service's to take (none without its addon).
    const st = this.srv().statDirect(dir.fid, this.guest(p, l), follow, false);
    encodeFilestat(this.mem.view, statPtr, st);
    return Errno.SUCCESS;
  }

  // ---- fd calls -----------------------------------------------------------------------------

  /** The fd's file with `right` checked, Linux's access errors first (FileSyscalls.file). */
  private file(fd: number, right: number, read?: Errno, write?: Errno): LocalFile | Errno {
    const f = this.files[fd];
    if (f === undefined) return Errno.BADF;
    if (read !== undefined && !f.readable) return read;
    if (write !== undefined && !f.writable) return write;
    if ((f.rights & right) !== right) return Errno.NOTCAPABLE;
    return f;
  }

  /** The guest's iovecs as views of its memory; RangeError (EFAULT) when one is outside it. */
  private iovecs(iovs: number, n: number): Uint8Array[] {
    const v = this.mem.view;
    const u8 = this.mem.u8;
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const ptr = v.getUint32(iovs + i * 8, true);
      const len = v.getUint32(iovs + i * 8 + 4, true);
      if (ptr + len > u8.length) throw fault();
      if (len > 0) out.push(u8.subarray(ptr, ptr + len));
    }
    return out;
  }

  private read(fd: number, iovs: number, n: number, at: bigint | null, ret: number): number {
    const right = at === null ? R.READ : R.READ | R.SEEK;
    if (this.files[fd]?.filetype === Filetype.DIRECTORY) return Errno.ISDIR;
    const f = this.file(fd, right, Errno.BADF);
    if (typeof f === 'number') return f;
    const pos = at === null ? f.pos : Number(at);
    let got: number;
    const a = this.native;
    if (a !== null) {
      // preadv(2) straight into the guest's buffers.
      got = a.readv(f.os, this.mem.u8, iovs >>> 0, n, pos);
      if (got < 0) {
        if (got === NEG_EFAULT) throw fault();
        return wasiErrno(got);
      }
    } else {
      const bufs = this.iovecs(iovs, n);
      // One buffer (what read(2) asks for) is a pread(2), without readv's array.
      got =
        bufs.length === 0
          ? 0
          : bufs.length === 1
            ? readSync(f.os, bufs[0]!, 0, bufs[0]!.length, pos)
            : readvSync(f.os, bufs, pos);
    }
    if (at === null) f.pos = pos + got;
    this.mem.view.setUint32(ret, got, true);
    return Errno.SUCCESS;
  }

  private write(fd: number, iovs: number, n: number, at: bigint | null, ret: number): number {
    const right = at === null ? R.WRITE : R.WRITE | R.SEEK;
    const f = this.file(fd, right, undefined, Errno.BADF);
    if (typeof f === 'number') return f;
    const a = this.native;
    // Bounds first, as the iovecs' views below check them: EFAULT before anything is written.
    const bufs = a === null ? this.iovecs(iovs, n) : null;
    // O_APPEND writes at the end whatever the offset (pwrite too: Linux's documented bug).
    const pos = f.flags & Fdflags.APPEND ? fstatSync(f.os).size : at === null ? f.pos : Number(at);
    bumpGeneration(this.offer.generation);
    let put: number;
    if (bufs === null) {
      put = a!.writev(f.os, this.mem.u8, iovs >>> 0, n, pos);
      if (put < 0) {
        if (put === NEG_EFAULT) throw fault();
        return wasiErrno(put);
      }
    } else {
      put =
        bufs.length === 0
          ? 0
          : bufs.length === 1
            ? writeSync(f.os, bufs[0]!, 0, bufs[0]!.length, pos)
            : writevSync(f.os, bufs, pos);
    }
    if (at === null) f.pos = pos + put;
    this.mem.view.setUint32(ret, put, true);
    return Errno.SUCCESS;
  }

  private seek(fd: number, offset: bigint, whence: number, newPtr: number): number {
    const right = whence === Whence.CUR && offset === 0n ? R.TELL : R.SEEK;
    const f = this.file(fd, right);
    if (typeof f === 'number') return f;
    let base: bigint;
    if (whence === Whence.SET) base = 0n;
    else if (whence === Whence.CUR) base = BigInt(f.pos);
    else if (whence === Whence.END) base = BigInt(fstatSync(f.os).size);
    else return Errno.INVAL;
    const pos = base + offset;
    if (pos < 0n) return Errno.INVAL;
    if (pos > BigInt(Number.MAX_SAFE_INTEGER)) return Errno.OVERFLOW;
    f.pos = Number(pos);
    this.mem.view.setBigUint64(newPtr, pos, true);
    return Errno.SUCCESS;
  }

  private tell(fd: number, ptr: number): number {
    const f = this.file(fd, R.TELL);
    if (typeof f === 'number') return f;
    this.mem.view.setBigUint64(ptr, BigInt(f.pos), true);
    return Errno.SUCCESS;
  }

  private close(fd: number): number {
    if (this.files[fd] === undefined) return Errno.BADF;
    return this.drop(fd, true);
  }

  private fdstatGet(fd: number, ptr: number): number {
    const f = this.files[fd];
    // An untouched preopen: what FileSyscalls answers for every preopen.
    if (f === undefined && kindAt(this.map, fd) < FdKind.PREOPEN) return Errno.BADF;
    // Bounds first: a pointer outside guest memory is EFAULT, with nothing written.
    if (ptr + FDSTAT_SIZE > this.mem.u8.length) throw fault();
    // The fdstat layout (wasi_types.ts encodeFdStat), written in place.
    const v = this.mem.view;
    this.mem.u8.fill(0, ptr, ptr + FDSTAT_SIZE);
    v.setUint8(ptr, f !== undefined ? f.filetype : Filetype.DIRECTORY);
    v.setUint16(ptr + 2, f !== undefined ? f.flags : 0, true);
    v.setBigUint64(ptr + 8, f !== undefined ? f.rightsBase : DIR_RIGHTS, true);
    v.setBigUint64(ptr + 16, f !== undefined ? f.rightsInheriting : ALL_RIGHTS, true);
    return Errno.SUCCESS;
  }

  private fdstatSetFlags(fd: number, flags: number): number {
    const f = this.files[fd];
    if (f === undefined) return Errno.BADF;
    if ((f.rights & R.SET_FLAGS) === 0) return Errno.NOTCAPABLE;
    f.flags = (f.flags & ~SETTABLE_FLAGS) | (flags & SETTABLE_FLAGS);
    return Errno.SUCCESS;
  }

  private filestatGet(fd: number, ptr: number): number {
    const f = this.file(fd, R.FILESTAT_GET);
    if (typeof f === 'number') return f;
    const a = this.native;
    if (a !== null) {
      // fstat(2) straight into the guest's filestat.
      const r = a.fstatfd(f.os, this.mem.u8, ptr >>> 0);
      if (r === NEG_EFAULT) throw fault();
      return r < 0 ? wasiErrno(r) : Errno.SUCCESS;
    }
    const st = toFilestat(fstatSync(f.os, { bigint: true }));
    if (ptr + FILESTAT_SIZE > this.mem.u8.length) throw fault();
    encodeFilestat(this.mem.view, ptr, st);
    return Errno.SUCCESS;
  }

  private readdir(fd: number, buf: number, bufLen: number, cookie: bigint, usedPtr: number): number {
    const f = this.files[fd];
    if (f === undefined) return Errno.BADF;
    if (f.filetype !== Filetype.DIRECTORY) return Errno.NOTDIR;
    if ((f.rights & R.READDIR) === 0) return Errno.NOTCAPABLE;
    if (this.native !== null) return this.readdirPacked(f, buf, bufLen, cookie, usedPtr);
    // Cookie 0 (re)reads the directory, as rewinddir(3); later cookies index that listing.
    if (cookie === 0n || f.listing === undefined) {
      const r = this.srv().handle({ op: 'readdir', fid: f.fid });
      if (r.errno !== 0) return r.errno;
      f.listing = (r as { entries: DirEntry[] }).entries;
    }
    const list = f.listing;
    const from = cookie > BigInt(list.length) ? list.length : Number(cookie);
    const out = packDirents(list, from, bufLen >>> 0);
    this.guest(buf, out.length).set(out);
    this.mem.view.setUint32(usedPtr, out.length, true);
    return Errno.SUCCESS;
  }

  /**
   * fd_readdir from the addon's listing (getdents(2), packed as WASI dirents), in the order and
   * with the '.' and '..' entries of the gofer's own listing (server.ts readdir), so that a cookie
   * names the same entry on either side of a handover.
   */
  private readdirPacked(f: LocalFile, buf: number, bufLen: number, cookie: bigint, usedPtr: number): number {
    if (cookie === 0n || f.packed === undefined || f.starts === undefined) {
      const rest = this.native!.listdir(f.os, 2);
      if (typeof rest === 'number') return wasiErrno(rest);
      const self = fstatSync(f.os, { bigint: true }).ino;
      const parent = this.srv().statDirect(f.fid, DOTDOT, false, false).ino;
      const head = packDirents(
        [
          { name: DOT, ino: self, filetype: Filetype.DIRECTORY },
          { name: DOTDOT, ino: parent, filetype: Filetype.DIRECTORY },
        ],
        0,
        Infinity,
      );
      const packed = Buffer.concat([head, rest]);
      const starts: number[] = [];
      for (let at = 0; at < packed.length; at += DIRENT_HEADER_SIZE + packed.readUInt32LE(at + 16))
        starts.push(at);
      starts.push(packed.length);
      f.packed = packed;
      f.starts = Int32Array.from(starts);
    }
    const count = f.starts.length - 1;
    const from = cookie > BigInt(count) ? count : Number(cookie);
    const at = f.starts[from]!;
    const n = Math.min(bufLen >>> 0, f.packed.length - at);
    this.guest(buf, n).set(f.packed.subarray(at, at + n));
    this.mem.view.setUint32(usedPtr, n, true);
    return Errno.SUCCESS;
  }

  private advise(fd: number, _offset: bigint, _len: bigint, advice: number): number {
    const f = this.file(fd, R.ADVISE);
    if (typeof f === 'number') return f;
    // posix_fadvise(2) is a hint; the host's page cache decides.
    return advice < 0 || advice > ADVICE_MAX ? Errno.INVAL : Errno.SUCCESS;
  }

  /** A guest byte range (a path, a buffer); RangeError (EFAULT) when outside its memory. */
  private guest(ptr: number, len: number): Uint8Array {
    const u8 = this.mem.u8;
    const p = ptr >>> 0;
    const n = len >>> 0;
    if (p + n > u8.length) throw fault();
    return u8.subarray(p, p + n);
  }
}
