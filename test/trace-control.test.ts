// Tracing a running sandbox at run time (the `{op: 'trace'}` control request): start, status, poll
// and stop while the Loader keeps serving, more than once, and the files the runs left behind.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActorSystem, type ActorRef } from '../actors/runtime/index.js';
import type { LoaderArgs, LoaderReply, LoaderRequest } from '../actors/loader/control_protocol.js';
import { closeGuestStrategy } from '../actors/process-group/guest_platform.js';
import { SandboxTraceControl, formatFor } from '../actors/trace/loader_trace_ops.js';
import type { ChromeEvent } from '../actors/trace/sinks/chrome_format.js';
import { makeBundle, TempDirs } from './helpers/bundles.js';

const dirs = new TempDirs();
after(async () => {
  await closeGuestStrategy();
  dirs.cleanup();
});

const LOADER = new URL('../actors/loader/loader_actor.js', import.meta.url).href;

test('a file name picks the format', () => {
  assert.equal(formatFor('/tmp/x.json'), 'chrome');
  assert.equal(formatFor('/tmp/x.strace'), 'strace');
  assert.equal(formatFor('/tmp/x.json', 'strace'), 'strace');
});

test('trace start, status, poll and stop at run time; the sandbox keeps running', async () => {
  const b = makeBundle(dirs, { bins: ['sleep', 'hello'], args: ['/bin/sleep', '600000'] });
  const out = dirs.make('corral-trace-out-');
  const sys = await ActorSystem.start({ workers: 0 });
  const ctl = new SandboxTraceControl(sys);
  try {
    const args: LoaderArgs = {
      sandboxId: 'sbx',
      rootCid: 'root',
      rootBundle: b,
      rootStdio: { kind: 'null' },
    };
    const loader: ActorRef = await sys.spawn({
      module: LOADER,
      export: 'createLoaderActor',
      args,
      name: 'loader',
    });
    const req = <O extends LoaderRequest['op']>(
      r: Extract<LoaderRequest, { op: O }>,
    ): Promise<LoaderReply<O>> => sys.request(loader, r.op, r, { timeoutMs: 20_000 });

    assert.equal((await ctl.handle({ op: 'trace', action: 'status' })).on, false);
    const first = join(out, 'first.json');
    const st = await ctl.handle({ op: 'trace', action: 'start', file: first });
    assert.equal(st.on, true);
    assert.deepEqual(st.sinks, [{ name: `chrome:${first}`, dropped: 0 }]);
    const { pid } = await req({ op: 'start', cid: 'root' });
    // A viewer in another process polls: its buffer fills from its first poll on.
    assert.ok(Array.isArray((await ctl.handle({ op: 'trace', action: 'poll' })).batch));
    const { pid: hello } = await req({ op: 'exec', cid: 'root', process: { args: ['/bin/hello'] } });
    assert.equal((await req({ op: 'wait-pid', cid: 'root', pid: hello })).exitCode, 0);
    const polled = await ctl.handle({ op: 'trace', action: 'poll' });
    assert.ok(
      polled.batch!.some((e) => e.t === 'msg' && e.kind === 'exec'),
      'the exec request was traced',
    );
    const stopped = await ctl.handle({ op: 'trace', action: 'stop' });
    assert.equal(stopped.on, false);
    assert.ok(stopped.events > 0);
    assert.equal(stopped.dropped, 0);

    // Off: the sandbox still serves.
    assert.equal((await req({ op: 'state', cid: 'root' })).status, 'running');
    const quiet = await ctl.handle({ op: 'trace', action: 'status' });
    assert.equal(quiet.on, false);

    // On again, into strace text: the next exec's syscalls are there.
    const second = join(out, 'second.strace');
    await ctl.handle({ op: 'trace', action: 'start', file: second });
    const { pid: hello2 } = await req({ op: 'exec', cid: 'root', process: { args: ['/bin/hello'] } });
    assert.equal((await req({ op: 'wait-pid', cid: 'root', pid: hello2 })).exitCode, 0);
    await ctl.handle({ op: 'trace', action: 'stop' });
    assert.equal((await req({ op: 'state', cid: 'root' })).pid, pid, 'the same sandbox, the same init');

    const doc = JSON.parse(readFileSync(first, 'utf8')) as { traceEvents: ChromeEvent[] };
    const names = doc.traceEvents
      .filter((e) => e.ph === 'M' && e.name === 'thread_name')
      .map((e) => e.args!['name']);
    assert.ok(names.includes('loader'), `the Loader has a named track (${names.join(', ')})`);
    assert.ok(doc.traceEvents.some((e) => e.ph === 'X' && e.name === 'exec' && e.cat === 'request'));
    assert.ok(
      doc.traceEvents.some((e) => e.ph === 'X' && e.cat === 'syscall' && e.name === 'fd_write'),
      'the guest syscalls served on this thread are in the file',
    );
    const text = readFileSync(second, 'utf8');
    assert.match(text, /fd_write\(1, "hello from corral\\n", 18\) = 18 <\d+\.\d{6}>/);
    await assert.rejects(
      ctl.handle({ op: 'trace', action: 'start', format: 'xml' as 'chrome' }),
      /unknown format "xml"/,
    );
    await req({ op: 'destroy', cid: 'root' });
  } finally {
    await ctl.close();
    await sys.shutdown();
  }
});
