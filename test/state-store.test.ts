// Container state on disk: the state root choice, id validation, create/load/list/remove, and that
// writes are atomic and creates race-free.

import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { resolveStateRoot } from '../cli/state_root.js';
import {
  controlAddress,
  currentOwner,
  StateError,
  StateStore,
  validateContainerId,
  writeFileAtomic,
  type ContainerState,
} from '../cli/state_store.js';

const tmpRoots: string[] = [];
function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-state-test-'));
  tmpRoots.push(d);
  return d;
}
after(() => {
  for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true });
});

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function stateOf(store: StateStore, id: string, over: Partial<ContainerState> = {}): ContainerState {
  return {
    ociVersion: '1.0.2',
    id,
    status: 'created',
    pid: 1,
    bundle: '/bundles/hello',
    annotations: { 'a.b': 'c' },
    sandboxId: id,
    controlAddress: store.controlAddress(id),
    created: '2026-11-22T20:55:00.000Z',
    owner: 'tester',
    ...over,
  };
}

function throwsState(fn: () => unknown, code: string, message: string): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof StateError && e.code === code && e.message === message,
    message,
  );
}

// ---- state root ------------------------------------------------------------------------------------

test('state root: --root wins, is made absolute and created', () => {
  const base = tmpdir();
  const rel = path.relative(process.cwd(), path.join(base, 'a', 'b'));
  const root = resolveStateRoot({ root: rel, systemRoot: path.join(base, 'sys') });
  assert.equal(root, path.join(base, 'a', 'b'));
  assert.ok(fs.statSync(root).isDirectory());
  assert.equal(fs.existsSync(path.join(base, 'sys')), false);
});

test('state root: --root that is a file is an error', () => {
  const base = tmpdir();
  fs.writeFileSync(path.join(base, 'f'), '');
  assert.throws(() => resolveStateRoot({ root: path.join(base, 'f') }), /is not a writable directory/);
});

test('state root: the system root when it exists or can be created', () => {
  const base = tmpdir();
  const sys = path.join(base, 'run', 'corral');
  assert.equal(resolveStateRoot({ systemRoot: sys, env: {}, tmpdir: base }), sys);
  assert.ok(fs.statSync(sys).isDirectory());
  assert.equal(resolveStateRoot({ systemRoot: sys, env: {}, tmpdir: base }), sys);
});

test('state root: falls back to $XDG_RUNTIME_DIR/corral, then to tmpdir/corral-<uid>', () => {
  const base = tmpdir();
  fs.writeFileSync(path.join(base, 'blocker'), ''); // a file where a directory would have to be made
  const sys = path.join(base, 'blocker', 'corral');
  const xdg = path.join(base, 'xdg');
  fs.mkdirSync(xdg);
  assert.equal(
    resolveStateRoot({ systemRoot: sys, env: { XDG_RUNTIME_DIR: xdg }, tmpdir: base }),
    path.join(xdg, 'corral'),
  );
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  assert.equal(
    resolveStateRoot({ systemRoot: sys, env: { XDG_RUNTIME_DIR: path.join(base, 'blocker') }, tmpdir: base }),
    path.join(base, `corral-${uid}`),
  );
  // A relative XDG_RUNTIME_DIR is ignored, as the XDG spec says it must be absolute.
  assert.equal(
    resolveStateRoot({ systemRoot: sys, env: { XDG_RUNTIME_DIR: 'rel' }, tmpdir: base }),
    path.join(base, `corral-${uid}`),
  );
});

test(
  'state root: an unwritable system root is skipped',
  { skip: isRoot && 'root can write anywhere' },
  () => {
    const base = tmpdir();
    const sys = path.join(base, 'ro');
    fs.mkdirSync(sys, { mode: 0o500 });
    const uid = process.getuid!();
    assert.equal(
      resolveStateRoot({ systemRoot: sys, env: {}, tmpdir: base }),
      path.join(base, `corral-${uid}`),
    );
  },
);

test(
  'state root: a per-user fallback owned by someone else is refused',
  { skip: !isRoot && 'needs chown' },
  () => {
    const base = tmpdir();
    fs.writeFileSync(path.join(base, 'f'), '');
    const sys = path.join(base, 'f', 'corral');
    const squatted = path.join(base, `corral-${process.getuid!()}`);
    fs.mkdirSync(squatted, { mode: 0o777 });
    fs.chownSync(squatted, 12345, 12345);
    assert.throws(() => resolveStateRoot({ systemRoot: sys, env: {}, tmpdir: base }), /no usable state root/);
    // An explicit --root is the user's choice and is taken as is.
    assert.equal(resolveStateRoot({ root: squatted }), squatted);
  },
);

