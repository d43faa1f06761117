// The shared gofer child process: `node gofer_main.js`, one per sandbox host thread, serving every
// container attached to it (gofer_host.ts). Requests arrive on fd 0 and answers leave on fd 1,
// both ends of a Unix socketpair made by the parent (libuv's stdio pipes). The child has nothing
// else to do, so it serves with blocking reads and writes: no event loop between a request and its
// answer; the requests of one read are answered with one write. It exits when the parent hangs up
// (read returns 0), releasing every attachment (fds closed, tmpfs removed).

import { readSync, writeSync } from 'node:fs';
import { GoferHost } from './gofer_host.js';
import { FrameSplitter, decodeRequest, encodeResponse } from './protocol.js';
import { READY_MARK_VALUE } from './ready_mark.js';

function writeAll(buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(1, buf, off, buf.length - off);
}

function main(): void {
  const host = new GoferHost();
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
      const { id, att, req } = decodeRequest(f);
      out.push(encodeResponse(id, host.handle(att, req), att));
    });
    if (out.length > 0) writeAll(out.length === 1 ? out[0]! : Buffer.concat(out));
  }
  host.close();
  process.exit(0);
}

main();
