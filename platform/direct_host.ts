// The host thread's half of the direct file service (layout and why: direct_layout.ts): what a
// process's handlers offer its guest thread, the fd map kept in step with the host's fd table,
// files handed back by the guest (adopt records), and the clean-up after a guest thread that
// was terminated before it could close what it held.

import { closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FdEntry, FdTableMirror, OpenDescription } from './fd_table.js';
import {
  FdKind,
  MAP_KIND,
  MAP_OS_FD,
  MAP_ROOT,
  MAX_FDS,
  MAX_ROOTS,
  NATIVE_FD,
  kindAt,
  newFdMap,
} from './direct_layout.js';

/** One mount root donated to the guest thread. */
export interface DonatedRoot {
  readonly guestPath: string;
  /** The /proc magic link of the gofer's root fd (the guest reopens it). */
  readonly root: string;
  readonly readonly: boolean;
}

/** What a process's handlers let its guest thread serve (structured-cloneable: the run message). */
export interface DirectOffer {
  /** The process's fd map (direct_layout.ts); shared memory, owned by the handlers' fd table. */
  readonly map: Int32Array;
  /** The gofer connection's generation word (GoferConnection.generationWord). */
  readonly generation: Int32Array;
  /** The host thread's gate (non-zero: serve nothing directly); set by the thread strategy. */
  readonly gate: Int32Array;
  /** Mount roots, in the gofer's configuration order (mount index = position). */
  readonly mounts: readonly DonatedRoot[];
  /** URL of the module whose `createDirectFiles` serves the files on the guest thread. */
  readonly service: string;
  /** Path of the corral_at addon (actors/gofer/host_at.ts), which the service uses when it loads. */
  readonly native?: string;
}

/** What the handlers supply; the thread strategy adds its gate. */
export type DirectOfferBase = Omit<DirectOffer, 'gate'>;

/**
 * Mirrors a host fd table into a process's fd map: each of its fds is HOST or PREOPEN + mount,
 * and fds the guest holds (DIRECT) are skipped when the host allocates one. Lives on the host
 * thread with the table; `kindOf` names an entry's kind.
 */
export class DirectFdMap<D extends OpenDescription> implements FdTableMirror<D> {
  /** Shared with the guest thread; written here only while the guest is parked or not running. */
  readonly map: Int32Array = newFdMap();

  constructor(private readonly kindOf: (e: FdEntry<D>) => number) {}

  changed(fd: number, entry: FdEntry<D> | undefined): void {
    if (fd < 0 || fd >= MAX_FDS) return;
    this.map[MAP_KIND + fd] = entry === undefined ? FdKind.FREE : this.kindOf(entry);
  }

  taken(fd: number): boolean {
    return kindAt(this.map, fd) === FdKind.DIRECT;
  }
}

/** The addon's close of an fd it recorded in a map slot (corral_at.c closeslot). */
type CloseSlot = (map: Int32Array, slot: number, tag: number) => number;
/** By addon path, per thread: null when it does not load here. */
const closers = new Map<string, CloseSlot | null>();
const requireFile = createRequire(`${process.cwd()}/`);

function closerOf(native: string | undefined): CloseSlot | null {
  if (native === undefined) return null;
  let c = closers.get(native);
  if (c === undefined) {
    c = null;
    try {
      const f = (requireFile(native) as { closeslot?: unknown }).closeslot;
      if (typeof f === 'function') c = f as CloseSlot;
    } catch {
      // not loadable on this thread: fs.closeSync does it (direct_layout.ts says why not first)
    }
    closers.set(native, c);
  }
  return c;
}

/**
 * After a guest thread ended (its worker exited or was terminated): closes every OS fd the addon
 * (`native`: its path, DirectOffer.native) opened there and the guest still recorded, forgets the
 * ones Node opened there (Node closed them as the thread exited: direct_layout.ts), and frees its
 * fds. A guest that ended normally closed them itself and recorded -1 first, so nothing is closed
 * twice. Returns how many it closed.
 */
