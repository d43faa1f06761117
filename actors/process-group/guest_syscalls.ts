// A guest's syscall handlers inside a sandbox: stdio from the platform, and the calls the kernel must
// decide (proc_raise now; the corral_v1 process calls later) sent to the Loader.
import { Errno } from '../../platform/wasi_errno.js';
import { StdioSyscalls } from '../../platform/wasi_handlers.js';
import { WasiSignal, wasiSignalToLinux } from '../../platform/wasi_types.js';
import { fail, ok, type SyscallReturn } from '../../platform/syscalls.js';
import type { StdioBindings } from '../../platform/stdio.js';

/** Asks the Loader to deliver a Linux signal to the calling process; says if it died of it. */
export type RaiseToKernel = (linuxSig: number) => Promise<{ terminated: number }>;

export class GuestSyscalls extends StdioSyscalls {
  constructor(
    bindings: StdioBindings,
    private readonly raiseToKernel: RaiseToKernel,
  ) {
    super(bindings);
  }

  /** raise(3): the kernel applies the disposition (kernel/signal.c, tgkill to itself). */
  override proc_raise(sig: number): SyscallReturn<void> {
    if (sig === WasiSignal.NONE) return ok(undefined);
    const linux = wasiSignalToLinux(sig);
    if (linux === undefined) return fail(Errno.INVAL);
    return this.raiseToKernel(linux).then((r) =>
      r.terminated !== 0 ? { exit: { signal: r.terminated } } : ok(undefined),
    );
  }
}
