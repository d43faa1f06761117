// WASI preview 1 errno values, numbered exactly as the witx `errno` enum (wasi_snapshot_preview1).
// The set is closed: a guest only ever sees one of these. Names follow the spec without the
// `ERRNO_` prefix; each mirrors the Linux errno of the same name, so handlers that emulate Linux
// semantics pick the value Linux would return (EBADF for a closed fd, ESPIPE for seeking a pipe...).

export enum Errno {
  SUCCESS = 0,
  TOOBIG = 1,
  ACCES = 2,
  ADDRINUSE = 3,
  ADDRNOTAVAIL = 4,
  AFNOSUPPORT = 5,
  AGAIN = 6,
  ALREADY = 7,
  BADF = 8,
  BADMSG = 9,
  BUSY = 10,
  CANCELED = 11,
  CHILD = 12,
  CONNABORTED = 13,
  CONNREFUSED = 14,
  CONNRESET = 15,
  DEADLK = 16,
  DESTADDRREQ = 17,
  DOM = 18,
  DQUOT = 19,
  EXIST = 20,
  FAULT = 21,
  FBIG = 22,
  HOSTUNREACH = 23,
  IDRM = 24,
  ILSEQ = 25,
  INPROGRESS = 26,
  INTR = 27,
  INVAL = 28,
  IO = 29,
  ISCONN = 30,
  ISDIR = 31,
  LOOP = 32,
  MFILE = 33,
  MLINK = 34,
  MSGSIZE = 35,
  MULTIHOP = 36,
  NAMETOOLONG = 37,
  NETDOWN = 38,
  NETRESET = 39,
  NETUNREACH = 40,
  NFILE = 41,
  NOBUFS = 42,
  NODEV = 43,
  NOENT = 44,
  NOEXEC = 45,
  NOLCK = 46,
  NOLINK = 47,
  NOMEM = 48,
  NOMSG = 49,
  NOPROTOOPT = 50,
  NOSPC = 51,
  NOSYS = 52,
  NOTCONN = 53,
  NOTDIR = 54,
  NOTEMPTY = 55,
  NOTRECOVERABLE = 56,
  NOTSOCK = 57,
  NOTSUP = 58,
  NOTTY = 59,
  NXIO = 60,
  OVERFLOW = 61,
  OWNERDEAD = 62,
  PERM = 63,
  PIPE = 64,
  PROTO = 65,
  PROTONOSUPPORT = 66,
  PROTOTYPE = 67,
  RANGE = 68,
  ROFS = 69,
  SPIPE = 70,
  SRCH = 71,
  STALE = 72,
  TIMEDOUT = 73,
  TXTBSY = 74,
  XDEV = 75,
  NOTCAPABLE = 76,
}

/** Every errno except SUCCESS: what a failing call returns. */
export type FailureErrno = Exclude<Errno, Errno.SUCCESS>;

/** Maps a Node/libuv error code (EPIPE, EAGAIN...) from host I/O to the errno the guest sees. */
export function errnoFromHostCode(code: unknown): FailureErrno {
  if (typeof code === 'string') {
    const name = code.startsWith('E') ? code.slice(1) : code;
    const v = (Errno as unknown as Record<string, number | undefined>)[name];
    if (typeof v === 'number' && v !== Errno.SUCCESS) return v as FailureErrno;
    if (code === 'EWOULDBLOCK') return Errno.AGAIN;
  }
  return Errno.IO;
}
