// The guest thread's routing of file calls between its own direct file service and the host
// (platform/direct_layout.ts says why). A call on an fd the guest opened itself, and an open or
// stat resolved from a preopen or such a directory, is served here with no round trip; every
// other call crosses to the host as before. Before a call that crosses names an fd this thread
// serves, or lets the host copy fds (spawn, exec, dup), the file is handed over (Sys.FD_ADOPT) so
// that the host's table holds it, with its offset and flags, exactly as if it had opened it.

import { Errno } from '../wasi_errno.js';
import type { GuestMemory } from '../wasi_local.js';
import type { SyscallChannel } from '../syscall_channel.js';
import { Sys } from '../syscall_layout.js';
import { encodeAdopt, type AdoptRecord } from '../direct_host.js';
import { EventType, SUBSCRIPTION_SIZE, decodeSubscriptions } from '../wasi_types.js';
import type { DirectOffer } from '../direct_host.js';
import { FdKind, forgetPreopen, kindAt } from '../direct_layout.js';
import type { Fn9 } from './wasi_imports.js';

type Fn = (...args: never[]) => number;
type A = never;
type ChannelCall = (sys: Sys, a0: number, a1: number, reqLen: number) => number;

/**
 * The guest-thread half of the direct file service (implemented by the gofer's
 * actors/gofer/direct_files.ts, loaded by URL so that the platform does not depend on it). Every
 * method runs on the guest's thread, synchronously, and answers with a WASI errno, writing its
 * results into guest memory as the import it stands for would.
 */
export interface DirectFileService {
  /** False while the host thread's gate is closed (tracing): nothing is served here then. */
  active(): boolean;
  /** The fd is one this thread serves. */
  isDirect(fd: number): boolean;
  /** Paths may be resolved from `fd` here (an untouched preopen, or a directory served here). */
  resolvesFrom(fd: number): boolean;
  /** Fds served here now. */
  directFds(): number[];
  /** Whether `fd` must be handed over at once (what it opened is neither a file nor a directory). */
  hostOnly(fd: number): boolean;
  /** Everything the host needs to take `fd` over. */
  handoverRecord(fd: number): AdoptRecord;
  /** The host holds `fd` now: forget it and close this thread's OS fd (the map says HOST). */
  handedOver(fd: number): void;
  /** The host changed `fd`'s rights: it may no longer be resolved from here. */
  forget(fd: number): void;
  /** Closes everything this thread holds (the image ends). */
  closeAll(): void;
  /** Served calls, by WASI import name, with the imports' own signatures. */
  readonly calls: Readonly<Record<string, Fn>>;
}

/** Calls the service answers when their fd (the first argument) is served here. */
const ON_DIRECT_FD = new Set([
  'fd_read',
  'fd_pread',
  'fd_write',
  'fd_pwrite',
  'fd_seek',
  'fd_tell',
  'fd_close',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_filestat_get',
  'fd_readdir',
  'fd_advise',
]);
/** Calls the service answers when their directory fd (first argument) may be resolved from here. */
const RESOLVING = new Set(['path_open', 'path_filestat_get']);
/** Calls whose first argument is an fd the host must hold (all others that name one). */
const FD_FIRST_HOST = [
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'fd_fdstat_set_rights',
  'fd_allocate',
  'fd_sync',
  'fd_datasync',
  'path_create_directory',
  'path_filestat_set_times',
  'path_readlink',
  'path_remove_directory',
  'path_unlink_file',
];

/**
 * Wraps the WASI imports `impl` (and the corral_v1 ones, `corral`) of one guest image so that the
 * direct service serves what it can. `ch`/`call` are the image's channel and round trip.
 */
