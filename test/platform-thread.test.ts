// Running guests through the thread strategy: stdout/stderr capture, args and environ, exit codes
// and traps, stdin from memory, streams and host files, large writes across several channel round
// trips, proc_raise, custom (pending) handlers and host faults. Where node:wasi can run the same
// module, its results are the reference.

import test from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { WASI } from 'node:wasi';
import type { GuestModule } from '../platform/module.js';
import { MemorySink, type StdioBindings } from '../platform/stdio.js';
import { StdioSyscalls } from '../platform/wasi_handlers.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { Errno } from '../platform/wasi_errno.js';
import { ok, type ExitStatus, type ProcessSyscalls } from '../platform/syscalls.js';
import { Wasm } from '../platform/wasm_api.js';
import { buildGuests, guestCache, loadGuest } from './helpers/guest_modules.js';

const load = loadGuest;
const cache = guestCache;

let strategy: ThreadStrategy;
test.before(async () => {
  buildGuests();
  strategy = new ThreadStrategy({ warm: 2 });
  await strategy.pool.warmUp();
});
test.after(() => strategy.close());

interface Run {
  status: ExitStatus;
  stdout: string;
  stderr: string;
  out: Buffer;
}

async function run(
  name: string,
  args: string[] = [],
  env: string[] = [],
  stdio: StdioBindings = {},
): Promise<Run> {
  const m = await load(name);
  const out = new MemorySink();
  const err = new MemorySink();
  const p = strategy.spawn(m, {
    args: [name, ...args],
    env,
    stdio: { stdout: { sink: out }, stderr: { sink: err }, ...stdio },
  });
  const status = await p.exited;
  return { status, stdout: out.text(), stderr: err.text(), out: out.bytes() };
}

/** Runs the module with node:wasi in this thread: the reference for args, environ and exit codes. */
function runNodeWasi(
  m: GuestModule,
  args: string[],
  env: Record<string, string>,
): { code: number; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'corral-nodewasi-'));
  const path = join(dir, 'out');
  const fd = openSync(path, 'w+');
  try {
    const wasi = new WASI({ version: 'preview1', args, env, stdout: fd, returnOnExit: true });
    const inst = new Wasm.Instance(
      m.module,
      wasi.getImportObject() as Record<string, Record<string, unknown>>,
    );
    const code = wasi.start(inst as never);
    return { code, stdout: readFileSync(path, 'utf8') };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true });
  }
}

test('hello prints to stdout and exits 0', async () => {
  const r = await run('hello');
  assert.deepEqual(r.status, { code: 0 });
  assert.equal(r.stdout, 'hello from corral\n');
  assert.equal(r.stderr, '');
});

test('args and environ reach the guest exactly, as with node:wasi', async () => {
  const args = ['echo', 'one', 'two words', 'ünïcødé', ''];
  const env = { A: '1', HOME: '/root', EMPTY: '', 'WITH=EQUALS': 'x=y' };
  const envList = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const m = await load('echo');
  const out = new MemorySink();
  const status = await strategy.spawn(m, { args, env: envList, stdio: { stdout: { sink: out } } }).exited;
  assert.deepEqual(status, { code: 0 });
  assert.match(
    out.text(),
    /^argc=5\narg\[0\]=echo\narg\[1\]=one\narg\[2\]=two words\narg\[3\]=ünïcødé\narg\[4\]=\n/,
  );
  assert.match(out.text(), /env:WITH=EQUALS=x=y\n/);
  const ref = runNodeWasi(m, args, env);
  assert.equal(out.text(), ref.stdout);
  assert.equal(ref.code, 0);
});

