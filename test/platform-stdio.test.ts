// The default stdio handlers on their own, without a guest: what poll_oneoff, fd_read, fd_write,
// fd_close and fd_fdstat_get answer, and that waiting calls give up with EINTR when interrupted.

import test from 'node:test';
import { inspect } from 'node:util';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MemorySink } from '../platform/stdio.js';
import { StdioSyscalls } from '../platform/wasi_handlers.js';
import { Errno } from '../platform/wasi_errno.js';
import { EventType, Filetype, Rights, type Subscription } from '../platform/wasi_types.js';
import type { CallContext, ProcessSyscalls, SyscallResult } from '../platform/syscalls.js';

/** The handlers as the platform sees them (the interface, not the class). */
const stdio = (b: ConstructorParameters<typeof StdioSyscalls>[0] = {}): ProcessSyscalls =>
  new StdioSyscalls(b);

const ctx = (ac = new AbortController()): CallContext => ({ signal: ac.signal });
const value = <T>(r: SyscallResult<T>): T => {
  assert.ok('errno' in r && r.errno === Errno.SUCCESS, `expected success, got ${inspect(r)}`);
  return (r as { value: T }).value;
};
const readSub = (fd: number, userdata = 1n): Subscription => ({ userdata, type: EventType.FD_READ, fd });
const clockSub = (ms: number, userdata = 2n): Subscription => ({
  userdata,
  type: EventType.CLOCK,
  clockId: 1,
  timeout: BigInt(ms) * 1_000_000n,
  precision: 0n,
  absolute: false,
});

test('poll_oneoff on stdin waits for data, reports its size, then hang-up at end of file', async () => {
  const src = new PassThrough();
  const h = stdio({ stdin: { stream: src } });
  try {
    const pending = h.poll_oneoff([readSub(0)], ctx());
    assert.ok(pending instanceof Promise, 'nothing to read yet: the result must be pending');
    src.write('abc');
    const evs = value(await pending);
    assert.equal(evs.length, 1);
    assert.deepEqual([evs[0]!.userdata, evs[0]!.errno, evs[0]!.nbytes, evs[0]!.hangup], [1n, 0, 3n, false]);
    assert.equal(Buffer.from(value(await h.fd_read(0, 10, ctx()))).toString(), 'abc');
    src.end();
    const eof = value(await h.poll_oneoff([readSub(0)], ctx()));
    assert.equal(eof[0]!.hangup, true);
    assert.equal(value(await h.fd_read(0, 10, ctx())).length, 0);
  } finally {
    h.dispose!();
  }
});

test('poll_oneoff: a clock and stdin race; the clock wins when no data comes', async () => {
  const src = new PassThrough();
  const h = stdio({ stdin: { stream: src } });
  const t0 = process.hrtime.bigint();
  const evs = value(await h.poll_oneoff([readSub(0, 7n), clockSub(20, 9n)], ctx()));
  assert.ok(process.hrtime.bigint() - t0 >= 20_000_000n);
  assert.deepEqual(
    evs.map((e) => [e.userdata, e.type]),
    [[9n, EventType.CLOCK]],
  );
  // The losing stdin wait left no listener behind.
  assert.equal(src.listenerCount('readable'), 0);
  h.dispose!();
});

test('poll_oneoff: stdout is writable at once, a bad fd is an EBADF event, CPU clocks are ENOTSUP', () => {
  const h = stdio({ stdout: { sink: new MemorySink() } });
  const r = h.poll_oneoff(
    [
      { userdata: 1n, type: EventType.FD_WRITE, fd: 1 },
      { userdata: 2n, type: EventType.FD_READ, fd: 9 },
      { userdata: 3n, type: EventType.CLOCK, clockId: 2, timeout: 1n, precision: 0n, absolute: false },
    ],
    ctx(),
  );
  assert.ok(!(r instanceof Promise));
  const evs = value(r).map((e) => [e.userdata, e.errno]);
  assert.deepEqual(
    evs.sort((a, b) => Number(a[0]) - Number(b[0])),
    [
      [1n, 0],
      [2n, Errno.BADF],
      [3n, Errno.NOTSUP],
    ],
  );
});

test('an interrupted read or poll answers EINTR and clears its timer', async () => {
  const src = new PassThrough();
  const h = stdio({ stdin: { stream: src } });
  const ac1 = new AbortController();
  const read = h.fd_read(0, 10, ctx(ac1));
  ac1.abort();
  assert.deepEqual(await read, { errno: Errno.INTR });
  const ac2 = new AbortController();
  const poll = h.poll_oneoff([clockSub(60_000)], ctx(ac2));
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  ac2.abort();
  assert.deepEqual(await poll, { errno: Errno.INTR });
  const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  assert.equal(after, before - 1);
  // Data that arrives later is still there for the next read.
  src.write('kept');
  assert.equal(Buffer.from(value(await h.fd_read(0, 10, ctx()))).toString(), 'kept');
  h.dispose!();
});

test('fd_close closes the guest descriptor only; fd_write on stdin or a closed fd is EBADF', async () => {
  const sink = new MemorySink();
  const h = stdio({ stdout: { sink } });
  assert.equal(value(await h.fd_write(1, Buffer.from('x'), ctx())), 1);
  assert.deepEqual(h.fd_write(0, Buffer.from('x'), ctx()), { errno: Errno.BADF });
  assert.deepEqual(h.fd_close(1, ctx()), { errno: Errno.SUCCESS, value: undefined });
  assert.deepEqual(h.fd_write(1, Buffer.from('y'), ctx()), { errno: Errno.BADF });
  assert.deepEqual(h.fd_close(1, ctx()), { errno: Errno.BADF });
  assert.deepEqual(h.fd_close(5, ctx()), { errno: Errno.BADF });
  assert.equal(sink.text(), 'x');
});

test('fd_fdstat_get of a host regular file: REGULAR_FILE with seek rights', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-stdio-'));
  const path = join(dir, 'f');
  writeFileSync(path, 'data');
  const fd = openSync(path, 'r');
  try {
    const h = stdio({ stdin: { fd } });
    const st = value(await h.fd_fdstat_get(0, ctx()));
    assert.equal(st.filetype, Filetype.REGULAR_FILE);
    assert.ok((st.rightsBase & Rights.FD_SEEK) !== 0n);
    assert.ok((st.rightsBase & Rights.FD_READ) !== 0n);
    assert.equal(Buffer.from(value(await h.fd_read(0, 100, ctx()))).toString(), 'data');
    assert.equal(value(await h.fd_read(0, 100, ctx())).length, 0);
    h.dispose!();
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true });
  }
});

test('proc_raise: Linux default actions, WASI numbers mapped to Linux ones', () => {
  const h = stdio();
  assert.deepEqual(h.proc_raise(15, ctx()), { exit: { signal: 15 } });
  assert.deepEqual(h.proc_raise(9, ctx()), { exit: { signal: 9 } });
  assert.deepEqual(h.proc_raise(16, ctx()), { errno: Errno.SUCCESS, value: undefined }); // SIGCHLD: ignored
  assert.deepEqual(h.proc_raise(26, ctx()), { exit: { signal: 27 } }); // WASI PROF → Linux 27
  assert.deepEqual(h.proc_raise(31, ctx()), { errno: Errno.INVAL });
});
