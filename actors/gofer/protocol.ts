// The gofer protocol: Corral's own compact binary protocol between a sandbox host thread and the
// file server of its containers (runsc speaks 9P/lisafs here). Requests and responses are tagged unions
// whose fields are declared once, in the schemas below; the codec walks a schema, so a new
// operation is one line on each side.
//
// Frame: u32 length of the rest | u32 request id | u32 attachment | u8 op | body.
//   attachment: the container the request is for (one gofer serves every container of a thread);
//   `attach` makes one from a GoferConfig, `detach` ends it. Fids are numbered per attachment, so
//   a fid never names anything of another container.
//   request body:  the op's request fields, in schema order.
//   response body: u16 errno (WASI numbering) | the op's response fields when errno is 0.
// Integers are little-endian; `bytes` is u32 length + bytes; `stat` a 64-byte witx filestat;
// `dirents` a u32 count of (u64 ino | u8 filetype | bytes name). Paths are raw bytes: names need
// not be UTF-8.

import type { FailureErrno } from '../../platform/wasi_errno.js';
import {
  FILESTAT_SIZE,
  decodeFilestat,
  encodeFilestat,
  type DirEntry,
  type Filestat,
} from '../../platform/wasi_fs_types.js';
import type { Filetype } from '../../platform/wasi_types.js';

type Kind = 'u8' | 'u16' | 'u32' | 'u64' | 'bytes' | 'stat' | 'dirents';
type KindType<K extends Kind> = K extends 'u64'
  ? bigint
  : K extends 'bytes'
    ? Uint8Array
    : K extends 'stat'
      ? Filestat
      : K extends 'dirents'
        ? DirEntry[]
        : number;
type Schema = Readonly<Record<string, Kind>>;
type Fields<S extends Schema> = { -readonly [F in keyof S]: KindType<S[F]> };

/** Write offset meaning "append at the end" (the fid was opened with O_APPEND). */
export const APPEND_OFFSET = 0xffff_ffff_ffff_ffffn;
/**
 * access bits of `open`. AHEAD: answer with the file's first OPEN_AHEAD bytes too (a regular file
 * opened for reading), so that open + read of a small file is one round trip.
 */
export const Access = { READ: 1, WRITE: 2, AHEAD: 4 } as const;
/** How much an `open` with Access.AHEAD reads: most files a program opens and reads are small. */
export const OPEN_AHEAD = 16 * 1024;

/** Request fields per op. `dir` fids name the directory a relative `path` starts from. */
const REQUEST = {
  /** `config`: a GoferConfig as JSON. Sent with attachment 0. */
  attach: { config: 'bytes' },
  detach: {},
  open: { dir: 'u32', follow: 'u8', oflags: 'u16', fdflags: 'u16', access: 'u8', path: 'bytes' },
  close: { fid: 'u32' },
  read: { fid: 'u32', offset: 'u64', len: 'u32' },
  write: { fid: 'u32', offset: 'u64', data: 'bytes' },
  readdir: { fid: 'u32' },
  fstat: { fid: 'u32' },
  stat: { dir: 'u32', follow: 'u8', path: 'bytes' },
  setSize: { fid: 'u32', size: 'u64' },
  setTimes: { fid: 'u32', atim: 'u64', mtim: 'u64', flags: 'u16' },
  setTimesAt: { dir: 'u32', follow: 'u8', path: 'bytes', atim: 'u64', mtim: 'u64', flags: 'u16' },
  sync: { fid: 'u32', dataOnly: 'u8' },
  allocate: { fid: 'u32', offset: 'u64', len: 'u64' },
  mkdir: { dir: 'u32', path: 'bytes' },
  rmdir: { dir: 'u32', path: 'bytes' },
  unlink: { dir: 'u32', path: 'bytes' },
  rename: { dir: 'u32', path: 'bytes', dir2: 'u32', path2: 'bytes' },
  symlink: { target: 'bytes', dir: 'u32', path: 'bytes' },
  readlink: { dir: 'u32', path: 'bytes' },
  link: { dir: 'u32', follow: 'u8', path: 'bytes', dir2: 'u32', path2: 'bytes' },
  /**
   * Takes over a file the sandbox opened itself through the roots this gofer donated (direct
   * file service, platform/direct_layout.ts): `path` is the /proc magic link of the sandbox's fd
   * (opening it reopens that very file, with no path lookup), `mount` its mount's index, `names`
   * its canonical guest path ('/'-joined components; directories only), `access` Access bits.
   */
  adopt: { path: 'bytes', mount: 'u32', names: 'bytes', access: 'u8' },
} as const satisfies Record<string, Schema>;

