// A minimal WebSocket client for the trace tests (Node 20 has none built in): HTTP upgrade, then
// unmasked text frames from the server, parsed as JSON. Client-to-server frames are not needed.
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

export interface WsMessages {
  readonly messages: unknown[];
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

export function connectWs(url: string): Promise<WsMessages> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      },
    });
    req.on('error', reject);
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      const messages: unknown[] = [];
      let buf = head;
      let resolveClosed!: () => void;
      const closed = new Promise<void>((r) => (resolveClosed = r));
      const parse = (): void => {
        for (;;) {
          if (buf.length < 2) return;
          const op = buf[0]! & 0x0f;
          let len = buf[1]! & 0x7f;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          if (buf.length < off + len) return;
          const payload = buf.subarray(off, off + len);
          buf = buf.subarray(off + len);
          if (op === 1) messages.push(JSON.parse(payload.toString('utf8')));
          if (op === 8) socket.end();
        }
      };
      socket.on('data', (d: Buffer) => {
        buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
        parse();
      });
      socket.on('close', () => resolveClosed());
      socket.on('error', () => undefined);
      parse();
      resolve({ messages, closed, close: () => socket.destroy() });
    });
    req.end();
  });
}
