// Parsing `corral [global flags] COMMAND [flags] ARGS` into a typed command. Table-driven (commands.ts);
// this file only walks the tokens and converts values. Conventions follow runc/runsc: `--flag value` or
// `--flag=value`, `--` ends flags, and for exec/do everything after the container id (or wasm file) is
// the guest's command line, passed through untouched even when it starts with `-`, so that
// `corral exec ID ls -la` runs `ls -la`. Every mistake is a UsageError naming it; the CLI prints it with
// the command's usage line and exits 2.

import {
  findCommand,
  GLOBAL_FLAGS,
  HELP_FLAG,
  type CommandName,
  type CommandSpec,
  type FlagSpec,
} from './commands.js';
import { parseSignal } from './signals.js';

export class UsageError extends Error {
  /** The command whose usage line should accompany the message, when known; immutable. */
  readonly command: CommandName | undefined;
  constructor(message: string, command?: CommandName) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export interface GlobalFlags {
  readonly root?: string;
  readonly log?: string;
  readonly debug: boolean;
}

export type OutputFormat = 'table' | 'json';
export type NetworkMode = 'none' | 'sandbox' | 'host';

export interface DirMapping {
  readonly host: string;
  readonly guest: string;
}

interface Base<C extends string, F> {
  readonly command: C;
  readonly global: GlobalFlags;
  readonly flags: F;
  /** Positional arguments as given (after flags were removed). */
  readonly positionals: readonly string[];
}

interface WithId {
  /** The container id (syntax checked later, by the state store). */
  readonly id: string;
}

export type CreateCommand = Base<'create', { bundle: string; pidFile?: string; consoleSocket?: string }> &
  WithId;
export type StartCommand = Base<'start', Record<string, never>> & WithId;
export type RunCommand = Base<'run', { bundle: string; detach: boolean; pidFile?: string; trace?: string }> &
  WithId;
export type ExecCommand = Base<
  'exec',
  {
    cwd?: string;
    env: string[];
    user?: { uid: number; gid?: number };
    detach: boolean;
    tty: boolean;
    consoleSocket?: string;
    process?: string;
    pidFile?: string;
  }
> &
  WithId & {
    /** The command line to run; empty only when --process gives it. */
    readonly args: readonly string[];
  };
export type WaitCommand = Base<'wait', { pid?: number }> & WithId;
export type KillCommand = Base<'kill', { all: boolean; pid?: number; pgid?: number; foreground?: boolean }> &
  WithId & {
    /** Signal number (default SIGTERM, 15). */
    readonly signal: number;
  };
export type DeleteCommand = Base<'delete', { force: boolean }> & WithId;
export type PsCommand = Base<'ps', { format: OutputFormat }> & WithId;
export type StateCommand = Base<'state', Record<string, never>> & WithId;
export type ListCommand = Base<'list', { quiet: boolean; format: OutputFormat }>;
export type EventsCommand = Base<'events', { stats: boolean; intervalMs: number }> & WithId;
export type PauseCommand = Base<'pause', Record<string, never>> & WithId;
export type ResumeCommand = Base<'resume', Record<string, never>> & WithId;
export type SpecCommand = Base<'spec', { bundle: string }>;
export type DoCommand = Base<
  'do',
  { dir: DirMapping[]; env: string[]; network: NetworkMode; cwd?: string; trace?: string }
> & {
  /** Host path of the wasm file. */
  readonly file: string;
  /** Arguments after the file (argv[1:]). */
  readonly args: readonly string[];
};
export type TraceAction = 'start' | 'stop' | 'status' | 'serve';
export type TraceFileFormat = 'chrome' | 'strace';
export type TraceCommand = Base<
  'trace',
  { file?: string; format?: TraceFileFormat; port?: number; host?: string }
> & {
  readonly action: TraceAction;
  /** Container ids: exactly one for start/stop/status, any number for serve. */
  readonly ids: readonly string[];
};
export type CcCommand = Base<'cc', Record<string, never>> & {
  /** clang's arguments, passed through untouched (sources, -o, -I, -D, -O...). */
  readonly args: readonly string[];
};
export type HelpCommand = Base<'help', Record<string, never>> & {
  /** The command help was asked for; undefined for the overview. */
  readonly topic?: CommandName;
};
export type VersionCommand = Base<'version', Record<string, never>>;

export type ParsedCommand =
  | CreateCommand
  | StartCommand
  | RunCommand
  | ExecCommand
  | WaitCommand
  | KillCommand
  | DeleteCommand
  | PsCommand
  | StateCommand
  | ListCommand
  | EventsCommand
  | PauseCommand
  | ResumeCommand
  | SpecCommand
  | DoCommand
  | TraceCommand
  | CcCommand
  | HelpCommand
  | VersionCommand;

type RawFlags = Map<string, string | boolean | string[]>;

/** Reads flags at `argv[i]`; returns the index after the flag, or -1 when argv[i] is not a flag. */
function takeFlag(
  argv: readonly string[],
  i: number,
  specs: readonly FlagSpec[],
  out: RawFlags,
  unknown: (flag: string) => never,
): number {
  const tok = argv[i]!;
  if (tok === '-' || !tok.startsWith('-')) return -1;
  let name: string;
  let inline: string | undefined;
  let spec: FlagSpec | undefined;
  if (tok.startsWith('--')) {
    const eq = tok.indexOf('=');
    name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
    inline = eq < 0 ? undefined : tok.slice(eq + 1);
    spec = specs.find((f) => f.name === name);
  } else {
    // -t, -q, -b DIR; also -b=DIR for symmetry with the long form.
    const eq = tok.indexOf('=');
    name = eq < 0 ? tok.slice(1) : tok.slice(1, eq);
    inline = eq < 0 ? undefined : tok.slice(eq + 1);
    spec = specs.find((f) => f.short === name);
  }
  if (!spec) return unknown(tok.includes('=') ? tok.slice(0, tok.indexOf('=')) : tok);
  const shown = `--${spec.name}`;
  if (spec.kind === 'bool') {
    if (inline === undefined) out.set(spec.name, true);
    else if (inline === 'true' || inline === 'false') out.set(spec.name, inline === 'true');
    else throw new UsageError(`${shown}: invalid boolean ${JSON.stringify(inline)}`);
    return i + 1;
  }
  let value = inline;
  let next = i + 1;
  if (value === undefined) {
    if (i + 1 >= argv.length) throw new UsageError(`${shown} needs a value`);
    value = argv[i + 1]!;
    next = i + 2;
  }
  if (spec.kind === 'list') {
    const prev = out.get(spec.name);
    out.set(spec.name, [...(Array.isArray(prev) ? prev : []), value]);
  } else {
    out.set(spec.name, value); // a repeated flag: the last one wins, as with urfave/cli
  }
  return next;
}

/** How many leading positionals a shape takes before the rest is passed through; Infinity = no passthrough. */
function fixedCount(spec: CommandSpec): number {
  return spec.positionals === 'id-argv' || spec.positionals === 'file-argv' ? 1 : Infinity;
}

/** Parses a command line (without `node` and the script: process.argv.slice(2)). */
export function parseArgs(argv: readonly string[]): ParsedCommand {
  const global: RawFlags = new Map();
  let i = 0;
  while (i < argv.length && argv[i] !== '--') {
    const next = takeFlag(argv, i, GLOBAL_FLAGS, global, (f) => {
      throw new UsageError(`unknown global flag ${f}`);
    });
    if (next < 0) break;
    i = next;
  }
  if (argv[i] === '--') i++;
  const g: GlobalFlags = {
    debug: global.get('debug') === true,
    ...(typeof global.get('root') === 'string' ? { root: global.get('root') as string } : {}),
    ...(typeof global.get('log') === 'string' ? { log: global.get('log') as string } : {}),
  };
  if (global.get('help') === true) return help(g, argv[i]);
  if (global.get('version') === true) return { command: 'version', global: g, flags: {}, positionals: [] };
  if (i >= argv.length) return help(g, undefined);

  const name = argv[i]!;
  const spec = findCommand(name);
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  // `corral cc` takes clang's own flags: none of them is parsed here (-h is clang's too).
  if (spec.name === 'cc') {
    const args = argv.slice(i + 1);
    if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) return help(g, 'cc');
    return { command: 'cc', global: g, flags: {}, positionals: [], args };
  }
  try {
    return parseCommand(spec, g, argv.slice(i + 1));
  } catch (e) {
    // Attach the command so that the CLI prints its usage line with the message.
    if (e instanceof UsageError && e.command === undefined) throw new UsageError(e.message, spec.name);
    throw e;
  }
}

