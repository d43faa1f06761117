// The control socket on its own, against a fake Loader actor: replies, errors, malformed frames,
// concurrent clients while a wait is outstanding, and clients that never hang on a dead server.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { ActorSystem } from '../actors/runtime/index.js';
import { ControlError, controlRequest, processAlive, serveControl } from '../bridge/control_socket.js';
import { nanomsg } from '../bridge/control_wire.js';
import { FAKE_LOADER } from './helpers/fake_loader.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-ctl-'));
const address = `ipc://${tmp}/control.sock`;
// Whichever tests ran (a name pattern may pick one), the directory goes at the end.
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function withServer(fn: () => Promise<void>): Promise<void> {
  const system = await ActorSystem.start({ workers: 0 });
  const loader = await system.spawn({ module: FAKE_LOADER, export: 'createFakeLoader' });
  const server = serveControl(address, (req) => system.request(loader, req.op, req, { timeoutMs: 0 }));
  try {
    await fn();
  } finally {
    await server.close();
    await system.shutdown();
  }
  assert.deepEqual(fs.readdirSync(tmp), [], 'every socket file is removed on close');
}

/** Sends raw bytes on a fresh REQ socket connected to `addr` and returns the raw reply. */
async function rawExchangeAt(addr: string, bytes: string): Promise<Buffer> {
  const sock = nanomsg().socket('req');
  sock.connect(addr);
  const got = new Promise<Buffer>((r) => sock.on('data', r));
  sock.send(bytes);
  const buf = await got;
  sock.close();
  return buf;
}

/** Sends raw bytes to the control socket and returns the parsed reply. */
async function rawExchange(bytes: string): Promise<{ id: number; ok: boolean; error?: { message: string } }> {
  const buf = await rawExchangeAt(address, bytes);
  return JSON.parse(buf.toString('utf8')) as { id: number; ok: boolean; error?: { message: string } };
}

test('a request gets the Loader reply; an operation error crosses as name, message and code', async () => {
  await withServer(async () => {
    const st = await controlRequest<{ cid: string; status: string }>(address, { op: 'state', cid: 'a' });
    assert.equal(st.cid, 'a');
    assert.equal(st.status, 'running');
    await assert.rejects(
      controlRequest(address, { op: 'state', cid: 'zz' }),
      (e: Error & { code?: string }) => {
        assert.equal(e.name, 'RequestError');
        assert.equal(e.message, 'container "zz" not found');
        assert.equal(e.code, 'ENOENT');
        return true;
      },
    );
  });
});

test('malformed frames get an error reply and the server keeps serving', async () => {
  await withServer(async () => {
    const r1 = await rawExchange('this is not json');
    assert.equal(r1.ok, false);
    assert.match(r1.error!.message, /not JSON/);
    const r2 = await rawExchange(JSON.stringify({ id: 7, req: { cid: 'a' } }));
    assert.equal(r2.id, 7);
    assert.equal(r2.ok, false);
    assert.match(r2.error!.message, /string "op"/);
    const r3 = await rawExchange(JSON.stringify({ req: { op: 'state' } }));
    assert.equal(r3.ok, false);
    assert.match(r3.error!.message, /integer "id"/);
    const r4 = await rawExchange(JSON.stringify({ id: 8, req: { op: 'no-such-op', cid: 'a' } }));
    assert.equal(r4.ok, false);
    assert.match(r4.error!.message, /unknown Loader operation/);
    const st = await controlRequest<{ cid: string }>(address, { op: 'state', cid: 'b' });
    assert.equal(st.cid, 'b');
  });
});

test('other clients are served while a wait is outstanding; the wait then completes', async () => {
  await withServer(async () => {
    let waited = false;
    const wait = controlRequest<{ status: number }>(address, { op: 'wait', cid: 'a' }, { timeoutMs: 0 }).then(
      (v) => {
        waited = true;
        return v;
      },
    );
    const pids = await Promise.all([
      controlRequest<{ pid: number }>(address, { op: 'exec', cid: 'b' }),
      controlRequest<{ pid: number }>(address, { op: 'exec', cid: 'a' }),
      controlRequest(address, { op: 'slow' }),
    ]);
    assert.equal(waited, false, 'the wait is still outstanding');
    assert.deepEqual(
      pids
        .slice(0, 2)
        .map((p) => (p as { pid: number }).pid)
        .sort(),
      [100, 101],
    );
    assert.deepEqual(pids[2], { slow: true });
    await controlRequest(address, { op: 'signal', cid: 'a', signo: 9 });
    assert.deepEqual(await wait, { status: 9, signal: 9 });
  });
});

