// A container's gofer as the Loader runs it: started when the container is created (runsc's
// `create` starts the gofer process next to the sandbox), watched by a gofer-monitor actor from
// start on (runsc's startGoferMonitor), ended on destroy or when the sandbox stops.
//
// Where the connection lives. A gofer connection is a host resource (an attachment to the thread's
// shared gofer child over its socketpair, or the in-process server) and cannot cross threads, while
// actors share nothing.
// The Loader opens it on its own thread and registers it under a key unique to this container
// (gofer_registry.ts); the key is plain data, passed in ContainerActorArgs and ProcessGroupActorArgs,
// and each actor that needs the files looks the connection up on its own thread. Packed placement,
// the default, keeps a sandbox's Loader, container, process-group and gofer-monitor actors on one
// thread, so every lookup finds it; a process-group actor placed on another thread finds no
// connection there and fails its spawn with a clear error (a placement fault, never a guest
// without its files). Serving dedicated threads would take a gofer that accepts one connection per
// thread (a listening socket whose path replaces the key): the protocol allows it, the child does
// not do it yet.
//
// tmpfs mounts are backed by private temp directories the Loader makes and removes, so that a
// gofer killed with SIGKILL leaves none behind. proc, sysfs, devpts, mqueue... are not files a
// gofer serves (the kernel core will synthesise them); goferConfigFromOci skips them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GoferConnection } from '../gofer/connection.js';
import type { GoferHangupReport, GoferMonitorArgs } from '../gofer/gofer_monitor_actor.js';
import { startContainerGofer, stopContainerGofer, type GoferMode } from '../gofer/gofer_registry.js';
import { goferConfigFromOci, type GoferConfig, type MountSpec } from '../gofer/mount_table.js';
import { OnDemandGofer } from '../gofer/on_demand_gofer.js';
import { programMayUseFiles } from '../../platform/wasm_imports.js';
import { RequestError } from '../runtime/actor.js';
import type { ActorRef } from '../runtime/ids.js';
import { traceLifecycle } from '../trace/thread_trace.js';
import type { Bundle } from './bundle/index.js';
import type { Loader } from './loader.js';

const SIGKILL = 9;
const MONITOR_MODULE = new URL('../gofer/gofer_monitor_actor.js', import.meta.url).href;

/** One container's gofer, owned by its ContainerRecord (and so by the Loader actor). */
export interface ContainerGofer {
  /** Registry key on the Loader's thread; unique for the life of the thread. */
  readonly key: string;
  /** Settles once the gofer has opened its mounts; rejects with why it could not. */
  readonly ready: Promise<GoferConnection>;
  /** tmpfs backing directories made for it, removed when it is closed. */
  readonly scratch: string[];
  /** The gofer-monitor actor, from start until destroy. */
  monitor: ActorRef | null;
  /** Why the gofer went away, once its monitor said so; its container may run no process since. */
  lost: string | undefined;
}

/** Keys made so far on this thread (a new container with an old id gets a new key). */
let nextKey = 1;
/** Closes in flight on this thread, so that a sandbox host can wait for them before it exits. */
const closing = new Set<Promise<void>>();

/** The gofer configuration of a bundle: its rootfs as '/', then its bind and tmpfs mounts. */
function configOf(bundle: Bundle, scratch: string[]): GoferConfig {
  const base = goferConfigFromOci(
    { path: bundle.rootfs, readonly: bundle.spec.root.readonly },
    bundle.spec.mounts,
    bundle.dir,
  );
  const mounts = base.mounts.map((m): MountSpec => {
    if (m.hostPath !== null) return m;
    const dir = mkdtempSync(join(tmpdir(), 'corral-tmpfs-'));
    scratch.push(dir);
    return { ...m, hostPath: dir };
  });
  return { mounts };
}

/** Starts the gofer of a container being created; `ready` says when it serves. */
export function openContainerGofer(l: Loader, cid: string, bundle: Bundle): ContainerGofer {
  const key = `${l.args.sandboxId}\u0000${cid}\u0000${nextKey++}`;
  const scratch: string[] = [];
  const mode: GoferMode = l.args.gofer ?? 'process';
  let ready: Promise<GoferConnection>;
  try {
    ready = startContainerGofer(key, configOf(bundle, scratch), mode, l.args.goferStart);
  } catch (e) {
    ready = Promise.reject(e as Error);
  }
  // Nobody may await it before start; its failure is reported then, not as an unhandled rejection.
  ready.catch(() => undefined);
  return { key, ready, scratch, monitor: null, lost: undefined };
}