function parseCommand(spec: CommandSpec, g: GlobalFlags, argv: readonly string[]): ParsedCommand {
  const flagSpecs = [...spec.flags, HELP_FLAG];
  const flags: RawFlags = new Map();
  const positionals: string[] = [];
  const fixed = fixedCount(spec);
  let i = 0;
  let flagsDone = false;
  while (i < argv.length) {
    const tok = argv[i]!;
    if (positionals.length >= fixed) {
      // exec's ARGS / do's guest arguments: everything from here on is the guest's, untouched, but
      // for one `--` right after the id (or file), which only separates corral's part from the guest's.
      positionals.push(...argv.slice(!flagsDone && tok === '--' ? i + 1 : i));
      break;
    }
    if (!flagsDone && tok === '--') {
      flagsDone = true;
      i++;
      continue;
    }
    if (!flagsDone) {
      const next = takeFlag(argv, i, flagSpecs, flags, (f) => {
        throw new UsageError(`unknown flag ${f} for ${JSON.stringify(spec.name)}`, spec.name);
      });
      if (next >= 0) {
        i = next;
        continue;
      }
    }
    positionals.push(tok);
    i++;
  }
  if (flags.get('help') === true) return help(g, spec.name);
  flags.delete('help');
  return build(spec, g, flags, positionals);
}

