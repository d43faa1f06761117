// Serving the live trace UI: the static page from web/trace-ui, a WebSocket at /ws fed by a LiveHub,
// and /status (JSON). Used in process (`corral run --trace-serve`, tests) and by `corral trace
// serve`, which feeds the hub from sandboxes in other processes.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveHttp, type HttpServer } from '../../bridge/http_server.js';
import { LiveHub } from './sinks/live.js';

/** web/trace-ui, from dist/actors/trace/ (compiled) or actors/trace/ (sources). */
export const TRACE_UI_DIR = fileURLToPath(new URL('../../../web/trace-ui/', import.meta.url));

export interface LiveServer {
  readonly hub: LiveHub;
  readonly http: HttpServer;
  readonly url: string;
  close(): Promise<void>;
}

export interface LiveServerOptions {
  port?: number;
  host?: string;
  /** What /status answers and the hello message carries (sandbox ids, tracing state). */
  status?: () => Record<string, unknown>;
  hub?: LiveHub;
  staticDir?: string;
}

export async function serveTraceUi(opts: LiveServerOptions = {}): Promise<LiveServer> {
  const hub = opts.hub ?? new LiveHub();
  const status = opts.status ?? ((): Record<string, unknown> => ({}));
  const http = await serveHttp({
    host: opts.host,
    port: opts.port ?? 0,
    staticDir: opts.staticDir ?? (await uiDir()),
    routes: {
      '/status': () => ({
        type: 'application/json',
        body: JSON.stringify({ ...status(), viewers: hub.viewerCount, dropped: hub.dropped }),
      }),
    },
    ws: {
      path: '/ws',
      open: (c) => hub.open(c, status()),
      close: (c) => hub.close(c),
    },
  });
  return {
    hub,
    http,
    url: http.url,
    close: async () => {
      hub.disconnectAll();
      await http.close();
    },
  };
}

async function uiDir(): Promise<string> {
  // Compiled, this file is in dist/actors/trace; the UI is not compiled, so look in the sources too.
  if (existsSync(TRACE_UI_DIR)) return TRACE_UI_DIR;
  return fileURLToPath(new URL('../../web/trace-ui/', import.meta.url));
}
