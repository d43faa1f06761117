// `corral trace start|stop|status|serve`: argument parsing, the requests sent, the status text,
// and `serve` feeding the live UI by polling a sandbox, then stopping the tracing it started.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ActorSystem } from '../actors/runtime/index.js';
import { SandboxTraceControl, type TraceRequest } from '../actors/trace/loader_trace_ops.js';
import { traceLifecycle } from '../actors/trace/thread_trace.js';
import type { TraceEvent } from '../actors/trace/events.js';
import { parseArgs } from '../cli/args.js';
import { parseTraceArgs, runTraceCommand, type TraceRequester } from '../cli/cmd_trace.js';
import { connectWs } from './trace-wsclient.js';

const G = { debug: false };

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('parsing: actions, flags, ids and clear usage errors', () => {
  assert.deepEqual(parseTraceArgs(G, ['start', '--file', 'x.json', 'c1']), {
    command: 'trace',
    global: G,
    action: 'start',
    ids: ['c1'],
    positionals: ['start', 'c1'],
    flags: { file: 'x.json' },
  });
  assert.deepEqual(parseTraceArgs(G, ['start', '--format=strace', 'c1']).flags, { format: 'strace' });
  assert.deepEqual(parseTraceArgs(G, ['serve', '--port', '8080', 'a', 'b']).ids, ['a', 'b']);
  assert.equal(parseTraceArgs(G, ['serve']).flags.port, undefined);
  assert.throws(() => parseTraceArgs(G, ['begin', 'c1']), /unknown action "begin"/);
  assert.throws(() => parseTraceArgs(G, ['stop']), /trace stop: needs a container id/);
  assert.throws(() => parseTraceArgs(G, ['stop', 'a', 'b']), /takes exactly one container id, got 2/);
  assert.throws(
    () => parseTraceArgs(G, ['start', '--format', 'xml', 'c1']),
    /--format: must be chrome or strace, got "xml"/,
  );
  assert.throws(() => parseTraceArgs(G, ['serve', '--port', 'http']), /--port: must be a port number/);
  assert.throws(() => parseTraceArgs(G, ['serve', '--port', '70000']), /--port: must be a port number/);
  assert.throws(() => parseTraceArgs(G, ['stop', '--file', 'x', 'c1']), /trace stop: unknown flag --file/);
  assert.throws(() => parseTraceArgs(G, ['start', 'c1', '--file']), /--file needs a value/);
  assert.throws(() => parseTraceArgs(G, ['start', '--bogus', 'c1']), /unknown flag --bogus for "trace"/);
  // The whole command line: `corral trace ...`, and --trace on run and do.
  const viaMain = parseArgs(['--root', '/r', 'trace', 'status', 'c1']);
  assert.equal(viaMain.command, 'trace');
  const run = parseArgs(['run', '--trace', 'out.json', '--bundle', 'b', 'c1']);
  assert.equal(run.command === 'run' && run.flags.trace, 'out.json');
  const d = parseArgs(['do', '--trace', 'out.strace', 'x.wasm', '--trace', 'guest-arg']);
  assert.equal(d.command === 'do' && d.flags.trace, 'out.strace');
  assert.deepEqual(d.command === 'do' && d.args, ['--trace', 'guest-arg'], "the guest's own flags pass");
  assert.throws(() => parseArgs(['run', '--trace', '', 'c1']), /--trace: needs a file name/);
});

test('start, status and stop send one request each and print the status', async () => {
  const sys = await ActorSystem.start({ workers: 0 });
  const ctl = new SandboxTraceControl(sys);
  const sent: TraceRequest[] = [];
  const request: TraceRequester = (id, req) => {
    assert.equal(id, 'c1');
    sent.push(req);
    return ctl.handle(req);
  };
  let text = '';
  const out = (t: string): void => void (text += t);
  try {
    await runTraceCommand(parseTraceArgs(G, ['start', 'c1']), { request, out });
    assert.match(text, /^c1: tracing on since \S+, events: 0, dropped: 0\n$/);
    text = '';
    await runTraceCommand(parseTraceArgs(G, ['status', 'c1']), { request, out });
    assert.match(text, /tracing on/);
    text = '';
    await runTraceCommand(parseTraceArgs(G, ['stop', 'c1']), { request, out });
    assert.match(text, /^c1: tracing off since \S+, events: \d+, dropped: 0\n$/);
    assert.deepEqual(
      sent.map((r) => r.action),
      ['start', 'status', 'stop'],
    );
  } finally {
    await ctl.close();
    await sys.shutdown();
  }
});

test('serve polls the sandbox into the live UI and stops the tracing it started', async () => {
  const sys = await ActorSystem.start({ workers: 0 });
  const ctl = new SandboxTraceControl(sys);
  const request: TraceRequester = (_id, req) => ctl.handle(req);
  const abort = new AbortController();
  let url = '';
  let text = '';
  const serving = runTraceCommand(parseTraceArgs(G, ['serve', 'c1']), {
    request,
    out: (t) => void (text += t),
    signal: abort.signal,
    pollMs: 10,
    onServing: (s) => (url = s.url),
  });
  try {
    await until(() => url !== '');
    assert.match(text, /serving the trace UI at http:\/\/127\.0\.0\.1:\d+\/ \(c1\)/);
    assert.equal((await ctl.handle({ op: 'trace', action: 'status' })).on, true, 'serve turned tracing on');
    const ws = await connectWs(url + 'ws');
    await until(() => ws.messages.length > 0);
    traceLifecycle({ what: 'process-start', pid: 9, cmd: 'watched' });
    const seen = (): TraceEvent[] =>
      ws.messages.flatMap((m) =>
        (m as { type: string }).type === 'events' ? (m as { events: TraceEvent[] }).events : [],
      );
    await until(() => seen().some((e) => e.t === 'life' && e.pid === 9));
    abort.abort();
    assert.equal(await serving, 0);
    await ws.closed;
    assert.equal(
      (await ctl.handle({ op: 'trace', action: 'status' })).on,
      false,
      'serve turned it off again',
    );
  } finally {
    abort.abort();
    await serving.catch(() => undefined);
    await ctl.close();
    await sys.shutdown();
  }
});
