// The gofer's file server on a guest's own thread (runsc's directfs; why and the shared layout:
// platform/direct_layout.ts). The container's gofer donates its mount roots (their /proc magic
// links); this thread reopens them and runs the same GoferServer over them, with the same
// confined resolver (resolver.ts: one component at a time, symlinks resolved by Corral under the
// container's root, never by the host kernel), so a path resolved here reaches exactly what the
// gofer would have. What it opens, this thread then reads and writes itself, straight between the
// host file and guest memory. The semantics are FileSyscalls' (rights first as WASI says, then
// Linux's errnos); whatever this thread does not serve, the host serves after a handover.
//
// Owned by one guest image on one worker thread; its OS fds are recorded in the process's fd map
// before use and released (recorded -1 first) when closed, so that the host can close what a
// terminated thread left (reclaimDirect).

import { fstatSync, readSync, readvSync, writeSync, writevSync } from 'node:fs';
import { Errno } from '../../platform/wasi_errno.js';
import {
  ADVICE_MAX,
  ALL_RIGHTS,
  DIR_RIGHTS,
  FILE_RIGHTS,
  FILESTAT_SIZE,
  Fdflags,
  FsRights,
  LOOKUP_SYMLINK_FOLLOW,
  Whence,
  encodeFilestat,
  packDirents,
  type DirEntry,
} from '../../platform/wasi_fs_types.js';
import { FDSTAT_SIZE, Filetype, Rights, encodeFdStat } from '../../platform/wasi_types.js';
import {
  FdKind,
  MAP_KIND,
  MAP_OS_FD,
  MAP_ROOT,
  MAX_FDS,
  MAX_ROOTS,
  forgetPreopen,
  kindAt,
} from '../../platform/direct_layout.js';
import type { AdoptRecord, DirectOffer } from '../../platform/direct_host.js';
import type { GuestMemory } from '../../platform/wasi_local.js';
import type { DirectFileService } from '../../platform/thread/direct_imports.js';
import { bumpGeneration, mutates } from './connection.js';
import { KEPT_FLAGS, SETTABLE_FLAGS, exceedsInheritance, openAccess, openNeeds } from './open_rights.js';
import { Access, type Req } from './protocol.js';
import { GoferServer } from './server.js';
import { errnoOf } from './resolver.js';
import { useNativeAt } from './host_at.js';

/** A file this thread serves (FileSyscalls' FileDesc, with the OS fd it reads and writes). */
interface LocalFile {
  readonly fid: number;
  readonly os: number;
  readonly filetype: Filetype;
  readonly readable: boolean;
  readonly writable: boolean;
  /** The file offset (f_pos). */
  pos: number;
  flags: number;
  readonly rightsBase: bigint;
  readonly rightsInheriting: bigint;
  readonly mount: number;
  /** Canonical guest path components (directories). */
  readonly names: readonly Uint8Array[];
  /** The listing fd_readdir serves cookies from; taken again at cookie 0. */
  listing?: DirEntry[];
}

/**
 * A host call's failure (EIO, ENOSPC, EFBIG...) is the guest's errno, as the gofer answers it;
 * a RangeError (a guest pointer outside its memory: EFAULT) and anything else pass through.
 */
function hostErrorsAsErrno(f: (...a: never[]) => number): (...a: never[]) => number {
  return (...a) => {
    try {
      return f(...a);
    } catch (e) {
      if (e instanceof RangeError) throw e;
      return errnoOf(e);
    }
  };
}

/** Loaded by the guest worker from DirectOffer.service. */
export function createDirectFiles(offer: DirectOffer, mem: GuestMemory): DirectFileService {
  if (offer.native !== undefined) useNativeAt(offer.native);
  return new DirectFiles(offer, mem).service();
}

class DirectFiles {
  /** The server over this thread's own reopened roots; made at the first call that needs it. */
  private server: GoferServer | null = null;
  /** Set when the server could not be made (ready()). */
  private broken = false;
  /** Files served here, by guest fd. */
  private readonly files = new Map<number, LocalFile>();

