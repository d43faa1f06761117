// The gofers of the containers whose actors live on this thread. Packed placement keeps a
// sandbox's Loader, container, process-group and gofer-monitor actors on one worker, so they share
// a container's one gofer connection through this registry (a connection cannot cross threads: it
// is a socket, or the in-process server itself). Thread-local by construction.

import type { GoferConnection } from './connection.js';
import { InProcessGofer } from './connection.js';
import { ProcessGofer } from './gofer_process.js';
import type { GoferConfig } from './mount_table.js';

/** 'process' (default): a child process per container; 'in-process': density and tests. */
export type GoferMode = 'process' | 'in-process';

/** Connections by container id; owned by whoever started them (the Loader's container setup). */
const gofers = new Map<string, GoferConnection>();

/** Starts the gofer of container `cid` (one per container) and registers it on this thread. */
export async function startContainerGofer(
  cid: string,
  config: GoferConfig,
  mode: GoferMode = 'process',
): Promise<GoferConnection> {
  if (gofers.has(cid)) throw new Error(`container ${cid} already has a gofer`);
  const g = mode === 'in-process' ? new InProcessGofer(config) : await ProcessGofer.start(config);
  gofers.set(cid, g);
  return g;
}

/** The gofer of container `cid` on this thread, if it has one. */
export function containerGofer(cid: string): GoferConnection | undefined {
  return gofers.get(cid);
}

/** Ends container `cid`'s gofer (on destroy): its process, socket, fds and tmpfs go with it. */
export async function stopContainerGofer(cid: string): Promise<void> {
  const g = gofers.get(cid);
  if (!g) return;
  gofers.delete(cid);
  await g.close();
}
