// Operation codes and flag values of the wire format (kernel-core/src/wire.rs and friends).

export const Op = {
  CREATE_KERNEL: 1,
  DESTROY_KERNEL: 2,
  STATS: 3,
  KERNEL_STATS: 4,
  PAUSE: 5,
  RESUME: 6,
  IS_PAUSED: 7,
  DRAIN_EVENTS: 8,
  NS_CREATE: 10,
  NS_DESTROY: 11,
  TRANSLATE: 12,
  LOOKUP: 13,
  CONTAINER_REGISTER: 20,
  CONTAINER_UNREGISTER: 21,
  CONTAINER_KILL: 22,
  CONTAINER_ALL_EXITED: 23,
  PS: 24,
  SPAWN_INIT: 30,
  SPAWN: 31,
  EXEC: 32,
  EXIT: 33,
  EXIT_SIGNALED: 34,
  SET_SUBREAPER: 35,
  PROC_INFO: 36,
  GETPID: 40,
  GETPPID: 41,
  GETPGID: 42,
  SETPGID: 43,
  GETSID: 44,
  SETSID: 45,
  TTY_ATTACH: 50,
  TTY_DETACH: 51,
  TCGETPGRP: 52,
  TCSETPGRP: 53,
  TTY_FOREGROUND: 54,
  TTY_CHECK: 55,
  KILL: 60,
  TKILL: 61,
  SIGACTION: 62,
  SIGPROCMASK: 63,
  SIGPENDING: 64,
  DEQUEUE: 65,
  SIGRETURN: 66,
  WAIT: 70,
  GETCREDS: 80,
  SETUID: 81,
  SETGID: 82,
  SETREUID: 83,
  SETRESUID: 84,
  SETRESGID: 85,
  SETGROUPS: 86,
  GETGROUPS: 87,
  SET_CAPS: 88,
  GETRLIMIT: 90,
  PRLIMIT: 91,
} as const;

/** spawn() flags (posix_spawn attributes, clone flags). */
export const SpawnFlags = {
  /** POSIX_SPAWN_SETPGROUP with pgroup 0: the child leads a new group. */
  NEW_PGRP: 1,
  /** POSIX_SPAWN_SETPGROUP with a pgroup: join it (setpgid rules). */
  JOIN_PGRP: 2,
  /** POSIX_SPAWN_SETSID. */
  NEW_SESSION: 4,
  /** CLONE_NEWPID: the child is pid 1 of a new nested namespace. */
  NEW_NS: 8,
  /** fork(): keep handlers, not yet exec'd. */
  FORK: 16,
} as const;

/** wait options (include/uapi/linux/wait.h). */
export const WaitOptions = {
  WNOHANG: 0x1,
  WUNTRACED: 0x2,
  WSTOPPED: 0x2,
  WEXITED: 0x4,
  WCONTINUED: 0x8,
  WNOWAIT: 0x01000000,
} as const;

/** waitid idtype. */
export const IdType = { P_ALL: 0, P_PID: 1, P_PGID: 2 } as const;

/** sigaction flags (x86 values). */
export const SaFlags = {
  SA_NOCLDSTOP: 0x1,
  SA_NOCLDWAIT: 0x2,
  SA_SIGINFO: 0x4,
  SA_ONSTACK: 0x08000000,
  SA_RESTART: 0x10000000,
  SA_NODEFER: 0x40000000,
  SA_RESETHAND: 0x80000000,
} as const;

/** sigprocmask how. */
export const SigHow = { SIG_BLOCK: 0, SIG_UNBLOCK: 1, SIG_SETMASK: 2 } as const;

/** Signal numbers (asm-generic). */
export const Sig = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGWINCH: 28,
  SIGRTMIN: 32,
} as const;

/** getrlimit resources (include/uapi/asm-generic/resource.h), by the names OCI specs use. */
export const Rlimit = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
} as const;

/** Capability bits (include/uapi/linux/capability.h), by the names OCI specs use. */
export const Capability = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
} as const;

/** The capability set of the given names; unknown names are reported, not ignored. */
export function capabilitySet(names: readonly string[]): { set: bigint; unknown: string[] } {
  let set = 0n;
  const unknown: string[] = [];
  for (const n of names) {
    const bit = (Capability as Record<string, number>)[n];
    if (bit === undefined) unknown.push(n);
    else set |= 1n << BigInt(bit);
  }
  return { set, unknown };
}

/** RLIM_INFINITY as a bigint (limits are u64). */
export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;
