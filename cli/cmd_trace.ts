// `corral trace start|stop|status ID` and `corral trace serve [--port P] [ID…]`: tracing a running
// sandbox at run time. start/stop/status are one `{op: 'trace'}` request each to the sandbox host
// (answered by actors/trace/loader_trace_ops.ts). serve runs the live UI here and feeds it by
// polling each sandbox; tracing it started is stopped when it ends (Ctrl-C).
//
//   corral trace start [--file F] [--format chrome|strace] ID
//   corral trace stop ID
//   corral trace status ID
//   corral trace serve [--port P] [--host H] [ID...]
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { controlRequest } from '../bridge/control_socket.js';
import type { TraceFormat, TraceReply, TraceRequest } from '../actors/trace/loader_trace_ops.js';
import { serveTraceUi, type LiveServer } from '../actors/trace/live_server.js';
import type { GlobalFlags } from './args.js';
import { CliError, openStore } from './cmd_common.js';

export type TraceAction = 'start' | 'stop' | 'status' | 'serve';

export interface TraceCommand {
  readonly command: 'trace';
  readonly global: GlobalFlags;
  readonly action: TraceAction;
  readonly ids: readonly string[];
  readonly flags: { file?: string; format?: TraceFormat; port?: number; host?: string };
}

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

export const TRACE_USAGE =
  'usage: corral trace start [--file F] [--format chrome|strace] ID | stop ID | status ID | serve [--port P] [--host H] [ID...]';

/** Parses the words after `corral trace`. Throws CliError (exit 2) on bad usage. */
export function parseTraceArgs(global: GlobalFlags, argv: readonly string[]): TraceCommand {
  const [action, ...rest] = argv;
  if (action !== 'start' && action !== 'stop' && action !== 'status' && action !== 'serve') {
    throw new CliError(`trace: unknown action "${action ?? ''}"\n${TRACE_USAGE}`, 2);
  }
  const flags: { file?: string; format?: TraceFormat; port?: number; host?: string } = {};
  const ids: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? (eq > 0 ? a.slice(2, eq) : a.slice(2)) : null;
    if (name === null) {
      ids.push(a);
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined) throw new CliError(`trace: --${name} needs a value\n${TRACE_USAGE}`, 2);
    if (name === 'file' && action === 'start') flags.file = value;
    else if (name === 'format' && action === 'start') {
      if (value !== 'chrome' && value !== 'strace')
        throw new CliError(`trace: --format must be chrome or strace, not "${value}"`, 2);
      flags.format = value;
    } else if (name === 'port' && action === 'serve') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CliError(`trace: --port must be a port number, not "${value}"`, 2);
      flags.port = port;
    } else if (name === 'host' && action === 'serve') flags.host = value;
    else throw new CliError(`trace ${action}: unknown flag --${name}\n${TRACE_USAGE}`, 2);
  }
  if (action !== 'serve' && ids.length !== 1)
    throw new CliError(`trace ${action}: needs exactly one container id\n${TRACE_USAGE}`, 2);
  return { command: 'trace', global, action, ids, flags };
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
