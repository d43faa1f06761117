// Encoding of an Envelope into a ring frame and back. Only messages that cross threads pay this;
// a local send passes the Envelope object itself.
//
// Frame payload layout (little-endian), after the ring's own header which carries FrameKind:
//   0  to     f64      8  from   f64      16 id     f64      24 cause  f64
//   32 corr   u32      36 kindLen u16     38 bodyTag u8      39 (pad)
//   40 kind   kindLen bytes of ASCII/UTF-8, then the body.
// Bodies: undefined (no bytes), a Uint8Array (raw, copied once), or anything else through v8's
// structured-clone serializer, which keeps Maps, typed arrays, bigint and nested refs intact.
import { deserialize, serialize } from 'node:v8';
import type { ActorId, CorrelationId, MessageId } from './ids.js';
import { FrameKind, type Envelope } from './envelope.js';

const HEADER = 40;
const BODY_NONE = 0;
const BODY_RAW = 1;
const BODY_V8 = 2;

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
const kindBytes = new Map<string, Uint8Array>();
const kindStrings = new Map<number, string>();

function encodeKind(kind: string): Uint8Array {
  let b = kindBytes.get(kind);
  if (b === undefined) {
    b = utf8.encode(kind);
    if (b.length > 0xffff) throw new RangeError(`message kind is ${b.length} bytes, limit 65535`);
    if (kindBytes.size < 4096) kindBytes.set(kind, b);
  }
  return b;
}

/** A prepared frame: the sizes are known before the ring space is reserved. */
export interface PreparedFrame {
  readonly byteLength: number;
  write(dst: Uint8Array, offset: number): void;
}

export function prepareFrame(env: Envelope): PreparedFrame {
  const kind = encodeKind(env.kind);
  let tag = BODY_NONE;
  let body: Uint8Array | undefined;
  if (env.body instanceof Uint8Array) {
    tag = BODY_RAW;
    body = env.body;
  } else if (env.body !== undefined) {
    tag = BODY_V8;
    body = serialize(env.body);
  }
  const byteLength = HEADER + kind.length + (body?.length ?? 0);
  return {
    byteLength,
    write(dst: Uint8Array, offset: number): void {
      const dv = new DataView(dst.buffer, dst.byteOffset + offset, byteLength);
      dv.setFloat64(0, env.to, true);
      dv.setFloat64(8, env.from, true);
      dv.setFloat64(16, env.id, true);
      dv.setFloat64(24, env.cause, true);
      dv.setUint32(32, env.corr, true);
      dv.setUint16(36, kind.length, true);
      dv.setUint8(38, tag);
      dst.set(kind, offset + HEADER);
      if (body !== undefined) dst.set(body, offset + HEADER + kind.length);
    },
  };
}

/** Decodes a frame. `payload` is only valid during the ring's drain callback, so bodies are copied out. */
export function decodeFrame(frame: FrameKind, payload: Uint8Array): Envelope {
  if (payload.length < HEADER)
    throw new RangeError(`actor frame of ${payload.length} bytes is shorter than its header`);
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const kindLen = dv.getUint16(36, true);
  const tag = dv.getUint8(38);
  const kindEnd = HEADER + kindLen;
  if (kindEnd > payload.length) throw new RangeError('actor frame kind overruns the frame');
  const kind = decodeKind(payload, HEADER, kindEnd);
  let body: unknown;
  if (tag === BODY_RAW) body = payload.slice(kindEnd);
  else if (tag === BODY_V8) body = deserialize(payload.subarray(kindEnd));
  else if (tag !== BODY_NONE) throw new RangeError(`actor frame has unknown body tag ${tag}`);
  return {
    frame,
    to: dv.getFloat64(0, true) as ActorId,
    from: dv.getFloat64(8, true) as ActorId,
    id: dv.getFloat64(16, true) as MessageId,
    cause: dv.getFloat64(24, true) as MessageId,
    corr: dv.getUint32(32, true) as CorrelationId,
    kind,
    body,
    bytes: payload.length,
    isRequest: frame === FrameKind.Request,
  };
}

/** Kinds repeat endlessly; a small cache keyed by a cheap hash of short ASCII kinds avoids decoding. */
function decodeKind(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n > 24) return utf8d.decode(b.subarray(start, end));
  let h = n;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
  const cached = kindStrings.get(h);
  if (cached !== undefined && cached.length === n && matches(cached, b, start)) return cached;
  const s = utf8d.decode(b.subarray(start, end));
  if (kindStrings.size < 4096) kindStrings.set(h, s);
  return s;
}

function matches(s: string, b: Uint8Array, start: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== b[start + i]) return false;
  return true;
}
