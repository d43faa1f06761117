// The gofer monitor (runsc's startGoferMonitor): watches a container's gofer connection and, when
// it hangs up, tells the Loader so that every process of the container is SIGKILLed. runsc polls
// the gofer fds for POLLHUP in a goroutine; here the connection's hang-up event does the same job
// without a thread: the socket's close, the child's exit and a protocol error all end up there.

import type { GoferConnection } from './connection.js';

export interface GoferHangup {
  /** Why the gofer went away (socket closed, exit status, protocol error). */
  readonly reason: string;
  /** When it was noticed (ms, performance.now()), for the "killed within 100 ms" check. */
  readonly at: number;
}

/**
 * Starts watching `connection`. `onHangup` runs once, synchronously with the hang-up being noticed,
 * unless the returned stop function ran first (the container is being destroyed on purpose).
 */
export function startGoferMonitor(
  connection: GoferConnection,
  onHangup: (h: GoferHangup) => void,
): () => void {
  let active = true;
  const off = connection.onHangup((reason) => {
    if (!active) return;
    active = false;
    onHangup({ reason, at: performance.now() });
  });
  return () => {
    active = false;
    off();
  };
}