/** Parses the words after `corral trace` (for callers that have split them off already). */
export function parseTraceArgs(global: GlobalFlags, argv: readonly string[]): TraceCommand {
  const cmd = parseCommand(findCommand('trace')!, global, argv);
  if (cmd.command !== 'trace') throw new UsageError('trace: expected a trace action', 'trace');
  return cmd;
}

function help(global: GlobalFlags, topic: string | undefined): HelpCommand {
  if (topic === undefined) return { command: 'help', global, flags: {}, positionals: [] };
  const spec = findCommand(topic);
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(topic)}`);
  return { command: 'help', global, flags: {}, positionals: [topic], topic: spec.name };
}

function str(flags: RawFlags, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

function list(flags: RawFlags, name: string): string[] {
  const v = flags.get(name);
  return Array.isArray(v) ? v : [];
}

function bool(flags: RawFlags, name: string): boolean {
  return flags.get(name) === true;
}

/** `--pid N`: a positive integer; the reference's wording for zero/negative. */
function positiveInt(flags: RawFlags, name: string, what: string): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(v)) throw new UsageError(`--${name}: invalid number ${JSON.stringify(v)}`);
  const n = Number(v);
  if (n <= 0) throw new UsageError(`--${name}: ${what} (${n}) must be positive`);
  if (n > 0x7fffffff) throw new UsageError(`--${name}: ${what} (${v}) is out of range`);
  return n;
}

function formatOf(flags: RawFlags): OutputFormat {
  const f = str(flags, 'format') ?? 'table';
  if (f !== 'table' && f !== 'json')
    throw new UsageError(`--format: must be table or json, got ${JSON.stringify(f)}`);
  return f;
}

function envList(flags: RawFlags): string[] {
  const env = list(flags, 'env');
  for (const e of env) {
    if (e.indexOf('=') <= 0) throw new UsageError(`--env: must be KEY=VALUE, got ${JSON.stringify(e)}`);
  }
  return env;
}

function absDir(flags: RawFlags, name: string): string | undefined {
  const v = str(flags, name);
  if (v !== undefined && !v.startsWith('/')) {
    throw new UsageError(`--${name}: must be an absolute path, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Nanoseconds per unit; summed in ns and converted once, so that 100ns is exactly 0.0001 ms. */
const DURATION_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** A Go-style duration (5s, 500ms, 1m30s, 1.5h) in milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (!/^(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let ns = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) {
    ns += Number(m[1]) * DURATION_NS[m[2]!]!;
  }
  return ns / 1e6;
}

/** `--trace FILE`: any non-empty path (resolved against the caller's working directory later). */
function traceFile(flags: RawFlags): string | undefined {
  const v = str(flags, 'trace');
  if (v === '') throw new UsageError('--trace: needs a file name');
  return v;
}

const TRACE_ACTIONS: readonly TraceAction[] = ['start', 'stop', 'status', 'serve'];
/** Which `corral trace` flags each action takes. */
const TRACE_FLAGS: Readonly<Record<TraceAction, readonly string[]>> = {
  start: ['file', 'format'],
  stop: [],
  status: [],
  serve: ['port', 'host'],
};

