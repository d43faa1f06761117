// The control socket of a sandbox host: nanomsg REQ/REP over `ipc://`, JSON frames (control_wire.ts).
// The CLI is its client, as runsc's commands are clients of the sandbox's urpc controller.
//
// Why this shape. A nanomsg REP socket serves one request at a time: it keeps the return route of the
// last request only, and the Node binding stops reading after each request until the reply is sent.
// Raw REP (AF_SP_RAW) would allow many requests in flight, but it needs the SP header that only
// nn_recvmsg returns, and the `nanomsg` package reads with nn_recv (which drops it) and does not even
// poll raw sockets. Yet `wait` may take forever while other clients must still `exec` and `kill`.
// So the server answers every request on the shared socket within a short grace period: with the
// result when the operation settles in time (almost every operation), else with `pending: address`,
// having bound a fresh REP socket at that address for this one operation. The client then asks that
// address for the result, and acknowledges it once it has it; the socket is closed (and its file
// removed) on that acknowledgement. Every reply on the shared socket is thus quick, so REQ's 60 s
// automatic resend never fires there.
//
// Why the acknowledgement. The per-operation socket used to close as soon as it had sent its one
// reply. Under heavy load a client sometimes never got that reply: a `corral start` hung for its
// whole 30 s deadline, its host alive and idle, the reply socket closed after replying (no
// "dropped" in the log) and gone, and the client's REQ socket reconnecting to it again and again.
// What explains it: nanomsg routes a REP reply to the connection its request came on and drops it
// silently when that connection is gone, while a REQ whose connection went away sends its request
// again on the next one; with the socket closed there was no next one. Now the socket answers
// every collect request with the same settled outcome until the client says it has the reply (or
// the collect deadline passes, or the server closes), so a request sent again is answered again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodedError, fromWireError, toWireError, type WireError } from './errors.js';
import {
  closeAfterFlush,
  encode,
  ipcPath,
  MAX_FRAME_BYTES,
  nanomsg,
  type NanoSocket,
  type ReplyFrame,
  type RequestFrame,
} from './control_wire.js';

export type ControlHandler = (req: { op: string } & Record<string, unknown>) => Promise<unknown>;

export interface ServeOptions {
  /** How long an operation may run before its reply moves to its own socket; default 25 ms. */
  graceMs?: number;
  /**
   * How long a pending reply waits for its client to ask for it, and then to acknowledge it;
   * default 30 s (then it is dropped).
   */
  collectTimeoutMs?: number;
  /** Diagnostic messages (malformed frames, dropped replies). */
  log?: (msg: string) => void;
  /** How long close() waits for replies just sent to be acknowledged; default CLOSE_GRACE_MS. */
  closeGraceMs?: number;
}

export interface ControlServer {
  /** The `ipc://` address served; immutable. */
  readonly address: string;
  /** Stops serving: closes every socket and removes their files. Idempotent. */
  close(): Promise<void>;
}

class FrameError extends Error {
  readonly code = 'EINVAL';
  constructor(message: string) {
    super(message);
    this.name = 'ControlFrameError';
  }
}

function parseRequest(buf: Buffer): { id: number; req: { op: string } & Record<string, unknown> } {
  if (buf.length > MAX_FRAME_BYTES) throw new FrameError(`control request too large (${buf.length} bytes)`);
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new FrameError('malformed control request: not JSON');
  }
  const f = v as { id?: unknown; req?: unknown };
  if (typeof f !== 'object' || f === null || !Number.isSafeInteger(f.id)) {
    throw new FrameError('malformed control request: needs an integer "id"');
  }
  const req = f.req as { op?: unknown } | null;
  if (typeof req !== 'object' || req === null || typeof req.op !== 'string') {
    throw new FrameError(
      `malformed control request ${String(f.id)}: "req" must be an object with a string "op"`,
    );
  }
  return { id: f.id as number, req: req as { op: string } & Record<string, unknown> };
}

/** True for a client's acknowledgement of a pending reply ({id, ack: true}). */
function isAck(buf: Buffer): boolean {
  try {
    return (JSON.parse(buf.toString('utf8')) as { ack?: unknown }).ack === true;
  } catch {
    return false;
  }
}

