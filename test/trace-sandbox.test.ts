// Tracing real sandboxes end to end through bin/corral: `run --trace F.json` of a sandbox with
// several processes in two containers gives a Chrome trace with the lifecycle events, the message
// flows and each guest's syscalls under its own pid; `do --trace F` gives strace text; `trace
// start/status/stop` at run time leave the sandbox running; bad input is refused clearly.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SANDBOX_ANNOTATION } from '../actors/loader/control_protocol.js';
import type { TraceEvent } from '../actors/trace/events.js';
import type { ChromeEvent } from '../actors/trace/sinks/chrome_format.js';
import { GUESTS, makeBundle, TempDirs } from './helpers/bundles.js';
import { CORRAL_BIN, CorralCli, until } from './helpers/cli.js';
import { connectWs } from './trace-wsclient.js';

const dirs = new TempDirs();
test.after(() => {
  CorralCli.killAllHosts();
  dirs.cleanup();
});

const SLEEP = ['/bin/sleep', '1000000'];

/** Polls `corral state ID` until the container runs. */
async function running(cli: CorralCli, id: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await cli.run(['state', id]);
    if (r.code === 0 && (JSON.parse(r.stdout) as { status: string }).status === 'running') return;
    if (Date.now() > deadline) throw new Error(`container ${id} did not start: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

function pidIn(file: string): number {
  return Number(fs.readFileSync(file, 'utf8'));
}

type Life = { what: string; pid?: number; cid?: string; cmd?: string; code?: number; signal?: number };

test('run --trace F.json: lifecycle, message flows and every guest syscall under its pid', async () => {
  const cli = new CorralCli(dirs);
  const out = dirs.make('corral-trace-');
  const file = path.join(out, 'run.json');
  const root = makeBundle(dirs, { bins: ['sleep', 'hello', 'exit_code'], args: SLEEP });
  const sub = makeBundle(dirs, {
    bins: ['hello'],
    args: ['/bin/hello'],
    annotations: { [SANDBOX_ANNOTATION]: 'tr' },
  });
  const run = cli.run(['run', '--trace', file, '--bundle', root, 'tr'], { timeoutMs: 60_000 });
  await running(cli, 'tr');
  // Two exec'd processes next to the init...
  const helloPid = path.join(out, 'hello.pid');
  const hello = await cli.run(['exec', '--pid-file', helloPid, 'tr', '/bin/hello']);
  assert.equal(hello.code, 0, hello.stderr);
  assert.equal(hello.stdout, 'hello from corral\n');
  const exitPid = path.join(out, 'exit.pid');
  assert.equal((await cli.run(['exec', '--pid-file', exitPid, 'tr', 'exit_code', '3'])).code, 3);
  // ...and a second container in the same sandbox.
  await cli.ok(['create', '--bundle', sub, 's1']);
  await cli.ok(['start', 's1']);
  assert.equal((await cli.run(['wait', 's1'])).code, 0);
  await cli.ok(['delete', 's1']);
  const initPid = (JSON.parse(await cli.ok(['ps', '--format', 'json', 'tr'])) as { pid: number }[])[0]!.pid;
  // KILL: a namespace's init ignores a TERM it has no handler for, as on Linux.
  await cli.ok(['kill', 'tr', 'KILL']);
  const r = await run;
  assert.equal(r.code, 137, r.stderr);
  assert.match(r.stderr, new RegExp(`corral: trace: \\d+ events, dropped: 0, written to ${file}\\n`));

  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    traceEvents: ChromeEvent[];
    otherData: { dropped: number };
  };
  assert.equal(doc.otherData.dropped, 0);
  const evs = doc.traceEvents;
  for (const e of evs) {
    assert.equal(typeof e.name, 'string');
    assert.equal(typeof e.ph, 'string');
    assert.equal(typeof e.pid, 'number');
    if (e.ph !== 'M') assert.ok(Number.isFinite(e.ts), `${e.name} has a time`);
  }

  const life = evs.filter((e) => e.cat === 'lifecycle').map((e) => e.args as Life);
  const has = (what: string, f: (l: Life) => boolean = () => true): boolean =>
    life.some((l) => l.what === what && f(l));
  const [ph, pe] = [pidIn(helloPid), pidIn(exitPid)];
  assert.ok(has('sandbox-start') && has('sandbox-stop'), 'the sandbox starts and stops');
  for (const cid of ['tr', 's1']) {
    assert.ok(
      has('container-start', (l) => l.cid === cid),
      `${cid} starts`,
    );
    assert.ok(
      has('container-stop', (l) => l.cid === cid),
      `${cid} is destroyed`,
    );
  }
  assert.ok(has('process-start', (l) => l.pid === initPid && l.cmd === SLEEP.join(' ')));
  assert.ok(has('process-start', (l) => l.pid === ph && l.cmd === '/bin/hello'));
  assert.ok(has('process-start', (l) => l.pid === pe && l.cmd === 'exit_code 3'));
  // The sub-container's init: the pid its container-start names.
  const subInit = life.find((l) => l.what === 'container-start' && l.cid === 's1')!.pid!;
  assert.ok(has('process-start', (l) => l.pid === subInit && l.cid === 's1' && l.cmd === '/bin/hello'));
  assert.ok(has('process-exit', (l) => l.pid === subInit && l.code === 0));
  assert.ok(has('process-exit', (l) => l.pid === ph && l.code === 0));
  assert.ok(has('process-exit', (l) => l.pid === pe && l.code === 3));
  assert.ok(
    has('signal', (l) => l.pid === initPid && l.signal === 9),
    'the KILL to the init',
  );
  assert.ok(has('process-exit', (l) => l.pid === initPid && l.signal === 9));
  assert.equal(new Set([initPid, ph, pe, subInit]).size, 4, 'four processes');

  // Syscalls: slices on each process's own track (tid = its pid), named after it.
  const track = (pid: number): string | undefined =>
    evs.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === 2 && e.tid === pid)?.args?.[
      'name'
    ] as string | undefined;
  assert.equal(track(ph), `pid ${ph} /bin/hello`);
  const sys = evs.filter((e) => e.cat === 'syscall');
  const writes = (pid: number): unknown[] =>
    sys.filter((e) => e.tid === pid && e.name === 'fd_write').map((e) => e.args!['args']);
  assert.deepEqual(writes(ph), ['1, "hello from corral\\n", 18']);
  assert.deepEqual(writes(pe), ['1, "exiting with 3\\n", 15']);
  assert.deepEqual(writes(subInit), ['1, "hello from corral\\n", 18']);
  assert.ok(
    sys.some((e) => e.tid === initPid),
    'the sleeping init made calls on its own track',
  );

  // Messages: the exec request reaches the Loader, and its reply has a flow arrow from it.
  const msgs = evs.filter((e) => e.ph === 'X' && (e.cat === 'request' || e.cat === 'reply'));
  const execReq = msgs.filter((e) => e.name === 'exec' && e.cat === 'request');
  assert.equal(execReq.length, 2);
  const execReplies = msgs.filter((e) => e.name === 'exec' && e.cat === 'reply');
  assert.ok(execReplies.every((rep) => execReq.some((q) => q.args!['id'] === rep.args!['cause'])));
  // ...and what it caused: exec → spawn-group (Loader → container) → run (container → group).
  const causedBy = (name: string, cause: ChromeEvent): ChromeEvent | undefined =>
    msgs.find((e) => e.name === name && e.cat === 'request' && e.args!['cause'] === cause.args!['id']);
  for (const q of execReq) {
    const spawnGroup = causedBy('spawn-group', q);
    assert.ok(spawnGroup, 'the exec caused a spawn-group request');
    assert.ok(causedBy('run', spawnGroup), 'which caused a run request');
  }
  const starts = evs.filter((e) => e.ph === 's');
  const finishes = evs.filter((e) => e.ph === 'f');
  assert.ok(starts.length > 0 && starts.length === finishes.length, 'flow arrows, paired');
  const threadNames = evs.filter((e) => e.ph === 'M' && e.pid === 1).map((e) => e.args!['name']);
  for (const actor of ['loader:tr', 'container:tr', 'container:s1'])
    assert.ok(threadNames.includes(actor), `${actor} has a track (${threadNames.join(', ')})`);
  assert.deepEqual(cli.leftovers(), [], 'run removes its state');
});

test('do --trace FILE writes strace-like text', async () => {
  const cli = new CorralCli(dirs);
  const file = path.join(dirs.make('corral-trace-'), 'do.strace');
  const r = await cli.run(['do', '--trace', file, path.join(GUESTS, 'exit_code.wasm'), '4']);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /corral: trace: \d+ events, dropped: 0, written to /);
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /^1 fd_write\(1, "exiting with 4\\n", 15\) = 15 <\d+\.\d{6}>$/m);
  assert.match(text, /^1 \+\+\+ exited with 4 \+\+\+$/m);
  assert.deepEqual(cli.leftovers(), []);
});

test('do --trace: corral_v1 calls, the children they spawn and an exec, each under its pid', async () => {
  const cli = new CorralCli(dirs);
  const file = path.join(dirs.make('corral-trace-'), 'procs.strace');
  const r = await cli.run(['do', '--trace', file, path.join(GUESTS, 'abi_procs.wasm'), 'spawn']);
  assert.equal(r.code, 0, r.stderr);
  const text = fs.readFileSync(file, 'utf8');
  // The parent's spawn returns the child's pid, and the child appears as a process of its own.
  const spawned = [...text.matchAll(/^1 proc_spawn\(0\) = (\d+) </gm)].map((m) => Number(m[1]));
  assert.equal(spawned.length, 3, text);
  for (const pid of spawned) {
    assert.match(
      text,
      new RegExp(`^${pid} \\+\\+\\+ started /abi_procs.wasm child-\\S+ \\(ppid 1, pgid 1\\) \\+\\+\\+$`, 'm'),
    );
    assert.match(text, new RegExp(`^1 proc_wait\\(${pid}\\) = ${pid} <`, 'm'));
  }
  assert.match(text, /^\d+ \+\+\+ killed by SIGTERM \+\+\+$/m);
  // exec: the same pid starts again as the new image.
  const execPid = /^(\d+) proc_exec\(0\) = \? </m.exec(text)?.[1];
  assert.ok(execPid !== undefined, text);
  assert.match(text, new RegExp(`^${execPid} \\+\\+\\+ started /abi_procs.wasm child-exec `, 'm'));
  assert.match(text, new RegExp(`^${execPid} \\+\\+\\+ started /abi_procs.wasm child-exit `, 'm'));
  assert.deepEqual(cli.leftovers(), []);
});

test('trace start, status and stop at run time; the sandbox runs on and ends normally', async () => {
  const cli = new CorralCli(dirs);
  const file = path.join(dirs.make('corral-trace-'), 'live.strace');
  const bundle = makeBundle(dirs, { bins: ['sleep', 'hello'], args: SLEEP });
  await cli.ok(['create', '--bundle', bundle, 'tl']);
  await cli.ok(['start', 'tl']);
  assert.match(await cli.ok(['trace', 'status', 'tl']), /^tl: tracing off, events: 0, dropped: 0\n$/);
  const started = await cli.ok(['trace', 'start', '--file', file, 'tl']);
  assert.match(started, /^tl: tracing on since \S+, events: \d+, dropped: 0, sinks: strace:/);
  const pidFile = path.join(path.dirname(file), 'hello.pid');
  assert.equal(await cli.ok(['exec', '--pid-file', pidFile, 'tl', '/bin/hello']), 'hello from corral\n');
  // The recorder drains on a timer: poll status until the exec's events are counted.
  let events = 0;
  const deadline = Date.now() + 10_000;
  while (events === 0 && Date.now() < deadline) {
    const st = await cli.ok(['trace', 'status', 'tl']);
    assert.match(st, /tracing on/);
    events = Number(/events: (\d+)/.exec(st)![1]);
    if (events === 0) await new Promise((res) => setTimeout(res, 20));
  }
  assert.ok(events > 0, 'status counts events');
  const stopped = await cli.ok(['trace', 'stop', 'tl']);
  assert.match(
    stopped,
    /^tl: tracing off since \S+, events: [1-9]\d*, dropped: 0, sinks: strace:\S+live.strace\n$/,
  );
  // Off again, and the sandbox still serves: another exec, then the usual end.
  assert.equal(JSON.parse(await cli.ok(['state', 'tl'])).status, 'running');
  assert.equal(await cli.ok(['exec', 'tl', '/bin/hello']), 'hello from corral\n');
  const text = fs.readFileSync(file, 'utf8');
  const pid = pidIn(pidFile);
  assert.match(text, new RegExp(`^${pid} fd_write\\(1, "hello from corral\\\\n", 18\\) = 18 <`, 'm'));
  assert.match(text, new RegExp(`^${pid} \\+\\+\\+ exited with 0 \\+\\+\\+$`, 'm'));
  const lines = text.split('\n').filter((l) => l.includes('fd_write'));
  assert.equal(lines.length, 1, 'nothing was recorded after stop');
  await cli.ok(['kill', 'tl', 'KILL']);
  assert.equal((await cli.run(['wait', 'tl'])).code, 137);
  await cli.ok(['delete', 'tl']);
  assert.deepEqual(cli.leftovers(), []);
});

test('trace serve ID: the live UI shows a running sandbox; Ctrl-C stops the tracing it started', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['sleep', 'hello'], args: SLEEP });
  await cli.ok(['create', '--bundle', bundle, 'tv']);
  await cli.ok(['start', 'tv']);
  const serve = spawn(CORRAL_BIN, ['--root', cli.root, 'trace', 'serve', 'tv'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  serve.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  serve.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => serve.on('exit', (c) => r(c)));
  try {
    await until(() => /serving the trace UI at (\S+) \(tv\)/.test(stdout), 'serve to listen', 20_000);
    const url = /serving the trace UI at (\S+)/.exec(stdout)![1]!;
    assert.match(await cli.ok(['trace', 'status', 'tv']), /tracing on/, 'serve turned tracing on');
    const ws = await connectWs(url + 'ws');
    const pidFile = path.join(dirs.make('corral-trace-'), 'hello.pid');
    assert.equal(await cli.ok(['exec', '--pid-file', pidFile, 'tv', '/bin/hello']), 'hello from corral\n');
    const pid = pidIn(pidFile);
    const events = (): TraceEvent[] =>
      ws.messages.flatMap((m) =>
        (m as { type: string }).type === 'events' ? (m as { events: TraceEvent[] }).events : [],
      );
    await until(
      () => events().some((e) => e.t === 'sys' && e.pid === pid && e.name === 'fd_write'),
      "the exec'd process's write in the live stream",
      20_000,
    );
    assert.ok(events().some((e) => e.t === 'life' && e.what === 'process-start' && e.pid === pid));
    serve.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    ws.close();
    assert.match(await cli.ok(['trace', 'status', 'tv']), /tracing off/, 'serve turned it off again');
  } finally {
    if (serve.exitCode === null) serve.kill('SIGKILL');
  }
  await cli.ok(['delete', '--force', 'tv']);
  assert.deepEqual(cli.leftovers(), []);
});

test('bad ids, actions, flags and files are refused clearly, leaving nothing behind', async () => {
  const cli = new CorralCli(dirs);
  const nosuch = await cli.run(['trace', 'status', 'nosuch']);
  assert.equal(nosuch.code, 1);
  assert.match(nosuch.stderr, /container "nosuch" does not exist/);
  const bad = await cli.run(['trace', 'frob', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /trace: unknown action "frob" \(start, stop, status or serve\)/);
  assert.match(bad.stderr, /Usage: corral trace start/);
  const none = await cli.run(['trace']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /"trace" needs an action/);
  const noId = await cli.run(['trace', 'stop']);
  assert.equal(noId.code, 2);
  assert.match(noId.stderr, /trace stop: needs a container id/);
  const flag = await cli.run(['trace', 'stop', '--file', 'x.json', 'c1']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /trace stop: unknown flag --file/);
  const fmt = await cli.run(['trace', 'start', '--format', 'xml', 'c1']);
  assert.equal(fmt.code, 2);
  assert.match(fmt.stderr, /--format: must be chrome or strace, got "xml"/);
  const nodir = await cli.run(['do', '--trace', '/nonexistent/dir/x.json', path.join(GUESTS, 'hello.wasm')]);
  assert.equal(nodir.code, 1);
  assert.match(nodir.stderr, /--trace: directory \/nonexistent\/dir does not exist/);
  assert.equal(nodir.stdout, '', 'nothing ran');

  // A running sandbox refuses a file it cannot write, and keeps running untraced.
  const bundle = makeBundle(dirs, { bins: ['sleep'], args: SLEEP });
  await cli.ok(['create', '--bundle', bundle, 'tb']);
  await cli.ok(['start', 'tb']);
  const unwritable = await cli.run(['trace', 'start', '--file', '/nonexistent/dir/x.json', 'tb']);
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.stderr, /trace: cannot write \/nonexistent\/dir\/x\.json/);
  assert.match(await cli.ok(['trace', 'status', 'tb']), /tracing off/);
  await cli.ok(['delete', '--force', 'tb']);
  assert.deepEqual(cli.leftovers(), []);
});
