// config.json validation. Every problem is reported as `<file>: <field path>: <problem>` so that a user
// can find the offending field at once (DESIGN.md rule 7). Unknown fields are ignored, as runc ignores
// them, so bundles written for other runtimes load. The checks mirror what the kernel would refuse later
// (setrlimit's soft ≤ hard, capability and rlimit names, absolute paths), so that a bad bundle fails at
// create time with a precise message rather than at exec time with an errno.

import { BundleError } from './errors.js';
import { parseJson } from './json_syntax.js';
import { isCapability, isRlimit } from './linux_names.js';
import {
  NAMESPACE_TYPES,
  type NamespaceType,
  type OciCapabilities,
  type OciConsoleSize,
  type OciLinux,
  type OciMount,
  type OciNamespace,
  type OciResources,
  type OciProcess,
  type OciRlimit,
  type OciRoot,
  type OciSpec,
  type OciUser,
} from './oci_spec.js';

/** Highest valid uid/gid: (uid_t)-1 is reserved as "no change" by setresuid(2). */
const MAX_ID = 0xfffffffe;
/** HOST_NAME_MAX on Linux. */
const HOST_NAME_MAX = 64;

type Obj = Record<string, unknown>;

/** Collects the file name so that every error names it. */
class Checker {
  constructor(readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new BundleError(
      'EINVAL',
      field ? `${this.file}: ${field}: ${problem}` : `${this.file}: ${problem}`,
    );
  }

  object(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'must be an object');
    return v as Obj;
  }

  optObject(v: unknown, field: string): Obj | undefined {
    return v === undefined ? undefined : this.object(v, field);
  }

  bool(v: unknown, field: string, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(field, 'must be a boolean');
    return v;
  }

  string(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(field, 'must be a string');
    return v;
  }

  optString(v: unknown, field: string): string | undefined {
    return v === undefined ? undefined : this.string(v, field);
  }

  nonNegInt(v: unknown, field: string, max = Number.MAX_VALUE): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      this.fail(field, 'must be a non-negative integer');
    if (v > max) this.fail(field, `must be at most ${max}`);
    return v;
  }

  absPath(v: unknown, field: string): string {
    if (typeof v !== 'string' || !v.startsWith('/')) this.fail(field, 'must be an absolute path');
    return v;
  }

  array(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, 'must be an array');
    return v;
  }

  stringArray(v: unknown, field: string): string[] {
    if (v === undefined) return [];
    const a = this.array(v, field);
    a.forEach((s, i) => this.string(s, `${field}[${i}]`));
    return a as string[];
  }
}

/** Parses and validates config.json text. */
export function parseSpec(text: string, file = 'config.json'): OciSpec {
  return validateSpec(parseJson(text, file), file);
}

/** Validates an already-parsed config.json value. */
export function validateSpec(value: unknown, file = 'config.json'): OciSpec {
  const c = new Checker(file);
  const top = c.object(value, '');
  if (typeof top.ociVersion !== 'string' || top.ociVersion === '') {
    c.fail('ociVersion', 'must be a non-empty string');
  }
  const process = checkProcess(c, top.process, 'process');
  const root = checkRoot(c, top.root);
  let hostname: string | undefined;
  if (top.hostname !== undefined) {
    hostname = c.string(top.hostname, 'hostname');
    if (hostname.length > HOST_NAME_MAX) c.fail('hostname', `must be at most ${HOST_NAME_MAX} characters`);
  }
  const mounts =
    top.mounts === undefined ? [] : c.array(top.mounts, 'mounts').map((m, i) => checkMount(c, m, i));
  const linux = top.linux === undefined ? undefined : checkLinux(c, top.linux);
  const annotations: Record<string, string> = {};
  const ann = c.optObject(top.annotations, 'annotations');
  for (const [k, v] of Object.entries(ann ?? {})) {
    annotations[k] = c.string(v, `annotations[${JSON.stringify(k)}]`);
  }
  const spec: OciSpec = {
    ociVersion: top.ociVersion as string,
    process,
    root,
    mounts,
    annotations,
    ...(hostname !== undefined ? { hostname } : {}),
    ...(linux !== undefined ? { linux } : {}),
  };
  return spec;
}

/**
 * Validates a process object: config.json's `process`, or the whole of an `exec --process` file
 * (pass `field` = '' then, so that errors read `process.json: args: ...`).
 */
