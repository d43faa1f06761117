// The syscall handlers a guest process starts from, under the sandbox's own (GuestSyscalls: the
// process's descriptor table, pipes, and the calls the kernel decides): stdio, and the container's
// files when it has a gofer (FileSyscalls keeps 0, 1, 2 in its table with the files).
//
// Reaching the gofer. The process-group actor gets a GoferHandle in its args (plain data: the key
// of the container's connection in this thread's gofer registry; actors/loader/loader_gofer.ts says
// why a key and not a connection). The connection belongs to the Loader, which opened it on its
// thread; packed placement puts this actor on the same thread, where the lookup finds it. Every
// process of the container shares it; each process closes only the fids it opened (dispose).
import { FileSyscalls } from '../gofer/file_syscalls.js';
import { attachGofer, containerGofer } from '../gofer/gofer_registry.js';
import type { GuestModule } from '../../platform/module.js';
import type { GoferHandle } from '../loader/sandbox_messages.js';
import type { StdioBindings } from '../../platform/stdio.js';
import type { ProcessSyscalls } from '../../platform/syscalls.js';
import { StdioSyscalls } from '../../platform/wasi_handlers.js';

/**
 * A process's inner syscalls: `new FileSyscalls(stdio, connection)` when its container has a gofer
 * (`files` non-null), else the stdio handlers alone. Throws when the gofer is not on this thread: a
 * placement fault in Corral, which fails the spawn with a clear error rather than run a guest
 * without its files.
 */
export function innerSyscalls(bindings: StdioBindings, files: GoferHandle | null): ProcessSyscalls {
  const stdio = new StdioSyscalls(bindings);
  if (files === null) return stdio;
  const conn = containerGofer(files);
  if (conn === undefined) {
    stdio.dispose?.();
    throw new Error('the container has a gofer, but not on this thread (is the process group placed apart?)');
  }
  return new FileSyscalls(stdio, conn);
}

/**
 * Before a program starts: when it may use files (GuestModule.filesUsed), its container's gofer is
 * attached first (an on-demand one attaches now; gofer_registry.ts), so that the process gets the
 * roots the gofer donates and serves its files on its own thread from its first call. A program
 * that cannot name a file starts at once. Throws why the gofer could not attach.
 */
export async function filesFor(module: GuestModule, files: GoferHandle | null): Promise<void> {
  if (!module.filesUsed || files === null) return;
  try {
    await attachGofer(files);
  } catch (e) {
    throw new Error(`gofer: ${(e as Error).message}`);
  }
}
