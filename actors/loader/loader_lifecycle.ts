// Container lifecycle: create, start, destroy (runsc's createContainer, run/startContainer and
// destroyContainer), with their error cases.
import { RequestError } from '../runtime/actor.js';
import type { MessageId } from '../runtime/ids.js';
import { traceLifecycle } from '../trace/thread_trace.js';
import { loadBundle, pidsLimitOf } from './bundle/index.js';
import type { LoaderReply, StdioSpec } from './control_protocol.js';
import type { KNamespace } from './kernel_port.js';
import { initLaunch } from './launch_request.js';
import type { Loader } from './loader.js';
import {
  attachForProgram,
  closeContainerGofer,
  killIfGoferLost,
  openContainerGofer,
  watchContainerGofer,
} from './loader_gofer.js';
import { execKey, type ContainerRecord } from './loader_state.js';
import type { ContainerActorArgs } from './sandbox_messages.js';

const SIGKILL = 9;
const CONTAINER_MODULE = new URL('../container/container_actor.js', import.meta.url).href;

/** Makes a container's slot: its bundle is read and checked now; nothing runs until start. */
export function createContainer(
  l: Loader,
  cid: string,
  bundleDir: string,
  terminal = false,
  stdio?: StdioSpec,
): LoaderReply<'create'> {
  if (l.table.has(execKey(cid, 0))) throw new RequestError(`container "${cid}" already exists`, 'EEXIST');
  let bundle;
  try {
    bundle = loadBundle(bundleDir);
  } catch (e) {
    throw new RequestError((e as Error).message, (e as { code?: string }).code);
  }
  const pidns = bundle.spec.linux?.namespaces.find((n) => n.type === 'pid');
  const rec: ContainerRecord = {
    cid,
    bundle,
    created: Date.now(),
    status: 'created',
    kc: null,
    ns: null,
    pidnsPath: pidns?.path || undefined,
    initPid: 0,
    actor: null,
    gofer: null,
    reason: undefined,
    started: 0,
    exited: 0,
    cpuNsExited: 0,
  };
  // The gofer starts now, as runsc's create starts it, so that its start-up overlaps what comes
  // before `start`; start waits for it and reports why when it could not open the mounts. An
  // on-demand one is attached now only for an init that may use files (loader_gofer.ts).
  rec.gofer = openContainerGofer(l, cid, bundle);
  const program = l.precompileInit(rec);
  if (rec.gofer !== null && program !== null) attachForProgram(rec.gofer, program);
  l.containers.set(cid, rec);
  l.table.set(execKey(cid, 0), {
    cid,
    pid: null,
    pidnsPath: rec.pidnsPath,
    // Its init's stdio when start names none (a terminal handed over at create).
    stdio: stdio ?? { kind: 'null' },
    terminal: terminal || bundle.spec.process.terminal,
  });
  return undefined;
}

/**
 * The PID namespace a starting container's processes live in: the sandbox's root namespace for the
 * root container or a spec without a pid namespace; the namespace of another container whose spec
 * named the same path; otherwise a new child of the root namespace (runsc startContainer).
 */
function namespaceFor(l: Loader, rec: ContainerRecord): KNamespace {
  const wantsOwn = rec.bundle.spec.linux?.namespaces.some((n) => n.type === 'pid') ?? false;
  if (rec.cid === l.args.rootCid || !wantsOwn) return l.kernel.rootNamespace;
  if (rec.pidnsPath !== undefined) {
    for (const other of l.containers.values()) {
      if (other !== rec && other.ns !== null && other.pidnsPath === rec.pidnsPath) return other.ns;
    }
  }
  return l.kernel.newNamespace(l.kernel.rootNamespace);
}

export async function startContainer(
  l: Loader,
  cid: string,
  stdio: StdioSpec | undefined,
  cause?: MessageId,
): Promise<LoaderReply<'start'>> {
  const rec = l.containers.get(cid);
  const entry = l.table.get(execKey(cid, 0));
  if (rec === undefined || entry === undefined) {
    throw new RequestError(`trying to start a deleted container "${cid}"`, 'ENOENT');
  }
  if (rec.status !== 'created' || rec.kc !== null) {
    throw new RequestError(`container "${cid}" is already started (status ${rec.status})`, 'EBUSY');
  }
  const io = stdio ?? (cid === l.args.rootCid ? l.args.rootStdio : entry.stdio);
  rec.ns = namespaceFor(l, rec);
  rec.kc = l.kernel.addContainer(pidsLimitOf(rec.bundle.spec));
  entry.stdio = io;
  rec.status = 'running';
  try {
    if (rec.gofer !== null) await watchContainerGofer(l, cid, rec.gofer);
    const args: ContainerActorArgs = { cid, loader: l.ctx.self.id, gofer: rec.gofer?.key ?? null };
    rec.actor = await l.ctx.spawn({
      module: CONTAINER_MODULE,
      export: 'createContainerActor',
      args,
      name: `container:${cid}`,
    });
    const pid = await l.launch(rec, initLaunch(rec.bundle.spec, io), cause);
    rec.initPid = pid;
    entry.pid = pid;
    // A gofer lost while the init was being launched: its hang-up found nothing to kill then.
    killIfGoferLost(l, cid);
    traceLifecycle({ what: 'container-start', sandbox: l.args.sandboxId, cid, pid });
    return { pid };
  } catch (e) {
    // Nothing ran: the container goes back to "created"-less limbo as runc's does — stopped.
    rec.status = 'stopped';
    rec.reason = (e as Error).message;
    if (rec.actor !== null) l.ctx.stop(rec.actor);
    rec.actor = null;
    // A destroy that ran meanwhile has removed it from the kernel already.
    if (l.containers.get(cid) === rec) l.kernel.removeContainer(rec.kc);
    rec.kc = null;
    throw e;
  }
}

/**
 * SIGKILLs every process of the container, waits until each one's guest has ended (exec'd ones
 * included), then forgets the container. No new process can start meanwhile: starting one is a
 * Loader operation, and the container is marked stopped before the first await.
 */
export async function destroyContainer(l: Loader, cid: string): Promise<LoaderReply<'destroy'>> {
  const rec = l.container(cid);
  if (rec.status !== 'stopped') rec.status = 'stopped';
  rec.reason ??= 'destroyed';
  if (rec.kc !== null) {
    l.kernel.signalContainer(rec.kc, SIGKILL);
    l.applyEvents();
    const mine = [...l.guests.values()].filter((g) => g.cid === cid);
    await Promise.all(mine.map((g) => l.goneOf(g)));
  }
  // A second destroy of the same container may have finished while this one waited.
  if (l.containers.get(cid) === rec) {
    if (rec.actor !== null) l.ctx.stop(rec.actor);
    for (const [key, e] of l.table) if (e.cid === cid) l.table.delete(key);
    for (const [pid, g] of l.guests) if (g.cid === cid) l.guests.delete(pid);
    if (rec.kc !== null) l.kernel.removeContainer(rec.kc);
    l.containers.delete(cid);
    traceLifecycle({ what: 'container-stop', sandbox: l.args.sandboxId, cid, detail: rec.reason });
    // Last, as runsc's destroy: no process of the container is left to call it. Waited for, so
    // that no gofer process or tmpfs directory outlives the reply.
    const g = rec.gofer;
    rec.gofer = null;
    if (g !== null) await closeContainerGofer(l, g);
  }
  return { sandboxEmpty: l.containers.size === 0 };
}
