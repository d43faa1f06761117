// The subset of the OCI runtime spec (config.json) that Corral reads. Field names and shapes follow
// runtime-spec's config.md so that bundles written for runc/runsc load unchanged; fields Corral does not
// use are dropped by validation, as runc ignores unknown fields. Every value here is immutable after
// validation: the Loader actor owns the validated Spec and never mutates it.

/** process.user: who the container's init runs as. Linux counterpart: the creds set by setresuid/setgroups. */
export interface OciUser {
  readonly uid: number;
  readonly gid: number;
  /** File-mode creation mask for the process (umask(2)); absent means the runtime's default (0o022). */
  readonly umask?: number;
  readonly additionalGids: readonly number[];
}

/** The five capability sets of capabilities(7); each a list of CAP_* names. */
export interface OciCapabilities {
  readonly bounding: readonly string[];
  readonly effective: readonly string[];
  readonly inheritable: readonly string[];
  readonly permitted: readonly string[];
  readonly ambient: readonly string[];
}

/** One setrlimit(2) entry: type is an RLIMIT_* name. */
export interface OciRlimit {
  readonly type: string;
  readonly hard: number;
  readonly soft: number;
}

export interface OciConsoleSize {
  readonly height: number;
  readonly width: number;
}

export interface OciProcess {
  readonly terminal: boolean;
  readonly consoleSize?: OciConsoleSize;
  readonly user: OciUser;
  readonly args: readonly string[];
  /** KEY=VALUE entries, as execve(2)'s envp. */
  readonly env: readonly string[];
  /** Absolute path inside the container. */
  readonly cwd: string;
  readonly capabilities?: OciCapabilities;
  readonly rlimits: readonly OciRlimit[];
  readonly noNewPrivileges: boolean;
}

export interface OciRoot {
  /** As written in config.json: relative paths are relative to the bundle directory. */
  readonly path: string;
  readonly readonly: boolean;
}

export interface OciMount {
  readonly destination: string;
  readonly type?: string;
  readonly source?: string;
  readonly options: readonly string[];
}

/** Linux namespace kinds of runtime-spec (clone(2)'s CLONE_NEW* flags). */
export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export const NAMESPACE_TYPES: readonly NamespaceType[] = [
  'pid',
  'network',
  'mount',
  'ipc',
  'uts',
  'user',
  'cgroup',
  'time',
];

export interface OciNamespace {
  readonly type: NamespaceType;
  /** A namespace to join (as setns(2) on /proc/<pid>/ns/<type>); absent means create a new one. */
  readonly path?: string;
}

/** linux.resources: the cgroup settings. Corral enforces pids so far; others are refused or ignored. */
export interface OciResources {
  /** pids.limit: most live processes in the container (cgroup pids.max); -1 or 0 is no limit. */
  readonly pids?: { readonly limit: number };
}

export interface OciLinux {
  readonly namespaces: readonly OciNamespace[];
  readonly resources?: OciResources;
}

/** The container's pids limit for the kernel (0 = none), as runc maps pids.limit <= 0 to "max". */
export function pidsLimitOf(spec: OciSpec): number {
  const limit = spec.linux?.resources?.pids?.limit ?? 0;
  return limit <= 0 ? 0 : Math.min(limit, 0xffff_ffff);
}

/** A validated config.json. */
export interface OciSpec {
  readonly ociVersion: string;
  readonly process: OciProcess;
  readonly root: OciRoot;
  readonly hostname?: string;
  readonly mounts: readonly OciMount[];
  readonly linux?: OciLinux;
  readonly annotations: Readonly<Record<string, string>>;
}
