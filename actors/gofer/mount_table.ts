// What a gofer serves: a container's root and its mounts, as host directories. The Loader builds a
// GoferConfig from the OCI spec (mountsFromOci); the gofer opens each root once and keeps that
// directory fd for its lifetime, so later renames of the host path change nothing.
// tmpfs mounts are private host directories the gofer creates and removes (as runsc backs tmpfs
// with memory of its own, never with anything the host can reach).

import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { OciMount, OciRoot } from '../loader/bundle/oci_spec.js';
import { Resolver, at } from './resolver.js';

/** One mount as configured: structured-cloneable, passed to a gofer child as JSON. */
export interface MountSpec {
  /** Absolute guest path ('/' for the root). */
  readonly guestPath: string;
  /** Host directory served; null for a tmpfs (the gofer makes a private directory). */
  readonly hostPath: string | null;
  readonly readonly: boolean;
}

/** A gofer's configuration: the root first, then mounts in OCI order (later ones shadow earlier). */
export interface GoferConfig {
  readonly mounts: readonly MountSpec[];
}

/** Builds a gofer configuration from an OCI root and mounts (bind and tmpfs; others are skipped). */
export function goferConfigFromOci(
  root: OciRoot,
  mounts: readonly OciMount[],
  bundleDir: string,
): GoferConfig {
  const out: MountSpec[] = [
    { guestPath: '/', hostPath: resolve(bundleDir, root.path), readonly: root.readonly },
  ];
  for (const m of mounts) {
    const ro = m.options.includes('ro');
    const bind = m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind');
    if (bind && m.source !== undefined) {
      const src = isAbsolute(m.source) ? m.source : resolve(bundleDir, m.source);
      out.push({ guestPath: m.destination, hostPath: src, readonly: ro });
    } else if (m.type === 'tmpfs') {
      out.push({ guestPath: m.destination, hostPath: null, readonly: ro });
    }
    // proc, sysfs, devpts, mqueue...: served by the kernel core later, not by the gofer.
  }
  return { mounts: out };
}

/**
 * Adds `corral do --dir HOST::GUEST` mappings (read-write bind mounts; `HOST::GUEST::ro` for a
 * read-only one) to a configuration: the same machinery as OCI bind mounts.
 */
export function withDirs(config: GoferConfig, dirs: readonly string[], cwd = process.cwd()): GoferConfig {
  const extra = dirs.map((d): MountSpec => {
    const [host, guest, mode, ...rest] = d.split('::');
    if (!host || !guest || !guest.startsWith('/') || rest.length > 0 || (mode !== undefined && mode !== 'ro'))
      throw new Error(`--dir ${d}: expected HOST::GUEST or HOST::GUEST::ro with an absolute GUEST path`);
    return { guestPath: guest, hostPath: resolve(cwd, host), readonly: mode === 'ro' };
  });
  return { mounts: [...config.mounts, ...extra] };
}

/** A mount the gofer has opened. */
export interface Mount {
  /** Index in the configuration; fid id + 1 of its preopen. Immutable. */
  readonly id: number;
  /** Guest path components (empty for '/'); immutable. */
  readonly names: readonly Buffer[];
  /** Lookup key of `names` (see keyOf); immutable. */
  readonly key: string;
  /** Directory fd of the mount's root, held by the gofer until close(). */
  readonly rootFd: number;
  readonly readonly: boolean;
}

/** Byte-exact map key for a list of components (latin1 keeps every byte). */
export function keyOf(names: readonly Uint8Array[]): string {
  return names.map((n) => Buffer.from(n.buffer, n.byteOffset, n.length).toString('latin1')).join('/');
}

/** Splits an absolute guest path into components ('.' and empty ones dropped). */
export function guestComponents(path: string): Buffer[] {
  return path
    .split('/')
    .filter((c) => c !== '' && c !== '.')
    .map((c) => Buffer.from(c));
}

