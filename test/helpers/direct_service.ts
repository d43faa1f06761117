// A guest thread's direct file service (actors/gofer/direct_files.ts) run on the test's own
// thread over a bare wasm memory, with its WASI calls made by hand: the fast path (openat2) and
// the resolver can be compared call by call, and the fds it holds checked.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessGofer } from '../../actors/gofer/connection.js';
import { createDirectFiles } from '../../actors/gofer/direct_files.js';
import { FileSyscalls } from '../../actors/gofer/file_syscalls.js';
import type { GoferConfig } from '../../actors/gofer/mount_table.js';
import { StdioSyscalls } from '../../platform/wasi_handlers.js';
import { GuestMemory } from '../../platform/wasi_local.js';
import { Wasm } from '../../platform/wasm_api.js';
import type { DirectFileService } from '../../platform/thread/direct_imports.js';
import { Errno } from '../../platform/wasi_errno.js';
import { ALL_RIGHTS, FILESTAT_SIZE } from '../../platform/wasi_fs_types.js';

export const ADDON = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'build',
  'native',
  'corral_at.node',
);

/** Guest memory layout of the calls below. */
const FD_PTR = 64;
const STAT_PTR = 128;
const IOV_PTR = 256;
const DATA_PTR = 512;
const PATH_PTR = 4096;

type Fn = (...a: (number | bigint)[]) => number;

export interface OpenResult {
  readonly errno: number;
  /** The new fd (when errno is 0). */
  readonly fd: number;
}

export class DirectHarness {
  readonly gofer: InProcessGofer;
  readonly files: FileSyscalls;
  readonly svc: DirectFileService;
  readonly mem = new GuestMemory();
  /** The process's fd map (platform/direct_layout.ts). */
  readonly map: Int32Array;
  private readonly calls: Record<string, Fn>;

  /** `native`: whether the service may use the addon (DirectOffer.native). */
  constructor(config: GoferConfig, native: boolean) {
    this.gofer = new InProcessGofer(config);
    this.files = new FileSyscalls(new StdioSyscalls({}), this.gofer);
    const base = this.files.directOffer();
    if (base === undefined) throw new Error('the in-process gofer donates no roots');
    this.map = base.map;
    const { native: _n, ...rest } = base;
    const offer = {
      ...rest,
      ...(native ? { native: ADDON } : {}),
      gate: new Int32Array(new SharedArrayBuffer(4)),
    };
    this.mem.memory = new Wasm.Memory({ initial: 2 });
    this.svc = createDirectFiles(offer, this.mem);
    if (!this.svc.active()) throw new Error('the direct service did not start');
    this.calls = this.svc.calls as unknown as Record<string, Fn>;
  }

  /** Writes `path` into guest memory; its (ptr, len). */
  private put(path: Uint8Array): [number, number] {
    this.mem.u8.set(path, PATH_PTR);
    return [PATH_PTR, path.length];
  }

  open(
    dirFd: number,
    path: Uint8Array,
    o: { follow?: boolean; oflags?: number; rights?: bigint; inheriting?: bigint; fdflags?: number } = {},
  ): OpenResult {
    const [p, l] = this.put(path);
    const errno = this.calls['path_open']!(
      dirFd,
      o.follow === false ? 0 : 1,
      p,
      l,
      o.oflags ?? 0,
      o.rights ?? ALL_RIGHTS,
      o.inheriting ?? ALL_RIGHTS,
      o.fdflags ?? 0,
      FD_PTR,
    );
    return { errno, fd: errno === Errno.SUCCESS ? this.mem.view.getUint32(FD_PTR, true) : -1 };
  }

  /** path_filestat_get: the errno and the filestat's bytes (zeroed first). */
  stat(dirFd: number, path: Uint8Array, follow: boolean): { errno: number; stat: Uint8Array } {
    const [p, l] = this.put(path);
    this.mem.u8.fill(0, STAT_PTR, STAT_PTR + FILESTAT_SIZE);
    const errno = this.calls['path_filestat_get']!(dirFd, follow ? 1 : 0, p, l, STAT_PTR);
    return { errno, stat: this.mem.u8.slice(STAT_PTR, STAT_PTR + FILESTAT_SIZE) };
  }

  fstat(fd: number): { errno: number; stat: Uint8Array } {
    this.mem.u8.fill(0, STAT_PTR, STAT_PTR + FILESTAT_SIZE);
    const errno = this.calls['fd_filestat_get']!(fd, STAT_PTR);
    return { errno, stat: this.mem.u8.slice(STAT_PTR, STAT_PTR + FILESTAT_SIZE) };
  }

  /** fd_read of up to `n` bytes: the errno and what was read. */
  read(fd: number, n = 256): { errno: number; data: string } {
    const v = this.mem.view;
    v.setUint32(IOV_PTR, DATA_PTR, true);
    v.setUint32(IOV_PTR + 4, n, true);
    const errno = this.calls['fd_read']!(fd, IOV_PTR, 1, FD_PTR);
    const got = errno === Errno.SUCCESS ? v.getUint32(FD_PTR, true) : 0;
    return { errno, data: Buffer.from(this.mem.u8.subarray(DATA_PTR, DATA_PTR + got)).toString('latin1') };
  }

  /** fd_readdir from `cookie` into a buffer of `size` bytes: the errno and the bytes used. */
  readdir(fd: number, cookie: bigint, size: number): { errno: number; bytes: Uint8Array } {
    const errno = this.calls['fd_readdir']!(fd, DATA_PTR, size, cookie, FD_PTR);
    const used = errno === Errno.SUCCESS ? this.mem.view.getUint32(FD_PTR, true) : 0;
    return { errno, bytes: this.mem.u8.slice(DATA_PTR, DATA_PTR + used) };
  }

  close(fd: number): number {
    return this.calls['fd_close']!(fd);
  }

  /** fd_fdstat_get's bytes (filetype, flags, rights). */
  fdstat(fd: number): { errno: number; bytes: Uint8Array } {
    const errno = this.calls['fd_fdstat_get']!(fd, STAT_PTR);
    return { errno, bytes: this.mem.u8.slice(STAT_PTR, STAT_PTR + 24) };
  }

  async dispose(): Promise<void> {
    this.svc.closeAll();
    this.files.dispose?.();
    await this.gofer.close();
  }
}

/** A filestat's fields as a guest sees them, minus what differs between two copies of a tree. */
export function comparable(stat: Uint8Array): { filetype: number; nlink: bigint; size: bigint } {
  const v = new DataView(stat.buffer, stat.byteOffset, stat.byteLength);
  return { filetype: stat[16]!, nlink: v.getBigUint64(24, true), size: v.getBigUint64(32, true) };
}

/** A filestat's inode number. */
export function inoOf(stat: Uint8Array): bigint {
  return new DataView(stat.buffer, stat.byteOffset, stat.byteLength).getBigUint64(8, true);
}
