// A guest's syscall handlers inside a sandbox. Descriptors go through the process's own table
// (process_fds.ts: pipes, dup'ed and inherited fds) to the inner handlers (stdio, files); the calls
// the kernel must decide (corral_v1's process calls, raise, signal delivery) go to the Loader.
import { CorralOp, SigKind } from '../../platform/corral_abi.js';
import { AbortedError } from '../../platform/stdio_ends.js';
import { PipeClosedError } from '../../platform/pipe.js';
import { Errno } from '../../platform/wasi_errno.js';
import { Filetype, Rights, WasiSignal, wasiSignalToLinux, type FdStat } from '../../platform/wasi_types.js';
import {
  fail,
  ok,
  type CallContext,
  type CorralResult,
  type ProcessSyscalls,
  type SyscallResult,
  type SyscallReturn,
} from '../../platform/syscalls.js';
import type { PollEvent, Subscription } from '../../platform/wasi_types.js';
import type { GuestCallReply } from '../loader/sandbox_messages.js';
import { pollWithPipes } from './guest_poll.js';
import { installFileCalls } from './guest_file_calls.js';
import type { InnerHandlers, ProcessFds } from './process_fds.js';
import {
  isDirectProvider,
  type AdoptRecord,
  type DirectFilesProvider,
  type DirectOfferBase,
} from '../../platform/direct_host.js';

const SIGPIPE = 13;
/** For a call that is never interrupted. */
const NEVER = new AbortController().signal;

/** How a guest's process reaches its Loader. */
export interface GuestLink {
  /** A corral_v1 call the kernel decides. */
  call(op: CorralOp, a: number, b: number, c: number, req: Uint8Array): Promise<GuestCallReply>;
  /** The process signals itself (Linux numbering); says whether it died of it. */
  raise(linuxSig: number): Promise<{ terminated: number }>;
}

/** A new image for the process (exec), taken by the process-group actor once the old one ended. */
export interface ExecImage {
  modulePath: string;
  args: string[];
  env: string[];
}

export class GuestSyscalls implements ProcessSyscalls {
  /** Set by a successful exec; the process-group actor takes it. Owned by that actor's thread. */
  private execImage: ExecImage | null = null;
  /** Resolves once dispose released the host resources this process held last. */
  released: Promise<void> = Promise.resolve();

  constructor(
    /** The process's descriptors; owned by this object until dispose (or the next image's). */
    readonly fds: ProcessFds,
    private readonly link: GuestLink,
    /** The module exports corral_signal_entry: it may install handlers. Changes at exec. */
    public handlersAllowed: boolean,
  ) {
    installFileCalls(this, fds);
  }

  /** The image a successful exec asked for (once). */
  takeExec(): ExecImage | null {
    const e = this.execImage;
    this.execImage = null;
    return e;
  }

  fd_write(fd: number, data: Uint8Array, ctx: CallContext): SyscallReturn<number> {
    const d = this.fds.get(fd);
    if (d === undefined || d.kind === 'pipe-r') return fail(Errno.BADF);
    if (d.kind === 'inner') return d.inner.syscalls.fd_write(d.fd, data, ctx);
    try {
      const r = d.end.write(data, ctx.signal);
      return typeof r === 'number' ? ok(r) : r.then(ok, (e: unknown) => this.writeFailed(e));
    } catch (e) {
      return this.writeFailed(e);
    }
  }

  /** A pipe write failed: EINTR when interrupted, EPIPE and SIGPIPE with no reader left. */
  private writeFailed(e: unknown): SyscallReturn<number> {
    if (e instanceof AbortedError) return fail(Errno.INTR);
    if (!(e instanceof PipeClosedError)) throw e;
    // Linux's pipe_write sends SIGPIPE to the writer, then returns EPIPE (if it survives).
    return this.link
      .raise(SIGPIPE)
      .then((r): SyscallResult<number> =>
        r.terminated !== 0 ? { exit: { signal: r.terminated } } : fail(Errno.PIPE),
      );
  }

  fd_read(fd: number, maxBytes: number, ctx: CallContext): SyscallReturn<Uint8Array> {
    const d = this.fds.get(fd);
    if (d === undefined || d.kind === 'pipe-w') return fail(Errno.BADF);
    if (d.kind === 'inner') return d.inner.syscalls.fd_read(d.fd, maxBytes, ctx);
    try {
      const r = d.end.read(maxBytes, ctx.signal);
      if (r instanceof Uint8Array) return ok(r);
      return r.then(ok, (e: unknown) => {
        if (e instanceof AbortedError) return fail(Errno.INTR);
        throw e;
      });
    } catch (e) {
      if (e instanceof AbortedError) return fail(Errno.INTR);
      throw e;
    }
  }

  fd_fdstat_get(fd: number, ctx: CallContext): SyscallReturn<FdStat> {
    const d = this.fds.get(fd);
    if (d === undefined) return fail(Errno.BADF);
    if (d.kind === 'inner') return d.inner.syscalls.fd_fdstat_get(d.fd, ctx);
    // WASI has no FIFO file type; wasmtime reports a pipe as UNKNOWN too. No seek rights: ESPIPE.
    const rw = d.kind === 'pipe-r' ? Rights.FD_READ : Rights.FD_WRITE;
    return ok({
      filetype: Filetype.UNKNOWN,
      flags: 0,
      rightsBase: rw | Rights.POLL_FD_READWRITE,
      rightsInheriting: 0n,
    });
  }

