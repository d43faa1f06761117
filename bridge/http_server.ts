// Corral's HTTP and WebSocket server (uWebSockets.js): serves a static folder (the live trace UI),
// a few GET routes, and one WebSocket endpoint. Sending never blocks and never queues without
// bound: a client with more than `maxBackpressure` bytes unsent has messages dropped, and the
// caller is told (send returns false) so that it can count them.
//
// close() stops listening and closes every socket; afterwards the server holds no handle, so a
// process (or a test) ends normally.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, normalize, sep } from 'node:path';
import type * as UWS from '@trufflesuite/uws-js-unofficial';

/** The addon, once loaded; per thread (module state). */
let addon: typeof UWS | undefined;

/**
 * uWebSockets.js, loaded on first use. A static import would load its ~6 MB native library in
 * every process whose module graph reaches this file, whether it serves HTTP or not: the CLI
 * bundle hoists it to the top, so `corral run` paid for it (~10 ms idle, far more under load)
 * before its first line ran, as does a sandbox host through its trace session.
 */
function uWS(): typeof UWS {
  addon ??= createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as typeof UWS;
  return addon;
}

export interface WsClient {
  /** Sends a text message; false when it was dropped because the client is too far behind. */
  send(text: string): boolean;
  /** Bytes queued for this client and not yet sent. */
  readonly buffered: number;
  close(): void;
}

export interface RouteReply {
  status?: number;
  type?: string;
  body: string | Uint8Array;
}

export interface WsHandlers {
  path: string;
  open(client: WsClient): void;
  message?(client: WsClient, text: string): void;
  close(client: WsClient): void;
  /** Bytes a client may have unsent before its messages are dropped (default 8 MiB). */
  maxBackpressure?: number;
}

export interface HttpServerOptions {
  /** Default 127.0.0.1: a debugging UI is not for the network unless asked. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Files served under `/` (index.html for `/`). */
  staticDir?: string;
  /** GET routes by exact path, answered before the static files. */
  routes?: Record<string, (query: string) => RouteReply | Promise<RouteReply>>;
  ws?: WsHandlers;
}

export interface HttpServer {
  readonly port: number;
  readonly url: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

interface Conn {
  client: WsClient;
  closed: boolean;
}

export function serveHttp(opts: HttpServerOptions): Promise<HttpServer> {
  const app = uWS().App();
  const host = opts.host ?? '127.0.0.1';
  /** Open WebSockets, closed by close(); owned by this server (the thread that made it). */
  const sockets = new Set<UWS.WebSocket<Conn>>();
  const max = opts.ws?.maxBackpressure ?? 8 << 20;

  if (opts.ws !== undefined) {
    const h = opts.ws;
    app.ws<Conn>(h.path, {
      maxBackpressure: max,
      maxPayloadLength: 1 << 20,
      idleTimeout: 0,
      upgrade: (res, req, context) => {
        const conn: Conn = { client: null!, closed: false };
        res.upgrade(
          conn,
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        sockets.add(ws);
        const conn = ws.getUserData();
        conn.client = {
          send: (text) => {
            if (conn.closed || ws.getBufferedAmount() > max) return false;
            return ws.send(text, false) !== 2;
          },
          get buffered() {
            return conn.closed ? 0 : ws.getBufferedAmount();
          },
          close: () => {
            if (!conn.closed) ws.end(1000);
          },
        };
        h.open(conn.client);
      },
      message: (ws, msg) => h.message?.(ws.getUserData().client, Buffer.from(msg).toString('utf8')),
      close: (ws) => {
        sockets.delete(ws);
        const conn = ws.getUserData();
        conn.closed = true;
        h.close(conn.client);
      },
    });
  }

  app.get('/*', (res, req) => {
    const url = req.getUrl();
    const query = req.getQuery() ?? '';
    const route = opts.routes?.[url];
    if (route !== undefined) {
      let aborted = false;
      res.onAborted(() => (aborted = true));
      Promise.resolve()
        .then(() => route(query))
        .then(
          (r) => !aborted && res.cork(() => reply(res, r)),
          (e: unknown) =>
            !aborted && res.cork(() => reply(res, { status: 500, body: String((e as Error).message) })),
        );
      return;
    }
    reply(res, staticFile(opts.staticDir, url));
  });

  return new Promise((resolve, reject) => {
    app.listen(host, opts.port ?? 0, (token) => {
      if (token === false) {
        reject(new Error(`cannot listen on ${host}:${opts.port ?? 0}: address in use or not allowed`));
        return;
      }
      const port = uWS().us_socket_local_port(token);
      let closed = false;
      resolve({
        port,
        url: `http://${host}:${port}/`,
        close: () => {
          if (!closed) {
            closed = true;
            uWS().us_listen_socket_close(token);
            for (const ws of [...sockets]) ws.close();
            sockets.clear();
          }
          return Promise.resolve();
        },
      });
    });
  });
}

function reply(res: UWS.HttpResponse, r: RouteReply): void {
  res.writeStatus(statusLine(r.status ?? 200));
  res.writeHeader('content-type', r.type ?? 'text/plain; charset=utf-8');
  res.writeHeader('cache-control', 'no-store');
  // Connection: close, so that close() leaves no idle keep-alive connection (a debug UI loads a few files).
  res.end(r.body, true);
}

function statusLine(code: number): string {
  const text: Record<number, string> = { 200: 'OK', 404: 'Not Found', 500: 'Internal Server Error' };
  return `${code} ${text[code] ?? ''}`.trim();
}

/** A file below `dir`, never outside it (`..` is normalised away before the check). */
function staticFile(dir: string | undefined, url: string): RouteReply {
  if (dir === undefined) return { status: 404, body: 'not found' };
  const rel = normalize(decodeURIComponent(url === '/' ? '/index.html' : url)).replace(/^([/\\])+/, '');
  const path = join(dir, rel);
  if (!(path + sep).startsWith(normalize(dir + sep)) || rel.startsWith('..')) {
    return { status: 404, body: 'not found' };
  }
  try {
    if (!statSync(path).isFile()) return { status: 404, body: 'not found' };
    return { type: TYPES[extname(path)] ?? 'application/octet-stream', body: readFileSync(path) };
  } catch {
    return { status: 404, body: 'not found' };
  }
}
