// Direct file service (runsc's "directfs"): the layout of the shared buffers through which a
// guest's own thread serves the file calls of files it opened itself, while its host thread keeps
// serving everything else. Every slot is named here and nowhere else.
//
// Why. A file call that crosses to the host thread costs two cross-thread wake-ups (~20-60 µs
// here); node:wasi answers the same call in 1-6 µs on the calling thread. So a guest whose
// container's gofer offers it (FileSyscalls.directOffer) opens and stats files under the mount
// roots the gofer donated with the gofer's own confined resolver, running on the guest's thread,
// and reads and writes what it opened with no round trip. Mutations by path (mkdir, unlink,
// rename, symlink, link...) still go to the gofer through the host, which stays the authority.
//
// The fd map (one per process, SharedArrayBuffer of MAP_BYTES): one Int32 kind per fd number, so
// that the guest's and the host's fds share one numbering (open(2)'s lowest free fd) although
// each side keeps its own table. Who writes: the guest thread while it runs (no call in flight),
// the host thread while it serves a call of this process (the guest is parked) or while the
// process is not running (before start, after exit). The channel's seq-cst STATE transitions
// order the two (syscall_channel.ts), so plain reads and writes suffice for KIND and OS_FD.
//
//   KIND[fd]   FdKind below, fd in 0..MAX_FDS-1
//   OS_FD[fd]  for a DIRECT fd, the host OS fd the guest holds for it, else -1; NATIVE_FD | fd
//              for one the corral_at addon opened (and only it closes: see below)
//   ROOT[m]    the guest's own OS fd of mount m's root (-1 when not open)
//
// Who closes what a guest thread that was terminated in the middle of its work left open
// (reclaimDirect): an fd Node opened on that thread (fs.openSync) Node closes itself when the
// thread exits (a Worker's trackUnmanagedFds, on by default), so the host only forgets it; closing
// it again could close another thread's file that got the same number meanwhile. An fd the addon
// opened Node does not know: the host closes it, through the addon (closing with fs.closeSync an
// fd Node did not open on that thread costs a warning, when the host thread is a worker itself).
// The addon records such an fd here inside the call that opens it and clears the slot inside the
// call that closes it, so no termination between two statements leaves one unrecorded.
//
// The gate (one per host thread, Int32Array of 1): non-zero while syscall tracing is on there.
// A traced call must cross to the host, where the trace hook is: the guest then hands its files
// over and serves nothing itself until the gate is zero again.

/** The highest fd number + 1 a process may use (RLIMIT_NOFILE's usual soft limit). */
export const MAX_FDS = 1024;
/** Mount roots a guest may hold open. */
export const MAX_ROOTS = 64;

export const MAP_KIND = 0;
export const MAP_OS_FD = MAX_FDS;
export const MAP_ROOT = 2 * MAX_FDS;
export const MAP_WORDS = 2 * MAX_FDS + MAX_ROOTS;
export const MAP_BYTES = MAP_WORDS * 4;

/** Tags an OS_FD entry the corral_at addon opened (fds are below 2^30: RLIMIT_NOFILE's cap). */
export const NATIVE_FD = 0x40000000;

/** What an fd number is, for the side that did not open it. */
export const FdKind = {
  FREE: 0,
  /** Served by the host thread (stdio, pipes, files through the gofer). */
  HOST: 1,
  /** Served by the guest's own thread (see above). */
  DIRECT: 2,
  /**
   * PREOPEN + m: the host's preopen of mount m with its rights untouched; the guest may resolve
   * paths from it itself (opens and stats), everything else on it crosses to the host.
   */
  PREOPEN: 16,
} as const;

/** A fresh fd map: every fd free, no OS fd held. */
export function newFdMap(): Int32Array {
  const map = new Int32Array(new SharedArrayBuffer(MAP_BYTES));
  map.fill(-1, MAP_OS_FD, MAP_WORDS);
  return map;
}

/** The kind of `fd` in a process's fd map; FREE for a number outside it. */
export function kindAt(map: Int32Array, fd: number): number {
  return fd >= 0 && fd < MAX_FDS ? map[MAP_KIND + fd]! : FdKind.FREE;
}

/** A preopen whose rights the host changed: the guest may no longer resolve from it (HOST). */
export function forgetPreopen(map: Int32Array, fd: number): void {
  if (kindAt(map, fd) >= FdKind.PREOPEN) map[MAP_KIND + fd] = FdKind.HOST;
}
