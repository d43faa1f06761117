// Messages between a TraceRecorder (the embedding thread) and its recorder thread.
import type { TraceEvent } from './events.js';
import type { TraceBufferEndpoint } from './trace_buffer.js';
import type { TraceStatus } from './trace_session.js';

export type RecorderFormat = 'chrome' | 'strace';

export type RecorderRequest =
  | { op: 'attach'; ep: TraceBufferEndpoint }
  | { op: 'file'; path: string; format: RecorderFormat }
  | { op: 'status' }
  | { op: 'poll'; max: number }
  | { op: 'stop' };

export interface RecorderReply {
  id: number;
  status?: TraceStatus;
  batch?: TraceEvent[];
  error?: string;
}

export interface RecorderWorkerData {
  drainMs: number;
  origin: number;
}
