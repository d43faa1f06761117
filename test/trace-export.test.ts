// The exported views of a scripted multi-process run: the Chrome trace-event JSON file (what
// Perfetto and chrome://tracing open) and the strace-like text, with actor messages, guest syscalls
// and lifecycle events in them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorSystem } from '../actors/runtime/index.js';
import { ACTORS_PID, GUESTS_PID, type ChromeEvent } from '../actors/trace/sinks/chrome_format.js';
import { ChromeJsonSink } from '../actors/trace/sinks/chrome_json.js';
import { MemorySink } from '../actors/trace/sinks/memory.js';
import { straceLine, StraceTextSink } from '../actors/trace/sinks/strace_text.js';
import { TraceSession } from '../actors/trace/trace_session.js';
import type { SysEvent } from '../actors/trace/events.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { buildGuests } from './helpers/guest_modules.js';
import { FIXTURES, runScripted, SCRIPT } from './trace-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-trace-'));
let strategy: ThreadStrategy;
test.before(async () => {
  buildGuests();
  strategy = new ThreadStrategy({ warm: 2 });
  await strategy.pool.warmUp();
});
test.after(async () => {
  await strategy.close();
  if (process.env.TRACE_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`trace files kept in ${dir}\n`);
});

test('strace lines: pid name(args) = result <duration>', () => {
  const e: SysEvent = {
    t: 'sys',
    ts: 0,
    dur: 0.0213,
    host: 0,
    pid: 12,
    proc: 'cat',
    name: 'fd_write',
    args: '1, "hi\\n", 3',
    errno: 0,
    ret: 3,
  };
  assert.equal(straceLine(e), '12 fd_write(1, "hi\\n", 3) = 3 <0.000021>');
  assert.equal(
    straceLine({ ...e, name: 'fd_read', args: '9, 100', errno: 8, ret: 0, dur: 1.5 }),
    '12 fd_read(9, 100) = -1 EBADF (Bad file descriptor) <0.001500>',
  );
  assert.equal(
    straceLine({ ...e, name: 'proc_raise', args: '15', errno: -1 }),
    '12 proc_raise(15) = ? <0.000021>',
  );
});

