// The gofer-monitor actor: one per container, next to it (packed placement). It watches the
// container's gofer connection and tells the Loader when it hangs up; the Loader then SIGKILLs
// every process of the container (signal-all) and records why for `events`, as runsc's Loader does
// when startGoferMonitor sees POLLHUP. Stopping the actor (container destroyed) stops the watch.

import { RequestError, type Actor, type ActorContext } from '../runtime/actor.js';
import type { ActorId } from '../runtime/ids.js';
import { traceLifecycle } from '../trace/thread_trace.js';
import { containerGofer } from './gofer_registry.js';
import { startGoferMonitor } from './monitor.js';

export interface GoferMonitorArgs {
  cid: string;
  /** Registry key of the container's gofer on this thread (goferKey); default: `cid`. */
  key?: string;
  /** Where the hang-up report goes. */
  loader: ActorId;
}

/** Gofer-monitor actor → Loader: container `cid` lost its gofer. */
export interface GoferHangupReport {
  cid: string;
  /** The registry key of the gofer that went away (a container may be re-created with its id). */
  key: string;
  reason: string;
  /** performance.now() when noticed, on the monitor's thread. */
  at: number;
}

export const GOFER_MSG = {
  hangup: 'gofer-hangup',
} as const;

export function createGoferMonitorActor(args: GoferMonitorArgs, ctx: ActorContext): Actor {
  /** Stops the watch; owned by this actor. */
  let stop: (() => void) | null = null;
  return {
    started() {
      const conn = containerGofer(args.key ?? args.cid);
      // No gofer on this thread: a placement error, i.e. a fault in Corral, not in the guest.
      if (!conn) throw new Error(`gofer monitor: container ${args.cid} has no gofer on this thread`);
      stop = startGoferMonitor(conn, (h) => {
        const report: GoferHangupReport = {
          cid: args.cid,
          key: args.key ?? args.cid,
          reason: h.reason,
          at: h.at,
        };
        traceLifecycle({ what: 'gofer-hangup', cid: args.cid, detail: h.reason });
        ctx.send(args.loader, GOFER_MSG.hangup, report);
      });
    },
    receive(msg) {
      throw new RequestError(`gofer monitor: unknown message "${msg.kind}"`);
    },
    stopped() {
      stop?.();
      stop = null;
    },
  };
}
