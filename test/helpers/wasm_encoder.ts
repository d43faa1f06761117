// A tiny WebAssembly binary encoder, for tests that need modules with exactly the bytes under test
// (a fault in one section, a given import list) without a toolchain.

/** Unsigned LEB128. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** A name: its UTF-8 length, then its bytes. */
export const str = (s: string): number[] => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];

/** A section: its id, its size, its body. */
export const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];

/** "\0asm", version 1. */
export const WASM_HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
