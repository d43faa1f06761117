// Loop instrumentation: gives a guest that never makes a syscall a place to take its signals. At the
// top of every `loop` a function decrements a counter local; when it reaches zero it raises an
// exported flag global and calls the module's own `proc_exit` import, which the host recognises as a
// poll (the flag is set, which no real exit sees) and answers by acting on pending signals: a stop
// parks the thread until SIGCONT, a handler runs, a fatal signal ends it. Linux gets the same from
// its timer interrupt.
//
// Nothing is renumbered: the counter is a new last local of each function, the flag a new last
// global, and the call goes to an import the module already has. Modules without a proc_exit import are left as they
// are (a stop or a handler then waits for their next syscall).

/** Loop iterations between polls: a poll is a few ns; a tight loop reaches it every ~10 µs. */
export const POLL_BUDGET = 10_000;
/** The exported flag global: 1 while an instrumented loop's poll calls proc_exit. */
export const POLL_FLAG_EXPORT = '__corral_polling';

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new Error('unexpected end of module');
    return this.b[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      result |= (x & 0x7f) << shift;
      if ((x & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 35) throw new Error('bad LEB128');
    }
  }
  /** Skips a signed or unsigned LEB128 of any width. */
  leb(): void {
    while (this.byte() & 0x80) {
      // continuation
    }
  }
  skip(n: number): void {
    if (this.pos + n > this.b.length) throw new Error('unexpected end of module');
    this.pos += n;
  }
  name(): string {
    const n = this.u32();
    const s = Buffer.from(this.b.subarray(this.pos, this.pos + n)).toString('utf8');
    this.skip(n);
    return s;
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Skips a block type: 0x40, a value type, or an s33 type index. */
function blockType(r: Reader): void {
  const t = r.b[r.pos]!;
  if (t === 0x40 || (t >= 0x6f && t <= 0x7f) || t === 0x7b) r.pos++;
  else r.leb();
}

function memarg(r: Reader): void {
  r.u32();
  r.u32();
}

/** Skips the immediates of opcode `op` (its byte already read). */
function immediates(r: Reader, op: number): void {
  switch (op) {
    case 0x02: // block
    case 0x03: // loop
    case 0x04: // if
    case 0x06: // try
      return blockType(r);
    case 0x0c: // br
    case 0x0d: // br_if
    case 0x10: // call
    case 0x12: // return_call
    case 0x07: // catch
    case 0x08: // throw
    case 0x09: // rethrow
    case 0x18: // delegate
    case 0x20: // local.get
    case 0x21: // local.set
    case 0x22: // local.tee
    case 0x23: // global.get
    case 0x24: // global.set
    case 0x25: // table.get
    case 0x26: // table.set
    case 0xd2: // ref.func
    case 0xd0: // ref.null (a heap type byte, LEB-compatible)
      r.u32();
      return;
    case 0x0e: {
      // br_table
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return;
    }
    case 0x11: // call_indirect
    case 0x13: // return_call_indirect
      r.u32();
      r.u32();
      return;
    case 0x1c: {
      // select with types
      const n = r.u32();
      r.skip(n);
      return;
    }
    case 0x3f: // memory.size
    case 0x40: // memory.grow
      r.byte();
      return;
    case 0x41: // i32.const
    case 0x42: // i64.const
      r.leb();
      return;
    case 0x43:
      r.skip(4);
      return;
    case 0x44:
      r.skip(8);
      return;
    case 0xfc:
      return prefixFC(r);
    case 0xfd:
      return prefixFD(r);
    case 0xfe:
      return prefixFE(r);
    default:
      if (op >= 0x28 && op <= 0x3e) memarg(r);
      return;
  }
}

function prefixFC(r: Reader): void {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncations
  if (sub === 8 || sub === 12 || sub === 14) {
    r.u32();
    r.u32();
  } else if (sub === 10) {
    r.byte();
    r.byte();
  } else if (sub === 11) r.byte();
  else if (sub <= 17) r.u32();
  else throw new Error(`unknown 0xfc opcode ${sub}`);
}

function prefixFD(r: Reader): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) memarg(r);
  else if (sub === 12 || sub === 13) r.skip(16);
  else if (sub >= 21 && sub <= 34) r.byte();
  else if (sub >= 84 && sub <= 91) {
    memarg(r);
    r.byte();
  }
}

