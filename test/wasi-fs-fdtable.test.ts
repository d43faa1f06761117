// The per-process fd table: lowest free fd, shared descriptions across dup, renumber semantics,
// EMFILE, and descriptions handed back only when their last fd goes.

import test from 'node:test';
import assert from 'node:assert/strict';
import { FdTable } from '../platform/fd_table.js';
import { Errno } from '../platform/wasi_errno.js';

const desc = (name: string) => ({ name, refs: 0 });

test('open takes the lowest free fd; dup shares the description', () => {
  const t = new FdTable<ReturnType<typeof desc>>();
  const a = desc('a');
  assert.equal(t.insert(a, 1n, 0n), 0);
  assert.equal(t.insert(desc('b'), 1n, 0n), 1);
  assert.equal(t.insert(desc('c'), 1n, 0n, 5), 5);
  assert.equal(t.dup(0), 2);
  assert.equal(t.get(2)!.desc, a);
  assert.equal(a.refs, 2);
  assert.equal(t.remove(0), null, 'a still has fd 2');
  assert.equal(t.insert(desc('d'), 1n, 0n), 0, 'fd 0 is free again');
  assert.equal(t.remove(2), a, 'last fd of a: handed back to close');
  assert.equal(t.remove(2), Errno.BADF);
  assert.equal(t.dup(42), -Errno.BADF, 'a negated errno: errnos are valid fd numbers too');
});

test('renumber moves an fd over another, closing what it held', () => {
  const t = new FdTable<ReturnType<typeof desc>>();
  const a = desc('a');
  const b = desc('b');
  t.insert(a, 3n, 1n);
  t.insert(b, 1n, 0n);
  assert.equal(t.renumber(0, 1), b);
  assert.equal(t.get(1)!.desc, a);
  assert.equal(t.get(1)!.rightsBase, 3n, 'rights travel with the fd');
  assert.equal(t.get(0), undefined);
  assert.equal(t.renumber(1, 1), null);
  assert.equal(t.renumber(1, 7), Errno.BADF, 'target must be open');
  assert.equal(t.renumber(7, 1), Errno.BADF);
  assert.deepEqual(t.fds(), [1]);
});

test('EMFILE past the limit; clear hands back every description once', () => {
  const t = new FdTable<ReturnType<typeof desc>>(4);
  const shared = desc('s');
  for (let i = 0; i < 4; i++) assert.equal(i === 0 ? t.insert(shared, 0n, 0n) : t.dup(0), i);
  assert.equal(t.insert(desc('x'), 0n, 0n), -Errno.MFILE);
  assert.deepEqual(t.clear(), [shared]);
  assert.equal(t.size, 0);
});