test('a scripted multi-process run exports valid Chrome JSON and strace text', async () => {
  const sys = await ActorSystem.start({ workers: 1 });
  const chromePath = join(dir, 'run.json');
  const stracePath = join(dir, 'run.strace');
  const mem = new MemorySink();
  const session = new TraceSession({
    system: sys,
    sinks: [new ChromeJsonSink(chromePath), new StraceTextSink(stracePath), mem],
  });
  let results;
  try {
    const pong = await sys.spawn({ module: FIXTURES, export: 'ponger', name: 'ponger' });
    const rel = await sys.spawn({ module: FIXTURES, export: 'relay', name: 'relay' });
    await session.start();
    const talk = sys.request(rel, 'relay', { to: pong, n: 10 });
    results = await runScripted(strategy, SCRIPT);
    assert.equal(await talk, 10);
  } finally {
    await session.stop();
    await sys.shutdown();
  }
  const byPid = new Map(results.map((r) => [r.pid, r]));
  assert.equal(byPid.get(1)!.stdout, 'hello from corral\n');
  assert.deepEqual(byPid.get(3)!.status, { code: 3 });
  assert.deepEqual(byPid.get(6)!.status, { signal: 15 });

  // ---- Chrome JSON ----
  const doc = JSON.parse(readFileSync(chromePath, 'utf8')) as {
    traceEvents: ChromeEvent[];
    otherData: { dropped: number };
  };
  assert.ok(Array.isArray(doc.traceEvents));
  assert.equal(doc.otherData.dropped, 0);
  const evs = doc.traceEvents;
  const phases = new Set(evs.map((e) => e.ph));
  for (const ph of phases) assert.ok(['M', 'X', 's', 'f', 'i', 'C'].includes(ph), `known phase ${ph}`);
  for (const e of evs) {
    assert.equal(typeof e.name, 'string');
    assert.equal(typeof e.pid, 'number');
    if (e.ph !== 'M') assert.ok(typeof e.ts === 'number' && Number.isFinite(e.ts), 'ts is a number');
    if (e.ph === 'X') assert.ok(typeof e.dur === 'number' && e.dur > 0, 'X slices have a duration');
  }
  // Actors as tracks: thread_name metadata in the actors process, named after the actors.
  const threadNames = evs.filter((e) => e.ph === 'M' && e.name === 'thread_name');
  const actorTracks = threadNames.filter((e) => e.pid === ACTORS_PID).map((e) => e.args!['name']);
  assert.ok(actorTracks.includes('ponger') && actorTracks.includes('relay'), `tracks ${actorTracks.join()}`);
  assert.ok(evs.some((e) => e.ph === 'M' && e.name === 'process_name' && e.args!['name'] === 'actors'));
  // Messages as slices on the sender's track, with flow arrows from their causes.
  const relayTid = threadNames.find((e) => e.args!['name'] === 'relay')!.tid;
  const pongerTid = threadNames.find((e) => e.args!['name'] === 'ponger')!.tid;
  const pings = evs.filter((e) => e.ph === 'X' && e.name === 'ping');
  assert.equal(pings.filter((e) => e.tid === relayTid && e.cat === 'request').length, 10);
  assert.equal(pings.filter((e) => e.tid === pongerTid && e.cat === 'reply').length, 10);
  const starts = evs.filter((e) => e.ph === 's');
  const finishes = evs.filter((e) => e.ph === 'f');
  // Ten replies name their requests; the first ping names the relay request (later ones run after an
  // await, outside any handler, so the runtime records no cause for them).
  assert.ok(starts.length >= 11, `flows: ${starts.length}`);
  assert.deepEqual(
    starts.map((e) => e.id).sort((a, b) => a! - b!),
    finishes.map((e) => e.id).sort((a, b) => a! - b!),
    'every flow start has its finish, paired by id',
  );
  for (const f of finishes) {
    const s = starts.find((x) => x.id === f.id)!;
    assert.ok(s.ts! <= f.ts!, 'a flow goes forward in time');
    assert.equal(f.bp, 'e');
  }
  // A reply's arrow comes from its request: from the relay's track to the ponger's.
  assert.ok(
    starts.some((s) => s.tid === relayTid && finishes.some((f) => f.id === s.id && f.tid === pongerTid)),
  );
  // Syscalls as X slices on each guest's track, named after the processes.
  const guestTracks = threadNames.filter((e) => e.pid === GUESTS_PID);
  for (const p of SCRIPT) {
    assert.ok(
      guestTracks.some((e) => e.tid === p.pid),
      `a track for pid ${p.pid}`,
    );
  }
  const sysSlices = evs.filter((e) => e.ph === 'X' && e.cat === 'syscall');
  const writes = (pid: number) => sysSlices.filter((e) => e.tid === pid && e.name === 'fd_write');
  assert.ok(writes(1).length >= 1, 'hello wrote');
  assert.match(String(writes(1)[0]!.args!['args']), /^1, "hello from corral\\n", 18$/);
  assert.ok(
    sysSlices.some((e) => e.tid === 4 && e.name === 'fd_read'),
    'cat read',
  );
  assert.ok(
    sysSlices.some((e) => e.tid === 5 && e.name === 'proc_raise'),
    'raise raised',
  );
  assert.ok(
    sysSlices.some((e) => e.tid === 7 && e.args!['errno'] === 'EBADF'),
    'a failed call names its errno',
  );
  // Lifecycle as instants: every start and exit, the signal.
  const life = evs.filter((e) => e.ph === 'i');
  for (const p of SCRIPT) {
    assert.ok(life.some((e) => e.name === 'process-start' && e.tid === p.pid));
    assert.ok(life.some((e) => e.name === 'process-exit' && e.tid === p.pid));
  }
  assert.ok(life.some((e) => e.name === 'signal' && e.tid === 6 && e.args!['signal'] === 15));
  assert.ok(life.some((e) => e.name === 'sandbox-start' && e.s === 'g'));

  // ---- strace text ----
  const lines = readFileSync(stracePath, 'utf8').trim().split('\n');
  const sysLines = lines.filter((l) => /^\d+ [a-z_]+\(/.test(l));
  const memSys = mem.peek().filter((e) => e.t === 'sys');
  assert.equal(sysLines.length, memSys.length, 'one line per syscall');
  for (const l of sysLines)
    assert.match(l, /^\d+ [a-z_]+\(.*\) = (-?\d+|\?|-1 E[A-Z]+( \(.+\))?) <\d+\.\d{6}>$/);
  assert.ok(
    lines.includes(
      '1 fd_write(1, "hello from corral\\n", 18) = 18 <' +
        lines.find((l) => l.startsWith('1 fd_write'))!.split('<')[1],
    ),
  );
  assert.ok(
    lines.some((l) => /^4 fd_read\(0, "piped through cat\\n", \d+\) = 18 </.test(l)),
    'cat read its input',
  );
  assert.ok(lines.includes('3 +++ exited with 3 +++'));
  assert.ok(
    lines.some((l) => /^7 fd_read\(0, \d+\) = -1 EBADF \(Bad file descriptor\) </.test(l)),
    'an errno',
  );
  assert.ok(lines.includes('6 --- SIGTERM {si_pid=0} ---'));
  assert.ok(lines.includes('6 +++ killed by SIGTERM +++'));
  assert.ok(!lines.some((l) => l.startsWith('# dropped')), 'nothing dropped');
});