/**
 * An on-demand gofer (LoaderArgs.goferStart) is attached now when `program`, the init's, may use
 * files: at create, as the eager mode attaches, so that it overlaps the rest of the start and the
 * init finds it attached. A failure is the start's to report (the init's spawn waits for it).
 */
export function attachForProgram(g: ContainerGofer, program: string): void {
  void g.ready
    .then((conn) => {
      if (conn instanceof OnDemandGofer && programMayUseFiles(program)) return conn.attach();
      return undefined;
    })
    .catch(() => undefined);
}

/**
 * At container start: waits for the gofer, then starts its monitor next to the Loader (packed: the
 * monitor finds the connection in this thread's registry). Throws why the gofer could not start.
 */
export async function watchContainerGofer(l: Loader, cid: string, g: ContainerGofer): Promise<void> {
  try {
    await g.ready;
  } catch (e) {
    // Bad input (a missing mount source...) refuses the start; it never ends the Loader.
    throw new RequestError(`container "${cid}": gofer: ${(e as Error).message}`, 'EIO');
  }
  const args: GoferMonitorArgs = { cid, key: g.key, loader: l.ctx.self.id };
  g.monitor = await l.ctx.spawn({
    module: MONITOR_MODULE,
    export: 'createGoferMonitorActor',
    args,
    name: `gofer-monitor:${cid}`,
  });
}

/**
 * Ends a container's gofer: its monitor first (a deliberate close is no failure), then the gofer
 * (its process exits and is waited for), then the tmpfs directories. Never throws.
 */
export function closeContainerGofer(l: Loader, g: ContainerGofer): Promise<void> {
  if (g.monitor !== null) {
    l.ctx.stop(g.monitor);
    g.monitor = null;
  }
  const done = (async () => {
    await g.ready.catch(() => undefined);
    await stopContainerGofer(g.key).catch(() => undefined);
    removeScratch(g);
  })();
  closing.add(done);
  void done.finally(() => closing.delete(done));
  return done;
}

/** Removes the tmpfs directories now (the sandbox is stopping and may exit before a close ends). */
export function removeScratch(g: ContainerGofer): void {
  for (const d of g.scratch.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Resolves once every gofer close begun on this thread has finished (sandbox host shutdown). */
export async function settleGofers(): Promise<void> {
  while (closing.size > 0) await Promise.all([...closing]);
}

/**
 * The gofer-monitor actor reports that a container's gofer went away: as runsc does on POLLHUP,
 * every process of the container still running is SIGKILLed, and the reason is kept for `state`,
 * `list` and `events` (ContainerSummary.reason, ContainerStats.reason) and traced.
 */
export function goferHangup(l: Loader, r: GoferHangupReport): void {
  const g = l.containers.get(r.cid)?.gofer;
  // A container destroyed meanwhile (its gofer closed on purpose), or an older one with the same id.
  if (g === undefined || g === null || g.key !== r.key) return;
  g.lost = r.reason;
  killIfGoferLost(l, r.cid);
}

/**
 * SIGKILLs every live process of container `cid` if its gofer is gone. Also called once a starting
 * container's init exists, for a gofer lost while it was being launched.
 */
export function killIfGoferLost(l: Loader, cid: string): void {
  const rec = l.containers.get(cid);
  const lost = rec?.gofer?.lost;
  if (rec === undefined || lost === undefined || rec.kc === null) return;
  const live = l.kernel.processes(rec.kc).filter((p) => p.state !== 'zombie');
  // runsc: "the gofer could have been stopped due to a normal container shutdown".
  if (live.length === 0) return;
  rec.reason ??= `gofer failed (${lost}): container killed`;
  l.kernel.signalContainer(rec.kc, SIGKILL);
  for (const p of live)
    traceLifecycle({ what: 'signal', cid, pid: p.pid, signal: SIGKILL, sender: 0, detail: 'gofer' });
  l.applyEvents();
}
