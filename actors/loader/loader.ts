// The Loader of one sandbox: its process table, its containers, and the kernel it owns. This file
// holds the state and what every operation shares (lookups, launching a guest, acting on kernel
// events); the operations themselves are in loader_lifecycle.ts, loader_exec.ts, loader_signal.ts and
// loader_info.ts. Everything here runs inside the Loader actor's message handler.
import { errnoName } from '../../kernel-core/binding/index.js';
import { RequestError, type ActorContext } from '../runtime/actor.js';
import type { ActorRef, MessageId } from '../runtime/ids.js';
import { loadModule } from '../../platform/module.js';
import { traceLifecycle } from '../trace/thread_trace.js';
import { resolveEnv, resolveExecutable } from './bundle/index.js';
import type { LoaderArgs, WaitResult } from './control_protocol.js';
import type { KCredentials, KEvent, LoaderKernel } from './kernel_port.js';
import { initProgram, type LaunchRequest } from './launch_request.js';
import { decodeWaitStatus, type ContainerRecord, type ExecEntry, type GuestEntry } from './loader_state.js';
import { MSG, type GuestExited, type KillGuest, type RunGuest } from './sandbox_messages.js';
import { GuestCalls, interruptGuest } from './loader_guest_calls.js';
import { attachTerminal } from './loader_terminal.js';

export class Loader {
  /** Containers by id. Owned by the Loader actor. */
  readonly containers = new Map<string, ContainerRecord>();
  /** runsc's `processes`: execKey(cid, pid) → entry; pid 0 is the container's init. */
  readonly table = new Map<string, ExecEntry>();
  /** Every guest process started, by root-namespace pid, until its container is destroyed. */
  readonly guests = new Map<number, GuestEntry>();
  /** Guests' parked calls and timers (loader_guest_calls.ts). Owned by the Loader actor. */
  readonly calls: GuestCalls = new GuestCalls(this);

  constructor(
    readonly args: LoaderArgs,
    readonly ctx: ActorContext,
    readonly kernel: LoaderKernel,
  ) {}

  /** runsc's tryThreadGroupFromIDLocked: the container must exist. */
  container(cid: string): ContainerRecord {
    const rec = this.containers.get(cid);
    if (rec === undefined) throw new RequestError(`container "${cid}" not found`, 'ENOENT');
    return rec;
  }

  /** runsc's threadGroupFromID: the container must exist and have started. */
  startedContainer(cid: string): ContainerRecord & { initPid: number } {
    const rec = this.container(cid);
    if (rec.initPid === 0) throw new RequestError(`container "${cid}" not started`, 'ESRCH');
    return rec;
  }