/** The id of a frame when it can be read, so that even an error reply names the request. */
function idOf(buf: Buffer): number {
  try {
    const id = (JSON.parse(buf.toString('utf8')) as { id?: unknown }).id;
    return Number.isSafeInteger(id) ? (id as number) : 0;
  } catch {
    return 0;
  }
}

function bindRep(address: string): NanoSocket {
  const sock = nanomsg().socket('rep');
  let err: Error | undefined;
  sock.on('error', (e) => (err = e));
  const eid = sock.bind(address);
  if (eid === null || eid < 0 || err !== undefined) {
    sock.close();
    throw new Error(`cannot serve control socket ${address}: ${err?.message ?? 'bind failed'}`);
  }
  return sock;
}

/**
 * How long close() lets clients collect and acknowledge replies that are already settled. The wait
 * ends at the last acknowledgement; the bound only matters for a client that went away. A client
 * on a loaded machine may need more than a second to connect to a reply socket.
 */
const CLOSE_GRACE_MS = 5000;
/**
 * A reply sent this long before close() has left the host (nanomsg writes it within a
 * millisecond or so): close() need not wait for its acknowledgement. Such a wait was what made
 * `corral delete` take 1-6 s after a `corral wait` whose acknowledgement was lost (its client had
 * exited): the wait's reply socket held the host for the whole grace.
 */
const SENT_MS = 100;
/** How long a client waits for its acknowledgement to be taken (the reply socket to go). */
const ACK_WAIT_MS = 200;

/** A reply on its own socket, owned by the server that made it. */
interface PendingReply {
  /** Resolves once the socket is closed (its reply acknowledged, or dropped). */
  readonly settled: Promise<void>;
  /** Closes it now. */
  readonly finish: () => void;
  /** performance.now() when its reply was last sent; null while none was. */
  sentAt: number | null;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: WireError };

/** Serves `handler` at `address` (ipc://…). Throws when the address cannot be bound. */
export function serveControl(
  address: string,
  handler: ControlHandler,
  opts: ServeOptions = {},
): ControlServer {
  const graceMs = opts.graceMs ?? 25;
  const collectTimeoutMs = opts.collectTimeoutMs ?? 30_000;
  const log = opts.log ?? ((): void => undefined);
  const closeGraceMs = opts.closeGraceMs ?? CLOSE_GRACE_MS;
  const dir = path.dirname(ipcPath(address));
  // All owned by this server (the thread that called serveControl).
  const main = bindRep(address);
  /** Per-operation reply sockets. */
  const pending = new Map<NanoSocket, PendingReply>();
  let nextPending = 0;
  let closed = false;

  const run = (req: { op: string } & Record<string, unknown>): Promise<Outcome> =>
    Promise.resolve()
      .then(() => handler(req))
      .then(
        (value): Outcome => ({ ok: true, value: value ?? null }),
        (e): Outcome => ({ ok: false, error: toWireError(e) }),
      );

  const frameOf = (id: number, o: Outcome): ReplyFrame =>
    o.ok ? { id, ok: true, value: o.value } : { id, ok: false, error: o.error };

  /**
   * Moves an operation's reply to its own socket; returns that socket's address. The socket answers
   * each collect request with the outcome, and closes on the client's acknowledgement.
   */
  const deferReply = (id: number, outcome: Promise<Outcome>): string => {
    const addr = `ipc://${path.join(dir, `reply-${process.pid}-${nextPending++}.sock`)}`;
    const sock = bindRep(addr);
    let done!: () => void;
    const settled = new Promise<void>((r) => (done = r));
    const finish = (): void => {
      clearTimeout(drop);
      if (!sock.closed) sock.close();
      pending.delete(sock);
      done();
    };
    const entry: PendingReply = { settled, finish, sentAt: null };
    const expire = (): void => {
      log(
        entry.sentAt !== null
          ? `control: the reply to request ${id} was never acknowledged; closed`
          : `control: nobody collected the reply to request ${id}; dropped`,
      );
      finish();
    };
    let drop = setTimeout(expire, collectTimeoutMs);
    pending.set(sock, entry);
    sock.on('data', (buf: Buffer) => {
      if (isAck(buf)) return finish();
      // Collected: an operation may take as long as it takes (a wait), so no deadline runs now.
      clearTimeout(drop);
      void outcome.then((o) => {
        if (sock.closed) return;
        sock.send(encode(frameOf(idOf(buf) || id, o)));
        entry.sentAt = performance.now();
        clearTimeout(drop);
        drop = setTimeout(expire, collectTimeoutMs);
      });
    });
    return addr;
  };

  main.on('data', (buf: Buffer) => {
    let parsed: ReturnType<typeof parseRequest>;
    try {
      parsed = parseRequest(buf);
    } catch (e) {
      log(`control: ${(e as Error).message}`);
      main.send(encode({ id: idOf(buf), ok: false, error: toWireError(e) }));
      return;
    }
    const { id, req } = parsed;
    const outcome = run(req);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), graceMs)));
    void Promise.race([outcome, grace]).then((o) => {
      clearTimeout(timer);
      if (closed) return;
      if (o !== undefined) {
        main.send(encode(frameOf(id, o)));
        return;
      }
      try {
        main.send(encode({ id, pending: deferReply(id, outcome) }));
      } catch (e) {
        main.send(encode({ id, ok: false, error: toWireError(e) }));
      }
    });
  });

  return {
    address,
    async close() {
      if (closed) return;
      closed = true;
      await closeAfterFlush(main);
      // Replies already settled (the destroy that emptied the sandbox) get a moment to be collected
      // and acknowledged: the host must not exit before its client has the reply.
      // Replies that left long ago are done with; only those just sent wait for their client.
      const now = performance.now();
      for (const p of [...pending.values()]) {
        if (p.sentAt !== null && now - p.sentAt >= SENT_MS) p.finish();
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...pending.values()].map((p) => p.settled)),
        new Promise((r) => (timer = setTimeout(r, closeGraceMs))),
      ]);
      clearTimeout(timer);
      for (const p of [...pending.values()]) p.finish();
      // nanomsg unlinks ipc files on close; this only covers a host that died half-way before.
      fs.rmSync(ipcPath(address), { force: true });
    },
  };
}

