// Actor-trace debugging: the event model, per-thread buffers, the trace actor (session / recorder),
// its sinks, the live UI server and the sandbox control handler.
export * from './events.js';
export { traceLifecycle, startThreadTrace, stopThreadTrace, threadTraceOn } from './thread_trace.js';
export { createTraceBuffer, TraceWriter, type TraceBufferEndpoint } from './trace_buffer.js';
export { TraceReader } from './trace_reader.js';
export { TraceSession, type TraceSessionOptions, type TraceStatus } from './trace_session.js';
export { TraceRecorder, type TraceRecorderOptions } from './trace_recorder.js';
export type { TraceSink } from './sinks/sink.js';
export { ChromeJsonSink } from './sinks/chrome_json.js';
export { StraceTextSink, straceLine } from './sinks/strace_text.js';
export { MemorySink } from './sinks/memory.js';
export { LiveHub } from './sinks/live.js';
export { serveTraceUi, type LiveServer } from './live_server.js';
export {
  SandboxTraceControl,
  formatFor,
  type TraceFormat,
  type TraceReply,
  type TraceRequest,
} from './loader_trace_ops.js';
