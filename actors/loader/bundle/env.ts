// Environment resolution for a container's init and for exec'd processes. Same rules as runsc's
// exec path: later entries win over earlier ones with the same key (so `exec --env` overrides the
// spec), HOME is added when missing (runsc looks the user up; Corral's rootfs has no passwd database
// yet, so root gets /root and everyone else /), and PATH gets the usual default so that bare names
// resolve as a shell would.

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Key of a KEY=VALUE entry (the whole entry when it has no '='). */
export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** Value of `key` in `env` (the last one wins, as getenv sees a merged environment), or undefined. */
export function getEnv(env: readonly string[], key: string): string | undefined {
  let found: string | undefined;
  for (const e of env) {
    if (envKey(e) === key) found = e.slice(key.length + 1);
  }
  return found;
}

/** Merges environments left to right: a later KEY replaces an earlier one in place. */
export function mergeEnv(...envs: readonly (readonly string[])[]): string[] {
  const index = new Map<string, number>();
  const out: string[] = [];
  for (const env of envs) {
    for (const e of env) {
      const k = envKey(e);
      const at = index.get(k);
      if (at === undefined) {
        index.set(k, out.length);
        out.push(e);
      } else {
        out[at] = e;
      }
    }
  }
  return out;
}

/** Home directory Corral gives a uid when the environment has none. */
export function defaultHome(uid: number): string {
  return uid === 0 ? '/root' : '/';
}

/**
 * The environment a process starts with: `base` (the spec's process.env) overridden by `overrides`
 * (exec's --env), then HOME and PATH added when missing.
 */
export function resolveEnv(
  base: readonly string[],
  user: { readonly uid: number },
  overrides: readonly string[] = [],
): string[] {
  const env = mergeEnv(base, overrides);
  if (getEnv(env, 'PATH') === undefined) env.push(`PATH=${DEFAULT_PATH}`);
  if (getEnv(env, 'HOME') === undefined) env.push(`HOME=${defaultHome(user.uid)}`);
  return env;
}