test('exit codes: exit(), return from main, _Exit, and only the low 8 bits', async () => {
  assert.deepEqual((await run('exit_code', ['3'])).status, { code: 3 });
  assert.deepEqual((await run('exit_code', ['7', 'return'])).status, { code: 7 });
  const r = await run('exit_code', ['255', '_exit']);
  assert.deepEqual(r.status, { code: 255 });
  assert.equal(r.stdout, 'exiting with 255\n');
  assert.deepEqual((await run('exit_code', ['256'])).status, { code: 0 });
  const m = await load('exit_code');
  for (const code of [3, 42]) assert.equal(runNodeWasi(m, ['exit_code', String(code)], {}).code, code);
});

test('a wasm trap ends the process by the signal Linux would use', async () => {
  const abort = await run('trap', ['abort']);
  assert.equal('signal' in abort.status && abort.status.signal, 6);
  assert.match('signal' in abort.status ? (abort.status.trap ?? '') : '', /unreachable/);
  assert.equal(abort.stdout, 'about to trap\n');
  const segv = await run('trap', ['segv']);
  assert.equal('signal' in segv.status && segv.status.signal, 11);
});

test('cat copies stdin to stdout: from memory, from a stream fed later, from a host file', async () => {
  const text = 'line one\nline two\n'.repeat(1000);
  const a = await run('cat', [], [], { stdin: { input: text } });
  assert.deepEqual(a.status, { code: 0 });
  assert.equal(a.stdout, text);
  assert.equal(a.stderr, `copied ${text.length} bytes\n`);

  const src = new PassThrough();
  const m = await load('cat');
  const out = new MemorySink();
  const p = strategy.spawn(m, { args: ['cat'], stdio: { stdin: { stream: src }, stdout: { sink: out } } });
  src.write('first ');
  // The guest is now blocked reading; more data and EOF arrive asynchronously.
  setImmediate(() => {
    src.write('second');
    src.end();
  });
  assert.deepEqual(await p.exited, { code: 0 });
  assert.equal(out.text(), 'first second');

  const dir = mkdtempSync(join(tmpdir(), 'corral-cat-'));
  try {
    const path = join(dir, 'in.txt');
    writeFileSync(path, 'from a file\n');
    const fd = openSync(path, 'r');
    try {
      const c = await run('cat', [], [], { stdin: { fd } });
      assert.equal(c.stdout, 'from a file\n');
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a write larger than the channel data area is split and arrives whole and in order', async () => {
  const n = 300_000; // > 4 round trips of 64 KiB, over three iovecs
  const r = await run('bigwrite', [String(n)]);
  assert.deepEqual(r.status, { code: 0 });
  assert.equal(r.stderr, `wrote ${n} of ${n}\n`);
  assert.equal(r.out.length, n);
  for (let i = 0; i < n; i++) if (r.out[i] !== i % 251) assert.fail(`byte ${i} is ${r.out[i]}`);
});

test('writes to a slow stream stay pending until the stream takes them', async () => {
  const chunks: Buffer[] = [];
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      setTimeout(cb, 2);
    },
  });
  const m = await load('bigwrite');
  const p = strategy.spawn(m, { args: ['bigwrite', '200000'], stdio: { stdout: { stream: slow } } });
  assert.deepEqual(await p.exited, { code: 0 });
  const all = Buffer.concat(chunks);
  assert.equal(all.length, 200000);
  assert.equal(all[199999], 199999 % 251);
});

