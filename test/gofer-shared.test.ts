// One gofer child serves every container of a thread: a container can never reach another's files
// through it, whatever fid or path it sends. Two containers attach, the victim opens fids of its
// own, and the attacker sends thousands of random requests: every fid number (its own, the
// victim's, ones never issued), and paths aimed at the victim (its host path, `..` chains,
// symlinks to it, its file names). Everything that succeeds must be the attacker's own.

import test from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GoferConnection } from '../actors/gofer/connection.js';
import { runningThreadGofer } from '../actors/gofer/gofer_child.js';
import { GoferHost } from '../actors/gofer/gofer_host.js';
import { closeThreadGofer, ProcessGofer } from '../actors/gofer/gofer_process.js';
import type { GoferConfig } from '../actors/gofer/mount_table.js';
import type { Req, Res } from '../actors/gofer/protocol.js';
import { Errno } from '../platform/wasi_errno.js';

const base = mkdtempSync(join(tmpdir(), 'corral-shared-'));
const A = join(base, 'a');
const B = join(base, 'b');
for (const r of [A, B]) {
  mkdirSync(join(r, 'd', 'e'), { recursive: true });
  writeFileSync(join(r, 'f'), r === A ? 'mine' : 'VICTIM');
  writeFileSync(join(r, 'd', 'e', 'g'), r === A ? 'mine' : 'VICTIM');
}
writeFileSync(join(B, 'only-b'), 'VICTIM');
symlinkSync(B, join(A, 'abs-to-b'));
symlinkSync('../b', join(A, 'rel-to-b'));
symlinkSync('../../../b/only-b', join(A, 'd', 'deep-to-b'));
test.after(async () => {
  await closeThreadGofer();
  rmSync(base, { recursive: true, force: true });
});

/** Inodes of everything under `root`, the root included. */
function inodes(root: string): Set<bigint> {
  const out = new Set<bigint>([lstatSync(root, { bigint: true }).ino]);
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true }))
    out.add(lstatSync(join(e.parentPath ?? e.path, e.name), { bigint: true }).ino);
  return out;
}
const mine = inodes(A);
const victims = inodes(B);

const PATHS = [
  '.',
  '..',
  '../b',
  '../b/f',
  '../../b/only-b',
  B,
  `${B}/f`,
  'only-b',
  'abs-to-b',
  'abs-to-b/f',
  'rel-to-b/only-b',
  'd/deep-to-b',
  'd/../../b',
  'd/e/../../../b/f',
  '/',
  '/only-b',
  '/../b/f',
  'f',
  'd/e/g',
];
const config = (root: string): GoferConfig => ({
  mounts: [{ guestPath: '/', hostPath: root, readonly: false }],
});

/** A deterministic PRNG, so that a failure can be replayed. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return a % n;
  };
}

type Call = (req: Req) => Res | Promise<Res>;

/** The attacker's random requests through `call`; every success must be inside A. */
async function attack(call: Call, victimFids: number[], seed: number, rounds: number): Promise<number> {
  const int = rng(seed);
  let succeeded = 0;
  const fidOf = () => (int(3) === 0 ? victimFids[int(victimFids.length)]! : int(40));
  const mustBeMine = async (fid: number, what: string) => {
    const s = await call({ op: 'fstat', fid });
    if (s.errno !== 0 || s.op !== 'fstat') return;
    assert.ok(mine.has(s.stat.ino) && !victims.has(s.stat.ino), `${what}: fid ${fid} is not the attacker's`);
  };
  for (let i = 0; i < rounds; i++) {
    const fid = fidOf();
    const path = Buffer.from(PATHS[int(PATHS.length)]!);
    const follow = int(2);
    switch (int(5)) {
      case 0: {
        const r = await call({ op: 'read', fid, offset: 0n, len: 64 });
        if (r.errno === 0 && r.op === 'read') {
          succeeded++;
          assert.notEqual(Buffer.from(r.data).toString(), 'VICTIM', `read of fid ${fid}`);
        }
        await mustBeMine(fid, 'read');
        break;
      }
      case 1: {
        const r = await call({ op: 'stat', dir: fid, follow, path });
        if (r.errno === 0 && r.op === 'stat') {
          succeeded++;
          assert.ok(!victims.has(r.stat.ino), `stat ${path} from fid ${fid}`);
        }
        break;
      }
      case 2: {
        const r = await call({ op: 'open', dir: fid, follow, oflags: 0, fdflags: 0, access: 1, path });
        if (r.errno === 0 && r.op === 'open') {
          succeeded++;
          await mustBeMine(r.fid, `open ${path} from fid ${fid}`);
          const d = await call({ op: 'read', fid: r.fid, offset: 0n, len: 64 });
          if (d.errno === 0 && d.op === 'read') assert.notEqual(Buffer.from(d.data).toString(), 'VICTIM');
          await call({ op: 'close', fid: r.fid });
        }
        break;
      }
      case 3: {
        const r = await call({ op: 'readdir', fid });
        if (r.errno === 0 && r.op === 'readdir') {
          succeeded++;
          const names = r.entries.map((e) => Buffer.from(e.name).toString());
          assert.ok(!names.includes('only-b'), `readdir of fid ${fid} lists the victim's files`);
        }
        break;
      }
      default: {
        // Writes and removals through any fid: the victim's tree must stay as it was.
        await call({ op: 'unlink', dir: fid, path });
        await call({ op: 'write', fid, offset: 0n, data: Buffer.from('pwned') });
        await call({ op: 'close', fid });
      }
    }
  }
  return succeeded;
}