  fd_close(fd: number): SyscallReturn<void> {
    const e = this.fds.close(fd);
    return e === null ? ok(undefined) : fail(e);
  }

  fd_renumber(from: number, to: number): SyscallReturn<void> {
    const e = this.fds.renumber(from, to);
    return e === null ? ok(undefined) : fail(e);
  }

  poll_oneoff(subs: readonly (Subscription | null)[], ctx: CallContext): SyscallReturn<PollEvent[]> {
    return pollWithPipes(this.fds, subs, ctx);
  }

  /** raise(3): the kernel applies the disposition (kernel/signal.c, tgkill to itself). */
  proc_raise(sig: number): SyscallReturn<void> {
    if (sig === WasiSignal.NONE) return ok(undefined);
    const linux = wasiSignalToLinux(sig);
    if (linux === undefined) return fail(Errno.INVAL);
    return this.link
      .raise(linux)
      .then((r) => (r.terminated !== 0 ? { exit: { signal: r.terminated } } : ok(undefined)));
  }

  corral(op: number, a: number, b: number, c: number, req: Uint8Array): SyscallReturn<CorralResult> {
    switch (op as CorralOp) {
      case CorralOp.FD_PIPE: {
        const p = this.fds.pipe();
        if (!Array.isArray(p)) return fail(p);
        const out = new Uint8Array(8);
        const v = new DataView(out.buffer);
        v.setInt32(0, p[0], true);
        v.setInt32(4, p[1], true);
        return ok({ value: 0, data: out });
      }
      case CorralOp.FD_DUP: {
        const fd = this.fds.dup(a);
        return fd < 0 ? fail(-fd as Errno.BADF) : ok({ value: fd });
      }
      case CorralOp.FD_DUP2: {
        const e = this.fds.dup2(a, b);
        return e === null ? ok({ value: b }) : fail(e);
      }
      case CorralOp.TTY_GET_PGRP:
      case CorralOp.TTY_SET_PGRP:
        return this.terminalCall(op, a, b, c, req);
      case CorralOp.PROC_SIGACTION:
        // The host can only run handlers through the module's exported entry point.
        if (b !== 0 && req.length >= 4 && req[0] === SigKind.HANDLER && !this.handlersAllowed) {
          return fail(Errno.INVAL);
        }
        break;
      default:
        break;
    }
    return this.link.call(op, a, b, c, req).then((r): SyscallResult<CorralResult> => {
      if (r.exitSignal !== undefined) return { exit: { signal: r.exitSignal } };
      if (r.exec !== undefined) {
        // The old image ends here; the actor starts the new one under the same pid and fds.
        this.execImage = r.exec;
        return { exit: { code: 0 } };
      }
      if (r.errno !== Errno.SUCCESS) return fail(r.errno as Errno.INVAL);
      return ok(r.data === undefined ? { value: r.value } : { value: r.value, data: r.data });
    });
  }

  /** tcgetpgrp/tcsetpgrp: ENOTTY unless `fd` is a terminal (a character device); the Loader decides. */
  private terminalCall(
    op: number,
    a: number,
    b: number,
    c: number,
    req: Uint8Array,
  ): SyscallReturn<CorralResult> {
    const d = this.fds.get(a);
    if (d === undefined) return fail(Errno.BADF);
    if (d.kind !== 'inner') return fail(Errno.NOTTY);
    const st = d.inner.syscalls.fd_fdstat_get(d.fd, { signal: NEVER });
    return Promise.resolve(st).then(async (r): Promise<SyscallResult<CorralResult>> => {
      if (!('value' in r) || r.value.filetype !== Filetype.CHARACTER_DEVICE) return fail(Errno.NOTTY);
      const x = await this.link.call(op, a, b, c, req);
      return x.errno !== Errno.SUCCESS ? fail(x.errno as Errno.INVAL) : ok({ value: x.value });
    });
  }

  /** The inner handlers whose files the guest may serve itself; found once (directOffer). */
  private filesInner: (InnerHandlers & { syscalls: DirectFilesProvider }) | null | undefined;

  directOffer(): DirectOfferBase | undefined {
    if (this.filesInner === undefined) {
      this.filesInner = null;
      for (const fd of this.fds.fds()) {
        const d = this.fds.get(fd);
        if (d?.kind === 'inner' && isDirectProvider(d.inner.syscalls)) {
          this.filesInner = d.inner as InnerHandlers & { syscalls: DirectFilesProvider };
          break;
        }
      }
    }
    const files = this.filesInner;
    const m = files?.syscalls.directMounts();
    if (files === null || files === undefined || m === undefined) return undefined;
    return { ...m, map: this.fds.directMap(files) };
  }

  fd_adopt(rec: AdoptRecord): SyscallReturn<void> {
    const files = this.filesInner;
    if (files === null || files === undefined || this.fds.get(rec.fd) !== undefined) return fail(Errno.BADF);
    const r = files.syscalls.adopt(rec);
    const put = (innerFd: number): SyscallResult<void> => {
      if (innerFd < 0) return fail(-innerFd as Errno.IO);
      this.fds.addInnerAt(files, innerFd, rec.fd);
      return ok(undefined);
    };
    return typeof r === 'number' ? put(r) : r.then(put);
  }

  dispose(): void {
    // After exec the descriptors live on in the new image.
    if (this.execImage !== null) return;
    this.released = this.fds.closeAll();
  }
}
