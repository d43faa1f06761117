// The gofer protocol codec: every op's request and response survive a round trip byte-exactly,
// frames split anywhere reassemble, and malformed frames are refused (never crash the reader).

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  APPEND_OFFSET,
  FrameSplitter,
  ProtocolError,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type Req,
  type Res,
} from '../actors/gofer/protocol.js';
import { Errno } from '../platform/wasi_errno.js';
import { Filetype } from '../platform/wasi_types.js';

const p = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const stat = {
  dev: 1n,
  ino: 0xffff_ffff_ffffn,
  filetype: Filetype.REGULAR_FILE,
  nlink: 2n,
  size: 4096n,
  atim: 1n,
  mtim: 2n,
  ctim: 3n,
};

const REQUESTS: Req[] = [
  { op: 'attach', config: p('{"mounts":[]}') },
  { op: 'detach' },
  { op: 'open', dir: 1, follow: 1, oflags: 15, fdflags: 31, access: 3, path: p('a/\xff\xfe/..') },
  { op: 'close', fid: 0xffff_fff0 },
  { op: 'read', fid: 7, offset: 1n << 40n, len: 65536 },
  { op: 'write', fid: 7, offset: APPEND_OFFSET, data: new Uint8Array([0, 1, 2, 255]) },
  { op: 'readdir', fid: 9 },
  { op: 'fstat', fid: 9 },
  { op: 'stat', dir: 1, follow: 0, path: p('') },
  { op: 'setSize', fid: 9, size: 123n },
  { op: 'setTimes', fid: 9, atim: 5n, mtim: 6n, flags: 5 },
  { op: 'setTimesAt', dir: 1, follow: 1, path: p('x'), atim: 5n, mtim: 6n, flags: 10 },
  { op: 'sync', fid: 2, dataOnly: 1 },
  { op: 'allocate', fid: 2, offset: 0n, len: 10n },
  { op: 'mkdir', dir: 1, path: p('d') },
  { op: 'rmdir', dir: 1, path: p('d') },
  { op: 'unlink', dir: 1, path: p('f') },
  { op: 'rename', dir: 1, path: p('a'), dir2: 2, path2: p('b') },
  { op: 'symlink', target: p('/abs/target'), dir: 1, path: p('l') },
  { op: 'readlink', dir: 1, path: p('l') },
  { op: 'link', dir: 1, follow: 1, path: p('a'), dir2: 1, path2: p('b') },
  { op: 'adopt', path: p('/proc/1/fd/9'), mount: 2, names: p('a/b'), access: 3 },
];

const RESPONSES: Res[] = [
  { op: 'open', errno: 0, fid: 12, filetype: Filetype.REGULAR_FILE, data: p('head') },
  { op: 'open', errno: Errno.LOOP },
  { op: 'read', errno: 0, data: p('hello') },
  { op: 'write', errno: 0, n: 5, end: 99n },
  {
    op: 'readdir',
    errno: 0,
    entries: [
      { name: p('.'), ino: 1n, filetype: Filetype.DIRECTORY },
      { name: p('\xff'), ino: 2n, filetype: Filetype.SYMBOLIC_LINK },
    ],
  },
  { op: 'fstat', errno: 0, stat },
  { op: 'stat', errno: Errno.NOTCAPABLE },
  { op: 'close', errno: 0 },
  { op: 'readlink', errno: 0, target: p('t') },
  { op: 'attach', errno: 0, att: 7, message: p(''), pid: 4242, roots: p('\x05\x00\x00\x00') },
  { op: 'adopt', errno: 0, fid: 12, filetype: Filetype.REGULAR_FILE },
  { op: 'detach', errno: Errno.BADF },
];

test('every request round-trips', () => {
  for (const [i, req] of REQUESTS.entries()) {
    const f = encodeRequest(i + 1, req, 0xffff_fffe - i);
    assert.equal(f.readUInt32LE(0), f.length - 4);
    const back = decodeRequest(f);
    assert.equal(back.id, i + 1);
    assert.equal(back.att, 0xffff_fffe - i, 'the attachment travels in the header');
    assert.deepEqual(back.req, req);
  }
});

test('responses round-trip, errors without fields', () => {
  for (const res of RESPONSES) {
    const back = decodeResponse(encodeResponse(42, res));
    assert.equal(back.id, 42);
    assert.deepEqual(back.res, res);
  }
  // An error response carries no fields: 4 length + 4 id + 4 attachment + 1 op + 2 errno.
  assert.equal(encodeResponse(1, { op: 'open', errno: Errno.NOENT }).length, 15);
});

test('frames split at every byte boundary reassemble in order', () => {
  const frames = REQUESTS.map((r, i) => encodeRequest(i, r));
  const stream = Buffer.concat(frames);
  for (const step of [1, 2, 3, 7, 64, stream.length]) {
    const sp = new FrameSplitter();
    const got: Buffer[] = [];
    for (let o = 0; o < stream.length; o += step)
      sp.push(stream.subarray(o, o + step), (f) => got.push(Buffer.from(f)));
    assert.deepEqual(
      got.map((f) => decodeRequest(f).req),
      REQUESTS,
    );
  }
});

test('malformed frames are refused', () => {
  const good = encodeRequest(1, { op: 'mkdir', dir: 1, path: p('abc') });
  assert.throws(() => decodeRequest(good.subarray(0, good.length - 2)), ProtocolError);
  const badOp = Buffer.from(good);
  badOp[12] = 200;
  assert.throws(() => decodeRequest(badOp), ProtocolError);
  const lying = Buffer.from(good);
  lying.writeUInt32LE(1000, 17); // path length beyond the frame
  assert.throws(() => decodeRequest(lying), ProtocolError);
  const huge = Buffer.alloc(8);
  huge.writeUInt32LE(0xffff_ffff, 0);
  assert.throws(() => new FrameSplitter().push(huge, () => undefined), ProtocolError);
});

test('corral do --dir HOST::GUEST maps onto bind mounts', async () => {
  const { withDirs } = await import('../actors/gofer/mount_table.js');
  const base = { mounts: [{ guestPath: '/', hostPath: '/r', readonly: true }] };
  assert.deepEqual(withDirs(base, ['data::/data', '/abs::/x::ro'], '/cwd').mounts, [
    { guestPath: '/', hostPath: '/r', readonly: true },
    { guestPath: '/data', hostPath: '/cwd/data', readonly: false },
    { guestPath: '/x', hostPath: '/abs', readonly: true },
  ]);
  for (const bad of ['nohost', '::/g', 'h::relative', 'h::/g::rw', 'h::/g::ro::x'])
    assert.throws(() => withDirs(base, [bad]), /--dir/);
});
