// Guest-visible errors and host faults of the kernel core; mirrors kernel-core/src/errno.rs.

/** Linux errno values the process model returns (closed: identical to the Rust enum). */
export enum Errno {
  EPERM = 1,
  ENOENT = 2,
  ESRCH = 3,
  EINTR = 4,
  EIO = 5,
  ECHILD = 10,
  EAGAIN = 11,
  ENOMEM = 12,
  EACCES = 13,
  EBUSY = 16,
  EINVAL = 22,
  ENOTTY = 25,
  ENOSPC = 28,
  /** Kernel-internal: restart the call after the signal (EINTR unless SA_RESTART). */
  ERESTARTSYS = 512,
}

/** The errno's name ('ESRCH'), for messages and for error codes that cross actor boundaries. */
export function errnoName(e: Errno): string {
  return Errno[e] ?? `E${e}`;
}

/** Host faults: a malformed operation, i.e. a bug in Corral (negative status on the wire). */
export enum Fault {
  BadOp = -1,
  Truncated = -2,
  NoKernel = -3,
  BadArg = -4,
  Overflow = -5,
}

/** Thrown when the core reports a host fault; never for a guest errno. */
export class KernelFault extends Error {
  constructor(
    readonly fault: Fault,
    readonly op: number,
  ) {
    super(`kernel-core fault ${Fault[fault] ?? fault} on operation ${op}`);
    this.name = 'KernelFault';
  }
}

/** A guest-visible outcome: a value, or the errno Linux would return. */
export type KResult<T> = { ok: true; value: T } | { ok: false; errno: Errno };

export const ok = <T>(value: T): KResult<T> => ({ ok: true, value });
export const err = <T>(errno: Errno): KResult<T> => ({ ok: false, errno });
