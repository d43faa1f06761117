// The live stream: the trace UI's server (uWebSockets.js) serves the page and streams events over
// WebSocket while a run is in progress; a viewer that falls behind is told what it missed; the
// server closes leaving no handle behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { serveTraceUi } from '../actors/trace/live_server.js';
import { TraceSession } from '../actors/trace/trace_session.js';
import { traceLifecycle } from '../actors/trace/thread_trace.js';
import type { TraceEvent } from '../actors/trace/events.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { buildGuests } from './helpers/guest_modules.js';
import { runScripted, SCRIPT } from './trace-fixtures.js';
import { connectWs } from './trace-wsclient.js';

let strategy: ThreadStrategy;
test.before(async () => {
  buildGuests();
  strategy = new ThreadStrategy({ warm: 2 });
  await strategy.pool.warmUp();
});
test.after(() => strategy.close());

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function fetchText(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    }).on('error', reject);
  });
}

function eventsOf(messages: unknown[]): TraceEvent[] {
  return messages.flatMap((m) =>
    (m as { type: string }).type === 'events' ? (m as { events: TraceEvent[] }).events : [],
  );
}

test('the server serves the UI, its status, and nothing outside its folder', async () => {
  const live = await serveTraceUi({ status: () => ({ sandboxes: ['s1'] }) });
  try {
    const index = await fetchText(live.url);
    assert.equal(index.status, 200);
    assert.match(index.type, /text\/html/);
    assert.match(index.body, /<canvas id="timeline">/);
    const js = await fetchText(live.url + 'app.js');
    assert.match(js.type, /javascript/);
    const st = JSON.parse((await fetchText(live.url + 'status')).body) as Record<string, unknown>;
    assert.deepEqual(st['sandboxes'], ['s1']);
    assert.equal((await fetchText(live.url + '..%2f..%2fpackage.json')).status, 404);
    assert.equal((await fetchText(live.url + 'nope.js')).status, 404);
  } finally {
    await live.close();
  }
});

test('events stream live while a multi-process run is in progress', async () => {
  const live = await serveTraceUi();
  const session = new TraceSession({ sinks: [live.hub], drainMs: 5 });
  const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
  let ws;
  try {
    await session.start();
    ws = await connectWs(live.url.replace(/\/$/, '') + '/ws');
    await until(() => ws!.messages.length > 0);
    assert.equal((ws.messages[0] as { type: string }).type, 'hello');
    // The sleeper (pid 6) runs until we let the kill go: events must arrive before that.
    let letKill!: () => void;
    const killWhen = new Promise<void>((r) => (letKill = r));
    let done = false;
    const run = runScripted(
      strategy,
      SCRIPT.map((p) => (p.pid === 6 ? { ...p, killWhen } : p)),
    ).then((r) => ((done = true), r));
    await until(() =>
      eventsOf(ws!.messages).some((e) => e.t === 'sys' && e.pid === 1 && e.name === 'fd_write'),
    );
    await until(() =>
      eventsOf(ws!.messages).some((e) => e.t === 'life' && e.what === 'process-exit' && e.pid === 3),
    );
    assert.equal(done, false, 'the run is still in progress');
    assert.ok(!eventsOf(ws.messages).some((e) => e.t === 'life' && e.what === 'process-exit' && e.pid === 6));
    letKill();
    await run;
    await until(
      () =>
        eventsOf(ws!.messages).filter((e) => e.t === 'life' && e.what === 'process-exit').length ===
        SCRIPT.length,
    );
    const evs = eventsOf(ws.messages);
    assert.ok(evs.some((e) => e.t === 'sys' && e.pid === 4 && e.name === 'fd_read'));
    assert.ok(evs.some((e) => e.t === 'life' && e.what === 'signal' && e.pid === 6));
    // A late viewer gets the backlog.
    const late = await connectWs(live.url + 'ws');
    await until(() => eventsOf(late.messages).length >= evs.length);
    late.close();
  } finally {
    await session.stop();
    await live.close();
    if (ws) await ws.closed;
  }
  await until(() => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length <= before);
});

test('a viewer that falls behind loses events, counted and reported to it', async () => {
  const live = await serveTraceUi();
  const session = new TraceSession({ sinks: [live.hub], drainMs: 1000 });
  try {
    await session.start();
    const ws = await connectWs(live.url + 'ws');
    await until(() => ws.messages.length > 0);
    // The drains below run back to back on this thread, so the socket cannot flush in between.
    const big = 'x'.repeat(2000);
    let sent = 0;
    // 40 batches of 1000 events, ~2 KB each: ~80 MB, far over the 8 MiB a viewer may have unsent.
    for (let b = 0; b < 40; b++) {
      for (let i = 0; i < 1000; i++) traceLifecycle({ what: 'signal', pid: 1, signal: 10, detail: big });
      sent += session.drain();
    }
    assert.ok(live.hub.dropped > 0, `the hub counted drops (sent ${sent})`);
    assert.ok(session.status().dropped >= live.hub.dropped, 'the session shows the worst sink drops');
    // Once it catches up it is told what it missed.
    await until(() => eventsOf(ws.messages).length + live.hub.dropped >= sent - 1000, 30_000);
    traceLifecycle({ what: 'signal', pid: 1, signal: 10 });
    session.drain();
    await until(() =>
      ws.messages.some(
        (m) => (m as { type: string; clientDropped?: number }).clientDropped === live.hub.dropped,
      ),
    );
    ws.close();
  } finally {
    await session.stop();
    await live.close();
  }
});
