// OCI bundle handling: config.json validation (every error names its field), bundle loading, and
// resolution of process.args[0] inside the rootfs (symlinks confined to it, PATH lookup, wasm check).

import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  BundleError,
  checkWasmMagic,
  defaultSpec,
  defaultSpecJson,
  DEFAULT_PATH,
  getEnv,
  lineColumn,
  loadBundle,
  mergeEnv,
  parseSpec,
  resolveEnv,
  resolveExecutable,
  resolveInRoot,
  validateProcess,
  validateSpec,
} from '../actors/loader/bundle/index.js';

const tmpRoots: string[] = [];
function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-bundle-test-'));
  tmpRoots.push(d);
  return d;
}
after(() => {
  for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true });
});

// Tests mutate config.json freely, into every wrong shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
/** RLIM_INFINITY as config.json writes it (18446744073709551615), which JSON reads as 2^64. */
const RLIM_INFINITY = 2 ** 64 - 1;

const WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** A realistic config.json, as `runc spec` writes it plus the fields Corral reads. */
function fullConfig(): Record<string, Loose> {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: true,
      consoleSize: { height: 24, width: 80 },
      user: { uid: 1000, gid: 1000, umask: 0o022, additionalGids: [5, 20] },
      args: ['/bin/hello', '--greeting', 'hi'],
      env: ['PATH=/usr/bin:/bin', 'TERM=xterm', 'EMPTY=', 'A=b=c'],
      cwd: '/home/app',
      capabilities: {
        bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_AUDIT_WRITE', 'CAP_KILL'],
        inheritable: [],
        permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_KILL'],
      },
      rlimits: [
        { type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 },
        { type: 'RLIMIT_NPROC', hard: 64, soft: 32 },
        { type: 'RLIMIT_AS', hard: RLIM_INFINITY, soft: 1 << 30 },
      ],
      noNewPrivileges: true,
      apparmorProfile: 'ignored',
      oomScoreAdj: 100,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'corral',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755'] },
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro'] },
    ],
    linux: {
      namespaces: [
        { type: 'pid', path: '/proc/42/ns/pid' },
        { type: 'network' },
        { type: 'mount', path: '' },
      ],
      resources: { devices: [{ allow: false, access: 'rwm' }], pids: { limit: 64 } },
      maskedPaths: ['/proc/kcore'],
    },
    annotations: { 'org.example.tenant': 't1', 'io.corral.network': 'sandbox' },
    hooks: { prestart: [] },
  };
}

