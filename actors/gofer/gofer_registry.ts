// The gofers of the containers whose actors live on this thread. Packed placement keeps a
// sandbox's Loader, container, process-group and gofer-monitor actors on one worker, so they share
// a container's one gofer connection through this registry (a connection cannot cross threads: it
// is a socket, or the in-process server itself). Thread-local by construction.
//
// Keys: opaque strings the Loader makes unique per container it creates (several sandboxes may
// live on one thread, with the same container ids), and hands to its actors to find the gofer.

import type { GoferConnection } from './connection.js';
import { InProcessGofer } from './connection.js';
import { ProcessGofer } from './gofer_process.js';
import { checkMounts, type GoferConfig } from './mount_table.js';
import { OnDemandGofer } from './on_demand_gofer.js';

/**
 * 'process' (default): an attachment to the thread's shared gofer child (gofer_process.ts says
 * why shared); 'in-process': a server on this thread, for density and tests.
 */
export type GoferMode = 'process' | 'in-process';

/**
 * When a 'process' gofer attaches: 'eager' (default), at create, as runsc starts its gofer;
 * 'on-demand', at the first need (on_demand_gofer.ts), which one-shot hosts (`corral run`, `do`)
 * choose so that a program that opens no file never costs a gofer process.
 */
export type GoferStart = 'eager' | 'on-demand';

/** Connections by key; owned by whoever started them (the Loader's container setup). */
const gofers = new Map<string, GoferConnection>();

/** Starts the gofer registered as `key` (one per container) on this thread. */
export async function startContainerGofer(
  key: string,
  config: GoferConfig,
  mode: GoferMode = 'process',
  start: GoferStart = 'eager',
): Promise<GoferConnection> {
  if (gofers.has(key)) throw new Error(`container ${key} already has a gofer`);
  let g: GoferConnection;
  if (mode === 'in-process') g = new InProcessGofer(config);
  else if (start === 'eager') g = await ProcessGofer.start(config);
  else {
    // Bad input is refused now, as an eager attachment would refuse it.
    checkMounts(config);
    g = new OnDemandGofer(config);
  }
  // Checked again after the await: a second start for the same key may have won meanwhile.
  if (gofers.has(key)) {
    await g.close();
    throw new Error(`container ${key} already has a gofer`);
  }
  gofers.set(key, g);
  return g;
}

/** The gofer registered as `key` on this thread, if any. */
export function containerGofer(key: string): GoferConnection | undefined {
  return gofers.get(key);
}

/**
 * Makes sure the gofer registered as `key` is attached (an on-demand one attaches now; any other
 * always is). Rejects with why it could not attach.
 */
export function attachGofer(key: string): Promise<void> {
  const g = gofers.get(key);
  return g instanceof OnDemandGofer ? g.attach() : Promise.resolve();
}

/** Ends the gofer registered as `key` (on destroy): its process, socket, fds and tmpfs go with it. */
export async function stopContainerGofer(key: string): Promise<void> {
  const g = gofers.get(key);
  if (!g) return;
  gofers.delete(key);
  await g.close();
}

/** Gofers registered on this thread now (leak checks). */
export function goferCount(): number {
  return gofers.size;
}
