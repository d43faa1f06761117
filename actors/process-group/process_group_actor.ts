// A process-group actor: runs the guest processes of one exec'd process group on the platform, and
// tells the Loader when each ends. Kills come from the Loader once the kernel has decided them.
import type { Actor, ActorContext } from '../runtime/actor.js';
import type { MessageId } from '../runtime/ids.js';
import { RequestError } from '../runtime/actor.js';
import { loadModule, type GuestModule } from '../../platform/module.js';
import { tagSyscallProcess } from '../../platform/syscall_host.js';
import type { GuestProcess } from '../../platform/process.js';
import type { ExitStatus } from '../../platform/syscalls.js';
import {
  MSG,
  type GuestCall,
  type GuestCallReply,
  type GuestExited,
  type GuestRaise,
  type KillGuest,
  type ProcessGroupActorArgs,
  type RunGuest,
  type UsageQuery,
  type UsageReport,
} from '../loader/sandbox_messages.js';
import { guestStrategy } from './guest_platform.js';
import { GuestSyscalls, type GuestLink } from './guest_syscalls.js';
import { filesFor, innerSyscalls } from './inner_syscalls.js';
import { ProcessFds, type InnerHandlers } from './process_fds.js';
import { SIGNAL_ENTRY } from '../../platform/corral_abi.js';
import { applyFileActions } from './spawn_file_actions.js';
import type { ProcessSyscalls } from '../../platform/syscalls.js';
import { Wasm } from '../../platform/wasm_api.js';
import { openStdio } from './stdio_open.js';