/** A failure of the control channel itself (not of the operation, which arrives as a RemoteError). */
/** Codes: 'ESRCH' (no sandbox), 'ETIMEDOUT', 'ECONNRESET' (the sandbox host died). */
export class ControlError extends CodedError<'ESRCH' | 'ETIMEDOUT' | 'ECONNRESET'> {
  constructor(code: 'ESRCH' | 'ETIMEDOUT' | 'ECONNRESET', message: string) {
    super('ControlError', code, message);
  }
}

export interface ControlRequestOptions {
  /** Deadline for the whole request in ms; 0 = none (waits). Default 30 s. */
  timeoutMs?: number;
  /** The sandbox host's pid: while waiting, the request fails as soon as that process is gone. */
  hostPid?: number;
  /** Container named in "not running" errors; default the request's cid. */
  container?: string;
}

/** True while process `pid` exists (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !zombie(pid);
}

/**
 * Whether `pid` has exited but not been reaped (state Z in /proc/<pid>/stat, as ps shows it). A
 * detached sandbox host's parent is whoever reaps orphans (init, a subreaper), which may take its
 * time: here `corral delete` waited 1-1.5 s on a host that had exited 30 ms after the reply,
 * because kill(pid, 0) succeeds on a zombie. A zombie holds no file, socket or memory any more.
 */
function zombie(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false; // no procfs: kill(2)'s answer stands
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ')'.
  return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
}

const LIVENESS_POLL_MS = 100;

/** Resolves once the reply socket at `address` is gone (its file unlinked), or ACK_WAIT_MS passed. */
function ackTaken(address: string): Promise<void> {
  const file = ipcPath(address);
  const deadline = performance.now() + ACK_WAIT_MS;
  return new Promise((resolve) => {
    const check = (): void => {
      if (!fs.existsSync(file) || performance.now() >= deadline) resolve();
      else setTimeout(check, 2);
    };
    check();
  });
}
let nextRequestId = 1;

