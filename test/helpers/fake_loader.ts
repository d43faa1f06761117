// A fake Loader actor for the control-socket tests: a few operations of the real protocol, with
// behaviour simple enough to assert on. Workers may import this module by URL, so it stays plain.
import { RequestError, type Actor } from '../../actors/runtime/index.js';

export const FAKE_LOADER = new URL('./fake_loader.js', import.meta.url).href;

interface Req {
  op: string;
  cid?: string;
  pid?: number;
  signo?: number;
}

/** Containers "a" and "b" exist; `wait` on one settles when it gets a `signal`; `exec` hands out pids. */
export function createFakeLoader(): Actor {
  // Owned by this actor.
  const waiters = new Map<string, ((v: { status: number; signal: number }) => void)[]>();
  const known = new Set(['a', 'b']);
  let nextPid = 100;
  const check = (cid: string | undefined): string => {
    if (cid === undefined || !known.has(cid))
      throw new RequestError(`container "${cid}" not found`, 'ENOENT');
    return cid;
  };
  return {
    receive(msg) {
      const req = msg.body as Req;
      switch (msg.kind) {
        case 'state':
          return {
            cid: check(req.cid),
            status: 'running',
            pid: 1,
            bundle: '/b',
            created: 0,
            annotations: {},
          };
        case 'exec':
          check(req.cid);
          return { pid: nextPid++ };
        case 'wait': {
          const cid = check(req.cid);
          return new Promise((resolve) => waiters.set(cid, [...(waiters.get(cid) ?? []), resolve]));
        }
        case 'signal': {
          const cid = check(req.cid);
          const ws = waiters.get(cid) ?? [];
          waiters.delete(cid);
          for (const w of ws) w({ status: req.signo ?? 0, signal: req.signo ?? 0 });
          return null;
        }
        case 'slow':
          // Settles after the server's grace period, so its reply takes the per-operation socket.
          return new Promise((r) => setTimeout(() => r({ slow: true }), 80));
        case 'crash':
          throw new TypeError('fake loader crashed');
        default:
          throw new RequestError(`unknown Loader operation "${msg.kind}"`, 'EINVAL');
      }
    },
  };
}