/** The components of mount `id`'s destination; throws why it cannot be one. */
function checkDestination(id: number, guestPath: string): Buffer[] {
  if (guestPath.includes('..')) throw new Error(`mount destination ${guestPath}: ".." not allowed`);
  const names = guestComponents(guestPath);
  if (id === 0 && names.length !== 0) throw new Error('the first mount must be the root "/"');
  return names;
}

/** Opens a mount's source directory; throws, naming the mount, when it cannot. */
function openRoot(guestPath: string, host: string): number {
  try {
    return openSync(host, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    const code = (e as { code?: string }).code ?? (e as Error).message;
    throw new Error(`mount ${guestPath}: cannot open ${host}: ${code}`);
  }
}

/**
 * Checks what a gofer attaching `config` would refuse, without attaching: each destination, and
 * each source (opened as the gofer opens it, then closed). A gofer attached on demand
 * (on_demand_gofer.ts) still refuses bad input at create. Throws the gofer's own message.
 */
export function checkMounts(config: GoferConfig): void {
  for (const [id, spec] of config.mounts.entries()) {
    checkDestination(id, spec.guestPath);
    if (spec.hostPath !== null) closeSync(openRoot(spec.guestPath, spec.hostPath));
  }
}

export class MountTable {
  /** Mounts by configuration order; owned by this table, fds closed by close(). */
  readonly mounts: Mount[] = [];
  /** Mount by guest path key; a later mount on the same path shadows the earlier one. */
  private readonly byKey = new Map<string, Mount>();
  /** tmpfs directories this table created, removed by close(). */
  private readonly scratch: string[] = [];

  /**
   * `makeMountPoints` false: the mount points already exist (a guest thread's direct file service
   * reopens roots a gofer set up), so the table creates nothing.
   */
  constructor(config: GoferConfig, makeMountPoints = true) {
    try {
      for (const [id, spec] of config.mounts.entries()) {
        let host = spec.hostPath;
        if (host === null) {
          host = mkdtempSync(join(tmpdir(), 'corral-tmpfs-'));
          this.scratch.push(host);
        }
        const names = checkDestination(id, spec.guestPath);
        if (id > 0 && makeMountPoints) this.makeMountPoint(names);
        const rootFd = openRoot(spec.guestPath, host);
        const m: Mount = { id, names, key: keyOf(names), rootFd, readonly: spec.readonly };
        this.mounts.push(m);
        this.byKey.set(m.key, m);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /**
   * Creates a mount point's missing directories inside the mounts made so far, confined like any
   * guest path (runc also creates mount points in the rootfs before it remounts it read-only), so
   * that a listing of the parent shows the mount.
   */
  private makeMountPoint(names: readonly Buffer[]): void {
    const r = new Resolver(this);
    for (let k = 1; k <= names.length; k++) {
      const path = Buffer.from(
        '/' +
          names
            .slice(0, k)
            .map((n) => n.toString('latin1'))
            .join('/'),
        'latin1',
      );
      r.resolve(r.rootFrame(), path, true, (parent, name) => {
        if (name !== null) {
          try {
            mkdirSync(at(parent.fd, name), 0o755);
          } catch (e) {
            if ((e as { code?: string }).code !== 'EEXIST') throw e;
          }
        }
        return { value: undefined };
      });
    }
  }

  get root(): Mount {
    return this.mounts[0]!;
  }

  /** The mount whose mount point is exactly `names`, if any. */
  at(names: readonly Uint8Array[]): Mount | undefined {
    return this.byKey.size > 1 ? this.byKey.get(keyOf(names)) : names.length === 0 ? this.root : undefined;
  }

  close(): void {
    for (const m of this.mounts) {
      try {
        closeSync(m.rootFd);
      } catch {
        // already closed
      }
    }
    this.mounts.length = 0;
    this.byKey.clear();
    for (const d of this.scratch) rmSync(d, { recursive: true, force: true });
    this.scratch.length = 0;
  }
}