export function routeDirect(
  impl: Record<string, Fn>,
  corral: Record<string, Fn>,
  svc: DirectFileService,
  ch: SyscallChannel,
  call: ChannelCall,
  mem: GuestMemory,
): void {
  /** Hands `fd` to the host when this thread serves it; returns the errno of the handover. */
  const toHost = (fd: number): number => {
    if (!svc.isDirect(fd)) return Errno.SUCCESS;
    const rec = encodeAdopt(svc.handoverRecord(fd));
    if (rec.length > ch.dataSize) return Errno.NAMETOOLONG;
    ch.data.set(rec, 0);
    const errno = call(Sys.FD_ADOPT, fd, 0, rec.length);
    ch.release();
    if (errno === Errno.SUCCESS) svc.handedOver(fd);
    return errno;
  };
  const allToHost = (): number => {
    for (const fd of svc.directFds()) {
      const e = toHost(fd);
      if (e !== Errno.SUCCESS) return e;
    }
    return Errno.SUCCESS;
  };
  /** The gate closed (tracing): every file goes to the host, where calls are traced. */
  const gateClosed = (): boolean => {
    if (svc.active()) return false;
    allToHost();
    return true;
  };
  /** `orig` after handing over the fds at argument positions `at`. */
  const hostWith =
    (orig: Fn, at: readonly number[]): Fn =>
    (...a: never[]) => {
      for (const i of at) {
        const e = toHost(a[i] as unknown as number);
        if (e !== Errno.SUCCESS) return e;
      }
      return orig(...a);
    };

  // Fixed parameters (wasi_imports.ts MAX_ARITY), so that a call builds no rest array.
  for (const name of ON_DIRECT_FD) {
    const orig = impl[name] as Fn9;
    const local = svc.calls[name] as Fn9;
    // fd_fdstat_get of a preopen too: wasi-libc's openat asks for its directory's rights first.
    const here =
      name === 'fd_fdstat_get' ? (fd: number) => svc.isDirect(fd) || svc.resolvesFrom(fd) : svc.isDirect;
    impl[name] = ((a0: A, a1: A, a2: A, a3: A, a4: A, a5: A, a6: A, a7: A, a8: A) =>
      here(a0 as unknown as number) && !gateClosed()
        ? local(a0, a1, a2, a3, a4, a5, a6, a7, a8)
        : orig(a0, a1, a2, a3, a4, a5, a6, a7, a8)) as Fn;
  }
  for (const name of RESOLVING) {
    const orig = impl[name] as Fn9;
    const local = svc.calls[name] as Fn9;
    const isOpen = name === 'path_open';
    impl[name] = ((a0: A, a1: A, a2: A, a3: A, a4: A, a5: A, a6: A, a7: A, a8: A) => {
      const fd = a0 as unknown as number;
      if (svc.resolvesFrom(fd) && !gateClosed()) {
        const errno = local(a0, a1, a2, a3, a4, a5, a6, a7, a8);
        if (errno !== Errno.SUCCESS || !isOpen) return errno;
        // path_open wrote the new fd at its last argument: a FIFO, socket or device goes to the
        // host, whose handlers serve those.
        const nfd = mem.view.getUint32(a8 as unknown as number, true);
        return svc.hostOnly(nfd) ? toHost(nfd) : Errno.SUCCESS;
      }
      const e = toHost(fd);
      return e !== Errno.SUCCESS ? e : orig(a0, a1, a2, a3, a4, a5, a6, a7, a8);
    }) as Fn;
  }
  for (const name of FD_FIRST_HOST) impl[name] = hostWith(impl[name]!, [0]);
  const setRights = impl['fd_fdstat_set_rights']!;
  impl['fd_fdstat_set_rights'] = (...a: never[]) => {
    const errno = setRights(...a);
    if (errno === Errno.SUCCESS) svc.forget(a[0] as unknown as number);
    return errno;
  };
  impl['fd_renumber'] = hostWith(impl['fd_renumber']!, [0, 1]);
  impl['path_link'] = hostWith(impl['path_link']!, [0, 4]);
  impl['path_rename'] = hostWith(impl['path_rename']!, [0, 3]);
  impl['path_symlink'] = hostWith(impl['path_symlink']!, [2]);
  const poll = impl['poll_oneoff']!;
  impl['poll_oneoff'] = (...a: never[]) => {
    const [inPtr, , nsubs] = a as unknown as [number, number, number];
    const v = mem.view;
    // Out of bounds, the call itself answers as it would have (no fd to hand over is read here).
    if (nsubs > 0 && (inPtr >>> 0) + nsubs * SUBSCRIPTION_SIZE <= v.byteLength) {
      for (const sub of decodeSubscriptions(v, inPtr >>> 0, nsubs)) {
        if (sub === null || sub.type === EventType.CLOCK) continue;
        const e = toHost(sub.fd);
        if (e !== Errno.SUCCESS) return e;
      }
    }
    return poll(...a);
  };
  // corral_v1: spawn and exec copy the whole table to another image; dup, dup2 and the terminal
  // calls name fds.
  const wrapCorral = (name: string, f: (a: readonly number[]) => number) => {
    const orig = corral[name];
    if (orig === undefined) return;
    corral[name] = (...a: never[]) => {
      const e = f(a as unknown as number[]);
      return e !== Errno.SUCCESS ? e : orig(...a);
    };
  };
  wrapCorral('proc_spawn', () => allToHost());
  wrapCorral('proc_exec', () => allToHost());
  wrapCorral('fd_dup', (a) => toHost(a[0]!));
  wrapCorral('fd_dup2', (a) => (toHost(a[0]!) !== Errno.SUCCESS ? Errno.BADF : toHost(a[1]!)));
  wrapCorral('tty_get_pgrp', (a) => toHost(a[0]!));
  wrapCorral('tty_set_pgrp', (a) => toHost(a[0]!));
}

