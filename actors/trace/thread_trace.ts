// This thread's tracing state: the writer into its trace buffer, or null when tracing is off. The
// actor host's message hook, the SyscallHosts' syscall hook and traceLifecycle() all write through
// it, so that one buffer per thread holds everything the thread saw, in order.
import { setSyscallTraceHook, type SyscallTraceHook } from '../../platform/syscall_host.js';
import { traceNow, type HostTraceHook } from '../runtime/trace_hook.js';
import type { LifecycleInfo } from './events.js';
import { TraceWriter, type TraceBufferEndpoint } from './trace_buffer.js';

/** Owned by this thread: set by startThreadTrace, cleared by stopThreadTrace. */
let writer: TraceWriter | null = null;

/**
 * Starts tracing this thread into `ep` (replacing any earlier buffer) and returns the hook to put
 * on the thread's ActorHost. Syscalls served on this thread are traced from now on.
 */
export function startThreadTrace(ep: TraceBufferEndpoint): HostTraceHook {
  writer?.flush();
  const w = new TraceWriter(ep);
  writer = w;
  const sysHook: SyscallTraceHook = (tag, sys, a0, a1, start, dur, errno, ret, data, dataLen) =>
    w.syscall(tag.pid, tag.name, sys, a0, a1, start, dur, errno, ret, data, dataLen);
  setSyscallTraceHook(sysHook);
  return w.messageHook;
}

/** Stops tracing on this thread; records already written stay for the drainer. */
export function stopThreadTrace(): void {
  // Records wait unpublished until the end of the event-loop turn: publish them before letting go.
  writer?.flush();
  writer = null;
  setSyscallTraceHook(null);
}

export function threadTraceOn(): boolean {
  return writer !== null;
}

/**
 * Records a lifecycle event (container/process start and exit, signal delivery, gofer hang-up).
 * Costs one comparison when tracing is off; never blocks, never throws.
 */
export function traceLifecycle(info: LifecycleInfo): void {
  if (writer !== null) writer.lifecycle(traceNow(), info);
}
