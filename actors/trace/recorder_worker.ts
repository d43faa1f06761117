// The recorder thread: the trace actor's draining and its file sinks, off the traced threads, so
// that encoding JSON and writing files never takes time from actors or syscall handling. Driven by
// a TraceRecorder over its parentPort (actors/trace/recorder_protocol.ts).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { RecorderReply, RecorderRequest, RecorderWorkerData } from './recorder_protocol.js';
import { ChromeJsonSink } from './sinks/chrome_json.js';
import { MemorySink } from './sinks/memory.js';
import { StraceTextSink } from './sinks/strace_text.js';
import { TraceSession } from './trace_session.js';

const data = workerData as RecorderWorkerData;

// Tracing must not slow the sandbox: this thread yields the CPU to the traced threads (Linux nice
// 19, set on this thread alone: setpriority(2) with a thread id affects only that thread). When it
// then falls behind, the buffers drop and count, as they do for any slow sink.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
} catch {
  // Not Linux, or not allowed: the recorder runs at normal priority.
}
/** Owned by this thread. */
const session = new TraceSession({ external: true, drainMs: data.drainMs });
/** Events a viewer's poll buffer holds before it drops (and counts). */
const POLL_BUFFER = 200_000;
/** A viewer that has not polled for this long is gone: its buffer stops filling (and counting). */
const POLL_STALE_MS = 10_000;

/** The poll buffer: a MemorySink that goes quiet once nobody polls it. */
class PollSink extends MemorySink {
  /** Owned by this thread. */
  lastPoll = Date.now();
  override write(batch: Parameters<MemorySink['write']>[0]): void {
    if (Date.now() - this.lastPoll <= POLL_STALE_MS) super.write(batch);
  }
}
let poll: PollSink | null = null;

async function handle(req: RecorderRequest): Promise<Omit<RecorderReply, 'id'>> {
  switch (req.op) {
    case 'attach':
      session.attach(req.ep);
      return {};
    case 'file':
      session.addSink(
        req.format === 'chrome' ? new ChromeJsonSink(req.path, data.origin) : new StraceTextSink(req.path),
      );
      return { status: session.status() };
    case 'status':
      return { status: session.status() };
    case 'poll': {
      if (poll === null) {
        poll = new PollSink('poll', POLL_BUFFER);
        session.addSink(poll);
      }
      poll.lastPoll = Date.now();
      session.drain();
      const all = poll.take();
      if (all.length > req.max) poll.write(all.splice(req.max));
      return { status: session.status(), batch: all };
    }
    case 'stop': {
      const status = await session.stop();
      return { status };
    }
  }
}

await session.start();
parentPort!.on('message', (m: { id: number; req: RecorderRequest }) => {
  handle(m.req).then(
    (r) => parentPort!.postMessage({ id: m.id, ...r } satisfies RecorderReply),
    (e: unknown) =>
      parentPort!.postMessage({ id: m.id, error: (e as Error).message } satisfies RecorderReply),
  );
});