/**
 * One REQ exchange on a fresh socket, closed afterwards so that the process can exit. `ack`: the
 * socket is an operation's reply socket, told once the reply is here so that it can close.
 */
function exchange(
  address: string,
  frame: RequestFrame | { id: number },
  id: number,
  what: string,
  deadline: number,
  hostPid: number | undefined,
  ack = false,
): Promise<ReplyFrame> {
  return new Promise<ReplyFrame>((resolve, reject) => {
    const sock = nanomsg().socket('req');
    const timers: { poll?: NodeJS.Timeout; deadline?: NodeJS.Timeout } = {};
    let finished = false;
    const finish = (err: Error | null, value?: ReplyFrame): void => {
      if (finished) return;
      finished = true;
      clearInterval(timers.poll);
      clearTimeout(timers.deadline);
      if (err !== null || !ack) {
        sock.close();
        if (err) reject(err);
        else resolve(value!);
        return;
      }
      // The binding sends from a poll callback, and nanomsg writes from its own thread: closing at
      // once would often drop the acknowledgement (then the host held its reply socket, and
      // itself at exit, for the whole CLOSE_GRACE_MS). The server closes the socket, and nanomsg
      // unlinks its file, when the acknowledgement arrives: that is awaited, for ACK_WAIT_MS at most.
      sock.send(encode({ id, ack: true }));
      void ackTaken(address).then(() => closeAfterFlush(sock).then(() => resolve(value!)));
    };
    sock.on('error', (e) =>
      finish(new ControlError('ECONNRESET', `control socket ${address}: ${e.message}`)),
    );
    sock.on('data', (buf: Buffer) => {
      let f: ReplyFrame;
      try {
        f = JSON.parse(buf.toString('utf8')) as ReplyFrame;
      } catch {
        return finish(new ControlError('ECONNRESET', `malformed reply from ${address}`));
      }
      if (f.id !== id) return; // a stale reply cannot arrive on a fresh socket; ignore it anyway
      finish(null, f);
    });
    if (deadline > 0) {
      const ms = Math.max(0, deadline - Date.now());
      timers.deadline = setTimeout(
        () => finish(new ControlError('ETIMEDOUT', `sandbox did not answer ${what} within ${ms} ms`)),
        ms,
      );
    }
    // A host that replied and then exited (the destroy that emptied its sandbox) may be seen dead before
    // the reply is read: fail only when it is still missing one poll after the host was first seen gone.
    let seenDead = false;
    timers.poll = setInterval(() => {
      if (hostPid === undefined || processAlive(hostPid)) return;
      if (seenDead)
        finish(new ControlError('ECONNRESET', `sandbox host (pid ${hostPid}) exited during ${what}`));
      seenDead = true;
    }, LIVENESS_POLL_MS);
    if (sock.connect(address) === null) return;
    sock.send(encode(frame));
  });
}

/**
 * Sends one request to the sandbox at `address` and returns the operation's result. Never hangs:
 * a missing socket fails at once, a dead host within 100 ms, and a silent one at the deadline.
 * An operation's own failure is rethrown as a RemoteError carrying its name, message and code.
 */
export async function controlRequest<T = unknown>(
  address: string,
  req: { op: string } & Record<string, unknown>,
  opts: ControlRequestOptions = {},
): Promise<T> {
  const who = opts.container ?? (typeof req.cid === 'string' ? req.cid : undefined);
  const notRunning = (): ControlError =>
    new ControlError(
      'ESRCH',
      who === undefined
        ? `sandbox at ${address} is not running`
        : `sandbox for container "${who}" is not running`,
    );
  if (!fs.existsSync(ipcPath(address))) throw notRunning();
  if (opts.hostPid !== undefined && !processAlive(opts.hostPid)) throw notRunning();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
  const id = nextRequestId++;
  const what = `"${req.op}"`;
  let reply = await exchange(address, { id, req }, id, what, deadline, opts.hostPid);
  if ('pending' in reply) {
    reply = await exchange(reply.pending, { id }, id, what, deadline, opts.hostPid, true);
    if ('pending' in reply) throw new ControlError('ECONNRESET', `control reply to ${what} never settled`);
  }
  if (!reply.ok) throw fromWireError(reply.error);
  return reply.value as T;
}