test('fd_fdstat_get reports file types; bad fds are EBADF, seeking stdio ESPIPE', async () => {
  const r = await run('fdstat');
  assert.deepEqual(r.status, { code: 0 });
  // Memory stdio behaves as pipes: not terminals.
  assert.match(r.stdout, /^fd0 errno=0 filetype=0 read=1 write=0 isatty=0$/m);
  assert.match(r.stdout, /^fd1 errno=0 filetype=0 read=0 write=1 isatty=0$/m);
  assert.match(
    r.stdout,
    new RegExp(`^fdstat7=${Errno.BADF} write7=${Errno.BADF} write0=${Errno.BADF}$`, 'm'),
  );
  assert.match(r.stdout, new RegExp(`^seek1=${Errno.SPIPE} open=${Errno.BADF}$`, 'm'));

  const dir = mkdtempSync(join(tmpdir(), 'corral-fdstat-'));
  try {
    const path = join(dir, 'out.txt');
    const fd = openSync(path, 'w');
    try {
      const m = await load('fdstat');
      const status = await strategy.spawn(m, { args: ['fdstat'], stdio: { stdout: { fd } } }).exited;
      assert.deepEqual(status, { code: 0 });
    } finally {
      closeSync(fd);
    }
    // stdout bound to a regular host file: fstat says so.
    assert.match(readFileSync(path, 'utf8'), /^fd1 errno=0 filetype=4 read=0 write=1 isatty=0$/m);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('proc_raise: a terminating signal kills the process, an ignored one returns 0', async () => {
  const term = await run('raise', ['15']);
  assert.deepEqual(term.status, { signal: 15 });
  assert.equal(term.stdout, 'raising\n');
  // WASI's SIGUSR2 (12) is Linux's 12; WASI's SIGSYS (30) is Linux's 31.
  assert.deepEqual((await run('raise', ['30'])).status, { signal: 31 });
  const chld = await run('raise', ['16']);
  assert.deepEqual(chld.status, { code: 0 });
  assert.equal(chld.stdout, 'raising\nsurvived errno=0\n');
  assert.match((await run('raise', ['99'])).stdout, new RegExp(`survived errno=${Errno.INVAL}`));
});

test('a module importing corral_v1 functions links and runs', async () => {
  // (func $start) exported as _start, importing corral_v1.proc_id and exporting a memory.
  const bytes = Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 21, 1, 9, 99, 111, 114, 114, 97, 108, 95, 118, 49, 7,
    112, 114, 111, 99, 95, 105, 100, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 19, 2, 6, 95, 115, 116, 97, 114, 116,
    0, 1, 6, 109, 101, 109, 111, 114, 121, 2, 0, 10, 4, 1, 2, 0, 11,
  ]);
  const m = await cache.compile(bytes, 'corral.wasm');
  assert.deepEqual(m.corralImports, ['proc_id']);
  assert.deepEqual(await strategy.spawn(m, { args: ['x'] }).exited, { code: 0 });
});

test('custom handlers: a pending completion is awaited while the guest blocks', async () => {
  const seen: string[] = [];
  const base = new StdioSyscalls({});
  const handlers: ProcessSyscalls = {
    ...bind(base),
    fd_write(fd, data) {
      seen.push(`${fd}:${Buffer.from(data).toString()}`);
      return new Promise((resolve) => setTimeout(() => resolve(ok(data.length)), 5));
    },
  };
  const m = await load('hello');
  assert.deepEqual(await strategy.spawn(m, { args: ['hello'], syscalls: handlers }).exited, { code: 0 });
  assert.deepEqual(seen, ['1:hello from corral\n']);
});

test('a handler that throws is a host fault: exited rejects with the error', async () => {
  const base = new StdioSyscalls({});
  const handlers: ProcessSyscalls = {
    ...bind(base),
    fd_write() {
      throw new Error('handler bug');
    },
  };
  const m = await load('hello');
  await assert.rejects(strategy.spawn(m, { args: ['hello'], syscalls: handlers }).exited, /handler bug/);
  // The strategy still works afterwards.
  assert.deepEqual((await run('hello')).status, { code: 0 });
});

function bind(s: StdioSyscalls): ProcessSyscalls {
  return {
    fd_write: s.fd_write.bind(s),
    fd_read: s.fd_read.bind(s),
    fd_fdstat_get: s.fd_fdstat_get.bind(s),
    fd_close: s.fd_close.bind(s),
    poll_oneoff: s.poll_oneoff.bind(s),
    proc_raise: s.proc_raise.bind(s),
    dispose: s.dispose.bind(s),
  };
}
