// The gofer's stat of one name in a directory fd (actors/gofer/host_at.ts): through the corral_at
// addon when it is built, it must answer exactly what Node's lstat of the /proc path answers, errors
// included (their codes are what the resolver acts on).

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lstatAt, modeOf, nativeAtLoaded, useNativeAt } from '../actors/gofer/host_at.js';
import { toFilestat } from '../actors/gofer/host_stat.js';
import { at } from '../actors/gofer/resolver.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ADDON = join(ROOT, 'build', 'native', 'corral_at.node');

test('lstatAt answers as Node does, through the addon when it is built', () => {
  useNativeAt(ADDON);
  // Built wherever Node's headers are (scripts/build-native.sh); this machine has them.
  if (existsSync('/usr/include/node/node_api.h')) assert.equal(nativeAtLoaded(), true, 'the addon loads');
  const dir = mkdtempSync(join(tmpdir(), 'corral-hostat-'));
  try {
    writeFileSync(join(dir, 'file'), 'twelve bytes');
    mkdirSync(join(dir, 'sub'));
    symlinkSync('/etc/passwd', join(dir, 'link'));
    // A name that is not UTF-8: the byte 0xff.
    writeFileSync(Buffer.from(`${dir}/\xff-name`, 'latin1'), '');
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      for (const name of ['file', 'sub', 'link', '\xff-name']) {
        const b = Buffer.from(name, 'latin1');
        const got = lstatAt(fd, b);
        const want = toFilestat(lstatSync(at(fd, b), { bigint: true }));
        assert.deepEqual(got, want, `${name}: got ${JSON.stringify(got, (_k, v) => String(v))}`);
      }
      const cases: [string, string][] = [
        ['missing', 'ENOENT'],
        ['file/x', 'EINVAL'], // never a path: one component only (the Node fallback says ENOTDIR)
      ];
      for (const [name, code] of cases.slice(0, nativeAtLoaded() ? 2 : 1)) {
        assert.throws(
          () => lstatAt(fd, Buffer.from(name)),
          (e: { code?: string }) => e.code === code,
          `${name}: want ${code}`,
        );
      }
      const f = openSync(join(dir, 'file'), 'r');
      assert.equal(modeOf(f), lstatSync(join(dir, 'file')).mode);
      closeSync(f);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the addon refuses guest ranges outside guest memory, NaN included, before anything moves', (t) => {
  if (!existsSync(ADDON)) return t.skip('the addon is not built here');
  const addon = createRequire(import.meta.url)(ADDON) as {
    readv(fd: number, mem: Uint8Array, iovs: number, n: number, pos: number): number;
    writev(fd: number, mem: Uint8Array, iovs: number, n: number, pos: number): number;
    fstatfd(fd: number, out: Uint8Array, ptr: number): number;
  };
  const EFAULT = -osConstants.errno.EFAULT;
  const dir = mkdtempSync(join(tmpdir(), 'corral-hostat-'));
  const file = join(dir, 'f');
  writeFileSync(file, 'x'.repeat(64));
  const fd = openSync(file, constants.O_RDWR);
  try {
    const mem = new Uint8Array(256);
    // One iovec at 0: {buf 64, len 16}, and one whose buffer runs past the end: {buf 250, len 16}.
    const view = new DataView(mem.buffer);
    view.setUint32(0, 64, true);
    view.setUint32(4, 16, true);
    view.setUint32(8, 250, true);
    view.setUint32(12, 16, true);
    const cases: [string, () => number, number][] = [
      ['readv, iovecs at NaN', () => addon.readv(fd, mem, NaN, 1, 0), EFAULT],
      ['readv, iovecs at -8', () => addon.readv(fd, mem, -8, 1, 0), EFAULT],
      ['readv, iovecs past the end', () => addon.readv(fd, mem, 252, 1, 0), EFAULT],
      ['readv, a buffer past the end', () => addon.readv(fd, mem, 0, 2, 0), EFAULT],
      ['writev, iovecs at NaN', () => addon.writev(fd, mem, NaN, 1, 0), EFAULT],
      ['fstat to NaN', () => addon.fstatfd(fd, mem, NaN), EFAULT],
      ['fstat past the end', () => addon.fstatfd(fd, mem, 200), EFAULT],
      ['readv in range', () => addon.readv(fd, mem, 0, 1, 0), 16],
      ['fstat in range', () => addon.fstatfd(fd, mem, 128), 0],
    ];
    for (const [what, call, want] of cases) {
      mem.fill(0, 64, 80);
      const got = call();
      assert.equal(got, want, `${what}: got ${got}, want ${want}`);
      // A refused call moved nothing; the read in range filled exactly its 16 bytes.
      const filled = Buffer.from(mem.subarray(64, 80)).toString('latin1');
      const wantFilled = what === 'readv in range' ? 'x'.repeat(16) : '\0'.repeat(16);
      assert.equal(filled, wantFilled, `${what}: guest bytes 64..80`);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