test('state root: no usable candidate is an error naming them', () => {
  const base = tmpdir();
  fs.writeFileSync(path.join(base, 'f'), '');
  const f = path.join(base, 'f');
  assert.throws(
    () => resolveStateRoot({ systemRoot: path.join(f, 'a'), env: {}, tmpdir: f }),
    /no usable state root .*pass --root/,
  );
});

// ---- ids -------------------------------------------------------------------------------------------

const GOOD_IDS = ['a', 'hello', 'my-container_1.2+3', 'A'.repeat(1024), '...', '-leading-dash', '_'];
const BAD_IDS = ['', '.', '..', 'a/b', '../x', 'a b', 'é', 'a:b', 'a\nb', 'A'.repeat(1025), '*'];

for (const id of GOOD_IDS) {
  test(`valid container id ${JSON.stringify(id.slice(0, 20))}`, () => {
    assert.equal(validateContainerId(id), id);
  });
}
for (const id of BAD_IDS) {
  test(`invalid container id ${JSON.stringify(id.slice(0, 20))}`, () => {
    throwsState(() => validateContainerId(id), 'EINVAL', `invalid container id ${JSON.stringify(id)}`);
    const store = new StateStore(tmpdir());
    throwsState(() => store.load(id), 'EINVAL', `invalid container id ${JSON.stringify(id)}`);
    throwsState(
      () => store.create(stateOf(store, id)),
      'EINVAL',
      `invalid container id ${JSON.stringify(id)}`,
    );
    throwsState(() => store.remove(id), 'EINVAL', `invalid container id ${JSON.stringify(id)}`);
  });
}

// ---- store -----------------------------------------------------------------------------------------

test('controlAddress is ipc://<root>/<sandbox-id>/control.sock', () => {
  assert.equal(controlAddress('/run/corral', 'sb1'), 'ipc:///run/corral/sb1/control.sock');
  const store = new StateStore('/tmp/x/../y');
  assert.equal(store.root, '/tmp/y');
  assert.equal(store.controlAddress('s'), 'ipc:///tmp/y/s/control.sock');
});

test('create writes <root>/<id>/state.json, load reads it back', () => {
  const root = path.join(tmpdir(), 'state');
  const store = new StateStore(root);
  assert.equal(store.exists('c1'), false);
  const s = stateOf(store, 'c1');
  store.create(s);
  assert.equal(store.exists('c1'), true);
  assert.equal(store.dir('c1'), path.join(root, 'c1'));
  assert.deepEqual(store.load('c1'), s);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, 'c1', 'state.json'), 'utf8')), s);
  assert.equal(fs.statSync(path.join(root, 'c1')).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(root, 'c1', 'state.json')).mode & 0o777, 0o600);
});

test('create of an existing id fails and leaves the first state alone', () => {
  const store = new StateStore(tmpdir());
  store.create(stateOf(store, 'dup', { pid: 7 }));
  throwsState(
    () => store.create(stateOf(store, 'dup', { pid: 8 })),
    'EEXIST',
    'container "dup" already exists',
  );
  assert.equal(store.load('dup').pid, 7);
  // A directory alone (a create in progress elsewhere) also blocks a create.
  fs.mkdirSync(store.dir('half'));
  throwsState(() => store.create(stateOf(store, 'half')), 'EEXIST', 'container "half" already exists');
});