/** Response fields per op (after errno 0). */
const RESPONSE = {
  /**
   * `att` 0: the mounts could not be opened, `message` says why (errno alone cannot). `pid` and
   * `roots` (little-endian i32 fds, one per mount) name the mount roots the gofer holds open, which
   * the sandbox reopens through /proc/<pid>/fd/<fd> for its direct file service.
   */
  attach: { att: 'u32', message: 'bytes', pid: 'u32', roots: 'bytes' },
  detach: {},
  /** `data`: the first bytes of the file when asked (Access.AHEAD), else empty. */
  open: { fid: 'u32', filetype: 'u8', data: 'bytes' },
  close: {},
  read: { data: 'bytes' },
  write: { n: 'u32', end: 'u64' },
  readdir: { entries: 'dirents' },
  fstat: { stat: 'stat' },
  stat: { stat: 'stat' },
  setSize: {},
  setTimes: {},
  setTimesAt: {},
  sync: {},
  allocate: {},
  mkdir: {},
  rmdir: {},
  unlink: {},
  rename: {},
  symlink: {},
  readlink: { target: 'bytes' },
  link: {},
  adopt: { fid: 'u32', filetype: 'u8' },
} as const satisfies { [O in keyof typeof REQUEST]: Schema };

export type Op = keyof typeof REQUEST;
const OPS = Object.keys(REQUEST) as Op[];
const OP_CODE = new Map<Op, number>(OPS.map((o, i) => [o, i + 1]));

export type Req<O extends Op = Op> = { [K in O]: { op: K } & Fields<(typeof REQUEST)[K]> }[O];
export type Ok<O extends Op> = { op: O; errno: 0 } & Fields<(typeof RESPONSE)[O]>;
export type Res<O extends Op = Op> = { [K in O]: Ok<K> | { op: K; errno: FailureErrno } }[O];

/** The response type for a request type. */
export type ResOf<R extends Req> = Res<R['op']>;

// ---- codec ----------------------------------------------------------------------------------