export function createProcessGroupActor(args: ProcessGroupActorArgs, ctx: ActorContext): Actor {
  /** Running guests by root-namespace pid. Owned by this actor. */
  const guests = new Map<number, Running>();

  /** How a process reaches the Loader; `pid` is its root-namespace pid. */
  const linkFor = (pid: number): GuestLink => ({
    call: (op, a, b, c, req) =>
      ctx.request<GuestCallReply>(args.loader, MSG.guestCall, { pid, op, a, b, c, req } satisfies GuestCall, {
        timeoutMs: 0,
      }),
    raise: (sig) =>
      ctx.request<{ terminated: number }>(args.loader, MSG.guestRaise, { pid, sig } satisfies GuestRaise, {
        timeoutMs: 0,
      }),
  });

  /** `cause`: the run request, which the exit report follows from (for traces). */
  async function run(r: RunGuest, cause: MessageId): Promise<void> {
    const module = await loadModule(r.modulePath);
    await filesFor(module, args.gofer).catch((e: Error) => {
      throw new RequestError(`cannot start ${r.args[0]}: ${e.message}`, 'EIO');
    });
    let fds: ProcessFds;
    if (r.inherit !== undefined) {
      // posix_spawn: the parent is blocked in the call, so its table is as it left it.
      const parent = guests.get(r.inherit.from);
      if (parent === undefined) throw new RequestError(`spawn: parent ${r.inherit.from} is gone`, 'ESRCH');
      fds = ProcessFds.inherit(parent.syscalls.fds);
      const failed = await applyFileActions(fds, r.inherit.actions);
      if (failed !== null) {
        await fds.closeAll();
        throw new RequestError(`spawn: file action failed: ${failed.what}`, failed.code);
      }
    } else {
      const stdio = await openStdio(r.stdio);
      let base: ProcessSyscalls;
      try {
        // Stdio, and the container's files when it has a gofer (one fd table: FileSyscalls).
        base = innerSyscalls(stdio.bindings, args.gofer);
      } catch (e) {
        await stdio.close();
        throw new RequestError(`cannot start ${r.args[0]}: ${(e as Error).message}`, 'EIO');
      }
      // Closing the host ends waits for the files and sockets opened for this stdio.
      const inner: InnerHandlers = { syscalls: base, users: 0, closed: () => stdio.close() };
      fds = ProcessFds.over(inner, openFdsOf(base));
    }
    const syscalls = new GuestSyscalls(fds, linkFor(r.pid), exportsSignalEntry(module));
    start(r.pid, module, r.args, r.env, syscalls, cause, 0);
  }

  /** Runs one image of process `pid`; exec runs the next one under the same pid and handlers. */
  function start(
    pid: number,
    module: GuestModule,
    argv: string[],
    env: string[],
    syscalls: GuestSyscalls,
    cause: MessageId,
    cpuBefore: number,
  ): void {
    // Traced syscalls carry the root-namespace pid and the command's name (Linux's comm: the last
    // part of argv[0]), so that a trace shows whose call each one was.
    tagSyscallProcess(syscalls, { pid, name: commName(argv[0] ?? '') });
    let proc: GuestProcess;
    try {
      proc = guestStrategy().spawn(module, { args: argv, env, syscalls });
    } catch (e) {
      syscalls.dispose();
      throw new RequestError(
        `cannot start ${argv[0]}: ${(e as Error).message}`,
        (e as { code?: string }).code,
      );
    }
    guests.set(pid, { proc, syscalls, cpuBefore });
    proc.exited
      .then(
        (s: ExitStatus): GuestExited =>
          'signal' in s
            ? { pid, signal: s.signal, ...(s.trap !== undefined ? { fault: s.trap } : {}) }
            : { pid, code: s.code },
        (e: unknown): GuestExited => ({ pid, signal: 9, fault: (e as Error).message }),
      )
      .then(async (report) => {
        const cpuNs = cpuBefore + proc.usage().cpuNs;
        const image = syscalls.takeExec();
        if (image !== null && report.code !== undefined) {
          try {
            const next = await loadModule(image.modulePath);
            await filesFor(next, args.gofer);
            syscalls.handlersAllowed = exportsSignalEntry(next);
            start(pid, next, image.args, image.env, syscalls, cause, cpuNs);
            return;
          } catch (e) {
            // Validated by the Loader a moment ago: failing now is a host fault, not the guest's.
            report = { pid, signal: 9, fault: `exec: ${(e as Error).message}` };
          }
        }
        if (image !== null) syscalls.dispose();
        report.cpuNs = cpuNs;
        guests.delete(pid);
        await syscalls.released;
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
          guests.get(k.pid)?.proc.kill(k.sig);
          return undefined;
        }
        case MSG.interrupt:
          guests.get(msg.body as number)?.proc.interrupt();
          return undefined;
        case MSG.usage: {
          const out: UsageReport = {};
          for (const pid of (msg.body as UsageQuery).pids) {
            const g = guests.get(pid);
            if (g !== undefined) {
              const u = g.proc.usage();
              out[pid] = { cpuNs: g.cpuBefore + u.cpuNs, memoryBytes: u.memoryBytes };
            }
          }
          return out;
        }
        default:
          throw new RequestError(`process-group actor: unknown message "${msg.kind}"`);
      }
    },
    stopped() {
      // The Loader stops a group only after its processes ended; this is the safety net.
      for (const g of guests.values()) g.proc.kill(9);
    },
  };
}

/** The fds a process starts with: stdio, then the preopens its inner handlers number from 3. */
function openFdsOf(base: ProcessSyscalls): number[] {
  const fds = [0, 1, 2];
  if (base.fd_prestat_get === undefined) return fds;
  const ctx = { signal: new AbortController().signal };
  for (let fd = 3; ; fd++) {
    const r = base.fd_prestat_get(fd, ctx);
    // Preopens answer at once (their names are known); the first fd that is not one ends them.
    if (r instanceof Promise || !('value' in r)) return fds;
    fds.push(fd);
  }
}

/** A running guest; owned by its process-group actor. */
interface Running {
  proc: GuestProcess;
  syscalls: GuestSyscalls;
  /** CPU time of the images before this one (exec), ns. */
  cpuBefore: number;
}

function exportsSignalEntry(m: GuestModule): boolean {
  return Wasm.Module.exports(m.module).some((e) => e.name === SIGNAL_ENTRY && e.kind === 'function');
}

/** Linux's comm: the last component of the program path, at most 15 bytes (TASK_COMM_LEN - 1). */
function commName(argv0: string): string {
  return argv0.slice(argv0.lastIndexOf('/') + 1).slice(0, 15);
}
