// What a guest program imports, and whether that means it can reach files.
//
// Why it matters: a sandbox may attach a container's gofer on demand (LoaderArgs.goferStart), so
// that a program that cannot name a file never costs a file server. A program reaches files only
// through the WASI calls that take a path or walk a directory (or that enumerate the preopens, which
// every libc does before its first path call); fd_read, fd_write, fd_seek and the like on fds 0-2
// need no gofer. The rule decides only when the gofer is attached, never whether a call works: a
// call that needs the gofer attaches it first (actors/gofer/on_demand_gofer.ts).
//
// importNames reads the names from the binary's import section without compiling it, so that the
// Loader can decide at create, before the compile (~10-20 ms) has finished.
import { closeSync, openSync, readSync } from 'node:fs';
import { WASI_MODULE } from './wasi_functions.js';

/** One import: its module and field name. */
export interface ImportName {
  readonly module: string;
  readonly name: string;
}

/** Whether a WASI preview 1 function (by name) reaches the file system beyond fds 0-2. */
export function isFileCall(name: string): boolean {
  return name.startsWith('path_') || name.startsWith('fd_prestat_') || name === 'fd_readdir';
}

/** Whether a program with these imports may use the container's files. */
export function usesFiles(imports: Iterable<ImportName>): boolean {
  for (const i of imports) if (i.module === WASI_MODULE && isFileCall(i.name)) return true;
  return false;
}

const SECTION_IMPORT = 2;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads the import names of a WebAssembly binary; null when it is not a well-formed one. */
export function importNames(bytes: Uint8Array): ImportName[] | null {
  let pos = 8;
  const uleb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length || shift > 28) throw new RangeError('truncated');
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  const name = (): string => {
    const len = uleb();
    if (pos + len > bytes.length) throw new RangeError('truncated');
    const s = decoder.decode(bytes.subarray(pos, pos + len));
    pos += len;
    return s;
  };
  const limits = (): void => {
    const flags = uleb();
    uleb();
    if (flags & 1) uleb();
  };
  // "\0asm", version 1.
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) return null;
  try {
    while (pos < bytes.length) {
      const id = bytes[pos++]!;
      const size = uleb();
      const end = pos + size;
      if (end > bytes.length) return null;
      // Sections come in order of id (custom ones, 0, anywhere): past 2 there is no import section.
      if (id > SECTION_IMPORT) return [];
      if (id !== SECTION_IMPORT) {
        pos = end;
        continue;
      }
      const out: ImportName[] = [];
      for (let n = uleb(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = bytes[pos++];
        if (kind === 0)
          uleb(); // function: type index
        else if (kind === 1) {
          pos++; // table: reference type
          limits();
        } else if (kind === 2)
          limits(); // memory
        else if (kind === 3)
          pos += 2; // global: value type, mutability
        else return null;
        out.push({ module, name: field });
      }
      return pos === end ? out : null;
    }
    return [];
  } catch {
    return null;
  }
}

/** How much of a program programMayUseFiles reads: import sections sit near the start. */
const HEAD_BYTES = 256 * 1024;

/**
 * Whether the program at `path` may use files, from its import section; true when that cannot be
 * told (unreadable, malformed, or imports past the bytes read): the safe answer only attaches a
 * gofer earlier than needed.
 */
export function programMayUseFiles(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return true;
  }
  try {
    const buf = new Uint8Array(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    const names = importNames(buf.subarray(0, n));
    return names === null || usesFiles(names);
  } catch {
    return true;
  } finally {
    closeSync(fd);
  }
}