function buildTrace(global: GlobalFlags, flags: RawFlags, positionals: string[]): TraceCommand {
  const [action, ...ids] = positionals;
  if (action === undefined) throw new UsageError('"trace" needs an action: start, stop, status or serve');
  if (!TRACE_ACTIONS.includes(action as TraceAction)) {
    throw new UsageError(`trace: unknown action ${JSON.stringify(action)} (start, stop, status or serve)`);
  }
  const act = action as TraceAction;
  for (const f of flags.keys()) {
    if (!TRACE_FLAGS[act].includes(f)) throw new UsageError(`trace ${act}: unknown flag --${f}`);
  }
  if (act !== 'serve' && ids.length !== 1) {
    throw new UsageError(
      ids.length === 0
        ? `trace ${act}: needs a container id`
        : `trace ${act}: takes exactly one container id, got ${ids.length}`,
    );
  }
  if (ids.some((id) => id === '')) throw new UsageError(`trace ${act}: an empty container id`);
  const out: { file?: string; format?: TraceFileFormat; port?: number; host?: string } = {};
  const file = str(flags, 'file');
  if (file !== undefined) {
    if (file === '') throw new UsageError('--file: needs a file name');
    out.file = file;
  }
  const format = str(flags, 'format');
  if (format !== undefined) {
    if (format !== 'chrome' && format !== 'strace')
      throw new UsageError(`--format: must be chrome or strace, got ${JSON.stringify(format)}`);
    out.format = format;
  }
  const port = str(flags, 'port');
  if (port !== undefined) {
    const n = Number(port);
    if (!/^[0-9]+$/.test(port) || n > 65535)
      throw new UsageError(`--port: must be a port number (0-65535), got ${JSON.stringify(port)}`);
    out.port = n;
  }
  const host = str(flags, 'host');
  if (host !== undefined) out.host = host;
  return { command: 'trace', global, flags: out, positionals, action: act, ids };
}

function parseUser(v: string): { uid: number; gid?: number } {
  const m = /^([0-9]+)(?::([0-9]+))?$/.exec(v);
  const bad = (): never => {
    throw new UsageError(`--user: must be UID[:GID] with numeric ids, got ${JSON.stringify(v)}`);
  };
  if (!m) return bad();
  const uid = Number(m[1]);
  const gid = m[2] === undefined ? undefined : Number(m[2]);
  if (uid > 0xfffffffe || (gid !== undefined && gid > 0xfffffffe)) return bad();
  return gid === undefined ? { uid } : { uid, gid };
}

function parseDir(v: string): DirMapping {
  const sep = v.indexOf('::');
  const host = sep < 0 ? '' : v.slice(0, sep);
  const guest = sep < 0 ? '' : v.slice(sep + 2);
  if (host === '' || !guest.startsWith('/')) {
    throw new UsageError(`--dir: must be HOST::GUEST with an absolute GUEST, got ${JSON.stringify(v)}`);
  }
  return { host, guest };
}

