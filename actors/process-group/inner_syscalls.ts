// The syscall handlers a guest process starts from, before the sandbox's own (GuestSyscalls: the
// calls the kernel decides) are put around them: stdio, and the container's files when it has a
// gofer. One fd table per process either way (FileSyscalls keeps 0, 1, 2 in it with the files).
//
// Reaching the gofer. The process-group actor gets a GoferHandle in its args (plain data: the key
// of the container's connection in this thread's gofer registry; actors/loader/loader_gofer.ts says
// why a key and not a connection). The connection belongs to the Loader, which opened it on its
// thread; packed placement puts this actor on the same thread, where the lookup finds it. Every
// process of the container shares it; each process closes only the fids it opened (dispose).
import { FileSyscalls } from '../gofer/file_syscalls.js';
import { containerGofer } from '../gofer/gofer_registry.js';
import type { GoferHandle } from '../loader/sandbox_messages.js';
import type { StdioBindings } from '../../platform/stdio.js';
import type { ProcessSyscalls } from '../../platform/syscalls.js';
import { StdioSyscalls } from '../../platform/wasi_handlers.js';

/**
 * A process's inner syscalls: `new FileSyscalls(stdio, connection)` when its container has a gofer
 * (`files` non-null), else the stdio handlers alone. `stdio` defaults to `new StdioSyscalls(bindings)`;
 * a caller whose stdio handlers are already built (today's GuestSyscalls extends StdioSyscalls) may
 * pass them. Throws when the gofer is not on this thread: a placement fault in Corral, which fails
 * the spawn with a clear error rather than run a guest without its files.
 */
export function innerSyscalls(
  bindings: StdioBindings,
  files: GoferHandle | null,
  stdio: ProcessSyscalls = new StdioSyscalls(bindings),
): ProcessSyscalls {
  if (files === null) return stdio;
  const conn = containerGofer(files);
  if (conn === undefined) {
    stdio.dispose?.();
    throw new Error('the container has a gofer, but not on this thread (is the process group placed apart?)');
  }
  return new FileSyscalls(stdio, conn);
}
