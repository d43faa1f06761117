// The gofer child process: `node gofer_main.js '<GoferConfig JSON>'`. Requests arrive on fd 0 and
// answers leave on fd 1, both ends of a Unix socketpair made by the parent (libuv's stdio pipes).
// The child has nothing else to do, so it serves with blocking reads and writes: no event loop
// between a request and its answer. It exits when the parent hangs up (read returns 0).
//
// `node gofer_main.js -`: a spare started before its container is known (prestartGofer); its
// configuration is the first thing on fd 0, as u32 length + JSON. It exits if the parent hangs up
// first.

import { readSync, writeSync } from 'node:fs';
import { GoferServer } from './server.js';
import { FrameSplitter, decodeRequest, encodeResponse } from './protocol.js';
import type { GoferConfig } from './mount_table.js';
import { READY_MARK_VALUE } from './ready_mark.js';

function writeAll(buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(1, buf, off, buf.length - off);
}

/** Reads exactly `n` bytes from fd 0, or null at end of file. */
function readExactly(n: number): Buffer | null {
  const out = Buffer.alloc(n);
  let off = 0;
  while (off < n) {
    let k: number;
    try {
      k = readSync(0, out, off, n - off, null);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EAGAIN' || code === 'EINTR') continue;
      throw e;
    }
    if (k === 0) return null;
    off += k;
  }
  return out;
}

/** The configuration: argv[2], or for a spare ('-') the first frame its parent sends. */
function readConfig(): GoferConfig {
  const arg = process.argv[2] ?? '';
  if (arg !== '-') return JSON.parse(arg) as GoferConfig;
  const len = readExactly(4);
  const body = len === null ? null : readExactly(len.readUInt32LE(0));
  if (body === null) process.exit(0); // never used: the parent went away
  return JSON.parse(body.toString('utf8')) as GoferConfig;
}

function main(): void {
  const config = readConfig();
  let server: GoferServer;
  try {
    server = new GoferServer(config);
  } catch (e) {
    // The parent reports this line as why the gofer could not start (a missing mount source...).
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const ready = Buffer.alloc(4);
  ready.writeUInt32LE(READY_MARK_VALUE, 0);
  writeAll(ready);
  const splitter = new FrameSplitter();
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EAGAIN' || code === 'EINTR') continue;
      break;
    }
    if (n === 0) break; // the sandbox hung up
    const out: Buffer[] = [];
    splitter.push(buf.subarray(0, n), (f) => {
      const { id, req } = decodeRequest(f);
      out.push(encodeResponse(id, server.handle(req)));
    });
    if (out.length > 0) writeAll(out.length === 1 ? out[0]! : Buffer.concat(out));
  }
  server.close();
  process.exit(0);
}

main();