class Writer {
  buf: Buffer;
  len = 0;
  constructor(size: number) {
    // Sized for the whole frame up front: a 64 KiB write is one allocation, not ten doublings.
    this.buf = Buffer.allocUnsafe(size);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number) {
    this.room(1);
    this.buf[this.len++] = v;
  }
  u16(v: number) {
    this.room(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
  }
  u32(v: number) {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
  }
  u64(v: bigint) {
    this.room(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.len);
    this.len += 8;
  }
  bytes(b: Uint8Array) {
    this.u32(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  stat(s: Filestat) {
    this.room(FILESTAT_SIZE);
    encodeFilestat(new DataView(this.buf.buffer, this.buf.byteOffset), this.len, s);
    this.len += FILESTAT_SIZE;
  }
  dirents(es: DirEntry[]) {
    this.u32(es.length);
    for (const e of es) {
      this.u64(e.ino);
      this.u8(e.filetype);
      this.bytes(e.name);
    }
  }
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos: number,
    /** `bytes` may be views of `buf` (it is never reused: the sandbox side's stream chunks). */
    readonly views = false,
  ) {
    this.pos = pos;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtocolError('truncated frame');
  }
  u8() {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16() {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32() {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64() {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes() {
    const n = this.u32();
    this.need(n);
    if (this.views) {
      const v = this.buf.subarray(this.pos, this.pos + n);
      this.pos += n;
      return v;
    }
    // A copy: the gofer child reuses its read buffer, and the server keeps names it is given.
    const b = new Uint8Array(n);
    b.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }
  stat() {
    this.need(FILESTAT_SIZE);
    const s = decodeFilestat(new DataView(this.buf.buffer, this.buf.byteOffset), this.pos);
    this.pos += FILESTAT_SIZE;
    return s;
  }
  dirents() {
    const n = this.u32();
    const out: DirEntry[] = [];
    for (let i = 0; i < n; i++) {
      const ino = this.u64();
      const filetype = this.u8() as Filetype;
      out.push({ ino, filetype, name: this.bytes() });
    }
    return out;
  }
}

/** A malformed frame: the peer is broken or hostile; the connection must be dropped. */
export class ProtocolError extends Error {
  readonly code = 'EPROTO';
}

/** The schemas as field lists, made once: the codec runs for every file call. */
type FieldList = readonly (readonly [string, Kind])[];
const fieldsOf = (x: Record<string, Schema>) =>
  new Map(Object.entries(x).map(([op, sc]) => [op as Op, Object.entries(sc) as FieldList]));
const REQUEST_FIELDS = fieldsOf(REQUEST);
const RESPONSE_FIELDS = fieldsOf(RESPONSE);

/** Bytes a frame with `fields` of `obj` needs (exact but for dirents, which grow the buffer). */
function sizeOf(fields: FieldList, obj: Record<string, unknown>): number {
  let n = 32;
  for (const [name, kind] of fields) {
    if (kind === 'bytes') n += 4 + (obj[name] as Uint8Array).length;
    else if (kind === 'stat') n += FILESTAT_SIZE;
    else n += 8;
  }
  return n;
}

function writeFields(w: Writer, fields: FieldList, obj: Record<string, unknown>): void {
  for (const [name, kind] of fields) (w[kind] as (v: unknown) => void)(obj[name]);
}

function readFields(r: Reader, fields: FieldList, into: Record<string, unknown>): void {
  for (const [name, kind] of fields) into[name] = r[kind]();
}

function frame(w: Writer, id: number, att: number, op: Op): void {
  w.u32(0); // length, patched by finish()
  w.u32(id);
  w.u32(att);
  w.u8(OP_CODE.get(op)!);
}

function finish(w: Writer): Buffer {
  w.buf.writeUInt32LE(w.len - 4, 0);
  return w.buf.subarray(0, w.len);
}

export function encodeRequest(id: number, req: Req, att = 0): Buffer {
  const fields = REQUEST_FIELDS.get(req.op)!;
  const obj = req as unknown as Record<string, unknown>;
  const w = new Writer(sizeOf(fields, obj));
  frame(w, id, att, req.op);
  writeFields(w, fields, obj);
  return finish(w);
}

export function encodeResponse(id: number, res: Res, att = 0): Buffer {
  const fields = RESPONSE_FIELDS.get(res.op)!;
  const obj = res as unknown as Record<string, unknown>;
  const w = new Writer(res.errno === 0 ? sizeOf(fields, obj) : 32);
  frame(w, id, att, res.op);
  w.u16(res.errno);
  if (res.errno === 0) writeFields(w, fields, obj);
  return finish(w);
}

function opAt(r: Reader): Op {
  const code = r.u8();
  const op = OPS[code - 1];
  if (op === undefined) throw new ProtocolError(`unknown op ${code}`);
  return op;
}

/** Decodes one whole frame (as split by FrameSplitter). */
export function decodeRequest(frameBuf: Buffer): { id: number; att: number; req: Req } {
  const r = new Reader(frameBuf, 4);
  const id = r.u32();
  const att = r.u32();
  const op = opAt(r);
  const req: Record<string, unknown> = { op };
  readFields(r, REQUEST_FIELDS.get(op)!, req);
  return { id, att, req: req as Req };
}

/** `views`: byte fields may be views of `frameBuf`, which the caller never reuses (zero-copy). */
export function decodeResponse(frameBuf: Buffer, views = false): { id: number; att: number; res: Res } {
  const r = new Reader(frameBuf, 4, views);
  const id = r.u32();
  const att = r.u32();
  const op = opAt(r);
  const res: Record<string, unknown> = { op, errno: r.u16() };
  if (res.errno === 0) readFields(r, RESPONSE_FIELDS.get(op)!, res);
  return { id, att, res: res as Res };
}

/** Largest frame either side accepts: bigger means a broken peer. */
export const MAX_FRAME = 64 * 1024 * 1024;

/** Splits a byte stream into whole frames (each including its length prefix). */
export class FrameSplitter {
  /** Chunks of a frame not yet whole, and their total length; owned by this splitter. */
  private parts: Buffer[] = [];
  private partsLen = 0;

  push(chunk: Buffer, onFrame: (f: Buffer) => void): void {
    let buf = chunk;
    if (this.partsLen > 0) {
      // A large frame arrives in many chunks: join them once it is whole, not at every chunk.
      this.parts.push(chunk);
      this.partsLen += chunk.length;
      if (this.partsLen < 4) return;
      const head = this.parts[0]!.length >= 4 ? this.parts[0]! : Buffer.concat(this.parts);
      const n = head.readUInt32LE(0);
      if (n > MAX_FRAME) throw new ProtocolError(`frame of ${n} bytes`);
      if (this.partsLen < 4 + n) return;
      buf = Buffer.concat(this.parts, this.partsLen);
      this.parts = [];
      this.partsLen = 0;
    }
    while (buf.length >= 4) {
      const n = buf.readUInt32LE(0);
      if (n > MAX_FRAME) throw new ProtocolError(`frame of ${n} bytes`);
      if (buf.length < 4 + n) break;
      onFrame(buf.subarray(0, 4 + n));
      buf = buf.subarray(4 + n);
    }
    if (buf.length > 0) {
      // A copy: the caller may reuse `chunk` (the gofer child's read buffer).
      this.parts = [Buffer.from(buf)];
      this.partsLen = buf.length;
    }
  }
}
