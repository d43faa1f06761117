// Loading and validating guest modules. A module must be WebAssembly (magic and version), compile,
// import only from wasi_snapshot_preview1 (known functions) and corral_v1 (functions), and export
// `_start` and `memory` as a WASI command does. Each failure is a ModuleError with code ENOEXEC
// (what execve(2) returns for a file it cannot run) and a message naming the problem.
//
// Compiled modules are cached by the sha256 of their bytes: running the same program again reuses
// the same WasmModule (which can be posted to any worker) instead of compiling it again.

import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CodedError } from '../bridge/errors.js';
import { CORRAL_MODULE, WASI_FUNCTIONS, WASI_MODULE } from './wasi_functions.js';
import { CORRAL_FUNCTIONS } from './corral_abi.js';
import { instrumentLoops } from './instrument.js';
import { cachedInstrument, dropInstrumented } from './instrument_cache.js';
import { Wasm, type WasmModule } from './wasm_api.js';
import { usesFiles } from './wasm_imports.js';

/** A validated, compiled guest program. Immutable; shareable between processes and workers. */
export interface GuestModule {
  readonly module: WasmModule;
  /** sha256 of the module bytes, hex. */
  readonly hash: string;
  /** Where it came from (a path, or a label given by the caller), for messages. */
  readonly label: string;
  /** Names of the functions it imports from corral_v1. */
  readonly corralImports: readonly string[];
  /** Whether it imports a WASI call that reaches files beyond fds 0-2 (wasm_imports.ts). */
  readonly filesUsed: boolean;
}

export type ModuleErrorCode = 'ENOEXEC' | 'ENOENT' | 'EACCES' | 'EISDIR' | 'EIO';

export class ModuleError extends CodedError<ModuleErrorCode> {
  constructor(code: ModuleErrorCode, message: string) {
    super('ModuleError', code, message);
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const WASI_NAMES = new Set(WASI_FUNCTIONS);

/** Checks the 8-byte header: "\0asm" and version 1. */
export function checkHeader(bytes: Uint8Array, label: string): void {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const why = bytes.length < 4 ? `too short: ${bytes.length} bytes` : 'bad magic';
    throw new ModuleError('ENOEXEC', `not a WebAssembly module: ${label} (${why})`);
  }
  const version = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  if (version !== 1) {
    throw new ModuleError('ENOEXEC', `not a WebAssembly module: ${label} (unsupported version ${version})`);
  }
}

/** Checks the imports and exports of a compiled module; returns its corral_v1 function imports. */
export function checkInterface(module: WasmModule, label: string): string[] {
  const corral: string[] = [];
  for (const imp of Wasm.Module.imports(module)) {
    const name = `${imp.module}.${imp.name}`;
    if (imp.module === WASI_MODULE) {
      if (imp.kind !== 'function')
        throw new ModuleError('ENOEXEC', `${label}: import "${name}" must be a function`);
      if (!WASI_NAMES.has(imp.name)) {
        throw new ModuleError('ENOEXEC', `${label}: unknown WASI preview 1 function "${name}"`);
      }
    } else if (imp.module === CORRAL_MODULE) {
      if (imp.kind !== 'function')
        throw new ModuleError('ENOEXEC', `${label}: import "${name}" must be a function`);
      if (CORRAL_FUNCTIONS[imp.name] === undefined) {
        throw new ModuleError(
          'ENOEXEC',
          `${label}: unknown corral_v1 function "${name}" (docs/corral_v1.md)`,
        );
      }
      corral.push(imp.name);
    } else {
      throw new ModuleError(
        'ENOEXEC',
        `${label}: unsupported import "${name}" (only ${WASI_MODULE} and ${CORRAL_MODULE} may be imported)`,
      );
    }
  }
  const exports = new Map(Wasm.Module.exports(module).map((e): [string, string] => [e.name, e.kind]));
  if (exports.get('_start') !== 'function') {
    throw new ModuleError('ENOEXEC', `${label}: no "_start" function exported (not a WASI command module)`);
  }
  if (exports.get('memory') !== 'memory') {
    throw new ModuleError('ENOEXEC', `${label}: no "memory" exported`);
  }
  return corral;
}

/** Counters of a ModuleCache; owned by it, read by tests and benchmarks. */
export interface ModuleCacheStats {
  hits: number;
  misses: number;
}

/**
 * Compiled modules by content hash. A failed compile is not cached (the next attempt reports the
 * same error again). Owned by whoever made it; `defaultModuleCache` serves one engine process.
 */
export class ModuleCache {
  private readonly byHash = new Map<string, Promise<GuestModule>>();
  /** File identity (see load) → content hash. Owned by this cache. */
  private readonly byFile = new Map<string, string>();
  /** Counters; mutated only by this cache. */
  readonly stats: ModuleCacheStats = { hits: 0, misses: 0 };

