// The layout of a syscall channel: one SharedArrayBuffer per running guest process (thread
// strategy), shared by the guest's worker thread and the host thread that serves its calls.
// Every slot is named here and nowhere else.
//
//   bytes 0..63     header: 16 Int32 words (the Slot indices below)
//   bytes 64..      data area: marshalled bytes in both directions (fd_write payload in,
//                   fd_read bytes / fdstat / poll events out), DATA_SIZE bytes by default.
//
// Protocol (one call in flight at a time; the guest is blocked while it is):
//   guest: writes SYSCALL, ARG*, REQ_LEN and the request bytes, then STATE := PENDING, notify.
//   host:  sees PENDING, decodes, runs the handler (maybe asynchronously), writes RES_* and the
//          result bytes, then STATE := COMPLETE (or EXITING: the process must end), notify.
//   guest: sees COMPLETE, reads RES_* and the result bytes, STATE := IDLE.
// INTERRUPT is written by the host at any time: "a signal is pending" (room for issue 5).

/** Int32 word indices into the header. */
export const Slot = {
  /** Call state (State below). Written by guest (IDLE, PENDING) and host (COMPLETE, EXITING). */
  STATE: 0,
  /** Count of interrupts (pending signals) raised by the host; the guest consumes it (issue 5). */
  INTERRUPT: 1,
  /** Syscall number (Sys below); written by the guest before PENDING. */
  SYSCALL: 2,
  /** Integer arguments; meaning per syscall (see Sys). Written by the guest before PENDING. */
  ARG0: 3,
  ARG1: 4,
  ARG2: 5,
  ARG3: 6,
  /** Bytes of request data in the data area. Written by the guest before PENDING. */
  REQ_LEN: 7,
  /** Result errno (Errno). Written by the host before COMPLETE. */
  RES_ERRNO: 8,
  /** Result value (bytes written/read, event count...). Written by the host before COMPLETE. */
  RES_VALUE: 9,
  /** Bytes of result data in the data area. Written by the host before COMPLETE. */
  RES_LEN: 10,
  /** With STATE = EXITING: ExitKind. Written by the host before EXITING. */
  EXIT_KIND: 11,
  /** With STATE = EXITING: the exit code or Linux signal number. */
  EXIT_VALUE: 12,
  /**
   * Size of the guest's linear memory in 64 KiB pages, for stats. Written by the guest (plain store)
   * when it starts and whenever a call finds its memory grown; read racily by the host, which only
   * needs a recent value (an aligned Int32 is never torn).
   */
  MEM_PAGES: 13,
} as const;

export const HEADER_WORDS = 16;
export const DATA_OFFSET = HEADER_WORDS * 4;
/** Default data area: 64 KiB. Larger writes are split by the guest into several round trips. */
export const DEFAULT_DATA_SIZE = 64 * 1024;

/** Values of Slot.STATE. */
export const State = {
  /** No call in flight. */
  IDLE: 0,
  /** The guest posted a call and is (about to be) blocked waiting for it. */
  PENDING: 1,
  /** The host wrote the result; the guest may read it. */
  COMPLETE: 2,
  /** The host ends the process instead of answering (kill, fatal signal): see EXIT_KIND. */
  EXITING: 3,
} as const;

/** Values of Slot.EXIT_KIND. */
export const ExitKind = {
  CODE: 1,
  SIGNAL: 2,
} as const;

/**
 * Syscalls that cross the channel. Arguments:
 *   FD_WRITE       ARG0 fd; request data = bytes to write           → RES_VALUE bytes written
 *   FD_READ        ARG0 fd, ARG1 max bytes                          → result data = bytes read
 *   FD_FDSTAT_GET  ARG0 fd                                          → result data = fdstat (24 B)
 *   FD_CLOSE       ARG0 fd
 *   POLL_ONEOFF    ARG0 subscription count; data = subscriptions   → RES_VALUE events, data = events
 *   PROC_RAISE     ARG0 WASI signal number
 *
 * File calls (FD_PREAD and up) share one shape: ARG0 fd, ARG1 a second small integer (flags, a
 * second fd, whence, a buffer length), ARG2 and ARG3 the byte lengths of up to two byte strings
 * (paths, or the pwrite payload). The request data holds FS_U64_ARGS[sys] little-endian u64
 * arguments first, then the two strings back to back. 64-bit results (seek, tell) come back as one
 * u64 in the result data, records (filestat, dirents, link targets) as their bytes.
 */