/** The victim's tree after the attack: everything still there and unchanged. */
function victimIntact(): void {
  assert.deepEqual(inodes(B), victims);
  for (const f of ['f', 'only-b', 'd/e/g'])
    assert.equal(lstatSync(join(B, f)).size, 'VICTIM'.length, `${f} changed`);
}

test('GoferHost: an attachment reaches only its own files, whatever fid or path (20 seeds)', async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const host = new GoferHost();
    const att = (cfg: GoferConfig) => {
      const r = host.handle(0, { op: 'attach', config: Buffer.from(JSON.stringify(cfg)) });
      assert.ok(r.op === 'attach' && r.errno === 0 && r.att !== 0);
      return r.att;
    };
    const victim = att(config(B));
    const attacker = att(config(A));
    const victimFids: number[] = [1];
    for (const p of ['f', 'only-b', 'd', 'd/e', 'd/e/g']) {
      const r = host.handle(victim, {
        op: 'open',
        dir: 1,
        follow: 1,
        oflags: 0,
        fdflags: 0,
        access: 1,
        path: Buffer.from(p),
      });
      if (r.op === 'open' && r.errno === 0) victimFids.push(r.fid);
    }
    const ok = await attack((req) => host.handle(attacker, req), victimFids, seed, 500);
    assert.ok(ok > 0, "some of the attacker's own requests succeed");
    // The victim's fids still work for the victim, and die with its detach.
    assert.equal(host.handle(victim, { op: 'fstat', fid: victimFids[1]! }).errno, 0);
    assert.equal(host.handle(victim, { op: 'detach' }).errno, 0);
    assert.equal(
      host.handle(victim, { op: 'fstat', fid: 1 }).errno,
      Errno.BADF,
      'a detached attachment names nothing',
    );
    assert.equal(host.handle(attacker, { op: 'detach' }).errno, 0);
    assert.equal(host.attachments, 0);
    host.close();
    victimIntact();
  }
});

test('shared gofer child: two containers attached, one attacks the other through its connection', async () => {
  const victim = await ProcessGofer.start(config(B));
  const attacker: GoferConnection = await ProcessGofer.start(config(A));
  assert.equal((victim as ProcessGofer).child, (attacker as ProcessGofer).child, 'one child');
  const victimFids: number[] = [1];
  for (const p of ['f', 'only-b', 'd']) {
    const r = await victim.call({
      op: 'open',
      dir: 1,
      follow: 1,
      oflags: 0,
      fdflags: 0,
      access: 1,
      path: Buffer.from(p),
    });
    if (r.errno === 0) victimFids.push(r.fid);
  }
  const ok = await attack((req) => attacker.call(req), victimFids, 4242, 1500);
  assert.ok(ok > 0);
  for (const fid of victimFids)
    assert.equal((await victim.call({ op: 'fstat', fid })).errno, 0, 'victim intact');
  const child = runningThreadGofer()!;
  const victimAtt = (victim as ProcessGofer).att;
  await victim.close();
  // Even the raw socket, naming the detached attachment, reaches nothing.
  assert.equal((await child.send(victimAtt, { op: 'fstat', fid: 1 })).errno, Errno.BADF);
  await attacker.close();
  assert.equal(child.attachments, 0);
  victimIntact();
});