  /**
   * Starts one guest: a kernel process first (so limits apply), then the guest on the platform.
   * `cause` is the control request that asked for it, so that traces link what follows to it.
   */
  async launch(rec: ContainerRecord, req: LaunchRequest, cause?: MessageId): Promise<number> {
    if (rec.kc === null || rec.ns === null || rec.actor === null) {
      throw new RequestError(`container "${rec.cid}" not started`, 'ESRCH');
    }
    const env = resolveEnv(req.env, { uid: req.user.uid });
    let hostPath: string;
    try {
      hostPath = programOf(rec, req, env);
      // Validates and compiles now, so that a broken module is this request's error, with its path.
      await loadModule(hostPath);
    } catch (e) {
      // Bad input (a missing or invalid executable) refuses the request; it never ends the Loader.
      throw new RequestError((e as Error).message, (e as { code?: string }).code);
    }
    if (this.containers.get(rec.cid) !== rec || rec.kc === null) {
      throw new RequestError(`container "${rec.cid}" has stopped`, 'ESRCH');
    }
    const creds: KCredentials = {
      uid: req.user.uid,
      gid: req.user.gid,
      groups: req.user.additionalGids,
      caps: req.caps,
    };
    const spawned = this.kernel.spawnOrphan(rec.kc, rec.ns, creds, req.rlimits);
    if (!spawned.ok) {
      throw new RequestError(
        `cannot start ${req.args[0]} in container "${rec.cid}": ${errnoName(spawned.errno)}`,
        errnoName(spawned.errno),
      );
    }
    const pid = spawned.value;
    attachTerminal(this.kernel, pid, req.stdio);
    const entry = this.register(rec, pid, req.args, req.execd);
    const run: RunGuest = { pid, modulePath: hostPath, args: req.args, env, stdio: req.stdio };
    try {
      const { group } = await this.ctx.request<{ group: ActorRef }>(rec.actor, MSG.spawnGroup, run, {
        timeoutMs: 0,
        ...(cause !== undefined ? { cause } : {}),
      });
      entry.group = group;
      // The kernel may have decided its death while the guest was starting (destroy, kill --all).
      if (entry.killedBy !== 0)
        this.ctx.send(group, MSG.kill, { pid, sig: entry.killedBy } satisfies KillGuest);
    } catch (e) {
      // The guest never ran: it exits as a command that could not be executed would.
      this.guestExited({ pid, code: 127, fault: (e as Error).message });
      // The request's error, not the Loader's: what crossed from the container actor is a plain
      // remote error, and rethrown as it is, it ended the Loader (and its sandbox) for bad input
      // such as a stdio path that cannot be opened.
      throw new RequestError((e as Error).message, (e as { code?: string }).code);
    }
    return pid;
  }

  /**
   * Starts reading and compiling a container's init program at create, so that `start` finds it
   * compiled (or compiling) in the module cache: start waits for the gofer first, and the compile
   * (~20-30 ms for a small program here: its loops instrumented, then V8's compile) then overlapped
   * nothing. Errors are left for launch, which meets them again and refuses the start with them
   * (the cache keeps no failed compile). Returns the program's host path, or null when there is
   * none to find.
   */
  precompileInit(rec: ContainerRecord): string | null {
    const program = initProgram(rec.bundle);
    if (program !== null) void loadModule(program).catch(() => undefined);
    return program;
  }

  /**
   * Records a guest the kernel just made (before it runs, so that its first syscall finds its trace
   * track, as Linux's fork comes before exec).
   */
  register(rec: ContainerRecord, pid: number, args: readonly string[], execd: boolean): GuestEntry {
    const entry: GuestEntry = {
      pid,
      cid: rec.cid,
      cmd: args.join(' '),
      started: Date.now(),
      execd,
      group: null,
      status: null,
      gone: false,
      killedBy: 0,
      exitWaiters: [],
      goneWaiters: [],
      reaped: false,
    };
    this.guests.set(pid, entry);
    rec.started++;
    const k = this.kernel.process(pid);
    traceLifecycle({
      what: 'process-start',
      cid: rec.cid,
      pid,
      ppid: k?.ppid ?? 0,
      pgid: k?.pgid ?? pid,
      sid: k?.sid ?? pid,
      cmd: entry.cmd,
      ...(execd ? { detail: 'exec' } : {}),
    });
    return entry;
  }

  /** A process-group actor reports that a guest ended. */
  guestExited(msg: GuestExited): void {
    const g = this.guests.get(msg.pid);
    if (g === undefined || g.gone) return;
    g.gone = true;
    const rec = this.containers.get(g.cid);
    if (rec !== undefined) {
      rec.exited++;
      rec.cpuNsExited += msg.cpuNs ?? 0;
    }
    // When the kernel decided the death (Terminate), the process is already a zombie there.
    if (g.killedBy === 0 && g.status === null) {
      if (msg.code !== undefined) this.kernel.exit(msg.pid, msg.code);
      else this.kernel.exitBySignal(msg.pid, msg.signal ?? 9);
      this.applyEvents();
    }
    // The guest's thread has ended: what the kernel recorded is its wait status (Linux: exit_notify).
    const st = g.status ?? (msg.code !== undefined ? { exitCode: msg.code } : { signal: msg.signal ?? 9 });
    traceLifecycle({
      what: 'process-exit',
      cid: g.cid,
      pid: msg.pid,
      ...(st.signal !== undefined ? { signal: st.signal } : { code: st.exitCode ?? 0 }),
      ...(msg.fault !== undefined ? { detail: msg.fault } : {}),
    });
    for (const w of g.goneWaiters.splice(0)) w();
    this.dropIfDone(g);
  }