export function reclaimDirect(map: Int32Array, native?: string): number {
  let closed = 0;
  const closeSlot = closerOf(native);
  const close = (slot: number) => {
    const os = map[slot]!;
    if (os < 0) return;
    if ((os & NATIVE_FD) === 0) {
      map[slot] = -1;
      return;
    }
    if (closeSlot !== null && closeSlot(map, slot, NATIVE_FD) === 0) {
      closed++;
      return;
    }
    map[slot] = -1;
    try {
      closeSync(os & ~NATIVE_FD);
      closed++;
    } catch {
      // closed already (EBADF): nothing is left to close
    }
  };
  for (let fd = 0; fd < MAX_FDS; fd++) {
    if (map[MAP_KIND + fd] === FdKind.DIRECT) map[MAP_KIND + fd] = FdKind.FREE;
    close(MAP_OS_FD + fd);
  }
  for (let m = 0; m < MAX_ROOTS; m++) close(MAP_ROOT + m);
  return closed;
}

/** A file the guest thread hands back to the host (Sys.FD_ADOPT): everything its description holds. */
export interface AdoptRecord {
  /** The guest fd it stays at. */
  readonly fd: number;
  /** /proc/<pid>/fd/<n>: the guest's OS fd, which the gofer reopens. */
  readonly path: string;
  readonly mount: number;
  /** Canonical guest path components joined by '/' (directories; empty for files). */
  readonly names: Uint8Array;
  readonly filetype: number;
  readonly readable: boolean;
  readonly writable: boolean;
  /** fdflags. */
  readonly flags: number;
  readonly pos: bigint;
  readonly rightsBase: bigint;
  readonly rightsInheriting: bigint;
}

const ADOPT_HEAD = 4 + 4 + 1 + 1 + 2 + 8 + 8 + 8 + 4 + 4;

export function encodeAdopt(r: AdoptRecord): Uint8Array {
  const path = Buffer.from(r.path, 'latin1');
  const out = new Uint8Array(ADOPT_HEAD + path.length + r.names.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, r.fd, true);
  v.setUint32(4, r.mount, true);
  v.setUint8(8, r.filetype);
  v.setUint8(9, (r.readable ? 1 : 0) | (r.writable ? 2 : 0));
  v.setUint16(10, r.flags, true);
  v.setBigUint64(12, r.pos, true);
  v.setBigUint64(20, r.rightsBase, true);
  v.setBigUint64(28, r.rightsInheriting, true);
  v.setUint32(36, path.length, true);
  v.setUint32(40, r.names.length, true);
  out.set(path, ADOPT_HEAD);
  out.set(r.names, ADOPT_HEAD + path.length);
  return out;
}

/** Decodes an adopt record; null when it is malformed (a broken guest runtime: EINVAL). */
export function decodeAdopt(b: Uint8Array): AdoptRecord | null {
  if (b.length < ADOPT_HEAD) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pathLen = v.getUint32(36, true);
  const namesLen = v.getUint32(40, true);
  if (ADOPT_HEAD + pathLen + namesLen !== b.length) return null;
  const access = v.getUint8(9);
  return {
    fd: v.getUint32(0, true),
    mount: v.getUint32(4, true),
    filetype: v.getUint8(8),
    readable: (access & 1) !== 0,
    writable: (access & 2) !== 0,
    flags: v.getUint16(10, true),
    pos: v.getBigUint64(12, true),
    rightsBase: v.getBigUint64(20, true),
    rightsInheriting: v.getBigUint64(28, true),
    path: Buffer.from(b.subarray(ADOPT_HEAD, ADOPT_HEAD + pathLen)).toString('latin1'),
    names: b.slice(ADOPT_HEAD + pathLen),
  };
}

/**
 * Handlers that serve files through a gofer able to donate its roots (FileSyscalls): what a
 * process's outer handlers (GuestSyscalls) need to offer the direct service over their own table.
 */
export interface DirectFilesProvider {
  /** The offer minus the fd map, or undefined when the gofer donates no roots. */
  directMounts(): Omit<DirectOfferBase, 'map'> | undefined;
  /** FdKind of this handler's `fd`: PREOPEN + mount for an untouched preopen, else HOST. */
  directKindOf(fd: number): number;
  /** Takes over a file the guest served itself: at exactly `at`, or the lowest free fd. */
  adopt(rec: AdoptRecord, at?: number): Promise<number> | number;
}

export function isDirectProvider(x: unknown): x is DirectFilesProvider {
  return typeof (x as Partial<DirectFilesProvider>).directMounts === 'function';
}
