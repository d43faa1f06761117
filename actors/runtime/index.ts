// The actor runtime: ids, actors, hosts and the system that places them.
export * from './ids.js';
export * from './actor.js';
export { ACTOR_FAILED, ACTOR_STOPPED, type ActorFailed } from './envelope.js';
export { ActorHost } from './host.js';
export { ActorSystem, type SystemOptions } from './system.js';
export type { HostTraceHook, MessageTrace, TraceHook, TracedMessage } from './trace_hook.js';
export type { HostStats } from './host_control.js';