export enum Sys {
  FD_WRITE = 1,
  FD_READ = 2,
  FD_FDSTAT_GET = 3,
  FD_CLOSE = 4,
  POLL_ONEOFF = 5,
  PROC_RAISE = 6,
  FD_PREAD = 7, // u64: offset; ARG1 max bytes
  FD_PWRITE = 8, // u64: offset; string 1: payload
  FD_SEEK = 9, // u64: offset; ARG1 whence
  FD_TELL = 10,
  FD_READDIR = 11, // u64: cookie; ARG1 buffer length
  FD_FILESTAT_GET = 12,
  FD_FILESTAT_SET_SIZE = 13, // u64: size
  FD_FILESTAT_SET_TIMES = 14, // u64: atim, mtim; ARG1 fstflags
  FD_FDSTAT_SET_FLAGS = 15, // ARG1 flags
  FD_FDSTAT_SET_RIGHTS = 16, // u64: base, inheriting
  FD_ADVISE = 17, // u64: offset, len; ARG1 advice
  FD_ALLOCATE = 18, // u64: offset, len
  FD_SYNC = 19,
  FD_DATASYNC = 20,
  FD_RENUMBER = 21, // ARG1 to
  FD_PRESTAT = 22, // result data: the preopen's name
  PATH_CREATE_DIRECTORY = 23, // string 1: path
  PATH_FILESTAT_GET = 24, // ARG1 lookupflags; string 1: path
  PATH_FILESTAT_SET_TIMES = 25, // u64: atim, mtim, fstflags; ARG1 lookupflags; string 1: path
  PATH_LINK = 26, // u64: old lookupflags; ARG1 new fd; strings: old path, new path
  PATH_OPEN = 27, // u64: oflags, rights base, rights inheriting, fdflags; ARG1 dirflags; string 1: path
  PATH_READLINK = 28, // ARG1 buffer length; string 1: path
  PATH_REMOVE_DIRECTORY = 29, // string 1: path
  PATH_RENAME = 30, // ARG1 new fd; strings: old path, new path
  PATH_SYMLINK = 31, // strings: target, new path (relative to ARG0)
  PATH_UNLINK_FILE = 32, // string 1: path
  /**
   * A corral_v1 call (platform/corral_abi.ts): ARG0 the CorralOp, ARG1..ARG3 its integer
   * arguments, request data its record (spawn record, sigaction, a signal set) → RES_VALUE its
   * integer result, result data its out-records (wait status, old sigaction, old set, pipe fds).
   */
  CORRAL = 40,
  /**
   * The guest thread hands a file it served itself back to the host (platform/direct_host.ts):
   * ARG0 the fd; request data an adopt record. The host serves that fd from then on.
   */
  FD_ADOPT = 41,
}

/** How many u64 arguments lead the request data of each file call (absent: none). */
export const FS_U64_ARGS: Partial<Record<Sys, number>> = {
  [Sys.FD_PREAD]: 1,
  [Sys.FD_PWRITE]: 1,
  [Sys.FD_SEEK]: 1,
  [Sys.FD_READDIR]: 1,
  [Sys.FD_FILESTAT_SET_SIZE]: 1,
  [Sys.FD_FILESTAT_SET_TIMES]: 2,
  [Sys.FD_FDSTAT_SET_RIGHTS]: 2,
  [Sys.FD_ADVISE]: 2,
  [Sys.FD_ALLOCATE]: 2,
  [Sys.PATH_FILESTAT_SET_TIMES]: 3,
  [Sys.PATH_LINK]: 1,
  [Sys.PATH_OPEN]: 4,
};