/** A service that serves nothing (the gate is shut for good). */
const OFF: DirectFileService = {
  active: () => false,
  isDirect: () => false,
  resolvesFrom: () => false,
  directFds: () => [],
  hostOnly: () => false,
  handoverRecord: () => {
    throw new Error('internal: no direct file is served');
  },
  handedOver: () => undefined,
  forget: () => undefined,
  closeAll: () => undefined,
  calls: {},
};

/**
 * A service made on first use: until a call needs it (a path call or an fdstat on a preopen: there
 * is no direct fd before one), nothing is served here and `make`, which loads the implementation,
 * is not run. A guest that opens no file never loads it.
 */
export function lazyService(
  make: () => (offer: DirectOffer, mem: GuestMemory) => DirectFileService,
  offer: DirectOffer,
  mem: GuestMemory,
): DirectFileService {
  let real: DirectFileService | null = null;
  const get = (): DirectFileService => {
    if (real === null) {
      try {
        real = make()(offer, mem);
      } catch {
        // Not loadable (a broken install): every call crosses to the host, which serves it anyway.
        real = OFF;
      }
    }
    return real;
  };
  const preopen = (fd: number) => kindAt(offer.map, fd) >= FdKind.PREOPEN;
  const calls: Record<string, Fn> = {};
  for (const name of [...ON_DIRECT_FD, ...RESOLVING]) {
    // The real call once loaded, kept: no lookup by name per call.
    let real: Fn9 | null = null;
    calls[name] = ((a0: A, a1: A, a2: A, a3: A, a4: A, a5: A, a6: A, a7: A, a8: A) =>
      (real ??= get().calls[name] as Fn9)(a0, a1, a2, a3, a4, a5, a6, a7, a8)) as Fn;
  }
  return {
    active: () => get().active(),
    isDirect: (fd) => real !== null && real.isDirect(fd),
    resolvesFrom: (fd) => (real !== null ? real.resolvesFrom(fd) : preopen(fd) && get().resolvesFrom(fd)),
    directFds: () => (real === null ? [] : real.directFds()),
    hostOnly: (fd) => real !== null && real.hostOnly(fd),
    handoverRecord: (fd) => get().handoverRecord(fd),
    handedOver: (fd) => real?.handedOver(fd),
    // The map is the service's state for this: no need to load it.
    forget: (fd) => forgetPreopen(offer.map, fd),
    closeAll: () => real?.closeAll(),
    calls,
  };
}
