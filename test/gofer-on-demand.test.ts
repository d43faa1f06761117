// A container's gofer attached on demand (LoaderArgs.goferStart 'on-demand', what `corral run` and
// `corral do` use): a program that cannot name a file runs with no gofer process at all; a program
// that may use files finds its gofer attached before it starts; a later process that needs files
// attaches it then; bad mounts are refused at start as in the eager mode; an attachment that fails
// or dies later kills the container with the reason, as a dead gofer does.
import test, { after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ActorSystem, type ActorRef } from '../actors/runtime/index.js';
import type { LoaderArgs, LoaderReply, LoaderRequest } from '../actors/loader/control_protocol.js';
import { goferCount } from '../actors/gofer/gofer_registry.js';
import { closeThreadGofer } from '../actors/gofer/gofer_process.js';
import { runningThreadGofer } from '../actors/gofer/gofer_child.js';
import { OnDemandGofer } from '../actors/gofer/on_demand_gofer.js';
import { closeGuestStrategy } from '../actors/process-group/guest_platform.js';
import { Errno } from '../platform/wasi_errno.js';
import { makeBundle, TempDirs } from './helpers/bundles.js';
import { goferChildren } from './helpers/gofer_children.js';

const dirs = new TempDirs();
after(async () => {
  await closeGuestStrategy();
  await closeThreadGofer();
  dirs.cleanup();
});
// Every test starts from a thread with no gofer child, so that one found was started by that test.
beforeEach(async () => {
  await closeThreadGofer();
  assert.deepEqual(goferChildren(), []);
});

const LOADER = new URL('../actors/loader/loader_actor.js', import.meta.url).href;

interface Sandbox {
  sys: ActorSystem;
  loader: ActorRef;
  req<O extends LoaderRequest['op']>(r: Extract<LoaderRequest, { op: O }>): Promise<LoaderReply<O>>;
  /** Shuts the sandbox down, asserting that no actor of it failed meanwhile. */
  close(): Promise<void>;
}

let sandboxes = 0;
async function sandbox(rootBundle: string, rootStdio: LoaderArgs['rootStdio']): Promise<Sandbox> {
  const sys = await ActorSystem.start({ workers: 0 });
  const args: LoaderArgs = {
    sandboxId: `ondemand${++sandboxes}`,
    rootCid: 'root',
    rootBundle,
    rootStdio,
    goferStart: 'on-demand',
  };
  const loader = await sys.spawn({ module: LOADER, export: 'createLoaderActor', args, name: 'loader' });
  // Bad input and lost files end requests and containers, never the Loader.
  const failed: string[] = [];
  sys.on('actor-failed', (f) => failed.push(`${f.error.name}: ${f.error.message}`));
  return {
    sys,
    loader,
    req: (r) => sys.request(loader, r.op, r, { timeoutMs: 20_000 }),
    close: async () => {
      await sys.shutdown();
      assert.deepEqual(failed, []);
    },
  };
}

type Mount = { destination: string; type: string; source: string; options: string[] };

/** A bundle running `args` with `bins` in /bin, a writable root, and `mounts`. */
function bundle(bins: string[], args: string[], mounts: Mount[] = []): string {
  const b = makeBundle(dirs, { bins, args, readonlyRoot: false });
  const cfg = join(b, 'config.json');
  const spec = JSON.parse(fs.readFileSync(cfg, 'utf8')) as { mounts?: Mount[] };
  spec.mounts = mounts;
  fs.writeFileSync(cfg, JSON.stringify(spec, null, 2));
  return b;
}

/** A host directory with one file, `hello.txt`, for a bind mount. */
function dataDir(): string {
  const d = dirs.make('corral-ondemand-data-');
  fs.writeFileSync(join(d, 'hello.txt'), 'from the host');
  return d;
}

test('a program that cannot name a file runs to its end with no gofer process', async () => {
  const out = join(dirs.make(), 'out');
  const s = await sandbox(bundle(['hello'], ['/bin/hello']), { kind: 'paths', stdout: out });
  try {
    await s.req({ op: 'start', cid: 'root' });
    assert.equal((await s.req({ op: 'wait', cid: 'root' })).status, 0);
    assert.equal(fs.readFileSync(out, 'utf8'), 'hello from corral\n');
    assert.equal(runningThreadGofer(), null, 'no gofer child was started');
    assert.deepEqual(goferChildren(), []);
    await s.req({ op: 'destroy', cid: 'root' });
    assert.equal(goferCount(), 0);
  } finally {
    await s.close();
  }
});

test('a program that may use files starts with its gofer attached, and reads, writes and lists', async () => {
  const data = dataDir();
  const out = join(dirs.make(), 'out');
  const b = bundle(
    ['fsprobe'],
    ['/bin/fsprobe', 'cat', '/data/hello.txt', 'put', '/data/new.txt', 'made', 'ls', '/data'],
    [{ destination: '/data', type: 'bind', source: data, options: ['rbind', 'rw'] }],
  );
  const s = await sandbox(b, { kind: 'paths', stdout: out });
  try {
    await s.req({ op: 'start', cid: 'root' });
    // Attached by the time the init runs: it asked at create, and the init's spawn waited for it.
    assert.equal(runningThreadGofer()?.attachments, 1);
    assert.equal((await s.req({ op: 'wait', cid: 'root' })).status, 0);
    assert.equal(
      fs.readFileSync(out, 'utf8'),
      'cat /data/hello.txt: from the host\nput /data/new.txt: ok\nls /data: hello.txt new.txt\n',
    );
    assert.equal(fs.readFileSync(join(data, 'new.txt'), 'utf8'), 'made');
    await s.req({ op: 'destroy', cid: 'root' });
    assert.equal(runningThreadGofer()?.attachments ?? 0, 0, 'detached at destroy');
    assert.equal(goferCount(), 0);
  } finally {
    await s.close();
  }
});

