// A syscall channel: the SharedArrayBuffer between a guest's worker thread and the host thread
// (layout and protocol in syscall_layout.ts). This class wraps the buffer with the few atomic
// steps of the protocol; decoding of arguments lives with each side.

import { DATA_OFFSET, DEFAULT_DATA_SIZE, ExitKind, HEADER_WORDS, Slot, State } from './syscall_layout.js';
import type { ExitStatus } from './syscalls.js';

// Atomics.waitAsync is in Node 20 but not in the ES2023 lib this project compiles against.
type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export class SyscallChannel {
  /** The shared buffer; immutable after construction, posted to the guest worker. */
  readonly sab: SharedArrayBuffer;
  /** Header words (Slot indices). */
  readonly words: Int32Array;
  /** The data area. */
  readonly data: Uint8Array;
  /** A DataView over the data area, for little-endian records (events, fdstat). */
  readonly view: DataView;
  readonly dataSize: number;

  private constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.words = new Int32Array(sab, 0, HEADER_WORDS);
    this.dataSize = sab.byteLength - DATA_OFFSET;
    this.data = new Uint8Array(sab, DATA_OFFSET, this.dataSize);
    this.view = new DataView(sab, DATA_OFFSET, this.dataSize);
  }

  static create(dataSize = DEFAULT_DATA_SIZE): SyscallChannel {
    return new SyscallChannel(new SharedArrayBuffer(DATA_OFFSET + dataSize));
  }

  /** Wraps a buffer made by `create` on another thread. */
  static attach(sab: SharedArrayBuffer): SyscallChannel {
    return new SyscallChannel(sab);
  }

  /** Resets the header for a new process (host side, before the guest starts). */
  reset(): void {
    // Plain stores suffice: the buffer reaches the guest through postMessage, which happens-before
    // anything the guest reads.
    this.words.fill(0);
  }

  // ---- guest side ----------------------------------------------------------------------------

  /**
   * Posts the call whose SYSCALL, ARG0..3, REQ_LEN and request bytes the caller already wrote, and blocks
   * this thread until the host answers. Returns the final state: COMPLETE or EXITING.
   */
  callBlocking(): number {
    const w = this.words;
    // Seq-cst store: publishes the plain writes of the arguments and request bytes before it; a
    // host that loads PENDING (also seq-cst) therefore sees them.
    Atomics.store(w, Slot.STATE, State.PENDING);
    // Wakes the host's Atomics.waitAsync on STATE. A host not yet waiting will load PENDING when it
    // arms its wait (the wait only sleeps while STATE still holds the value it last saw).
    Atomics.notify(w, Slot.STATE);
    let s: number;
    // Atomics.wait returns at once if STATE is no longer PENDING, so a completion that raced ahead
    // of this wait is never missed; the loop absorbs spurious wake-ups (e.g. an interrupt notify).
    while ((s = Atomics.load(w, Slot.STATE)) === State.PENDING) Atomics.wait(w, Slot.STATE, State.PENDING);
    return s;
  }

  /** After COMPLETE: marks the channel free again. */
  release(): void {
    // Seq-cst store after our reads of RES_*: the host only writes results again after it sees the
    // next PENDING, which this thread stores later in program order.
    Atomics.store(this.words, Slot.STATE, State.IDLE);
  }

  /** After EXITING: the status the host asked the process to end with. */
  exitStatus(): ExitStatus {
    // Plain reads are ordered after the seq-cst load of EXITING in callBlocking, and the host wrote
    // these before its seq-cst store/CAS of EXITING.
    const kind = this.words[Slot.EXIT_KIND];
    const value = this.words[Slot.EXIT_VALUE]!;
    return kind === ExitKind.SIGNAL ? { signal: value } : { code: value };
  }

  // ---- host side -----------------------------------------------------------------------------

  state(): number {
    // Seq-cst load: when it returns PENDING, the guest's argument writes are visible (see callBlocking).
    return Atomics.load(this.words, Slot.STATE);
  }

  /** Answers the pending call. The caller wrote any result bytes into `data` first. */
  complete(errno: number, value: number, resultLen: number): void {
    const w = this.words;
    w[Slot.RES_ERRNO] = errno;
    w[Slot.RES_VALUE] = value;
    w[Slot.RES_LEN] = resultLen;
    // Seq-cst store: publishes the result words and bytes above to the guest, whose seq-cst load
    // of COMPLETE happens-after this store.
    Atomics.store(w, Slot.STATE, State.COMPLETE);
    // Wakes the guest's Atomics.wait on STATE (one waiter: the guest thread).
    Atomics.notify(w, Slot.STATE, 1);
  }

  /**
   * Ends a guest that is parked in a call: if STATE is PENDING, turns it into EXITING with
   * `status` and wakes the guest, which then unwinds and reports that status. Returns false when no
   * call was pending (the guest is running wasm, or the answer was already given).
   */
  exitPending(status: ExitStatus): boolean {
    const w = this.words;
    w[Slot.EXIT_KIND] = 'signal' in status ? ExitKind.SIGNAL : ExitKind.CODE;
    w[Slot.EXIT_VALUE] = 'signal' in status ? status.signal : status.code;
    // Seq-cst compare-exchange: only a still-PENDING call is claimed, atomically with respect to a
    // concurrent complete() by the host itself and to the guest's own transitions. It also
    // publishes the EXIT_* words written above. If it fails, the guest never reads EXIT_* (it
    // reads them only after seeing EXITING), so the stray writes are harmless.
    const prev = Atomics.compareExchange(w, Slot.STATE, State.PENDING, State.EXITING);
    if (prev !== State.PENDING) return false;
    // Wakes the parked guest.
    Atomics.notify(w, Slot.STATE, 1);
    return true;
  }

  /** Records a pending interrupt (a signal for the process) and wakes a parked guest. */
  raiseInterrupt(): void {
    // Seq-cst add: a counter, so concurrent raises are never lost; the guest exchanges it to 0.
    Atomics.add(this.words, Slot.INTERRUPT, 1);
    // Wakes a guest parked in Atomics.wait on STATE; its loop re-checks STATE and, if the call is
    // still PENDING, waits again, so the wake is harmless when the host will answer EINTR itself.
    Atomics.notify(this.words, Slot.STATE);
  }

  /**
   * Resolves once STATE may differ from `seen` (or at once if it already does). Used by the host's
   * serving loop; `wake` makes a pending wait return early (e.g. to stop serving).
   */
  waitForChange(seen: number): Promise<unknown> | null {
    // Atomics.waitAsync does not block the host thread: it yields a promise that the guest's
    // notify (or wake()) resolves. If STATE already differs from `seen`, it answers synchronously.
    const r = waitAsync(this.words, Slot.STATE, seen);
    return r.async ? r.value : null;
  }

  /** Wakes every waiter on STATE without changing it (lets the host's serving loop stop). */
  wake(): void {
    // notify alone changes no data, so no ordering is needed beyond the stores it follows.
    Atomics.notify(this.words, Slot.STATE);
  }
}