function build(
  spec: CommandSpec,
  global: GlobalFlags,
  flags: RawFlags,
  positionals: string[],
): ParsedCommand {
  const name = spec.name;
  const needId = (): string => {
    if (positionals.length === 0 || positionals[0] === '') {
      throw new UsageError(`${JSON.stringify(name)} needs a container id`);
    }
    return positionals[0]!;
  };
  const maxPositionals = (n: number): void => {
    if (positionals.length > n) {
      throw new UsageError(`${JSON.stringify(name)}: unexpected argument ${JSON.stringify(positionals[n])}`);
    }
  };
  const base = { global, positionals };
  switch (name) {
    case 'create': {
      const id = needId();
      maxPositionals(1);
      const pidFile = str(flags, 'pid-file');
      const consoleSocket = str(flags, 'console-socket');
      return {
        ...base,
        command: name,
        id,
        flags: {
          bundle: str(flags, 'bundle') ?? '.',
          ...(pidFile !== undefined ? { pidFile } : {}),
          ...(consoleSocket !== undefined ? { consoleSocket } : {}),
        },
      };
    }
    case 'run': {
      const id = needId();
      maxPositionals(1);
      const pidFile = str(flags, 'pid-file');
      const trace = traceFile(flags);
      return {
        ...base,
        command: name,
        id,
        flags: {
          bundle: str(flags, 'bundle') ?? '.',
          detach: bool(flags, 'detach'),
          ...(pidFile !== undefined ? { pidFile } : {}),
          ...(trace !== undefined ? { trace } : {}),
        },
      };
    }
    case 'start':
    case 'state':
    case 'pause':
    case 'resume': {
      const id = needId();
      maxPositionals(1);
      return { ...base, command: name, id, flags: {} };
    }
    case 'exec': {
      const id = needId();
      const args = positionals.slice(1);
      const process = str(flags, 'process');
      if (args.length === 0 && process === undefined) {
        throw new UsageError(`"exec" needs a command to run (ARGS or --process)`);
      }
      const cwd = absDir(flags, 'cwd');
      const user = str(flags, 'user');
      const pidFile = str(flags, 'pid-file');
      const consoleSocket = str(flags, 'console-socket');
      return {
        ...base,
        command: name,
        id,
        args,
        flags: {
          env: envList(flags),
          detach: bool(flags, 'detach'),
          tty: bool(flags, 'tty'),
          ...(cwd !== undefined ? { cwd } : {}),
          ...(user !== undefined ? { user: parseUser(user) } : {}),
          ...(process !== undefined ? { process } : {}),
          ...(pidFile !== undefined ? { pidFile } : {}),
          ...(consoleSocket !== undefined ? { consoleSocket } : {}),
        },
      };
    }
    case 'wait': {
      const id = needId();
      maxPositionals(1);
      const pid = positiveInt(flags, 'pid', 'PID');
      return { ...base, command: name, id, flags: pid !== undefined ? { pid } : {} };
    }
    case 'kill': {
      const id = needId();
      maxPositionals(2);
      const all = bool(flags, 'all');
      const pid = positiveInt(flags, 'pid', 'PID');
      const pgid = positiveInt(flags, 'pgid', 'PGID');
      const foreground = bool(flags, 'foreground');
      if ([all, pid !== undefined, pgid !== undefined].filter(Boolean).length > 1) {
        throw new UsageError('--all, --pid and --pgid are mutually exclusive');
      }
      if (foreground && (all || pgid !== undefined)) {
        throw new UsageError('--foreground goes with --pid only, not with --all or --pgid');
      }
      const sigText = positionals[1] ?? 'TERM';
      const signal = parseSignal(sigText);
      if (signal === undefined) throw new UsageError(`invalid signal ${JSON.stringify(sigText)}`);
      return {
        ...base,
        command: name,
        id,
        signal,
        flags: {
          all,
          ...(pid !== undefined ? { pid } : {}),
          ...(pgid !== undefined ? { pgid } : {}),
          ...(foreground ? { foreground } : {}),
        },
      };
    }
    case 'delete': {
      const id = needId();
      maxPositionals(1);
      return { ...base, command: name, id, flags: { force: bool(flags, 'force') } };
    }
    case 'ps': {
      const id = needId();
      maxPositionals(1);
      return { ...base, command: name, id, flags: { format: formatOf(flags) } };
    }
    case 'list':
      maxPositionals(0);
      return { ...base, command: name, flags: { quiet: bool(flags, 'quiet'), format: formatOf(flags) } };
    case 'events': {
      const id = needId();
      maxPositionals(1);
      const text = str(flags, 'interval') ?? '5s';
      const intervalMs = parseDuration(text);
      if (intervalMs === undefined)
        throw new UsageError(`--interval: invalid duration ${JSON.stringify(text)}`);
      if (intervalMs <= 0) throw new UsageError(`--interval: must be positive, got ${JSON.stringify(text)}`);
      return { ...base, command: name, id, flags: { stats: bool(flags, 'stats'), intervalMs } };
    }
    case 'spec':
      maxPositionals(0);
      return { ...base, command: name, flags: { bundle: str(flags, 'bundle') ?? '.' } };
    case 'do': {
      if (positionals.length === 0 || positionals[0] === '') {
        throw new UsageError('"do" needs a wasm file to run');
      }
      const network = str(flags, 'network') ?? 'sandbox';
      if (network !== 'none' && network !== 'sandbox' && network !== 'host') {
        throw new UsageError(`--network: must be none, sandbox or host, got ${JSON.stringify(network)}`);
      }
      const cwd = absDir(flags, 'cwd');
      const trace = traceFile(flags);
      return {
        ...base,
        command: name,
        file: positionals[0]!,
        args: positionals.slice(1),
        flags: {
          dir: list(flags, 'dir').map(parseDir),
          env: envList(flags),
          network,
          ...(cwd !== undefined ? { cwd } : {}),
          ...(trace !== undefined ? { trace } : {}),
        },
      };
    }
    case 'trace':
      return buildTrace(global, flags, positionals);
    case 'cc':
      // Parsed raw in parseArgs; here only for the table's completeness.
      return { ...base, command: name, flags: {}, args: positionals };
    case 'help':
      maxPositionals(1);
      return help(global, positionals[0]);
  }
}

export { usage, usageLine } from './commands.js';
