// The Loader's kernel port over kernel-core's binding. One KernelCore (one wasm instance) per thread
// hosts the kernels of every sandbox whose Loader lives on that thread: a wasm memory is 64 KiB at
// least, and a sandbox's kernel state is a few KiB (kernel-core/README.md).
import {
  KernelCore,
  ProcState,
  Rlimit,
  capabilitySet,
  type ContainerHandle,
  type Kernel,
  type NsId,
  type Pid,
} from '../../kernel-core/binding/index.js';
import type { KContainer, KEvent, KNamespace, KProcess, KResult, LoaderKernel } from './kernel_port.js';

let core: KernelCore | null = null;

function threadCore(): KernelCore {
  core ??= new KernelCore();
  return core;
}

const STATE: Record<number, KProcess['state']> = {
  [ProcState.Running]: 'running',
  [ProcState.Stopped]: 'stopped',
  [ProcState.Zombie]: 'zombie',
};

function unitOf(r: { ok: boolean; errno?: number }): KResult<void> {
  return r.ok
    ? { ok: true, value: undefined }
    : { ok: false, errno: (r as { errno: number }).errno as never };
}

function nsPid(k: Kernel, pid: Pid): number {
  const r = k.getpid(pid);
  return r.ok ? r.value : pid;
}

export function openSandboxKernel(): LoaderKernel {
  const k: Kernel = threadCore().createKernel();
  return {
    rootNamespace: k.rootNs as number as KNamespace,
    guestKernel: k,
    newNamespace(parent) {
      const r = k.nsCreate(parent as number as NsId);
      if (!r.ok) throw new Error(`kernel: cannot create a PID namespace: errno ${r.errno}`);
      return r.value as number as KNamespace;
    },
    addContainer: (limit) => k.registerContainer(limit) as number as KContainer,
    removeContainer(c) {
      k.unregisterContainer(c as number as ContainerHandle);
    },
    spawnOrphan(c, ns, creds, rlimits) {
      const r = k.spawnInit(c as number as ContainerHandle, ns as number as NsId, {
        uid: creds.uid,
        gid: creds.gid,
      });
      if (!r.ok) return r;
      const pid = r.value.pid;
      k.setgroups(pid, creds.groups);
      // The spec's names were validated with the bundle; the kernel numbers them as capability.h.
      const caps = capabilitySet(creds.caps).set;
      k.setCaps(pid, caps, caps);
      for (const l of rlimits) {
        const res = (Rlimit as Record<string, number>)[l.resource] ?? -1;
        // A limit above 2^63 is RLIM_INFINITY, as runc writes it (the spec's numbers are u64).
        const v = (x: number): bigint =>
          x < 0 || x >= 2 ** 63 ? 0xffff_ffff_ffff_ffffn : BigInt(Math.floor(x));
        if (res >= 0) k.prlimit(null, pid, res, { cur: v(l.soft), max: v(l.hard) });
      }
      return { ok: true, value: pid as number };
    },
    exit(pid, code) {
      k.exit(pid as Pid, code);
    },
    exitBySignal(pid, sig) {
      k.exitSignaled(pid as Pid, sig);
    },
    signalProcess: (pid, sig) => unitOf(k.kill(null, pid, sig)),
    raiseSelf: (pid, sig) => unitOf(k.tkill(pid as Pid, pid, sig)),
    signalGroup: (pgid, sig) => unitOf(k.kill(null, -pgid, sig)),
    signalContainer(c, sig) {
      k.killContainer(c as number as ContainerHandle, sig);
    },
    reapOrphan(pid) {
      const r = k.waitpid(null, pid, 1 /* WNOHANG */);
      if (!r.ok) return r;
      return { ok: true, value: r.value.status };
    },
    process(pid) {
      const r = k.procInfo(pid as Pid);
      if (!r.ok) return null;
      const p = r.value;
      return {
        pid,
        ppid: p.ppid,
        pgid: p.pgid,
        sid: p.sid,
        uid: p.uid,
        nspid: p.nr,
        state: STATE[p.state] ?? 'running',
        container: p.container as number as KContainer,
      };
    },
    processes(c) {
      return k.ps(c as number as ContainerHandle).map((row) => ({
        pid: row.pid,
        ppid: row.ppid,
        pgid: row.pgid,
        sid: row.sid,
        uid: row.uid,
        nspid: nsPid(k, row.pid),
        state: STATE[row.state] ?? 'running',
        container: row.container as number as KContainer,
      }));
    },
    foregroundGroup(pid) {
      const r = k.ttyForeground(pid as Pid);
      return r.ok && r.value.pgid > 0 ? r.value.pgid : null;
    },
    pause: () => k.pause(),
    resume: () => k.resume(),
    isPaused: () => k.isPaused(),
    drainEvents() {
      if (k.pendingEvents === 0) return [];
      return k.drainEvents().map((e): KEvent => {
        switch (e.kind) {
          case 'ProcessExited':
            return { kind: 'exited', pid: e.pid, status: e.status };
          case 'Reaped':
            return { kind: 'reaped', pid: e.pid };
          case 'Terminate':
            return { kind: 'terminate', pid: e.pid, sig: e.sig };
          case 'Stop':
            return { kind: 'stop', pid: e.pid, sig: e.sig };
          case 'Continue':
            return { kind: 'continue', pid: e.pid };
          case 'SignalPending':
            return { kind: 'signal-pending', pid: e.pid };
          case 'ChildStateChanged':
            return { kind: 'child-changed', parent: e.parent };
          case 'ContainerEmpty':
            return { kind: 'container-empty', container: e.container as number as KContainer };
          default:
            return { kind: 'other' };
        }
      });
    },
    destroy: () => k.destroy(),
  };
}
