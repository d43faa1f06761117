// The inode numbers fd_readdir reports come from a cache while a directory is unchanged
// (actors/gofer/inode_cache.ts): a changed directory is listed afresh, so a name that now stands
// for another inode reports that inode, as getdents(2) would.

import test from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InodeCache } from '../actors/gofer/inode_cache.js';
import { GoferServer } from '../actors/gofer/server.js';
import type { DirEntry } from '../platform/wasi_fs_types.js';

const S = 1_000_000_000n;
const dirStat = (mtimeNs: bigint, ctimeNs = mtimeNs) =>
  ({ dev: 1n, ino: 2n, mtimeNs, ctimeNs }) as BigIntStats;

test('a listing is reused only while the directory is unchanged and old enough', () => {
  const now = 100n * S;
  const inos = new Map([['a', 7n]]);
  const cases: { name: string; stored: BigIntStats; asked: BigIntStats; hit: boolean }[] = [
    { name: 'unchanged', stored: dirStat(90n * S), asked: dirStat(90n * S), hit: true },
    { name: 'mtime moved', stored: dirStat(90n * S), asked: dirStat(90n * S + 1n, 90n * S), hit: false },
    { name: 'ctime moved', stored: dirStat(90n * S), asked: dirStat(90n * S, 95n * S), hit: false },
    {
      name: 'changed within the margin',
      stored: dirStat(now - 1000n),
      asked: dirStat(now - 1000n),
      hit: false,
    },
    {
      name: 'ctime within the margin',
      stored: dirStat(90n * S, now),
      asked: dirStat(90n * S, now),
      hit: false,
    },
  ];
  for (const c of cases) {
    const cache = new InodeCache();
    cache.store(c.stored, inos, now);
    const got = cache.lookup(c.asked) !== undefined;
    assert.equal(got, c.hit, `${c.name}: got hit=${got}, want ${c.hit}`);
  }
});

test('readdir reports the new inode of a replaced entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-inos-'));
  try {
    writeFileSync(join(dir, 'f'), 'one');
    writeFileSync(join(dir, 'g'), 'two');
    // An old directory: its listing is cached.
    utimesSync(dir, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const s = new GoferServer({ mounts: [{ guestPath: '/', hostPath: dir, readonly: false }] });
    try {
      const list = (): Map<string, bigint> => {
        const r = s.handle({ op: 'readdir', fid: 1 }) as { errno: number; entries: DirEntry[] };
        assert.equal(r.errno, 0);
        return new Map(r.entries.map((e) => [Buffer.from(e.name).toString(), e.ino]));
      };
      const first = list();
      assert.equal(first.get('f'), lstatSync(join(dir, 'f'), { bigint: true }).ino);
      assert.deepEqual(list(), first, 'an unchanged directory lists the same');
      // Replace f by another inode (g's stays), as a rename-over or unlink + create does.
      const old = first.get('f');
      unlinkSync(join(dir, 'f'));
      writeFileSync(join(dir, 'h'), 'keeps the old inode busy');
      writeFileSync(join(dir, 'f'), 'three');
      const want = lstatSync(join(dir, 'f'), { bigint: true }).ino;
      assert.notEqual(want, old);
      const second = list();
      assert.equal(second.get('f'), want, `got ino ${second.get('f')}, want ${want}`);
      assert.equal(second.get('h'), lstatSync(join(dir, 'h'), { bigint: true }).ino);
      assert.ok(statSync(dir).mtimeMs > Date.now() - 60_000);
    } finally {
      s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
