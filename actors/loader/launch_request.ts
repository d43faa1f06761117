// What starting a guest process needs (LaunchRequest), and a container's init as its spec describes
// it. Kept apart from loader.ts, which pulls in the whole Loader: the CLI asks for an init's program
// before any of that has loaded (cli/main.ts, to decide whether to start a gofer early).
import { resolveEnv, resolveExecutable, type Bundle, type OciSpec } from './bundle/index.js';
import type { StdioSpec } from './control_protocol.js';
import type { KRlimit } from './kernel_port.js';

/** What starting one guest process needs, whether it is an init or an exec'd process. */
export interface LaunchRequest {
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  caps: string[];
  rlimits: KRlimit[];
  stdio: StdioSpec;
  execd: boolean;
}

/**
 * The host path of a bundle's init program, resolved as its start will resolve it; null when there
 * is none (a missing executable: the start reports it).
 */
export function initProgram(bundle: Bundle): string | null {
  try {
    const req = initLaunch(bundle.spec, { kind: 'null' });
    const env = resolveEnv(req.env, { uid: req.user.uid });
    return resolveExecutable(bundle.rootfs, req.args[0]!, { env, cwd: req.cwd }).hostPath;
  } catch {
    return null;
  }
}

/** The init's launch request from a container's spec. */
export function initLaunch(spec: OciSpec, stdio: StdioSpec): LaunchRequest {
  const p = spec.process;
  return {
    args: [...p.args],
    env: [...(p.env ?? [])],
    cwd: p.cwd ?? '/',
    user: {
      uid: p.user?.uid ?? 0,
      gid: p.user?.gid ?? 0,
      additionalGids: [...(p.user?.additionalGids ?? [])],
    },
    caps: [...(p.capabilities?.effective ?? [])],
    rlimits: (p.rlimits ?? []).map((r) => ({ resource: r.type, soft: r.soft, hard: r.hard })),
    stdio,
    execd: false,
  };
}