function prefixFE(r: Reader): void {
  const sub = r.u32();
  if (sub === 3) r.byte();
  else memarg(r);
}

/**
 * The check put at the top of each loop body. The counter is a local (a register once compiled: a
 * global costs a memory access on every iteration, which doubled a tight loop's time). The cold
 * path raises the exported flag around the call, so that the host tells a poll from a real exit.
 */
function pollSequence(counter: number, flag: number, procExit: number): Uint8Array {
  const c = uleb(counter);
  const f = uleb(flag);
  return Uint8Array.from([
    0x20,
    ...c, // local.get counter
    0x41,
    1, // i32.const 1
    0x6b, // i32.sub
    0x22,
    ...c, // local.tee counter
    0x45, // i32.eqz
    0x04,
    0x40, // if
    0x41,
    ...sleb(POLL_BUDGET),
    0x21,
    ...c, // counter := budget
    0x41,
    1,
    0x24,
    ...f, // flag := 1
    0x41,
    0,
    0x10,
    ...uleb(procExit), // call proc_exit: the host sees the flag, polls, returns
    0x41,
    0,
    0x24,
    ...f, // flag := 0
    0x0b, // end
  ]);
}

/**
 * Rewrites one function body: one more i32 local (the counter, set to the budget on entry) and the
 * poll after every `loop`. `params` is the function's parameter count.
 */
function instrumentBody(body: Uint8Array, params: number, flag: number, procExit: number): Uint8Array {
  const r = new Reader(body);
  const groups = r.u32();
  let locals = params;
  for (let i = 0; i < groups; i++) {
    locals += r.u32();
    r.byte();
  }
  const codeStart = r.pos;
  const poll = pollSequence(locals, flag, procExit);
  const pieces: Uint8Array[] = [];
  let from = codeStart;
  let loops = 0;
  while (r.pos < body.length) {
    const op = r.byte();
    immediates(r, op);
    if (op === 0x03) {
      pieces.push(body.subarray(from, r.pos), poll);
      from = r.pos;
      loops++;
    }
  }
  if (loops === 0) return body;
  pieces.push(body.subarray(from));
  // New local declarations: the old groups, then one i32; then counter := budget.
  const head = concat([
    Uint8Array.from(uleb(groups + 1)),
    body.subarray(uleb(groups).length, codeStart),
    Uint8Array.from([1, 0x7f, 0x41, ...sleb(POLL_BUDGET), 0x21, ...uleb(locals)]),
  ]);
  return concat([head, ...pieces]);
}

/** Parameter counts of the function types (the type section), null for non-function types. */
function paramCounts(section: Section | undefined): number[] {
  const out: number[] = [];
  if (section === undefined) return out;
  const r = new Reader(section.body);
  for (let n = r.u32(), i = 0; i < n; i++) {
    if (r.byte() !== 0x60) throw new Error('unsupported type form');
    const p = r.u32();
    r.skip(p);
    out.push(p);
    r.skip(r.u32());
  }
  return out;
}

interface Section {
  id: number;
  body: Uint8Array;
}

/**
 * Returns the instrumented module, or the same bytes when it has no proc_exit import or no loop.
 * Throws on a malformed module (the caller compiles the original to get the engine's message).
 */
