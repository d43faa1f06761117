// `corral trace start|stop|status ID` and `corral trace serve [--port P] [ID…]`: tracing a running
// sandbox at run time. start/stop/status are one `{op: 'trace'}` request each to the sandbox host
// (answered by actors/trace/loader_trace_ops.ts). serve runs the live UI here and feeds it by
// polling each sandbox; tracing it started is stopped when it ends (Ctrl-C). The arguments are
// parsed with every other command's (args.ts, commands.ts).
//
//   corral trace start [--file F] [--format chrome|strace] ID
//   corral trace stop ID
//   corral trace status ID
//   corral trace serve [--port P] [--host H] [ID...]
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { controlRequest } from '../bridge/control_socket.js';
import type { TraceReply, TraceRequest } from '../actors/loader/control_protocol.js';
import { serveTraceUi, type LiveServer } from '../actors/trace/live_server.js';
import { parseTraceArgs, type GlobalFlags, type TraceCommand } from './args.js';
import { openStore } from './cmd_common.js';

export { parseTraceArgs };
export type { TraceCommand };

/** Sends one trace request to the sandbox of container `id`. */
export type TraceRequester = (id: string, req: TraceRequest) => Promise<TraceReply>;

export interface TraceIo {
  /** Where results go (stdout by default). */
  out?: (text: string) => void;
  /** Ends `serve` (SIGINT/SIGTERM by default). */
  signal?: AbortSignal;
  request?: TraceRequester;
  /** Called once `serve` listens, with its URL. */
  onServing?: (server: LiveServer) => void;
  pollMs?: number;
}

function defaultRequester(global: GlobalFlags): TraceRequester {
  const store = openStore(global);
  return (id, req) => {
    const state = store.load(id);
    return controlRequest<TraceReply>(state.controlAddress, req as TraceRequest & Record<string, unknown>, {
      hostPid: state.pid,
      container: id,
    });
  };
}

export function formatStatus(id: string, s: TraceReply): string {
  const sinks = s.sinks.map((k) => `${k.name}${k.dropped > 0 ? ` (dropped ${k.dropped})` : ''}`).join(', ');
  return (
    `${id}: tracing ${s.on ? 'on' : 'off'}` +
    (s.since > 0 ? ` since ${new Date(s.since).toISOString()}` : '') +
    `, events: ${s.events}, dropped: ${s.dropped}` +
    (sinks.length > 0 ? `, sinks: ${sinks}` : '') +
    '\n'
  );
}

export async function runTraceCommand(cmd: TraceCommand, io: TraceIo = {}): Promise<number> {
  const out = io.out ?? ((t: string): void => void process.stdout.write(t));
  const request = io.request ?? defaultRequester(cmd.global);
  switch (cmd.action) {
    case 'start': {
      const file = cmd.flags.file === undefined ? undefined : path.resolve(cmd.flags.file);
      const s = await request(cmd.ids[0]!, {
        op: 'trace',
        action: 'start',
        ...(file !== undefined ? { file } : {}),
        ...(cmd.flags.format !== undefined ? { format: cmd.flags.format } : {}),
      });
      out(formatStatus(cmd.ids[0]!, s));
      return 0;
    }
    case 'stop':
    case 'status':
      out(formatStatus(cmd.ids[0]!, await request(cmd.ids[0]!, { op: 'trace', action: cmd.action })));
      return 0;
    case 'serve':
      return serve(cmd, io, out, request);
  }
}

async function serve(
  cmd: TraceCommand,
  io: TraceIo,
  out: (t: string) => void,
  request: TraceRequester,
): Promise<number> {
  const started: string[] = [];
  const dropped = new Map<string, number>();
  const server = await serveTraceUi({
    port: cmd.flags.port ?? 0,
    ...(cmd.flags.host !== undefined ? { host: cmd.flags.host } : {}),
    status: () => ({ sandboxes: cmd.ids }),
  });
  let ctl: AbortController | undefined;
  let signal = io.signal;
  if (signal === undefined) {
    ctl = new AbortController();
    signal = ctl.signal;
    const end = (): void => ctl!.abort();
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
  }
  try {
    for (const id of cmd.ids) {
      const s = await request(id, { op: 'trace', action: 'status' });
      if (!s.on) {
        await request(id, { op: 'trace', action: 'start' });
        started.push(id);
      }
    }
    out(
      `serving the trace UI at ${server.url} (${cmd.ids.length > 0 ? cmd.ids.join(', ') : 'no sandbox'}); Ctrl-C ends\n`,
    );
    io.onServing?.(server);
    const pollMs = io.pollMs ?? 100;
    while (!signal.aborted) {
      for (const id of cmd.ids) {
        const r = await request(id, { op: 'trace', action: 'poll' }).catch(() => null);
        if (r === null) continue; // the sandbox is gone: keep serving what was seen
        const batch = r.batch ?? [];
        if (r.dropped !== (dropped.get(id) ?? 0)) {
          dropped.set(id, r.dropped);
          batch.push({ t: 'stat', ts: Date.now(), dropped: r.dropped, events: r.events });
        }
        if (batch.length > 0) server.hub.write(batch);
      }
      await sleep(pollMs, undefined, { signal }).catch(() => undefined); // aborted: the loop ends
    }
  } finally {
    for (const id of started) await request(id, { op: 'trace', action: 'stop' }).catch(() => undefined);
    await server.close();
  }
  return 0;
}