  constructor(
    private readonly offer: DirectOffer,
    private readonly mem: GuestMemory,
  ) {}

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
      this.server = new GoferServer({ mounts }, false);
      for (const [i, fd] of this.server.rootFds.entries()) if (i < MAX_ROOTS) this.map[MAP_ROOT + i] = fd;
    }
    return this.server;
  }

  service(): DirectFileService {
    const calls = {
      path_open: this.pathOpen.bind(this),
      path_filestat_get: this.pathFilestatGet.bind(this),
      fd_read: (fd: number, iovs: number, n: number, ret: number) => this.read(fd, iovs, n, null, ret),
      fd_pread: (fd: number, iovs: number, n: number, off: bigint, ret: number) =>
        this.read(fd, iovs, n, off, ret),
      fd_write: (fd: number, iovs: number, n: number, ret: number) => this.write(fd, iovs, n, null, ret),
      fd_pwrite: (fd: number, iovs: number, n: number, off: bigint, ret: number) =>
        this.write(fd, iovs, n, off, ret),
      fd_seek: this.seek.bind(this),
      fd_tell: this.tell.bind(this),
      fd_close: this.close.bind(this),
      fd_fdstat_get: this.fdstatGet.bind(this),
      fd_fdstat_set_flags: this.fdstatSetFlags.bind(this),
      fd_filestat_get: this.filestatGet.bind(this),
      fd_readdir: this.readdir.bind(this),
      fd_advise: this.advise.bind(this),
    };
    return {
      // Seq-cst load: pairs with setSyscallTraceHook's store on the host thread.
      active: () => Atomics.load(this.offer.gate, 0) === 0 && this.ready(),
      isDirect: (fd) => this.files.has(fd),
      resolvesFrom: (fd) => {
        const k = kindAt(this.map, fd);
        if (k >= FdKind.PREOPEN) return k - FdKind.PREOPEN < this.offer.mounts.length;
        return this.files.get(fd)?.filetype === Filetype.DIRECTORY;
      },
      directFds: () => [...this.files.keys()],
      hostOnly: (fd) => {
        const t = this.files.get(fd)?.filetype;
        return t !== undefined && t !== Filetype.REGULAR_FILE && t !== Filetype.DIRECTORY;
      },
      handoverRecord: (fd) => this.record(fd),
      handedOver: (fd) => this.drop(fd, false),
      forget: (fd) => forgetPreopen(this.map, fd),
      closeAll: () => this.closeAll(),
      calls: Object.fromEntries(
        Object.entries(calls).map(([name, f]) => [name, hostErrorsAsErrno(f as (...a: never[]) => number)]),
      ),
    };
  }

  // ---- fds ----------------------------------------------------------------------------------

  /** open(2)'s lowest free fd, in the numbering the host shares; -1 when none is free. */
  private lowestFree(): number {
    const m = this.map;
    for (let fd = 0; fd < MAX_FDS; fd++) if (m[MAP_KIND + fd] === FdKind.FREE) return fd;
    return -1;
  }

  /** The directory a path call starts from: its fid and rights, or an errno. */
  private dirOf(fd: number, need: bigint): { fid: number; base: bigint; inh: bigint } | Errno {
    const k = kindAt(this.map, fd);
    let r: { fid: number; base: bigint; inh: bigint };
    if (k >= FdKind.PREOPEN) {
      // The gofer numbers mount i's root fid i + 1 (GoferServer).
      r = { fid: k - FdKind.PREOPEN + 1, base: DIR_RIGHTS, inh: ALL_RIGHTS };
    } else {
      const f = this.files.get(fd);
      if (f === undefined) return Errno.BADF;
      if (f.filetype !== Filetype.DIRECTORY) return Errno.NOTDIR;
      r = { fid: f.fid, base: f.rightsBase, inh: f.rightsInheriting };
    }
    if ((r.base & need) !== need) return Errno.NOTCAPABLE;
    return r;
  }

  private record(fd: number): AdoptRecord {
    const f = this.files.get(fd)!;
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

  /** Forgets `fd` and closes its OS fd; `free`: the fd number is free again (else the host has it). */
  private drop(fd: number, free: boolean): void {
    const f = this.files.get(fd);
    if (f === undefined) return;
    this.files.delete(fd);
    // -1 before the close: a host reclaiming after a terminated thread never closes it twice.
    this.map[MAP_OS_FD + fd] = -1;
    if (free) this.map[MAP_KIND + fd] = FdKind.FREE;
    this.srv().closeDirect(f.fid);
  }

  private closeAll(): void {
    for (const fd of [...this.files.keys()]) this.drop(fd, true);
    if (this.server !== null) {
      for (let i = 0; i < MAX_ROOTS; i++) this.map[MAP_ROOT + i] = -1;
      this.server.close();
      this.server = null;
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
    const dir = this.dirOf(fd, openNeeds(oflags));
    if (typeof dir === 'number') return dir;
    // A new fd gets at most what its directory may hand down.
    if (exceedsInheritance(base, inh, dir.inh)) return Errno.NOTCAPABLE;
    const { read, write } = openAccess(base, fdflags);
    const req: Req<'open'> = {
      op: 'open',
      dir: dir.fid,
      follow: dirflags & LOOKUP_SYMLINK_FOLLOW ? 1 : 0,
      oflags: oflags & 0xffff,
      fdflags: fdflags & 0xffff,
      access: (read ? Access.READ : 0) | (write ? Access.WRITE : 0),
      path: this.guest(p, l),
    };
    // What the gofer connection counts as a change, counted the same here (read_ahead.ts).
    if (mutates(req)) bumpGeneration(this.offer.generation);
    const server = this.srv();
    const opened = server.openDirect(req);
    const nfd = this.lowestFree();
    const h = server.describe(opened.fid)!;
    if (nfd < 0) {
      server.closeDirect(opened.fid);
      return Errno.MFILE;
    }
    const isDir = opened.filetype === Filetype.DIRECTORY;
    this.map[MAP_OS_FD + nfd] = h.fd;
    this.map[MAP_KIND + nfd] = FdKind.DIRECT;
    this.files.set(nfd, {
      fid: opened.fid,
      os: h.fd,
      filetype: opened.filetype,
      readable: read,
      writable: write && !isDir,
      pos: 0,
      flags: fdflags & KEPT_FLAGS,
      rightsBase: base & (isDir ? DIR_RIGHTS : FILE_RIGHTS),
      rightsInheriting: inh,
      mount: h.mount,
      names: h.names,
    });
    this.mem.view.setUint32(fdPtr, nfd, true);
    return Errno.SUCCESS;
  }

  private pathFilestatGet(fd: number, flags: number, p: number, l: number, statPtr: number): number {
    const dir = this.dirOf(fd, FsRights.PATH_FILESTAT_GET);
    if (typeof dir === 'number') return dir;
    const follow = flags & LOOKUP_SYMLINK_FOLLOW ? 1 : 0;
    const st = this.srv().statDirect(dir.fid, this.guest(p, l), follow !== 0);
    encodeFilestat(this.mem.view, statPtr, st);
    return Errno.SUCCESS;
  }

  // ---- fd calls -----------------------------------------------------------------------------

  /** The fd's file with `right` checked, Linux's access errors first (FileSyscalls.file). */
  private file(fd: number, right: bigint, read?: Errno, write?: Errno): LocalFile | Errno {
    const f = this.files.get(fd);
    if (f === undefined) return Errno.BADF;
    if (read !== undefined && !f.readable) return read;
    if (write !== undefined && !f.writable) return write;
    if ((f.rightsBase & right) !== right) return Errno.NOTCAPABLE;
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
      if (ptr + len > u8.length) throw new RangeError('guest buffer out of bounds');
      if (len > 0) out.push(u8.subarray(ptr, ptr + len));
    }
    return out;
  }

  private read(fd: number, iovs: number, n: number, at: bigint | null, ret: number): number {
    const right = at === null ? Rights.FD_READ : Rights.FD_READ | Rights.FD_SEEK;
    if (this.files.get(fd)?.filetype === Filetype.DIRECTORY) return Errno.ISDIR;
    const f = this.file(fd, right, Errno.BADF);
    if (typeof f === 'number') return f;
    const bufs = this.iovecs(iovs, n);
    const pos = at === null ? f.pos : Number(at);
    // One buffer (what read(2) asks for) is a pread(2), without readv's array.
    const got =
      bufs.length === 0
        ? 0
        : bufs.length === 1
          ? readSync(f.os, bufs[0]!, 0, bufs[0]!.length, pos)
          : readvSync(f.os, bufs, pos);
    if (at === null) f.pos = pos + got;
    this.mem.view.setUint32(ret, got, true);
    return Errno.SUCCESS;
  }

  private write(fd: number, iovs: number, n: number, at: bigint | null, ret: number): number {
    const right = at === null ? Rights.FD_WRITE : Rights.FD_WRITE | Rights.FD_SEEK;
    const f = this.file(fd, right, undefined, Errno.BADF);
    if (typeof f === 'number') return f;
    const bufs = this.iovecs(iovs, n);
    // O_APPEND writes at the end whatever the offset (pwrite too: Linux's documented bug).
    const pos = f.flags & Fdflags.APPEND ? fstatSync(f.os).size : at === null ? f.pos : Number(at);
    bumpGeneration(this.offer.generation);
    const put =
      bufs.length === 0
        ? 0
        : bufs.length === 1
          ? writeSync(f.os, bufs[0]!, 0, bufs[0]!.length, pos)
          : writevSync(f.os, bufs, pos);
    if (at === null) f.pos = pos + put;
    this.mem.view.setUint32(ret, put, true);
    return Errno.SUCCESS;
  }

  private seek(fd: number, offset: bigint, whence: number, newPtr: number): number {
    const right = whence === Whence.CUR && offset === 0n ? Rights.FD_TELL : Rights.FD_SEEK;
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
    const f = this.file(fd, Rights.FD_TELL);
    if (typeof f === 'number') return f;
    this.mem.view.setBigUint64(ptr, BigInt(f.pos), true);
    return Errno.SUCCESS;
  }

  private close(fd: number): number {
    if (!this.files.has(fd)) return Errno.BADF;
    this.drop(fd, true);
    return Errno.SUCCESS;
  }

  private fdstatGet(fd: number, ptr: number): number {
    const f = this.files.get(fd);
    const k = kindAt(this.map, fd);
    // An untouched preopen: what FileSyscalls answers for every preopen.
    const st =
      f !== undefined
        ? {
            filetype: f.filetype,
            flags: f.flags,
            rightsBase: f.rightsBase,
            rightsInheriting: f.rightsInheriting,
          }
        : k >= FdKind.PREOPEN
          ? { filetype: Filetype.DIRECTORY, flags: 0, rightsBase: DIR_RIGHTS, rightsInheriting: ALL_RIGHTS }
          : null;
    if (st === null) return Errno.BADF;
    // Bounds first: a pointer outside guest memory is EFAULT, with nothing written.
    if (ptr + FDSTAT_SIZE > this.mem.u8.length) throw new RangeError('guest buffer out of bounds');
    encodeFdStat(this.mem.view, ptr, st);
    return Errno.SUCCESS;
  }

  private fdstatSetFlags(fd: number, flags: number): number {
    const f = this.files.get(fd);
    if (f === undefined) return Errno.BADF;
    if ((f.rightsBase & Rights.FD_FDSTAT_SET_FLAGS) === 0n) return Errno.NOTCAPABLE;
    f.flags = (f.flags & ~SETTABLE_FLAGS) | (flags & SETTABLE_FLAGS);
    return Errno.SUCCESS;
  }

  private filestatGet(fd: number, ptr: number): number {
    const f = this.file(fd, Rights.FD_FILESTAT_GET);
    if (typeof f === 'number') return f;
    const r = this.srv().handle({ op: 'fstat', fid: f.fid });
    if (r.errno !== 0) return r.errno;
    if (ptr + FILESTAT_SIZE > this.mem.u8.length) throw new RangeError('guest buffer out of bounds');
    encodeFilestat(this.mem.view, ptr, (r as { stat: Parameters<typeof encodeFilestat>[2] }).stat);
    return Errno.SUCCESS;
  }

  private readdir(fd: number, buf: number, bufLen: number, cookie: bigint, usedPtr: number): number {
    const f = this.files.get(fd);
    if (f === undefined) return Errno.BADF;
    if (f.filetype !== Filetype.DIRECTORY) return Errno.NOTDIR;
    if ((f.rightsBase & FsRights.FD_READDIR) === 0n) return Errno.NOTCAPABLE;
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

  private advise(fd: number, _offset: bigint, _len: bigint, advice: number): number {
    const f = this.file(fd, FsRights.FD_ADVISE);
    if (typeof f === 'number') return f;
    // posix_fadvise(2) is a hint; the host's page cache decides.
    return advice < 0 || advice > ADVICE_MAX ? Errno.INVAL : Errno.SUCCESS;
  }

  /** A guest byte range (a path, a buffer); RangeError (EFAULT) when outside its memory. */
  private guest(ptr: number, len: number): Uint8Array {
    const u8 = this.mem.u8;
    const p = ptr >>> 0;
    const n = len >>> 0;
    if (p + n > u8.length) throw new RangeError('guest buffer out of bounds');
    return u8.subarray(p, p + n);
  }
}