test('a full, realistic config.json validates and keeps every field Corral uses', () => {
  const spec = parseSpec(JSON.stringify(fullConfig(), null, 2));
  assert.equal(spec.ociVersion, '1.0.2-dev');
  assert.deepEqual(spec.process, {
    terminal: true,
    consoleSize: { height: 24, width: 80 },
    user: { uid: 1000, gid: 1000, umask: 0o022, additionalGids: [5, 20] },
    args: ['/bin/hello', '--greeting', 'hi'],
    env: ['PATH=/usr/bin:/bin', 'TERM=xterm', 'EMPTY=', 'A=b=c'],
    cwd: '/home/app',
    capabilities: {
      bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_AUDIT_WRITE', 'CAP_KILL'],
      inheritable: [],
      permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_KILL'],
    },
    rlimits: [
      { type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 },
      { type: 'RLIMIT_NPROC', hard: 64, soft: 32 },
      { type: 'RLIMIT_AS', hard: RLIM_INFINITY, soft: 1 << 30 },
    ],
    noNewPrivileges: true,
  });
  assert.deepEqual(spec.root, { path: 'rootfs', readonly: true });
  assert.equal(spec.hostname, 'corral');
  assert.deepEqual(spec.mounts, [
    { destination: '/proc', type: 'proc', source: 'proc', options: [] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755'] },
    { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro'] },
  ]);
  assert.deepEqual(spec.linux, {
    namespaces: [{ type: 'pid', path: '/proc/42/ns/pid' }, { type: 'network' }, { type: 'mount' }],
    resources: { pids: { limit: 64 } },
  });
  assert.deepEqual(spec.annotations, { 'org.example.tenant': 't1', 'io.corral.network': 'sandbox' });
  // Unknown fields are dropped, as runc ignores them.
  assert.equal((spec.process as unknown as Record<string, unknown>).apparmorProfile, undefined);
  assert.equal((spec as unknown as Record<string, unknown>).hooks, undefined);
});

test('a minimal config.json gets the zero-value defaults runc would use', () => {
  const spec = parseSpec(
    JSON.stringify({
      ociVersion: '1.0.0',
      process: { args: ['x'], cwd: '/' },
      root: { path: '/abs/rootfs' },
    }),
  );
  assert.deepEqual(spec.process.user, { uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(spec.process.env, []);
  assert.deepEqual(spec.process.rlimits, []);
  assert.equal(spec.process.terminal, false);
  assert.equal(spec.process.noNewPrivileges, false);
  assert.equal(spec.process.capabilities, undefined);
  assert.equal(spec.root.readonly, false);
  assert.deepEqual(spec.mounts, []);
  assert.equal(spec.linux, undefined);
  assert.equal(spec.hostname, undefined);
  assert.deepEqual(spec.annotations, {});
});

type Mutate = (c: Record<string, Loose>) => void;
const INVALID: readonly [string, Mutate, string][] = [
  ['top level not an object', (c) => Object.assign(c, { __replace: [] }), 'config.json: must be an object'],
  ['ociVersion missing', (c) => delete c.ociVersion, 'config.json: ociVersion: must be a non-empty string'],
  ['ociVersion a number', (c) => (c.ociVersion = 1), 'config.json: ociVersion: must be a non-empty string'],
  ['process missing', (c) => delete c.process, 'config.json: process: must be an object'],
  ['process an array', (c) => (c.process = []), 'config.json: process: must be an object'],
  [
    'args missing',
    (c) => delete c.process.args,
    'config.json: process.args: must be a non-empty array of strings',
  ],
  [
    'args empty',
    (c) => (c.process.args = []),
    'config.json: process.args: must be a non-empty array of strings',
  ],
  [
    'args a string',
    (c) => (c.process.args = '/bin/sh'),
    'config.json: process.args: must be a non-empty array of strings',
  ],
  [
    'args with a number',
    (c) => (c.process.args = ['/bin/x', 3]),
    'config.json: process.args: must be a non-empty array of strings',
  ],
  ['args[0] empty', (c) => (c.process.args = ['']), 'config.json: process.args[0]: must not be empty'],
  ['env not an array', (c) => (c.process.env = 'A=B'), 'config.json: process.env: must be an array'],
  [
    'env entry a number',
    (c) => (c.process.env = ['A=B', 7]),
    'config.json: process.env[1]: must be a string',
  ],
  [
    'env entry without =',
    (c) => (c.process.env = ['A=B', 'FOO']),
    'config.json: process.env[1]: must be KEY=VALUE, got "FOO"',
  ],
  [
    'env entry with empty key',
    (c) => (c.process.env = ['=x']),
    'config.json: process.env[0]: must be KEY=VALUE, got "=x"',
  ],
  ['cwd missing', (c) => delete c.process.cwd, 'config.json: process.cwd: must be an absolute path'],
  ['cwd relative', (c) => (c.process.cwd = 'home'), 'config.json: process.cwd: must be an absolute path'],
  [
    'terminal a string',
    (c) => (c.process.terminal = 'yes'),
    'config.json: process.terminal: must be a boolean',
  ],
  [
    'consoleSize not an object',
    (c) => (c.process.consoleSize = 5),
    'config.json: process.consoleSize: must be an object',
  ],
  [
    'consoleSize.width negative',
    (c) => (c.process.consoleSize.width = -1),
    'config.json: process.consoleSize.width: must be a non-negative integer',
  ],
  ['user not an object', (c) => (c.process.user = 'root'), 'config.json: process.user: must be an object'],
  [
    'uid negative',
    (c) => (c.process.user.uid = -1),
    'config.json: process.user.uid: must be a non-negative integer',
  ],
  [
    'uid fractional',
    (c) => (c.process.user.uid = 1.5),
    'config.json: process.user.uid: must be a non-negative integer',
  ],
  [
    'uid a string',
    (c) => (c.process.user.uid = '0'),
    'config.json: process.user.uid: must be a non-negative integer',
  ],
  [
    'uid too large',
    (c) => (c.process.user.uid = 2 ** 32),
    'config.json: process.user.uid: must be at most 4294967294',
  ],
  [
    'gid negative',
    (c) => (c.process.user.gid = -5),
    'config.json: process.user.gid: must be a non-negative integer',
  ],
  [
    'umask too large',
    (c) => (c.process.user.umask = 0o1000),
    'config.json: process.user.umask: must be at most 511',
  ],
  [
    'additionalGids not an array',
    (c) => (c.process.user.additionalGids = 5),
    'config.json: process.user.additionalGids: must be an array',
  ],
  [
    'additionalGids bad entry',
    (c) => (c.process.user.additionalGids = [1, 'x']),
    'config.json: process.user.additionalGids[1]: must be a non-negative integer',
  ],
  [
    'capabilities not an object',
    (c) => (c.process.capabilities = ['CAP_KILL']),
    'config.json: process.capabilities: must be an object',
  ],
  [
    'capability set not an array',
    (c) => (c.process.capabilities.effective = 'CAP_KILL'),
    'config.json: process.capabilities.effective: must be an array',
  ],
  [
    'unknown capability',
    (c) => (c.process.capabilities.bounding = ['CAP_KILL', 'CAP_FOO']),
    'config.json: process.capabilities.bounding[1]: unknown capability "CAP_FOO"',
  ],
  [
    'capability without prefix',
    (c) => (c.process.capabilities.ambient = ['KILL']),
    'config.json: process.capabilities.ambient[0]: unknown capability "KILL"',
  ],
  [
    'capability lower case',
    (c) => (c.process.capabilities.permitted = ['cap_kill']),
    'config.json: process.capabilities.permitted[0]: unknown capability "cap_kill"',
  ],
  ['rlimits not an array', (c) => (c.process.rlimits = {}), 'config.json: process.rlimits: must be an array'],
  [
    'rlimit not an object',
    (c) => (c.process.rlimits = [1]),
    'config.json: process.rlimits[0]: must be an object',
  ],
  [
    'unknown rlimit',
    (c) => (c.process.rlimits[1].type = 'RLIMIT_FOO'),
    'config.json: process.rlimits[1].type: unknown rlimit "RLIMIT_FOO"',
  ],
  [
    'rlimit type missing',
    (c) => delete c.process.rlimits[0].type,
    'config.json: process.rlimits[0].type: must be a string',
  ],
  [
    'duplicate rlimit',
    (c) => (c.process.rlimits[2].type = 'RLIMIT_NOFILE'),
    'config.json: process.rlimits[2].type: duplicate rlimit "RLIMIT_NOFILE"',
  ],
  [
    'rlimit hard negative',
    (c) => (c.process.rlimits[0].hard = -1),
    'config.json: process.rlimits[0].hard: must be a non-negative integer',
  ],
  [
    'rlimit soft missing',
    (c) => delete c.process.rlimits[0].soft,
    'config.json: process.rlimits[0].soft: must be a non-negative integer',
  ],
  [
    'rlimit soft above hard',
    (c) => (c.process.rlimits[1].soft = 65),
    'config.json: process.rlimits[1].soft: must not exceed hard (64)',
  ],
  [
    'noNewPrivileges a number',
    (c) => (c.process.noNewPrivileges = 1),
    'config.json: process.noNewPrivileges: must be a boolean',
  ],
  ['root missing', (c) => delete c.root, 'config.json: root: must be an object'],
  ['root.path missing', (c) => delete c.root.path, 'config.json: root.path: must be a non-empty string'],
  ['root.path empty', (c) => (c.root.path = ''), 'config.json: root.path: must be a non-empty string'],
  [
    'root.readonly a string',
    (c) => (c.root.readonly = 'true'),
    'config.json: root.readonly: must be a boolean',
  ],
  ['hostname a number', (c) => (c.hostname = 5), 'config.json: hostname: must be a string'],
  [
    'hostname too long',
    (c) => (c.hostname = 'h'.repeat(65)),
    'config.json: hostname: must be at most 64 characters',
  ],
  ['mounts not an array', (c) => (c.mounts = {}), 'config.json: mounts: must be an array'],
  ['mount not an object', (c) => (c.mounts[1] = 'x'), 'config.json: mounts[1]: must be an object'],
  [
    'mount destination relative',
    (c) => (c.mounts[2].destination = 'data'),
    'config.json: mounts[2].destination: must be an absolute path',
  ],
  [
    'mount destination missing',
    (c) => delete c.mounts[0].destination,
    'config.json: mounts[0].destination: must be an absolute path',
  ],
  ['mount type a number', (c) => (c.mounts[0].type = 1), 'config.json: mounts[0].type: must be a string'],
  [
    'mount source a number',
    (c) => (c.mounts[0].source = 1),
    'config.json: mounts[0].source: must be a string',
  ],
  [
    'mount options bad entry',
    (c) => (c.mounts[1].options = ['ro', 5]),
    'config.json: mounts[1].options[1]: must be a string',
  ],
  ['linux not an object', (c) => (c.linux = []), 'config.json: linux: must be an object'],
  [
    'resources not an object',
    (c) => (c.linux.resources = 3),
    'config.json: linux.resources: must be an object',
  ],
  [
    'pids not an object',
    (c) => (c.linux.resources = { pids: 7 }),
    'config.json: linux.resources.pids: must be an object',
  ],
  [
    'pids.limit below -1',
    (c) => (c.linux.resources = { pids: { limit: -2 } }),
    'config.json: linux.resources.pids.limit: must be an integer >= -1 (-1 or 0: no limit)',
  ],
  [
    'pids.limit a string',
    (c) => (c.linux.resources = { pids: { limit: '5' } }),
    'config.json: linux.resources.pids.limit: must be an integer >= -1 (-1 or 0: no limit)',
  ],
  [
    'namespaces not an array',
    (c) => (c.linux.namespaces = {}),
    'config.json: linux.namespaces: must be an array',
  ],
  [
    'unknown namespace type',
    (c) => (c.linux.namespaces[0].type = 'foo'),
    'config.json: linux.namespaces[0].type: unknown namespace type "foo"',
  ],
  [
    'namespace type missing',
    (c) => delete c.linux.namespaces[1].type,
    'config.json: linux.namespaces[1].type: must be a string',
  ],
  [
    'duplicate namespace',
    (c) => (c.linux.namespaces[1].type = 'pid'),
    'config.json: linux.namespaces[1].type: duplicate namespace type "pid"',
  ],
  [
    'namespace path relative',
    (c) => (c.linux.namespaces[0].path = 'proc/1/ns/pid'),
    'config.json: linux.namespaces[0].path: must be an absolute path',
  ],
  ['annotations an array', (c) => (c.annotations = []), 'config.json: annotations: must be an object'],
  [
    'annotation value a number',
    (c) => (c.annotations['a.b'] = 1),
    'config.json: annotations["a.b"]: must be a string',
  ],
];

for (const [name, mutate, message] of INVALID) {
  test(`invalid config.json: ${name}`, () => {
    const c = fullConfig();
    mutate(c);
    const value = '__replace' in c ? c.__replace : c;
    assert.throws(
      () => parseSpec(JSON.stringify(value)),
      (e: unknown) => e instanceof BundleError && e.code === 'EINVAL' && e.message === message,
      message,
    );
  });
}

const SYNTAX: readonly [string, string, string][] = [
  [
    'trailing comma',
    '{\n  "ociVersion": "1.0.0",\n}',
    'config.json: line 3, column 1: expected a double-quoted property name, found "}"',
  ],
  [
    'missing colon',
    '{"a" 1}',
    'config.json: line 1, column 6: expected \':\' after property name, found "1"',
  ],
  ['bad literal', '{\n  "a": tru\n}', 'config.json: line 2, column 11: unexpected character "\\n"'],
  ['truncated', '{"a": [1, 2', 'config.json: line 1, column 12: unexpected end of input'],
  ['empty file', '', 'config.json: line 1, column 1: unexpected end of input'],
  [
    'missing comma',
    '{\n "a": 1\n "b": 2}',
    "config.json: line 3, column 2: expected ',' or '}', found \"\\\"\"",
  ],
  ['garbage after value', '{} x', 'config.json: line 1, column 4: unexpected "x" after the JSON value'],
  [
    'control character in string',
    '{"a": "x\ny"}',
    'config.json: line 1, column 9: control character in string',
  ],
  ['bad escape', '{"a": "\\q"}', 'config.json: line 1, column 9: bad escape in string'],
  [
    'single quotes',
    "{'a': 1}",
    'config.json: line 1, column 2: expected a double-quoted property name, found "\'"',
  ],
  ['bad number', '{"a": -}', 'config.json: line 1, column 7: bad number'],
];

for (const [name, text, message] of SYNTAX) {
  test(`JSON syntax error with line:column: ${name}`, () => {
    assert.throws(
      () => parseSpec(text),
      (e: unknown) => e instanceof BundleError && e.code === 'EINVAL' && e.message === message,
      message,
    );
  });
}

test('lineColumn counts lines and columns from 1', () => {
  assert.deepEqual(lineColumn('ab\ncd\n', 0), { line: 1, column: 1 });
  assert.deepEqual(lineColumn('ab\ncd\n', 4), { line: 2, column: 2 });
  assert.deepEqual(lineColumn('ab\ncd\n', 6), { line: 3, column: 1 });
});

test('validateProcess names fields relative to a process.json', () => {
  const p = validateProcess({ args: ['sh'], cwd: '/', env: ['A=1'] });
  assert.deepEqual(p.args, ['sh']);
  assert.throws(() => validateProcess({ args: [], cwd: '/' }), {
    message: 'process.json: args: must be a non-empty array of strings',
  });
  assert.throws(() => validateProcess({ args: ['x'], cwd: '/', user: { uid: -1 } }), {
    message: 'process.json: user.uid: must be a non-negative integer',
  });
  assert.throws(() => validateProcess('x'), { message: 'process.json: must be an object' });
});

test('the default spec is valid, round-trips through JSON, and is what corral spec promises', () => {
  const spec = defaultSpec();
  assert.deepEqual(validateSpec(JSON.parse(defaultSpecJson())), spec);
  assert.deepEqual(spec.process.args, ['/bin/hello']);
  assert.equal(spec.root.path, 'rootfs');
  assert.equal(spec.hostname, 'corral');
  assert.deepEqual(
    spec.linux?.namespaces.map((n) => n.type),
    ['pid', 'network'],
  );
  assert.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
  assert.equal(getEnv(spec.process.env, 'PATH'), DEFAULT_PATH);
  assert.ok(defaultSpecJson().endsWith('}\n'));
  // A fresh object each call: editing one does not change the next.
  (spec.process.args as string[]).push('x');
  assert.deepEqual(defaultSpec().process.args, ['/bin/hello']);
});

// ---- bundles ---------------------------------------------------------------------------------------

function makeBundle(config: unknown = fullConfig(), rootfs = 'rootfs'): string {
  const dir = tmpdir();
  if (rootfs) fs.mkdirSync(path.join(dir, rootfs), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    typeof config === 'string' ? config : JSON.stringify(config),
  );
  return dir;
}

function throwsBundle(fn: () => unknown, code: string, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BundleError, `not a BundleError: ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('loadBundle loads config.json and resolves a relative rootfs against the bundle', () => {
  const dir = makeBundle();
  const b = loadBundle(dir);
  assert.equal(b.dir, dir);
  assert.equal(b.configPath, path.join(dir, 'config.json'));
  assert.equal(b.rootfs, fs.realpathSync(path.join(dir, 'rootfs')));
  assert.equal(b.spec.hostname, 'corral');
});

test('loadBundle resolves a relative bundle path against the current directory', () => {
  const dir = makeBundle();
  const rel = path.relative(process.cwd(), dir);
  assert.equal(loadBundle(rel).dir, dir);
});

test('loadBundle accepts an absolute root.path and a symlinked rootfs', () => {
  const elsewhere = tmpdir();
  const c = fullConfig();
  c.root.path = elsewhere;
  assert.equal(loadBundle(makeBundle(c, '')).rootfs, fs.realpathSync(elsewhere));
  const c2 = fullConfig();
  c2.root.path = 'link';
  const dir = makeBundle(c2, '');
  fs.symlinkSync(elsewhere, path.join(dir, 'link'));
  assert.equal(loadBundle(dir).rootfs, fs.realpathSync(elsewhere));
});

test('loadBundle errors: missing bundle, bundle a file, missing config.json, config.json a directory', () => {
  const base = tmpdir();
  throwsBundle(
    () => loadBundle(path.join(base, 'nope')),
    'ENOENT',
    `bundle ${path.join(base, 'nope')} does not exist`,
  );
  fs.writeFileSync(path.join(base, 'file'), 'x');
  throwsBundle(
    () => loadBundle(path.join(base, 'file')),
    'ENOTDIR',
    `bundle ${path.join(base, 'file')} is not a directory`,
  );
  const empty = tmpdir();
  throwsBundle(() => loadBundle(empty), 'ENOENT', `no config.json in bundle ${empty}`);
  const withDir = tmpdir();
  fs.mkdirSync(path.join(withDir, 'config.json'));
  throwsBundle(
    () => loadBundle(withDir),
    'EINVAL',
    `${path.join(withDir, 'config.json')} is not a regular file`,
  );
});

test('loadBundle error: unreadable config.json', { skip: isRoot && 'root reads any file' }, () => {
  const dir = makeBundle();
  fs.chmodSync(path.join(dir, 'config.json'), 0);
  throwsBundle(() => loadBundle(dir), 'EACCES', /permission denied/);
});

test('loadBundle errors: malformed config.json, missing rootfs, rootfs a file', () => {
  throwsBundle(
    () => loadBundle(makeBundle('{"ociVersion": ')),
    'EINVAL',
    'config.json: line 1, column 16: unexpected end of input',
  );
  const c = fullConfig();
  c.process.args = [];
  throwsBundle(
    () => loadBundle(makeBundle(c)),
    'EINVAL',
    'config.json: process.args: must be a non-empty array of strings',
  );
  const noRoot = makeBundle(fullConfig(), '');
  throwsBundle(
    () => loadBundle(noRoot),
    'ENOENT',
    `config.json: root.path: rootfs ${path.join(noRoot, 'rootfs')} does not exist`,
  );
  const fileRoot = makeBundle(fullConfig(), '');
  fs.writeFileSync(path.join(fileRoot, 'rootfs'), 'x');
  throwsBundle(
    () => loadBundle(fileRoot),
    'ENOTDIR',
    `config.json: root.path: rootfs ${path.join(fileRoot, 'rootfs')} is not a directory`,
  );
});

// ---- executables -----------------------------------------------------------------------------------

/** A rootfs with a few wasm files, a non-wasm file, a directory and links of every kind. */
function makeRootfs(): { outer: string; rootfs: string } {
  const outer = tmpdir();
  const rootfs = path.join(outer, 'rootfs');
  for (const d of ['bin', 'usr/bin', 'usr/local/bin', 'home/app/tools', 'etc', 'opt/dir.wasm']) {
    fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  }
  fs.writeFileSync(path.join(rootfs, 'bin/hello'), WASM);
  fs.writeFileSync(path.join(rootfs, 'usr/bin/ls'), WASM);
  fs.writeFileSync(path.join(rootfs, 'usr/local/bin/ls'), WASM); // earlier on the default PATH
  fs.writeFileSync(path.join(rootfs, 'home/app/tools/run'), WASM);
  fs.writeFileSync(path.join(rootfs, 'bin/script'), '#!/bin/sh\necho hi\n');
  fs.writeFileSync(path.join(rootfs, 'bin/short'), Buffer.from([0x00, 0x61]));
  fs.writeFileSync(path.join(rootfs, 'bin/empty'), '');
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), WASM); // the rootfs's own /etc/passwd
  // Files outside the rootfs that escaping links would reach.
  fs.writeFileSync(path.join(outer, 'outside.wasm'), WASM);
  fs.writeFileSync(path.join(rootfs, 'outside.wasm'), WASM);
  fs.symlinkSync('/etc/passwd', path.join(rootfs, 'bin/abs-escape')); // → rootfs/etc/passwd
  fs.symlinkSync('../../../../../../../../outside.wasm', path.join(rootfs, 'bin/rel-escape')); // → rootfs/outside.wasm
  fs.symlinkSync(path.join(outer, 'outside.wasm'), path.join(rootfs, 'bin/host-abs')); // host path: not in rootfs
  fs.symlinkSync('hello', path.join(rootfs, 'bin/rel-link'));
  fs.symlinkSync('/bin/hello', path.join(rootfs, 'usr/bin/abs-link'));
  fs.symlinkSync('../../bin', path.join(rootfs, 'usr/local/linked-bin'));
  fs.symlinkSync('/..', path.join(rootfs, 'bin/up')); // a directory link trying to climb out
  fs.symlinkSync('loop-b', path.join(rootfs, 'bin/loop-a'));
  fs.symlinkSync('loop-a', path.join(rootfs, 'bin/loop-b'));
  fs.symlinkSync('/nowhere', path.join(rootfs, 'bin/dangling'));
  return { outer, rootfs };
}

const fx = makeRootfs();
const inRoot = (p: string): string => path.join(fx.rootfs, p);

const RESOLVE_OK: readonly [string, string, { env?: string[]; cwd?: string }, string][] = [
  ['absolute path', '/bin/hello', {}, '/bin/hello'],
  ['absolute path with .. above the root', '/../../bin/../bin/./hello', {}, '/bin/hello'],
  ['bare name on the default PATH, first match wins', 'ls', {}, '/usr/local/bin/ls'],
  ['bare name on the default PATH', 'hello', {}, '/bin/hello'],
  ['bare name on a PATH from env', 'ls', { env: ['PATH=/usr/bin:/bin'] }, '/usr/bin/ls'],
  ['last PATH entry in env wins', 'ls', { env: ['PATH=/usr/local/bin', 'PATH=/usr/bin'] }, '/usr/bin/ls'],
  [
    'bare name, relative PATH entry resolved against cwd',
    'run',
    { env: ['PATH=tools'], cwd: '/home/app' },
    '/home/app/tools/run',
  ],
  [
    'bare name, empty PATH entry means cwd',
    'run',
    { env: ['PATH=:/bin'], cwd: '/home/app/tools' },
    '/home/app/tools/run',
  ],
  ['relative path against cwd', 'tools/run', { cwd: '/home/app' }, '/home/app/tools/run'],
  ['./ relative path', './run', { cwd: '/home/app/tools' }, '/home/app/tools/run'],
  ['../ relative path', '../tools/run', { cwd: '/home/app/tools' }, '/home/app/tools/run'],
  ['relative symlink', '/bin/rel-link', {}, '/bin/hello'],
  ['absolute symlink inside the rootfs', '/usr/bin/abs-link', {}, '/bin/hello'],
  ['symlinked directory in the path', '/usr/local/linked-bin/hello', {}, '/bin/hello'],
  ['absolute symlink to /etc/passwd stays in the rootfs', '/bin/abs-escape', {}, '/etc/passwd'],
  ['relative symlink climbing out stays in the rootfs', '/bin/rel-escape', {}, '/outside.wasm'],
  ['directory symlink to /.. stays at the root', '/bin/up/bin/hello', {}, '/bin/hello'],
];

for (const [name, argv0, opts, guest] of RESOLVE_OK) {
  test(`resolveExecutable: ${name}`, () => {
    const r = resolveExecutable(fx.rootfs, argv0, opts);
    assert.equal(r.guestPath, guest);
    assert.equal(r.hostPath, inRoot(guest));
    assert.ok(r.hostPath.startsWith(fx.rootfs + path.sep));
  });
}

const RESOLVE_ERR: readonly [string, string, { env?: string[]; cwd?: string }, string, string, number][] = [
  ['missing absolute path', '/bin/x', {}, 'ENOENT', 'executable not found: /bin/x', 127],
  ['missing bare name', 'nosuch', {}, 'ENOENT', 'executable not found: nosuch', 127],
  [
    'bare name not on the given PATH',
    'hello',
    { env: ['PATH=/usr/bin'] },
    'ENOENT',
    'executable not found: hello',
    127,
  ],
  // execve(2): ENOTDIR when a component is a file.
  ['component is a file', '/bin/hello/x', {}, 'ENOTDIR', 'not a directory: /bin/hello/x', 127],
  ['dangling symlink', '/bin/dangling', {}, 'ENOENT', 'executable not found: /bin/dangling', 127],
  [
    'host-absolute symlink is re-rooted and missing',
    '/bin/host-abs',
    {},
    'ENOENT',
    'executable not found: /bin/host-abs',
    127,
  ],
  ['symlink loop', '/bin/loop-a', {}, 'ENOENT', 'too many levels of symbolic links: /bin/loop-a', 127],
  ['a directory', '/usr/bin', {}, 'EACCES', 'permission denied: /usr/bin', 126],
  [
    'a directory on PATH only',
    'dir.wasm',
    { env: ['PATH=/opt'] },
    'EACCES',
    'permission denied: dir.wasm',
    126,
  ],
  ['a shell script', '/bin/script', {}, 'ENOEXEC', 'not a WebAssembly module: /bin/script', 126],
  ['a two-byte file', '/bin/short', {}, 'ENOEXEC', 'not a WebAssembly module: /bin/short', 126],
  ['an empty file', '/bin/empty', {}, 'ENOEXEC', 'not a WebAssembly module: /bin/empty', 126],
];

for (const [name, argv0, opts, code, message, exit] of RESOLVE_ERR) {
  test(`resolveExecutable error: ${name}`, () => {
    assert.throws(
      () => resolveExecutable(fx.rootfs, argv0, opts),
      (e: unknown) =>
        e instanceof BundleError && e.code === code && e.message === message && e.exitCode === exit,
      `${code} ${message} ${exit}`,
    );
  });
}

test('resolveExecutable prefers a regular file later on PATH over a directory earlier on it', () => {
  fs.mkdirSync(inRoot('opt/hello'), { recursive: true });
  try {
    assert.equal(resolveExecutable(fx.rootfs, 'hello', { env: ['PATH=/opt:/bin'] }).guestPath, '/bin/hello');
  } finally {
    fs.rmSync(inRoot('opt/hello'), { recursive: true });
  }
});

test('resolveInRoot never yields a host path outside the rootfs', () => {
  for (const p of [
    '/..',
    '/../..',
    '/bin/up',
    '/bin/up/..',
    '/bin/rel-escape',
    '/bin/abs-escape',
    '/bin/host-abs',
  ]) {
    const r = resolveInRoot(fx.rootfs, p);
    assert.ok(
      r.hostPath === fx.rootfs || r.hostPath.startsWith(fx.rootfs + path.sep),
      `${p} → ${r.hostPath}`,
    );
  }
  assert.equal(resolveInRoot(fx.rootfs, '/bin/up').guestPath, '/');
  assert.equal(resolveInRoot(fx.rootfs, '/nope/x').stat, undefined);
});

test('checkWasmMagic accepts the magic and rejects anything else', () => {
  assert.doesNotThrow(() => checkWasmMagic(inRoot('bin/hello'), '/bin/hello'));
  assert.throws(() => checkWasmMagic(inRoot('bin/script'), '/bin/script'), { code: 'ENOEXEC' });
});

// ---- environment -----------------------------------------------------------------------------------

test('mergeEnv: later keys replace earlier ones in place, order kept', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2', 'C=3'], ['B=20', 'D=4'], ['A=10']), [
    'A=10',
    'B=20',
    'C=3',
    'D=4',
  ]);
  assert.deepEqual(mergeEnv(['A=1', 'A=2']), ['A=2']);
  assert.deepEqual(mergeEnv([]), []);
});

test('resolveEnv adds HOME by uid and PATH when missing, and keeps given ones', () => {
  assert.deepEqual(resolveEnv(['TERM=xterm'], { uid: 0 }), [
    'TERM=xterm',
    `PATH=${DEFAULT_PATH}`,
    'HOME=/root',
  ]);
  assert.deepEqual(resolveEnv([], { uid: 1000 }), [`PATH=${DEFAULT_PATH}`, 'HOME=/']);
  assert.deepEqual(resolveEnv(['HOME=/home/u', 'PATH=/bin'], { uid: 0 }), ['HOME=/home/u', 'PATH=/bin']);
  assert.deepEqual(resolveEnv(['PATH=/bin', 'X=1'], { uid: 0 }, ['X=2', 'HOME=/h']), [
    'PATH=/bin',
    'X=2',
    'HOME=/h',
  ]);
  // An empty HOME is still a HOME: the user set it.
  assert.deepEqual(resolveEnv(['HOME=', 'PATH='], { uid: 5 }), ['HOME=', 'PATH=']);
});

test('getEnv returns the last value of a key, or undefined', () => {
  assert.equal(getEnv(['A=1', 'AB=2', 'A=3'], 'A'), '3');
  assert.equal(getEnv(['A=1'], 'B'), undefined);
  assert.equal(getEnv(['A=x=y'], 'A'), 'x=y');
});