export function validateProcess(value: unknown, file = 'process.json', field = ''): OciProcess {
  return checkProcess(new Checker(file), value, field);
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function checkProcess(c: Checker, v: unknown, at: string): OciProcess {
  const p = c.object(v, at || '');
  const f = (n: string): string => join(at, n);
  if (!Array.isArray(p.args) || p.args.length === 0 || !p.args.every((a) => typeof a === 'string')) {
    c.fail(f('args'), 'must be a non-empty array of strings');
  }
  if (p.args[0] === '') c.fail(f('args[0]'), 'must not be empty');
  const env = c.stringArray(p.env, f('env'));
  env.forEach((e, i) => {
    const eq = e.indexOf('=');
    if (eq <= 0) c.fail(f(`env[${i}]`), `must be KEY=VALUE, got ${JSON.stringify(e)}`);
  });
  const cwd = c.absPath(p.cwd, f('cwd'));
  const terminal = c.bool(p.terminal, f('terminal'), false);
  let consoleSize: OciConsoleSize | undefined;
  if (p.consoleSize !== undefined) {
    const cs = c.object(p.consoleSize, f('consoleSize'));
    consoleSize = {
      height: c.nonNegInt(cs.height, f('consoleSize.height'), 0xffff),
      width: c.nonNegInt(cs.width, f('consoleSize.width'), 0xffff),
    };
  }
  const user = checkUser(c, p.user, f('user'));
  const capabilities =
    p.capabilities === undefined ? undefined : checkCaps(c, p.capabilities, f('capabilities'));
  const rlimits = checkRlimits(c, p.rlimits, f('rlimits'));
  const noNewPrivileges = c.bool(p.noNewPrivileges, f('noNewPrivileges'), false);
  return {
    terminal,
    user,
    args: p.args as string[],
    env,
    cwd,
    rlimits,
    noNewPrivileges,
    ...(consoleSize ? { consoleSize } : {}),
    ...(capabilities ? { capabilities } : {}),
  };
}

function checkUser(c: Checker, v: unknown, at: string): OciUser {
  // runc treats a missing user as uid 0, gid 0 (Go's zero value); so do we.
  const u = c.optObject(v, at) ?? {};
  const uid = u.uid === undefined ? 0 : c.nonNegInt(u.uid, `${at}.uid`, MAX_ID);
  const gid = u.gid === undefined ? 0 : c.nonNegInt(u.gid, `${at}.gid`, MAX_ID);
  const additionalGids =
    u.additionalGids === undefined
      ? []
      : c
          .array(u.additionalGids, `${at}.additionalGids`)
          .map((g, i) => c.nonNegInt(g, `${at}.additionalGids[${i}]`, MAX_ID));
  const umask = u.umask === undefined ? undefined : c.nonNegInt(u.umask, `${at}.umask`, 0o777);
  return { uid, gid, additionalGids, ...(umask !== undefined ? { umask } : {}) };
}

const CAP_SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;

function checkCaps(c: Checker, v: unknown, at: string): OciCapabilities {
  const o = c.object(v, at);
  const out: Record<string, string[]> = {};
  for (const set of CAP_SETS) {
    const names = c.stringArray(o[set], `${at}.${set}`);
    names.forEach((n, i) => {
      if (!isCapability(n)) c.fail(`${at}.${set}[${i}]`, `unknown capability ${JSON.stringify(n)}`);
    });
    out[set] = names;
  }
  return out as unknown as OciCapabilities;
}

function checkRlimits(c: Checker, v: unknown, at: string): OciRlimit[] {
  if (v === undefined) return [];
  const seen = new Set<string>();
  return c.array(v, at).map((r, i) => {
    const f = `${at}[${i}]`;
    const o = c.object(r, f);
    const type = c.string(o.type, `${f}.type`);
    if (!isRlimit(type)) c.fail(`${f}.type`, `unknown rlimit ${JSON.stringify(type)}`);
    if (seen.has(type)) c.fail(`${f}.type`, `duplicate rlimit ${JSON.stringify(type)}`);
    seen.add(type);
    const hard = c.nonNegInt(o.hard, `${f}.hard`);
    const soft = c.nonNegInt(o.soft, `${f}.soft`);
    // setrlimit(2) fails with EINVAL when soft exceeds hard; refuse it here with the field named.
    if (soft > hard) c.fail(`${f}.soft`, `must not exceed hard (${hard})`);
    return { type, hard, soft };
  });
}

function checkRoot(c: Checker, v: unknown): OciRoot {
  const r = c.object(v, 'root');
  if (typeof r.path !== 'string' || r.path === '') c.fail('root.path', 'must be a non-empty string');
  return { path: r.path, readonly: c.bool(r.readonly, 'root.readonly', false) };
}

function checkMount(c: Checker, v: unknown, i: number): OciMount {
  const at = `mounts[${i}]`;
  const m = c.object(v, at);
  const destination = c.absPath(m.destination, `${at}.destination`);
  const type = c.optString(m.type, `${at}.type`);
  const source = c.optString(m.source, `${at}.source`);
  const options = c.stringArray(m.options, `${at}.options`);
  return {
    destination,
    options,
    ...(type !== undefined ? { type } : {}),
    ...(source !== undefined ? { source } : {}),
  };
}

/** linux.resources: pids.limit is checked and kept; other resources are accepted and not enforced yet. */
function checkResources(c: Checker, v: unknown): OciResources | undefined {
  if (v === undefined) return undefined;
  const r = c.object(v, 'linux.resources');
  if (r.pids === undefined) return undefined;
  const limit = c.object(r.pids, 'linux.resources.pids').limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < -1) {
    c.fail('linux.resources.pids.limit', 'must be an integer >= -1 (-1 or 0: no limit)');
  }
  return { pids: { limit } };
}

function checkLinux(c: Checker, v: unknown): OciLinux {
  const l = c.object(v, 'linux');
  const resources = checkResources(c, l.resources);
  const withResources = resources !== undefined ? { resources } : {};
  if (l.namespaces === undefined) return { namespaces: [], ...withResources };
  const seen = new Set<string>();
  const namespaces = c.array(l.namespaces, 'linux.namespaces').map((n, i): OciNamespace => {
    const at = `linux.namespaces[${i}]`;
    const o = c.object(n, at);
    const type = c.string(o.type, `${at}.type`);
    if (!(NAMESPACE_TYPES as readonly string[]).includes(type)) {
      c.fail(`${at}.type`, `unknown namespace type ${JSON.stringify(type)}`);
    }
    // runc refuses a namespace type listed twice: which one would the container join?
    if (seen.has(type)) c.fail(`${at}.type`, `duplicate namespace type ${JSON.stringify(type)}`);
    seen.add(type);
    // An empty path means "create a new one", as runc reads it.
    if (o.path === undefined || o.path === '') return { type: type as NamespaceType };
    return { type: type as NamespaceType, path: c.absPath(o.path, `${at}.path`) };
  });
  return { namespaces, ...withResources };
}
