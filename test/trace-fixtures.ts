// Shared by the trace tests: two small actors that talk across threads, and a scripted guest run
// (several processes through the thread strategy, with the lifecycle events the Loader records).
import type { Actor, ActorContext } from '../actors/runtime/actor.js';
import type { ActorRef } from '../actors/runtime/ids.js';
import { traceLifecycle } from '../actors/trace/thread_trace.js';
import { MemorySink as OutSink } from '../platform/stdio.js';
import { tagSyscallProcess } from '../platform/syscall_host.js';
import { fail, type ExitStatus } from '../platform/syscalls.js';
import { Errno } from '../platform/wasi_errno.js';
import { StdioSyscalls } from '../platform/wasi_handlers.js';
import type { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { loadGuest } from './helpers/guest_modules.js';

export const FIXTURES = new URL('./trace-fixtures.js', import.meta.url).href;

/** Answers 'ping' with 'pong'. */
export function ponger(): Actor {
  return { receive: (m) => (m.kind === 'ping' ? 'pong' : undefined) };
}

/** 'relay' {to, n}: asks `to` n times, in turn; answers with the count of pongs. */
export function relay(_args: unknown, ctx: ActorContext): Actor {
  return {
    async receive(m) {
      if (m.kind !== 'relay') return undefined;
      const { to, n } = m.body as { to: ActorRef; n: number };
      let got = 0;
      for (let i = 0; i < n; i++) if ((await ctx.request(to, 'ping', i)) === 'pong') got++;
      return got;
    },
  };
}

export interface ScriptedProcess {
  pid: number;
  name: string;
  args: string[];
  stdin?: string;
  /** Deliver this signal (kill) once it has started; used with the sleep guest. */
  killWith?: number;
  /** Every read fails with EBADF (an errno for the views to show). */
  failReads?: boolean;
  /** When set, the kill waits for this promise (so that a test can observe the run in progress). */
  killWhen?: Promise<void>;
}

export interface ScriptedResult {
  pid: number;
  status: ExitStatus;
  stdout: string;
}

/**
 * Runs guests as the Loader would: pids, process-start and process-exit lifecycle events, a
 * signal delivery, and the syscalls traced under each pid.
 */
export async function runScripted(
  strategy: ThreadStrategy,
  procs: readonly ScriptedProcess[],
): Promise<ScriptedResult[]> {
  traceLifecycle({ what: 'sandbox-start', sandbox: 'sbx' });
  traceLifecycle({ what: 'container-start', cid: 'root', pid: procs[0]?.pid });
  const results = await Promise.all(
    procs.map(async (p) => {
      const mod = await loadGuest(p.name);
      const out = new OutSink();
      const handlers = new StdioSyscalls({
        stdout: { sink: out },
        stderr: { sink: out },
        stdin: p.stdin === undefined ? null : { input: p.stdin },
      });
      if (p.failReads === true) handlers.fd_read = () => fail(Errno.BADF);
      tagSyscallProcess(handlers, { pid: p.pid, name: p.args[0]! });
      traceLifecycle({
        what: 'process-start',
        pid: p.pid,
        ppid: p.pid === procs[0]!.pid ? 0 : procs[0]!.pid,
        pgid: procs[0]!.pid,
        sid: procs[0]!.pid,
        cmd: p.args.join(' '),
        cid: 'root',
      });
      const proc = strategy.spawn(mod, { args: p.args, syscalls: handlers });
      if (p.killWith !== undefined) {
        await p.killWhen;
        traceLifecycle({ what: 'signal', pid: p.pid, signal: p.killWith, sender: 0 });
        proc.kill(p.killWith);
      }
      const status = await proc.exited;
      traceLifecycle({
        what: 'process-exit',
        pid: p.pid,
        ...('signal' in status ? { signal: status.signal } : { code: status.code }),
      });
      return { pid: p.pid, status, stdout: out.text() };
    }),
  );
  traceLifecycle({ what: 'container-stop', cid: 'root' });
  return results;
}

/** The scripted multi-process run of the trace tests. */
export const SCRIPT: readonly ScriptedProcess[] = [
  { pid: 1, name: 'hello', args: ['hello'] },
  { pid: 2, name: 'echo', args: ['echo', 'a', 'b'] },
  { pid: 3, name: 'exit_code', args: ['exit_code', '3'] },
  { pid: 4, name: 'cat', args: ['cat'], stdin: 'piped through cat\n' },
  { pid: 5, name: 'raise', args: ['raise'] },
  { pid: 6, name: 'sleep', args: ['sleep', '600000'], killWith: 15 },
  { pid: 7, name: 'cat', args: ['cat', '-'], failReads: true },
];