  /** Validates and compiles `bytes` (or returns the cached result for the same bytes). */
  compile(bytes: Uint8Array, label: string): Promise<GuestModule> {
    try {
      checkHeader(bytes, label);
    } catch (err) {
      return Promise.reject(err);
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    const cached = this.byHash.get(hash);
    if (cached) {
      this.stats.hits++;
      // Same bytes under another name: the label in messages is the caller's own.
      return cached.then((m) => (m.label === label ? m : { ...m, label }));
    }
    this.stats.misses++;
    const p = compileChecked(bytes, label, hash);
    this.byHash.set(hash, p);
    p.catch(() => this.byHash.delete(hash));
    return p;
  }

  /**
   * Reads, validates and compiles the file at `path`. A file seen before with the same identity
   * (device, inode, size, mtime and ctime from stat) is not read or hashed again.
   */
  async load(path: string): Promise<GuestModule> {
    let bytes: Uint8Array;
    let key: string | undefined;
    try {
      // A synchronous stat: a spawn loads its program three times (the Loader's precompile and
      // check, then the process group's), and the promise form took 23-39 us of CPU each here
      // (this thread's and the thread pool's) against 2-5 us: ~0.1 ms of a sandbox's ~1.3-1.8 ms
      // in-process lifecycle. A stat of the program's file is what loading it costs anyway.
      const st = statSync(path, { bigint: true });
      key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      const hash = this.byFile.get(key);
      const cached = hash === undefined ? undefined : this.byHash.get(hash);
      if (cached) {
        this.stats.hits++;
        return cached.then((m) => (m.label === path ? m : { ...m, label: path }));
      }
      bytes = await readFile(path);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const known: ModuleErrorCode[] = ['ENOENT', 'EACCES', 'EISDIR'];
      const c = known.find((k) => k === code) ?? 'EIO';
      const why =
        c === 'ENOENT' ? 'no such file' : c === 'EISDIR' ? 'is a directory' : (err as Error).message;
      throw new ModuleError(c, `cannot load ${path}: ${why}`);
    }
    const m = await this.compile(bytes, path);
    if (key !== undefined) this.byFile.set(key, m.hash);
    return m;
  }

  get size(): number {
    return this.byHash.size;
  }

  clear(): void {
    this.byHash.clear();
    this.byFile.clear();
  }
}

async function compileChecked(bytes: Uint8Array, label: string, hash: string): Promise<GuestModule> {
  let module: WasmModule;
  try {
    module = await Wasm.compile(instrumented(bytes, hash, true));
  } catch (err) {
    // Keep V8's own message: it names the section and byte offset of the fault.
    const msg = (err as Error).message.replace(/^WebAssembly\.compile\(\): /, '');
    const invalid = new ModuleError('ENOEXEC', `invalid WebAssembly module: ${label}: ${msg}`);
    // A damaged cache entry must not fail a good program: once more from the program itself. With
    // no entry (the cache off, or the program never instrumented) the program itself failed.
    if (!dropInstrumented(hash)) throw invalid;
    try {
      module = await Wasm.compile(instrumented(bytes, hash, false));
    } catch {
      throw invalid;
    }
  }
  const corralImports = checkInterface(module, label);
  return { module, hash, label, corralImports, filesUsed: usesFiles(Wasm.Module.imports(module)) };
}

/**
 * The module with its loops instrumented (instrument.ts), so that a guest spinning without a
 * syscall still takes its signals; the original when the rewrite fails (a malformed module then
 * gets the engine's own message from the compile). Through the on-disk cache when `cached` and the
 * process turned it on (instrument_cache.ts).
 */
function instrumented(bytes: Uint8Array, hash: string, cached: boolean): Uint8Array {
  try {
    return cached ? cachedInstrument(bytes, hash, instrumentLoops) : instrumentLoops(bytes);
  } catch {
    return bytes;
  }
}

/** The engine process's shared cache. */
export const defaultModuleCache = new ModuleCache();

/** Reads, validates and compiles a guest program through the shared cache. */
export function loadModule(path: string): Promise<GuestModule> {
  return defaultModuleCache.load(path);
}

/** Validates and compiles guest bytes through the shared cache. */
export function compileModule(bytes: Uint8Array, label: string): Promise<GuestModule> {
  return defaultModuleCache.compile(bytes, label);
}
