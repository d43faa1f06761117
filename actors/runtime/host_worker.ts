// Entry point of a worker thread that hosts actors. Loaded as compiled JavaScript.
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { comlinkEndpoint } from '../../bridge/comlink_endpoint.js';
import { ActorHost, SYS_HOST_EMPTY } from './host.js';
import { HostLinks } from './host_links.js';
import { TRACE_BUFFER_EVENTS, type HostControl, type HostWorkerData } from './host_control.js';
import { actorId, type HostId } from './ids.js';
import type { MessageTrace } from './trace_hook.js';
import { startThreadTrace, stopThreadTrace } from '../trace/thread_trace.js';

const data = workerData as HostWorkerData;
const ROOT = actorId(0 as HostId, 0);

const host = new ActorHost(data.hostId, {
  defaultTimeoutMs: data.defaultTimeoutMs,
  // A dedicated thread exists for one actor: when it is gone, the system ends the thread.
  onEmpty: data.dedicated ? () => host.send(host.endpoint, ROOT, SYS_HOST_EMPTY, data.hostId) : undefined,
});
const links = new HostLinks(host);
links.onLinkError = (e) => {
  // A stuck link means a peer thread stopped draining: a host fault, reported to the root.
  throw e;
};
links.start();

let traceEvents: MessageTrace[] = [];
let traceDropped = 0;

const control: HostControl = {
  addProducer: (from) => links.addProducer(from),
  attachOutgoing: (to, sab) => links.attachOutgoing(to, sab),
  detach: (peer) => links.detach(peer),
  spawn: (spec, supervisor) => host.spawnLocal(spec, supervisor),
  setTracing(on) {
    host.trace = on
      ? (t) => {
          if (traceEvents.length < TRACE_BUFFER_EVENTS) traceEvents.push({ ...t });
          else traceDropped++;
        }
      : null;
  },
  traceTo(buffer) {
    if (buffer === null) {
      stopThreadTrace();
      host.trace = null;
    } else {
      host.trace = startThreadTrace(buffer);
      host.traceActorNames();
    }
  },
  takeTrace() {
    const out = { events: traceEvents, dropped: traceDropped };
    traceEvents = [];
    traceDropped = 0;
    return out;
  },
  stats: () => ({
    host: host.id,
    actors: host.actorCount,
    delivered: host.delivered,
    deadLetters: host.deadLetters,
    framesOut: links.framesOut,
  }),
  shutdown() {
    host.shutdown();
    links.stop();
  },
};

Comlink.expose(control, comlinkEndpoint(parentPort!));
