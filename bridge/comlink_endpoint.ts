// Comlink speaks the DOM's MessagePort shape (addEventListener, {data}); Node's worker_threads
// deliver plain values through EventEmitter 'message' events. This adapts one to the other.
//
// Comlink carries Corral's control plane (wiring rings between threads, shutdown, trace control):
// calls that happen a handful of times per thread, where a typed proxy is worth a postMessage
// round trip. Actor messages never go this way; they go over the shared-memory rings.
import type { Endpoint } from 'comlink';

interface NodePort {
  postMessage(value: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  off(event: 'message', listener: (value: unknown) => void): unknown;
}

type Listener = Parameters<Endpoint['addEventListener']>[1];
type Transfer = Parameters<Endpoint['postMessage']>[1];

export function comlinkEndpoint(port: NodePort): Endpoint {
  const wrapped = new Map<Listener, (value: unknown) => void>();
  return {
    postMessage(message: unknown, transfer?: Transfer): void {
      port.postMessage(message, transfer as readonly unknown[] | undefined);
    },
    addEventListener(_type: string, listener: Listener): void {
      const l = (data: unknown): void => {
        const ev = { data } as Parameters<Extract<Listener, (...a: never[]) => unknown>>[0];
        if (typeof listener === 'function') listener(ev);
        else listener.handleEvent(ev);
      };
      wrapped.set(listener, l);
      port.on('message', l);
    },
    removeEventListener(_type: string, listener: Listener): void {
      const l = wrapped.get(listener);
      if (l === undefined) return;
      wrapped.delete(listener);
      port.off('message', l);
    },
  };
}
