// The fs benchmark's runners: the same guest (build/guests/fs_bench.wasm) under node:wasi and
// under Corral (thread strategy, FileSyscalls, a gofer in process or out of process).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { InProcessGofer, type GoferConnection } from '../../actors/gofer/connection.js';
import { FileSyscalls } from '../../actors/gofer/file_syscalls.js';
import { ProcessGofer } from '../../actors/gofer/gofer_process.js';
import type { GoferConfig } from '../../actors/gofer/mount_table.js';
import type { GuestModule } from '../../platform/module.js';
import { Wasm, type WasmImports, type WasmModule } from '../../platform/wasm_api.js';
import { MemorySink } from '../../platform/stdio.js';
import type { ThreadStrategy } from '../../platform/thread/thread_strategy.js';
import { StdioSyscalls } from '../../platform/wasi_handlers.js';

/** Work each mode's run must have done (the guest's `sink`), per iteration: a run that did less failed. */
const SINK_PER_OP: Record<string, number> = {
  open_read_close: 4096,
  stat: 4096,
  readdir: 1000,
  read1m: 1 << 20,
  write1m: 1 << 20,
};

export function nsPerOp(out: string, mode: string, n: number): number {
  const m = /ns_per_op (\d+) sink (\d+)/.exec(out);
  if (!m) throw new Error(`fs_bench guest printed: ${out}`);
  // readdir lists '.' and '..' under Corral (as Linux's getdents does), not under node:wasi.
  const want = (SINK_PER_OP[mode] ?? 0) * n;
  if (Number(m[2]) < want)
    throw new Error(`fs_bench ${mode} did ${m[2]} units of work, want ${want}: ${out}`);
  return Number(m[1]);
}

/**
 * node:wasi's stdout: one file opened once and never closed, and every instance kept alive. A
 * node:wasi instance, when garbage-collected, closes the fds it was given, by number; with a file
 * opened and closed per run, that number was by then another file's, or a later run's output file
 * (whose output vanished: "fs_bench guest printed: " with nothing). Each run appends its line.
 */
const keepAlive: WASI[] = [];
let outFile: { fd: number; path: string } | null = null;

/** node:wasi with the data directory preopened as "/" (its output captured in a file). */
export async function runNodeWasi(module: WasmModule, dir: string, mode: string, n: number): Promise<number> {
  const { openSync } = await import('node:fs');
  if (outFile === null) {
    const path = join(dir, '.nodewasi.out');
    outFile = { fd: openSync(path, 'a'), path };
  }
  const wasi = new WASI({
    version: 'preview1',
    args: ['fs_bench', mode, String(n), '/'],
    preopens: { '/': dir },
    stdout: outFile.fd,
    returnOnExit: true,
  });
  keepAlive.push(wasi);
  const inst = new Wasm.Instance(module, wasi.getImportObject() as unknown as WasmImports);
  const code = wasi.start(inst as unknown as object);
  if (code !== 0) throw new Error(`node:wasi fs_bench exited ${code}`);
  const lines = readFileSync(outFile.path, 'utf8').trimEnd().split('\n');
  return nsPerOp(lines[lines.length - 1] ?? '', mode, n);
}

export type GoferKind = 'in-process' | 'process';

export async function openGofer(kind: GoferKind, config: GoferConfig): Promise<GoferConnection> {
  return kind === 'in-process' ? new InProcessGofer(config) : ProcessGofer.start(config);
}

export async function runCorral(
  strategy: ThreadStrategy,
  module: GuestModule,
  gofer: GoferConnection,
  mode: string,
  n: number,
  /** Files served on the guest's thread (the default), or every call through the gofer. */
  direct = true,
): Promise<number> {
  const out = new MemorySink();
  const syscalls = new FileSyscalls(new StdioSyscalls({ stdout: { sink: out } }), gofer, { direct });
  const st = await strategy.spawn(module, { args: ['fs_bench', mode, String(n), '/'], syscalls }).exited;
  if (!('code' in st) || st.code !== 0)
    throw new Error(`corral fs_bench ended ${JSON.stringify(st)}: ${out.text()}`);
  return nsPerOp(out.text(), mode, n);
}