export function instrumentLoops(bytes: Uint8Array): Uint8Array {
  const r = new Reader(bytes);
  r.skip(8);
  const sections: Section[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, body: bytes.subarray(r.pos, r.pos + size) });
    r.skip(size);
  }
  let funcImports = 0;
  let globalImports = 0;
  let procExit = -1;
  const imports = sections.find((s) => s.id === 2);
  if (imports !== undefined) {
    const ir = new Reader(imports.body);
    for (let n = ir.u32(), i = 0; i < n; i++) {
      const mod = ir.name();
      const field = ir.name();
      const kind = ir.byte();
      if (kind === 0) {
        ir.u32();
        if (mod === 'wasi_snapshot_preview1' && field === 'proc_exit') procExit = funcImports;
        funcImports++;
      } else if (kind === 1) {
        ir.byte();
        const flags = ir.u32();
        ir.u32();
        if (flags & 1) ir.u32();
      } else if (kind === 2) {
        const flags = ir.u32();
        ir.u32();
        if (flags & 1) ir.u32();
      } else if (kind === 3) {
        ir.byte();
        ir.byte();
        globalImports++;
      } else ir.u32(); // tag
    }
  }
  const code = sections.find((s) => s.id === 10);
  if (procExit < 0 || code === undefined) return bytes;
  const globals = sections.find((s) => s.id === 6);
  const definedGlobals = globals === undefined ? 0 : new Reader(globals.body).u32();
  const flag = globalImports + definedGlobals;
  const params = paramCounts(sections.find((s) => s.id === 1));
  const funcs = sections.find((s) => s.id === 3);
  const typeOf: number[] = [];
  if (funcs !== undefined) {
    const fr = new Reader(funcs.body);
    for (let n = fr.u32(), i = 0; i < n; i++) typeOf.push(fr.u32());
  }

  const cr = new Reader(code.body);
  const bodies: Uint8Array[] = [];
  let changed = false;
  for (let n = cr.u32(), i = 0; i < n; i++) {
    const size = cr.u32();
    const body = code.body.subarray(cr.pos, cr.pos + size);
    cr.skip(size);
    const p = params[typeOf[i] ?? -1];
    if (p === undefined) throw new Error(`function ${i} has no type`);
    const nb = instrumentBody(body, p, flag, procExit);
    if (nb !== body) changed = true;
    bodies.push(nb);
  }
  if (!changed) return bytes;

  const newCode = concat([
    Uint8Array.from(uleb(bodies.length)),
    ...bodies.flatMap((b) => [Uint8Array.from(uleb(b.length)), b]),
  ]);
  const newGlobals = appendEntry(globals, Uint8Array.from([0x7f, 0x01, 0x41, 0, 0x0b]));
  const name = Buffer.from(POLL_FLAG_EXPORT);
  const newExports = appendEntry(
    sections.find((s) => s.id === 7),
    Uint8Array.from([...uleb(name.length), ...name, 0x03, ...uleb(flag)]),
  );

  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const emit = (id: number, body: Uint8Array) => {
    parts.push(Uint8Array.from([id, ...uleb(body.length)]), body);
  };
  // Sections keep their order; a missing global or export section goes where the spec puts it.
  const order = (id: number) => (id === 0 ? -1 : id === 12 ? 9.5 : id);
  let wroteGlobals = false;
  let wroteExports = false;
  for (const s of sections) {
    if (!wroteGlobals && s.id !== 0 && order(s.id) > 6) {
      emit(6, newGlobals);
      wroteGlobals = true;
    }
    if (!wroteExports && s.id !== 0 && order(s.id) > 7) {
      emit(7, newExports);
      wroteExports = true;
    }
    if (s.id === 6) {
      emit(6, newGlobals);
      wroteGlobals = true;
    } else if (s.id === 7) {
      emit(7, newExports);
      wroteExports = true;
    } else if (s.id === 10) emit(10, newCode);
    else if (s.id === 0 && new Reader(s.body).name() === 'name') {
      // Dropped: its local and label maps describe the bodies before the rewrite.
    } else emit(s.id, s.body);
  }
  return concat(parts);
}

/** A vector section with one more entry at its end. */
function appendEntry(section: Section | undefined, entry: Uint8Array): Uint8Array {
  if (section === undefined) return concat([Uint8Array.from(uleb(1)), entry]);
  const r = new Reader(section.body);
  const n = r.u32();
  return concat([Uint8Array.from(uleb(n + 1)), section.body.subarray(r.pos), entry]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