test('a reply socket answers every collect until the client acknowledges, then goes', async () => {
  await withServer(async () => {
    // A slow operation: its reply moves to its own socket.
    const first = JSON.parse(
      (await rawExchangeAt(address, JSON.stringify({ id: 7, req: { op: 'slow' } }))).toString('utf8'),
    ) as { id: number; pending?: string };
    assert.equal(first.id, 7);
    assert.ok(first.pending !== undefined, 'the reply was deferred');
    // Collected once, with no acknowledgement (as when the reply is lost on its way and the
    // client's request goes again): the socket is still there and answers again.
    for (let i = 0; i < 2; i++) {
      const got = JSON.parse((await rawExchangeAt(first.pending, '{"id":7}')).toString('utf8')) as unknown;
      assert.deepEqual(got, { id: 7, ok: true, value: { slow: true } });
    }
    assert.ok(fs.existsSync(first.pending.slice('ipc://'.length)), 'kept until acknowledged');
    // The acknowledgement closes it (no answer to it), and its file goes.
    const ack = nanomsg().socket('req');
    ack.connect(first.pending);
    ack.send('{"id":7,"ack":true}');
    const file = first.pending.slice('ipc://'.length);
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        if (!fs.existsSync(file)) return resolve();
        setImmediate(poll);
      };
      poll();
    });
    ack.close();
  });
});

test('close does not wait on a reply that left long ago and was never acknowledged', async () => {
  const system = await ActorSystem.start({ workers: 0 });
  const loader = await system.spawn({ module: FAKE_LOADER, export: 'createFakeLoader' });
  // A grace far past the test's deadline: a close that waited for it would fail the test.
  const server = serveControl(address, (req) => system.request(loader, req.op, req, { timeoutMs: 0 }), {
    closeGraceMs: 600_000,
  });
  try {
    const first = JSON.parse(
      (await rawExchangeAt(address, JSON.stringify({ id: 9, req: { op: 'slow' } }))).toString('utf8'),
    ) as { id: number; pending: string };
    // Collected, never acknowledged: the client went away (a killed `corral wait`).
    const got = JSON.parse((await rawExchangeAt(first.pending, '{"id":9}')).toString('utf8')) as unknown;
    assert.deepEqual(got, { id: 9, ok: true, value: { slow: true } });
    // The condition under test is the reply's age (SENT_MS, 100 ms), so time must pass here.
    await new Promise((r) => setTimeout(r, 150));
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      server.close(),
      new Promise((_, reject) => {
        deadline = setTimeout(() => reject(new Error('close waited for the acknowledgement')), 10_000);
      }),
    ]).finally(() => clearTimeout(deadline));
  } finally {
    await server.close();
    await system.shutdown();
  }
  assert.deepEqual(fs.readdirSync(tmp), [], 'every socket file is removed on close');
});

test('a missing socket fails at once with a clear error', async () => {
  const t0 = Date.now();
  await assert.rejects(
    controlRequest(`ipc://${tmp}/nobody.sock`, { op: 'state', cid: 'x' }),
    (e: ControlError) => e.code === 'ESRCH' && e.message === 'sandbox for container "x" is not running',
  );
  assert.ok(Date.now() - t0 < 100);
});

test('a server that never answers: the deadline fires; a dead host fails the wait within its poll', async () => {
  const addr = `ipc://${tmp}/mute.sock`;
  const script = `
    const nano = require(${JSON.stringify(path.resolve('node_modules/nanomsg'))});
    const s = nano.socket('rep'); s.bind(${JSON.stringify(addr)}); s.on('data', () => {});
    process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(child.stdout!, 'data');
    await assert.rejects(
      controlRequest(addr, { op: 'state', cid: 'x' }, { timeoutMs: 200, hostPid: child.pid! }),
      (e: ControlError) => e.code === 'ETIMEDOUT',
    );
    const wait = controlRequest(addr, { op: 'wait', cid: 'x' }, { timeoutMs: 0, hostPid: child.pid! });
    const t0 = Date.now();
    child.kill('SIGKILL');
    await assert.rejects(wait, (e: ControlError) => e.code === 'ECONNRESET' && /exited/.test(e.message));
    assert.ok(Date.now() - t0 < 2000, 'noticed within a few polls');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('a zombie is not alive: an exited host whose reaper is slow is gone for delete and list', async () => {
  // A short sleep in the background of a shell that then becomes a long `sleep`, which never
  // reaps it (it ends after the exec: a shell may reap a child that ended before). Should the child
  // vanish all the same (its pid reaped by someone else), the set-up is made again.
  for (let attempt = 1; ; attempt++) {
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
      const pid = Number(line.toString().trim());
      const stateOf = (): string | null => {
        try {
          const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
          return s.charAt(s.lastIndexOf(')') + 2);
        } catch {
          return null;
        }
      };
      const deadline = Date.now() + 10_000;
      let state = stateOf();
      while (state !== 'Z' && state !== null) {
        assert.ok(Date.now() < deadline, 'the child became a zombie');
        await new Promise((r) => setImmediate(r));
        state = stateOf();
      }
      if (state === null) {
        assert.ok(attempt < 5, 'a zombie could be made');
        continue;
      }
      process.kill(pid, 0); // kill(2) still finds it...
      assert.equal(processAlive(pid), false, 'got alive, want gone: a zombie');
      assert.equal(processAlive(parent.pid!), true, 'a sleeping process is alive');
      assert.equal(processAlive(process.pid), true);
      return;
    } finally {
      parent.kill('SIGKILL');
      await once(parent, 'exit');
    }
  }
});
