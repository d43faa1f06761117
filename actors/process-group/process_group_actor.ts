// A process-group actor: runs the guest processes of one exec'd process group on the platform, and
// tells the Loader when each ends. Kills come from the Loader once the kernel has decided them.
import type { Actor, ActorContext } from '../runtime/actor.js';
import type { MessageId } from '../runtime/ids.js';
import { RequestError } from '../runtime/actor.js';
import { loadModule } from '../../platform/module.js';
import { tagSyscallProcess } from '../../platform/syscall_host.js';
import type { GuestProcess } from '../../platform/process.js';
import type { ExitStatus } from '../../platform/syscalls.js';
import {
  MSG,
  type GuestExited,
  type GuestRaise,
  type KillGuest,
  type ProcessGroupActorArgs,
  type RunGuest,
  type UsageQuery,
  type UsageReport,
} from '../loader/sandbox_messages.js';
import { guestStrategy } from './guest_platform.js';
import { GuestSyscalls } from './guest_syscalls.js';
import { innerSyscalls } from './inner_syscalls.js';
import { openStdio } from './stdio_open.js';

export function createProcessGroupActor(args: ProcessGroupActorArgs, ctx: ActorContext): Actor {
  /** Running guests by root-namespace pid. Owned by this actor. */
  const guests = new Map<number, GuestProcess>();

  /** `cause`: the run request, which the exit report follows from (for traces). */
  async function run(r: RunGuest, cause: MessageId): Promise<void> {
    const module = await loadModule(r.modulePath);
    const stdio = await openStdio(r.stdio);
    const guest = new GuestSyscalls(stdio.bindings, (sig) =>
      ctx.request<{ terminated: number }>(
        args.loader,
        MSG.guestRaise,
        { pid: r.pid, sig } satisfies GuestRaise,
        {
          timeoutMs: 0,
        },
      ),
    );
    const syscalls = innerSyscalls(stdio.bindings, args.gofer, guest);
    // Traced syscalls carry the root-namespace pid and the command's name (Linux's comm: the last
    // part of argv[0]), so that a trace shows whose call each one was.
    tagSyscallProcess(syscalls, { pid: r.pid, name: commName(r.args[0] ?? '') });
    let proc: GuestProcess;
    try {
      proc = guestStrategy().spawn(module, { args: r.args, env: r.env, syscalls });
    } catch (e) {
      await stdio.close();
      throw new RequestError(
        `cannot start ${r.args[0]}: ${(e as Error).message}`,
        (e as { code?: string }).code,
      );
    }
    guests.set(r.pid, proc);
    proc.exited
      .then(
        (s: ExitStatus): GuestExited =>
          'signal' in s
            ? { pid: r.pid, signal: s.signal, ...(s.trap !== undefined ? { fault: s.trap } : {}) }
            : { pid: r.pid, code: s.code },
        (e: unknown): GuestExited => ({ pid: r.pid, signal: 9, fault: (e as Error).message }),
      )
      .then(async (report) => {
        report.cpuNs = proc.usage().cpuNs;
        guests.delete(r.pid);
        await stdio.close();
        ctx.send(args.loader, MSG.guestExited, report, { cause });
      });
  }

  return {
    receive(msg) {
      switch (msg.kind) {
        case MSG.run:
          return run(msg.body as RunGuest, msg.id);
        case MSG.kill: {
          const k = msg.body as KillGuest;
          guests.get(k.pid)?.kill(k.sig);
          return undefined;
        }
        case MSG.interrupt:
          guests.get(msg.body as number)?.interrupt();
          return undefined;
        case MSG.usage: {
          const out: UsageReport = {};
          for (const pid of (msg.body as UsageQuery).pids) {
            const g = guests.get(pid);
            if (g !== undefined) out[pid] = g.usage();
          }
          return out;
        }
        default:
          throw new RequestError(`process-group actor: unknown message "${msg.kind}"`);
      }
    },
    stopped() {
      // The Loader stops a group only after its processes ended; this is the safety net.
      for (const g of guests.values()) g.kill(9);
    },
  };
}

/** Linux's comm: the last component of the program path, at most 15 bytes (TASK_COMM_LEN - 1). */
function commName(argv0: string): string {
  return argv0.slice(argv0.lastIndexOf('/') + 1).slice(0, 15);
}
