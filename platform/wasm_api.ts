// Typed access to the WebAssembly JS API. This project compiles against lib ES2023 without DOM,
// where TypeScript has no WebAssembly declarations; declaring the global here would clash with
// any other folder (or a later lib change) that declares it too, so platform/ reaches it through
// this module-scoped view of just what it uses.

/** A compiled module (WebAssembly.Module): opaque, structured-cloneable to workers. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmImportDescriptor {
  readonly module: string;
  readonly name: string;
  readonly kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

export interface WasmExportDescriptor {
  readonly name: string;
  readonly kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

/** A global (WebAssembly.Global): its value read and written by the host. */
export interface WasmGlobal {
  value: unknown;
}

export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  validate(bytes: Uint8Array): boolean;
  Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(m: WasmModule): WasmImportDescriptor[];
    exports(m: WasmModule): WasmExportDescriptor[];
  };
  Instance: new (m: WasmModule, imports: WasmImports) => WasmInstance;
  Memory: new (d: { initial: number; maximum?: number }) => WasmMemory;
  Global: new (d: { value: string; mutable?: boolean }, v?: unknown) => WasmGlobal;
  RuntimeError: new (message?: string) => Error;
  CompileError: new (message?: string) => Error;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
