// The Loader actor: the root actor of a sandbox. Its mailbox serialises every control operation and
// every report from its containers' process-group actors; there are no locks.
import { RequestError, type Actor, type ActorContext, type Message } from '../runtime/actor.js';
import { traceLifecycle } from '../trace/thread_trace.js';
import type { LoaderArgs, LoaderRequest } from './control_protocol.js';
import { openSandboxKernel } from './kernel_adapter.js';
import { Loader } from './loader.js';
import { execProcess, waitContainer, waitPid } from './loader_exec.js';
import { event, list, pause, ps, resume, state } from './loader_info.js';
import { createContainer, destroyContainer, startContainer } from './loader_lifecycle.js';
import { signal } from './loader_signal.js';
import { MSG, type GuestCall, type GuestExited, type GuestRaise } from './sandbox_messages.js';
import { guestCall } from './loader_guest_calls.js';
import { GOFER_MSG, type GoferHangupReport } from '../gofer/gofer_monitor_actor.js';
import { closeContainerGofer, goferHangup, removeScratch } from './loader_gofer.js';

export function createLoaderActor(args: LoaderArgs, ctx: ActorContext): Actor {
  const kernel = openSandboxKernel();
  const l = new Loader(args, ctx, kernel);
  createContainer(l, args.rootCid, args.rootBundle);
  // runsc's Loader comes up with its kernel and root container; the sandbox exists from here on.
  traceLifecycle({ what: 'sandbox-start', sandbox: args.sandboxId, cid: args.rootCid });
  return {
    receive(msg: Message) {
      switch (msg.kind) {
        case MSG.guestExited:
          return l.guestExited(msg.body as GuestExited);
        case MSG.guestRaise:
          return raise(l, msg.body as GuestRaise);
        case MSG.guestCall:
          return guestCall(l, msg.body as GuestCall);
        case GOFER_MSG.hangup:
          return goferHangup(l, msg.body as GoferHangupReport);
        default:
          return control(l, msg, msg.body as LoaderRequest);
      }
    },
    stopped() {
      l.calls.close();
      // The sandbox stops without destroying its containers: their gofers end too. The tmpfs
      // directories go now, since the host process may exit before a gofer has; the gofers are
      // told to end (EOF on their socket) and settleGofers() waits for them.
      for (const rec of l.containers.values()) {
        const g = rec.gofer;
        rec.gofer = null;
        if (g === null) continue;
        g.monitor = null; // a child of this actor: the runtime stops it with us
        removeScratch(g);
        void closeContainerGofer(l, g);
      }
      kernel.destroy();
      traceLifecycle({ what: 'sandbox-stop', sandbox: args.sandboxId });
    },
  };
}

function control(l: Loader, msg: Message, req: LoaderRequest): unknown {
  const kind = msg.kind;
  if (typeof req !== 'object' || req === null || req.op !== kind) {
    throw new RequestError(`malformed Loader request "${kind}"`, 'EINVAL');
  }
  if (typeof (req as { cid?: unknown }).cid !== 'string' && req.op !== 'list') {
    throw new RequestError(`Loader request "${kind}": cid must be a string`, 'EINVAL');
  }
  switch (req.op) {
    case 'create':
      return createContainer(l, req.cid, req.bundle, req.terminal, req.stdio);
    case 'start':
      return startContainer(l, req.cid, req.stdio, msg.id);
    case 'destroy':
      return destroyContainer(l, req.cid);
    case 'exec':
      return execProcess(l, req.cid, req.process, req.stdio, msg.id);
    case 'wait':
      return waitContainer(l, req.cid);
    case 'wait-pid':
      return waitPid(l, req.cid, req.pid);
    case 'signal':
      return signal(l, req.cid, req.pid, req.signo, req.mode);
    case 'ps':
      return ps(l, req.cid);
    case 'event':
      return event(l, req.cid);
    case 'state':
      return state(l, req.cid);
    case 'list':
      return list(l);
    case 'pause':
      return pause(l, req.cid);
    case 'resume':
      return resume(l, req.cid);
    default:
      throw new RequestError(`unknown Loader operation "${(req as { op: string }).op}"`, 'EINVAL');
  }
}

/** raise(3) from a guest: the kernel decides (ignored, handled, or the process dies by it). */
function raise(l: Loader, r: GuestRaise): { terminated: number } {
  const g = l.guests.get(r.pid);
  if (g === undefined || g.gone) return { terminated: 0 };
  traceLifecycle({ what: 'signal', cid: g.cid, pid: r.pid, signal: r.sig, sender: r.pid, detail: 'raise' });
  l.kernel.raiseSelf(r.pid, r.sig);
  l.applyEvents();
  return { terminated: g.killedBy };
}