  /**
   * A guest spawned by another guest is forgotten once its parent reaped it and its thread ended:
   * a shell running thousands of commands must not grow the table. Inits and exec'd processes stay
   * until their container goes (the host may still ask for their status).
   */
  private dropIfDone(g: GuestEntry): void {
    if (!g.gone || !g.reaped || g.execd || this.containers.get(g.cid)?.initPid === g.pid) return;
    if (this.guests.get(g.pid) === g) this.guests.delete(g.pid);
  }

  /** Acts on what the kernel decided: halt guests, record exits, wake waiters. */
  applyEvents(): void {
    for (const ev of this.kernel.drainEvents()) this.applyEvent(ev);
  }

  private applyEvent(ev: KEvent): void {
    switch (ev.kind) {
      case 'terminate': {
        const g = this.guests.get(ev.pid);
        if (g === undefined || g.gone) return;
        g.killedBy = ev.sig;
        if (g.group !== null)
          this.ctx.send(g.group, MSG.kill, { pid: ev.pid, sig: ev.sig } satisfies KillGuest);
        return;
      }
      case 'exited': {
        const g = this.guests.get(ev.pid);
        if (g === undefined) return;
        g.status = decodeWaitStatus(ev.status);
        // Container inits and exec'd processes have no parent in the sandbox: the host reaps them at
        // once and keeps their status here, as runsc's Loader keeps the thread group's exit status.
        const p = this.kernel.process(ev.pid);
        if (p !== null && p.ppid === 0) this.kernel.reapOrphan(ev.pid);
        const rec = this.containers.get(g.cid);
        if (rec !== undefined && rec.initPid === ev.pid && rec.status !== 'stopped') rec.status = 'stopped';
        this.calls.forget(ev.pid);
        for (const w of g.exitWaiters.splice(0)) w(g.status);
        return;
      }
      case 'signal-pending':
        interruptGuest(this, ev.pid);
        this.calls.onEvent(ev);
        return;
      case 'reaped': {
        const g = this.guests.get(ev.pid);
        if (g === undefined) return;
        g.reaped = true;
        this.dropIfDone(g);
        return;
      }
      case 'child-changed':
      case 'continue':
        this.calls.onEvent(ev);
        return;
      case 'container-empty': {
        for (const rec of this.containers.values()) {
          if (rec.kc === ev.container && rec.status === 'running') rec.status = 'stopped';
        }
        return;
      }
      // A stop takes effect at the guest's next syscall boundary (SIGNAL_NEXT parks it there).
      default:
        return;
    }
  }

  /** Resolves with the process's wait status once it has exited. */
  exitOf(g: GuestEntry): Promise<WaitResult> {
    if (g.status !== null) return Promise.resolve(g.status);
    return new Promise((resolve) => g.exitWaiters.push(resolve));
  }

  /** Resolves once the guest's thread has ended. */
  goneOf(g: GuestEntry): Promise<void> {
    if (g.gone) return Promise.resolve();
    return new Promise((resolve) => g.goneWaiters.push(resolve));
  }
}

/** The host path of the program `req` runs in `rec`'s root filesystem; throws when there is none. */
function programOf(rec: ContainerRecord, req: LaunchRequest, env: readonly string[]): string {
  return resolveExecutable(rec.bundle.rootfs, req.args[0]!, { env, cwd: req.cwd }).hostPath;
}
