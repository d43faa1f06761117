// Terminals in the Loader (runsc's execProcess.tty): a process started with a terminal for its
// stdio (StdioSpec 'terminal') gets a kernel TTY as its session's controlling terminal, so that job
// control works inside the sandbox (foreground group, SIGTTIN/SIGTTOU, SIGHUP when the session leader
// exits) and `signal` in 'foreground' mode reaches the terminal's foreground process group.
//
// The kernel TTY's handle is the session leader's root-namespace pid: a kernel names at most one
// terminal per session, and the terminal is unlinked when its leader exits (before the pid can be
// reused), so no two live terminals share a handle.
import { asTty, errnoName, type Kernel, type Pid } from '../../kernel-core/binding/index.js';
import { CorralOp } from '../../platform/corral_abi.js';
import { Errno, errnoFromHostCode } from '../../platform/wasi_errno.js';
import { RequestError } from '../runtime/actor.js';
import type { StdioSpec } from './control_protocol.js';
import type { LoaderKernel } from './kernel_port.js';
import type { GuestCall, GuestCallReply } from './sandbox_messages.js';

/** Makes a new terminal the controlling terminal of `pid`'s session (TIOCSCTTY), if its stdio is one. */
export function attachTerminal(kernel: LoaderKernel, pid: number, stdio: StdioSpec): void {
  if (stdio.kind !== 'terminal') return;
  const r = kernel.guestKernel.ttyAttach(pid as Pid, asTty(pid));
  // A process the Loader just made leads a new session without a terminal: this cannot fail.
  if (!r.ok) throw new RequestError(`cannot attach a terminal to PID ${pid}: ${errnoName(r.errno)}`);
}

const fail = (linux: number): GuestCallReply => ({ errno: errnoFromHostCode(errnoName(linux)), value: 0 });

/**
 * tcgetpgrp/tcsetpgrp on a guest descriptor that the process-group actor found to be a terminal:
 * it is the caller's controlling terminal (a process's only terminal here), else ENOTTY.
 */
export function terminalCall(k: Kernel, pid: Pid, c: GuestCall): GuestCallReply {
  const fg = k.ttyForeground(pid);
  if (!fg.ok) return { errno: Errno.NOTTY, value: 0 };
  const tty = fg.value.tty;
  if (c.op === CorralOp.TTY_GET_PGRP) {
    const r = k.tcgetpgrp(pid, tty);
    return r.ok ? { errno: Errno.SUCCESS, value: r.value } : fail(r.errno);
  }
  const r = k.tcsetpgrp(pid, tty, c.b);
  if (r.ok) return { errno: Errno.SUCCESS, value: 0 };
  // A background caller: SIGTTOU went to its group; the call is interrupted by it.
  if (errnoName(r.errno) === 'ERESTARTSYS') return { errno: Errno.INTR, value: 0 };
  return fail(r.errno);
}