test('concurrent creates of one id: exactly one wins', async () => {
  const root = tmpdir();
  const { Worker } = await import('node:worker_threads');
  const url = new URL('../cli/state_store.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.url).then(({ StateStore }) => {
      const store = new StateStore(workerData.root);
      const i32 = new Int32Array(workerData.sab);
      // A barrier: count in, wake the others, and sleep until all n have arrived, so that the creates
      // overlap. add/notify/wait on one cell are sequentially consistent, so no arrival is missed.
      Atomics.add(i32, 0, 1);
      Atomics.notify(i32, 0);
      for (let c = Atomics.load(i32, 0); c < workerData.n; c = Atomics.load(i32, 0)) Atomics.wait(i32, 0, c);
      try {
        store.create({ ociVersion: '1', id: 'race', status: 'created', pid: workerData.k, bundle: '/b',
          annotations: {}, sandboxId: 'race', controlAddress: 'ipc:///x', created: 'now', owner: 'o' });
        parentPort.postMessage('won');
      } catch (e) { parentPort.postMessage(e.code); }
    });`;
  const n = 4;
  const sab = new SharedArrayBuffer(4);
  const results = await Promise.all(
    Array.from({ length: n }, (_, k) => {
      const w = new Worker(code, { eval: true, workerData: { url, root, sab, n, k } });
      return new Promise<string>((resolve, reject) => {
        w.once('message', (m: string) => {
          void w.terminate().then(() => resolve(m));
        });
        w.once('error', reject);
      });
    }),
  );
  assert.deepEqual(results.filter((r) => r === 'won').length, 1, results.join(','));
  assert.deepEqual(results.filter((r) => r === 'EEXIST').length, n - 1, results.join(','));
  const store = new StateStore(root);
  assert.equal(store.list().length, 1);
});

test('load of an unknown id: does not exist', () => {
  const store = new StateStore(tmpdir());
  throwsState(() => store.load('ghost'), 'ENOENT', 'container "ghost" does not exist');
  // A directory without state.json is not a container either.
  fs.mkdirSync(store.dir('empty'));
  throwsState(() => store.load('empty'), 'ENOENT', 'container "empty" does not exist');
  // A root that was never created.
  throwsState(
    () => new StateStore(path.join(tmpdir(), 'no', 'root')).load('x'),
    'ENOENT',
    'container "x" does not exist',
  );
});

test('load of a malformed state.json is an error naming the file', () => {
  const store = new StateStore(tmpdir());
  store.create(stateOf(store, 'bad'));
  const file = path.join(store.dir('bad'), 'state.json');
  fs.writeFileSync(file, '{"id": ');
  throwsState(() => store.load('bad'), 'EINVAL', `${file}: malformed container state`);
  fs.writeFileSync(file, JSON.stringify({ ...stateOf(store, 'bad'), status: 'exploded' }));
  throwsState(() => store.load('bad'), 'EINVAL', `${file}: malformed container state`);
  fs.writeFileSync(file, JSON.stringify({ ...stateOf(store, 'bad'), pid: '1' }));
  throwsState(() => store.load('bad'), 'EINVAL', `${file}: malformed container state`);
});

test('save and update replace the state atomically; missing containers are refused', () => {
  const store = new StateStore(tmpdir());
  store.create(stateOf(store, 'c'));
  const s2 = store.update('c', { status: 'running', pid: 42 });
  assert.equal(s2.status, 'running');
  assert.deepEqual(store.load('c'), s2);
  store.save({ ...s2, status: 'stopped', pid: 0 });
  assert.equal(store.load('c').status, 'stopped');
  throwsState(() => store.save(stateOf(store, 'nope')), 'ENOENT', 'container "nope" does not exist');
  throwsState(() => store.update('nope', { pid: 1 }), 'ENOENT', 'container "nope" does not exist');
  // No temp files are left behind by the atomic writes.
  assert.deepEqual(fs.readdirSync(store.dir('c')), ['state.json']);
});

test('writeFileAtomic: readers see old or new contents, never a mix; failures leave no temp file', () => {
  const dir = tmpdir();
  const file = path.join(dir, 'f.json');
  writeFileAtomic(file, 'old');
  const ino = fs.statSync(file).ino;
  writeFileAtomic(file, 'new');
  assert.equal(fs.readFileSync(file, 'utf8'), 'new');
  // rename(2) put a new inode in place: the old file was never truncated and rewritten.
  assert.notEqual(fs.statSync(file).ino, ino);
  // Renaming onto a directory fails; the temp file must not linger.
  fs.mkdirSync(path.join(dir, 'isdir'));
  fs.writeFileSync(path.join(dir, 'isdir', 'x'), '');
  assert.throws(() => writeFileAtomic(path.join(dir, 'isdir'), 'x'));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['f.json', 'isdir']);
});

test('list returns every container sorted by id and skips non-containers', () => {
  const store = new StateStore(tmpdir());
  assert.deepEqual(store.list(), []);
  for (const id of ['b', 'a', 'c']) store.create(stateOf(store, id));
  fs.mkdirSync(path.join(store.root, 'sandbox-only')); // a sandbox's own directory: no state.json
  fs.writeFileSync(path.join(store.root, 'stray-file'), '');
  fs.mkdirSync(path.join(store.root, 'bad state'));
  fs.mkdirSync(path.join(store.root, 'broken'));
  fs.writeFileSync(path.join(store.root, 'broken', 'state.json'), 'not json');
  assert.deepEqual(
    store.list().map((s) => s.id),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(new StateStore(path.join(tmpdir(), 'missing')).list(), []);
});

test('remove deletes the whole directory and is idempotent', () => {
  const store = new StateStore(tmpdir());
  store.create(stateOf(store, 'r'));
  fs.writeFileSync(path.join(store.dir('r'), 'extra'), 'x');
  fs.mkdirSync(path.join(store.dir('r'), 'sub'));
  store.remove('r');
  assert.equal(fs.existsSync(store.dir('r')), false);
  assert.equal(store.exists('r'), false);
  store.remove('r');
  store.remove('never-existed');
  // The id can be created again afterwards.
  store.create(stateOf(store, 'r'));
  assert.equal(store.exists('r'), true);
});

test('currentOwner names the user', () => {
  const owner = currentOwner();
  assert.equal(typeof owner, 'string');
  assert.ok(owner.length > 0);
});