test('a file-less init, then an exec that uses files: the gofer is attached for the exec', async () => {
  const data = dataDir();
  const out = join(dirs.make(), 'out');
  const b = bundle(
    ['sleep', 'fsprobe'],
    ['/bin/sleep', '600000'],
    [{ destination: '/data', type: 'bind', source: data, options: ['rbind', 'ro'] }],
  );
  const s = await sandbox(b, { kind: 'null' });
  try {
    await s.req({ op: 'start', cid: 'root' });
    assert.equal(runningThreadGofer(), null, 'the sleeping init needs no gofer');
    const { pid } = await s.req({
      op: 'exec',
      cid: 'root',
      process: { args: ['/bin/fsprobe', 'cat', '/data/hello.txt', 'put', '/data/x', 'y'] },
      stdio: { kind: 'paths', stdout: out },
    });
    assert.equal((await s.req({ op: 'wait-pid', cid: 'root', pid })).status, 0);
    assert.equal(
      fs.readFileSync(out, 'utf8'),
      'cat /data/hello.txt: from the host\nput /data/x: ERR EROFS\n',
    );
    assert.equal(goferChildren().length, 1, 'one gofer child, started for the exec');
    await s.req({ op: 'destroy', cid: 'root' });
  } finally {
    await s.close();
  }
});

test('a missing mount source is refused at start, on demand too, and starts no gofer', async () => {
  const b = bundle(
    ['hello'],
    ['/bin/hello'],
    [{ destination: '/data', type: 'bind', source: '/nonexistent/corral-dir', options: ['rbind'] }],
  );
  const s = await sandbox(b, { kind: 'null' });
  try {
    await s.req({ op: 'start', cid: 'root' }).then(
      () => assert.fail('start succeeded'),
      (e: Error) => assert.match(e.message, /container "root": gofer: mount \/data: cannot open .*ENOENT/),
    );
    assert.equal((await s.req({ op: 'state', cid: 'root' })).status, 'stopped');
    assert.equal(runningThreadGofer(), null);
    await s.req({ op: 'destroy', cid: 'root' });
    assert.equal(goferCount(), 0);
  } finally {
    await s.close();
  }
});

test('a mount gone before the first need: the exec says why, and the container is killed for it', async () => {
  const data = dataDir();
  const b = bundle(
    ['sleep', 'fsprobe'],
    ['/bin/sleep', '600000'],
    [{ destination: '/data', type: 'bind', source: data, options: ['rbind'] }],
  );
  const s = await sandbox(b, { kind: 'null' });
  try {
    await s.req({ op: 'start', cid: 'root' });
    fs.rmSync(data, { recursive: true });
    await s.req({ op: 'exec', cid: 'root', process: { args: ['/bin/fsprobe', 'ls', '/'] } }).then(
      () => assert.fail('exec succeeded'),
      (e: Error) => assert.match(e.message, /cannot start \/bin\/fsprobe: gofer: mount \/data: cannot open/),
    );
    // As when a gofer dies: the container's processes are SIGKILLed, with the reason kept.
    assert.deepEqual(await s.req({ op: 'wait', cid: 'root' }), { status: 9, signal: 9 });
    assert.match(
      (await s.req({ op: 'state', cid: 'root' })).reason ?? '',
      /gofer failed \(gofer could not attach/,
    );
    await s.req({ op: 'destroy', cid: 'root' });
    assert.equal(runningThreadGofer()?.attachments ?? 0, 0);
    assert.equal(goferCount(), 0);
  } finally {
    await s.close();
  }
});

test('a gofer that dies after an on-demand attachment kills the container', async () => {
  const s = await sandbox(bundle(['fsprobe'], ['/bin/fsprobe', 'ls', '/', 'sleep', '600000']), {
    kind: 'null',
  });
  try {
    await s.req({ op: 'start', cid: 'root' });
    const mine = goferChildren();
    assert.equal(mine.length, 1);
    process.kill(mine[0]!, 'SIGKILL');
    assert.deepEqual(await s.req({ op: 'wait', cid: 'root' }), { status: 9, signal: 9 });
    assert.match((await s.req({ op: 'state', cid: 'root' })).reason ?? '', /gofer failed/);
    await s.req({ op: 'destroy', cid: 'root' });
  } finally {
    await s.close();
  }
});

test('OnDemandGofer: no child until a call; a call attaches and is answered; close detaches', async () => {
  const root = dataDir();
  const never = new OnDemandGofer({ mounts: [{ guestPath: '/', hostPath: root, readonly: true }] });
  assert.deepEqual(
    never.preopens.map((p) => [p.guestPath, p.fid, p.donated]),
    [['/', 1, undefined]],
  );
  await never.close();
  assert.equal(never.requested, false);
  assert.equal(runningThreadGofer(), null, 'closed before any need: no child');
  assert.equal((await never.call({ op: 'fstat', fid: 1 })).errno, Errno.IO, 'closed: EIO');

  const g = new OnDemandGofer({ mounts: [{ guestPath: '/', hostPath: root, readonly: true }] });
  const before = g.generation;
  const r = await g.call({ op: 'readdir', fid: 1 });
  assert.equal(r.errno, Errno.SUCCESS);
  assert.equal(g.requested, true);
  assert.equal(runningThreadGofer()?.attachments, 1);
  assert.match(g.preopens[0]?.donated ?? '', /^\/proc\/\d+\/fd\/\d+$/, 'roots donated once attached');
  assert.equal(g.generation, before, 'a read changes no generation');
  await g.close();
  assert.equal(runningThreadGofer()?.attachments, 0);
});
