// Tracing a hosted sandbox at run time: the handler of the control request `{op: 'trace', ...}`.
// The sandbox host (cli/sandbox_runtime.ts) answers it before forwarding anything to the Loader,
// because turning tracing on for the actor hosts is a call on the ActorSystem, which it holds.
// Recording runs on a recorder thread (trace_recorder.ts): the sandbox's threads only fill buffers.
// The requests are described with their type (TraceRequest in actors/loader/control_protocol.ts);
// a viewer's poll buffer exists from its first poll on and is bounded.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TraceFormat, TraceReply, TraceRequest } from '../loader/control_protocol.js';
import type { ActorSystem } from '../runtime/system.js';
import { ChromeJsonSink } from './sinks/chrome_json.js';
import type { TraceSink } from './sinks/sink.js';
import { StraceTextSink } from './sinks/strace_text.js';
import { TraceRecorder } from './trace_recorder.js';
import type { TraceStatus } from './trace_session.js';

export type { TraceFormat, TraceReply, TraceRequest };

export function formatFor(file: string, format?: TraceFormat): TraceFormat {
  return format ?? (file.endsWith('.json') ? 'chrome' : 'strace');
}

/** A file sink on the calling thread (for a TraceSession; the recorder makes its own). */
export function sinkFor(file: string, format?: TraceFormat): TraceSink {
  return formatFor(file, format) === 'chrome' ? new ChromeJsonSink(file) : new StraceTextSink(file);
}

export class SandboxTraceControl {
  // Owned by the sandbox host's main thread.
  private readonly system: ActorSystem;
  private recorder: TraceRecorder | null = null;
  /** A start or stop in progress: requests are served one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private last: TraceStatus = { on: false, since: 0, events: 0, dropped: 0, sinks: [] };

  constructor(system: ActorSystem) {
    this.system = system;
  }

  /** Answers one control request; rejects with a clear message on a bad one. */
  handle(req: TraceRequest): Promise<TraceReply> {
    const next = this.queue.then(() => this.serve(req));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async serve(req: TraceRequest): Promise<TraceReply> {
    if (typeof req !== 'object' || req === null) throw new Error('trace: malformed request');
    switch (req.action) {
      case 'start':
        return this.start(req.file, req.format);
      case 'stop':
        return this.stop();
      case 'status':
        return this.recorder === null ? this.last : this.recorder.status();
      case 'poll': {
        if (this.recorder === null) return { ...this.last, batch: [] };
        const { status, batch } = await this.recorder.poll(req.max);
        return { ...status, batch };
      }
      default:
        throw new Error(
          `trace: unknown action "${String((req as { action: unknown }).action)}" (start, stop, status, poll)`,
        );
    }
  }

  private async start(file?: string, format?: TraceFormat): Promise<TraceReply> {
    if (format !== undefined && format !== 'chrome' && format !== 'strace') {
      throw new Error(`trace: unknown format "${String(format)}" (chrome, strace)`);
    }
    if (file !== undefined) checkWritable(file);
    if (this.recorder === null) {
      // The file goes in before tracing starts, so that it sees every event (the actor names first).
      const first = file === undefined ? {} : { file: { path: file, format: formatFor(file, format) } };
      this.recorder = await TraceRecorder.start({ system: this.system, ...first });
      return this.recorder.status();
    }
    if (file !== undefined) return this.recorder.addFile(file, formatFor(file, format));
    return this.recorder.status();
  }

  private async stop(): Promise<TraceReply> {
    const r = this.recorder;
    if (r === null) return this.last;
    this.recorder = null;
    this.last = await r.stop();
    return this.last;
  }

  /** Stops tracing (sandbox shutdown): files are flushed and closed. */
  close(): Promise<void> {
    return this.handle({ op: 'trace', action: 'stop' }).then(() => undefined);
  }
}

/**
 * A trace file must be an absolute path (the sandbox host's working directory is not the client's)
 * that can be created now: the sink writes asynchronously, and a late failure would be silent.
 */
function checkWritable(file: unknown): void {
  if (typeof file !== 'string' || !path.isAbsolute(file)) {
    throw new Error(`trace: the file must be an absolute path, not ${JSON.stringify(file)}`);
  }
  try {
    fs.closeSync(fs.openSync(file, 'w'));
  } catch (e) {
    throw new Error(`trace: cannot write ${file}: ${(e as Error).message}`);
  }
}
