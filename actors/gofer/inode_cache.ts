// The inode numbers of a directory's entries, kept between listings while the directory is
// unchanged. fd_readdir's dirents carry d_ino, as Linux's getdents(2) gives it; Node's readdir has
// no inode numbers, so each entry costs an lstat (a 1,000-entry directory: ~2 ms), and programs
// list the same directories again and again.
//
// Validity. Creating, removing or renaming an entry, the only ways a name can come to stand for
// another inode, set the directory's mtime and ctime to the current time (Linux's
// fs/namei.c → inode_set_mtime_to_ts), so a listing is reused only while both are what they were.
// File times come from the kernel's coarse clock: two changes within one tick can share a time.
// So a listing is kept only when the directory's last change is older than MARGIN_NS when it is
// stored: any later change then gets a later time, and is seen.

import type { BigIntStats } from 'node:fs';

/** Far more than a coarse clock tick (1-10 ms): a change this old cannot share its time with a new one. */
const MARGIN_NS = 200_000_000n;
/** Directories remembered; the oldest is dropped beyond this. */
const MAX_DIRS = 64;
/** Listings larger than this are not kept (memory). */
const MAX_ENTRIES = 100_000;

interface Listing {
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  /** Entry name (latin1: every byte kept) → inode number. */
  readonly inos: ReadonlyMap<string, bigint>;
}

export class InodeCache {
  /** By directory identity (dev:ino), in insertion order (the first is the oldest). */
  private readonly dirs = new Map<string, Listing>();

  /** The inode numbers of `dir`'s entries as last listed, if it has not changed since. */
  lookup(dir: BigIntStats): ReadonlyMap<string, bigint> | undefined {
    const l = this.dirs.get(`${dir.dev}:${dir.ino}`);
    if (l === undefined) return undefined;
    if (l.mtimeNs !== dir.mtimeNs || l.ctimeNs !== dir.ctimeNs) return undefined;
    return l.inos;
  }

  /** Keeps a listing of `dir` (stat'ed before it was read), when it is old enough to be trusted. */
  store(dir: BigIntStats, inos: ReadonlyMap<string, bigint>, nowNs = BigInt(Date.now()) * 1_000_000n): void {
    const key = `${dir.dev}:${dir.ino}`;
    this.dirs.delete(key);
    const last = dir.mtimeNs > dir.ctimeNs ? dir.mtimeNs : dir.ctimeNs;
    if (nowNs - last < MARGIN_NS || inos.size > MAX_ENTRIES) return;
    this.dirs.set(key, { mtimeNs: dir.mtimeNs, ctimeNs: dir.ctimeNs, inos });
    if (this.dirs.size > MAX_DIRS) this.dirs.delete(this.dirs.keys().next().value!);
  }
}
