// The guest execution strategy of this thread. Thread-level infrastructure, like the module cache:
// the warm pool of guest workers is shared by every process-group actor on the thread, so that a
// spawn never waits for a thread to start. Closed by whoever ends the thread's actors.
import { ThreadStrategy, type ThreadStrategyOptions } from '../../platform/thread/thread_strategy.js';

let strategy: ThreadStrategy | null = null;

export function guestStrategy(): ThreadStrategy {
  strategy ??= new ThreadStrategy({ warm: 1 });
  return strategy;
}

/**
 * Makes this thread's strategy now, with `opts`, so that its first worker boots while the caller
 * does other start-up work (`corral run` overlaps it with loading the Loader's modules). No-op when
 * the strategy exists already.
 */
export function prestartGuestStrategy(opts: ThreadStrategyOptions): void {
  strategy ??= new ThreadStrategy(opts);
}

/** Terminates the pool's workers. Any process still running is killed. */
export async function closeGuestStrategy(): Promise<void> {
  const s = strategy;
  strategy = null;
  if (s !== null) await s.close();
}

/** Worker threads the pool holds now (busy and idle); 0 once closed. For leak checks. */
export function guestWorkerCount(): number {
  return strategy?.pool.size ?? 0;
}

/** Workers lent to a running guest now. For leak checks. */
export function guestBusyCount(): number {
  return strategy === null ? 0 : strategy.pool.size - strategy.pool.idleCount;
}
