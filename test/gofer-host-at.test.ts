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
import { tmpdir } from 'node:os';
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
