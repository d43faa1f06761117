// The command table of `corral`: every command, its flags and its positional arguments, as runc and
// runsc users know them. The parser (args.ts) and the help text (usage) are both driven by this
// table, so a flag cannot be accepted without being documented or the other way round.

/** How a flag takes its value. `list` flags may repeat and collect every value. */
export type FlagKind = 'bool' | 'string' | 'list';

export interface FlagSpec {
  /** Long name without dashes. */
  readonly name: string;
  /** One-letter alias without the dash. */
  readonly short?: string;
  readonly kind: FlagKind;
  /** What the value is called in help text (DIR, N, K=V). */
  readonly metavar?: string;
  readonly help: string;
}

/**
 * Positional shape: `id` exactly one container id; `id-signal` an id and an optional signal;
 * `id-argv` an id then a command line passed through untouched; `file-argv` a wasm file then its
 * arguments, passed through; `action-ids` a sub-command then container ids; `none` nothing;
 * `topic` an optional command name.
 */
export type PositionalShape = 'id' | 'id-signal' | 'id-argv' | 'file-argv' | 'action-ids' | 'none' | 'topic';

export interface CommandSpec {
  readonly name: CommandName;
  /** One line for the global command list. */
  readonly summary: string;
  /** Synopsis after `corral NAME`. */
  readonly synopsis: string;
  readonly positionals: PositionalShape;
  readonly flags: readonly FlagSpec[];
  /** Lines of help after the summary (sub-commands, rules); absent for most commands. */
  readonly notes?: readonly string[];
}

export type CommandName =
  | 'create'
  | 'start'
  | 'run'
  | 'exec'
  | 'wait'
  | 'kill'
  | 'delete'
  | 'ps'
  | 'state'
  | 'list'
  | 'events'
  | 'pause'
  | 'resume'
  | 'spec'
  | 'do'
  | 'trace'
  | 'cc'
  | 'help';

const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', kind: 'bool', help: 'show help for this command' };

const bundle: FlagSpec = {
  name: 'bundle',
  short: 'b',
  kind: 'string',
  metavar: 'DIR',
  help: 'the OCI bundle directory (default: the current directory)',
};
const pidFile: FlagSpec = {
  name: 'pid-file',
  kind: 'string',
  metavar: 'FILE',
  help: "write the process's pid to FILE",
};
const format: FlagSpec = {
  name: 'format',
  short: 'f',
  kind: 'string',
  metavar: 'table|json',
  help: 'output format (default: table)',
};
const trace: FlagSpec = {
  name: 'trace',
  kind: 'string',
  metavar: 'FILE',
  help: 'trace the whole run to FILE: Chrome trace JSON if it ends in .json, else strace-like text',
};
const env: FlagSpec = {
  name: 'env',
  short: 'e',
  kind: 'list',
  metavar: 'K=V',
  help: 'set an environment variable (repeatable)',
};

/** The table, in the order `corral help` lists it; immutable. */
const consoleSocket: FlagSpec = {
  name: 'console-socket',
  kind: 'string',
  metavar: 'S',
  help: "unix socket to send the container's terminal to (when process.terminal is set)",
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'create',
    summary: 'create a container from an OCI bundle (does not start it)',
    synopsis: '--bundle DIR [--pid-file F] [--console-socket S] ID',
    positionals: 'id',
    flags: [bundle, pidFile, consoleSocket],
  },
  { name: 'start', summary: 'start a created container', synopsis: 'ID', positionals: 'id', flags: [] },
  {
    name: 'run',
    summary: 'create and start a container, then wait for it; exits with its status',
    synopsis: '--bundle DIR [--detach] [--pid-file F] [--trace FILE] ID',
    positionals: 'id',
    flags: [
      bundle,
      { name: 'detach', short: 'd', kind: 'bool', help: 'do not wait for the container' },
      pidFile,
      trace,
    ],
  },
  {
    name: 'exec',
    summary: 'run a new process in a running container',
    synopsis:
      '[--cwd DIR] [--env K=V]... [--user UID[:GID]] [--detach] [--tty] [--console-socket S] [--process FILE] [--pid-file F] ID ARGS...',
    positionals: 'id-argv',
    flags: [
      { name: 'cwd', kind: 'string', metavar: 'DIR', help: 'working directory inside the container' },
      env,
      { name: 'user', short: 'u', kind: 'string', metavar: 'UID[:GID]', help: 'run as this user and group' },
      { name: 'detach', short: 'd', kind: 'bool', help: 'do not wait for the process' },
      {
        name: 'tty',
        short: 't',
        kind: 'bool',
        help: "give the process a terminal: the caller's own, or a new one sent to --console-socket",
      },
      consoleSocket,
      {
        name: 'process',
        short: 'p',
        kind: 'string',
        metavar: 'FILE',
        help: 'process.json describing the process (instead of ARGS)',
      },
      pidFile,
    ],
  },
  {
    name: 'wait',
    summary: 'wait for a container (or one of its processes) to exit; exits with its status',
    synopsis: '[--pid N] ID',
    positionals: 'id',
    flags: [{ name: 'pid', kind: 'string', metavar: 'N', help: 'wait for this process instead of init' }],
  },
  {
    name: 'kill',
    summary: 'send a signal to a container (default TERM)',
    synopsis: '[--all | --pid N | --pgid N] [--foreground] ID [SIGNAL]',
    positionals: 'id-signal',
    flags: [
      { name: 'all', short: 'a', kind: 'bool', help: 'signal every process of the container' },
      { name: 'pid', kind: 'string', metavar: 'N', help: 'signal this process instead of init' },
      { name: 'pgid', kind: 'string', metavar: 'N', help: 'signal this process group' },
      {
        name: 'foreground',
        kind: 'bool',
        help: "signal the foreground process group of init's terminal (of --pid's with --pid)",
      },
    ],
  },
  {
    name: 'delete',
    summary: 'delete a container and its state',
    synopsis: '[--force] ID',
    positionals: 'id',
    flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'kill the container first if it is running' }],
  },
  {
    name: 'ps',
    summary: "list a container's processes",
    synopsis: '[--format table|json] ID',
    positionals: 'id',
    flags: [format],
  },
  {
    name: 'state',
    summary: "print a container's OCI state as JSON",
    synopsis: 'ID',
    positionals: 'id',
    flags: [],
  },
  {
    name: 'list',
    summary: 'list containers',
    synopsis: '[--quiet] [--format table|json]',
    positionals: 'none',
    flags: [{ name: 'quiet', short: 'q', kind: 'bool', help: 'print container ids only' }, format],
  },
  {
    name: 'events',
    summary: "print a container's events and resource statistics",
    synopsis: '[--stats] [--interval D] ID',
    positionals: 'id',
    flags: [
      { name: 'stats', kind: 'bool', help: 'print statistics once and exit' },
      {
        name: 'interval',
        kind: 'string',
        metavar: 'D',
        help: 'statistics interval, e.g. 5s, 500ms (default 5s)',
      },
    ],
  },
  {
    name: 'pause',
    summary: 'suspend every process of a container',
    synopsis: 'ID',
    positionals: 'id',
    flags: [],
  },
  { name: 'resume', summary: 'resume a paused container', synopsis: 'ID', positionals: 'id', flags: [] },
  {
    name: 'spec',
    summary: 'write a default config.json into a bundle directory',
    synopsis: '[--bundle DIR]',
    positionals: 'none',
    flags: [bundle],
  },
  {
    name: 'do',
    summary: 'run a wasm file from the host, with no bundle',
    synopsis:
      '[--dir HOST::GUEST]... [--env K=V]... [--network none|sandbox|host] [--cwd DIR] [--trace FILE] FILE.wasm [ARGS...]',
    positionals: 'file-argv',
    flags: [
      {
        name: 'dir',
        kind: 'list',
        metavar: 'HOST::GUEST',
        help: 'make host directory HOST visible at GUEST (HOST::/ makes it the root; repeatable)',
      },
      env,
      {
        name: 'network',
        kind: 'string',
        metavar: 'none|sandbox|host',
        help: 'network mode (default: sandbox)',
      },
      { name: 'cwd', kind: 'string', metavar: 'DIR', help: 'working directory inside the sandbox' },
      trace,
    ],
  },
  {
    name: 'cc',
    summary: 'build C programs for Corral: clang for wasm32-wasi with the corral_v1 SDK',
    synopsis: '[CLANG FLAGS] FILE.c... -o OUT.wasm',
    positionals: 'none',
    flags: [],
    notes: [
      'Every flag goes to clang. corral cc adds --target=wasm32-wasi, -O2 (unless an -O is given), the',
      "SDK's headers (POSIX processes, signals, pipes: <spawn.h>, <sys/wait.h>, <signal.h>, <unistd.h>)",
      'and its library (-lcorral), so that ordinary POSIX C compiles unchanged. See docs/corral_v1.md.',
    ],
  },
  {
    name: 'trace',
    summary: "trace a running sandbox's messages and syscalls, or serve the live trace UI",
    synopsis:
      'start [--file FILE] [--format chrome|strace] ID | stop ID | status ID | serve [--port P] [--host H] [ID...]',
    positionals: 'action-ids',
    notes: [
      'Actions:',
      '  start ID    turn tracing on for the sandbox of container ID, while it runs; without',
      '              --file, events are only counted (and shown by a `trace serve`)',
      '  stop ID     turn it off (files are flushed and closed); the sandbox runs on',
      '  status ID   whether tracing is on, events recorded, and dropped: N (events lost',
      '              because a buffer or a sink fell behind: tracing never blocks the sandbox)',
      '  serve [ID...]  serve the live trace UI over HTTP and WebSocket, tracing each ID',
      '              until Ctrl-C',
      '',
      'Trace files: Chrome trace-event JSON (open in Perfetto or chrome://tracing) when the',
      'name ends in .json, strace-like text otherwise; --format overrides. `corral run` and',
      '`corral do` take --trace FILE to record a whole run.',
    ],
    flags: [
      {
        name: 'file',
        kind: 'string',
        metavar: 'FILE',
        help: 'start: record to FILE (Chrome JSON if it ends in .json, else strace-like text)',
      },
      {
        name: 'format',
        kind: 'string',
        metavar: 'chrome|strace',
        help: "start: the file's format, whatever its name",
      },
      { name: 'port', kind: 'string', metavar: 'P', help: 'serve: the HTTP port (default: any free port)' },
      {
        name: 'host',
        kind: 'string',
        metavar: 'H',
        help: 'serve: the address to listen on (default 127.0.0.1)',
      },
    ],
  },
  {
    name: 'help',
    summary: 'show help for corral or for a command',
    synopsis: '[COMMAND]',
    positionals: 'topic',
    flags: [],
  },
];

/** Flags accepted before the command. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'root',
    kind: 'string',
    metavar: 'DIR',
    help: 'state directory (default /run/corral, else per user)',
  },
  { name: 'log', kind: 'string', metavar: 'FILE', help: 'write log messages to FILE' },
  { name: 'debug', kind: 'bool', help: 'log debug messages' },
  { ...HELP_FLAG, help: 'show this help' },
  { name: 'version', short: 'v', kind: 'bool', help: 'print the version and exit' },
];

export { HELP_FLAG };

const BY_NAME = new Map<string, CommandSpec>(COMMANDS.map((c) => [c.name, c]));

export function findCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name);
}

function flagLine(f: FlagSpec): string {
  const names = (f.short ? `-${f.short}, ` : '    ') + `--${f.name}` + (f.metavar ? ` ${f.metavar}` : '');
  return `  ${names.padEnd(34)} ${f.help}`;
}

/** The one-line synopsis of a command, or of corral itself. */
export function usageLine(command?: string): string {
  const spec = command === undefined ? undefined : findCommand(command);
  if (!spec) return 'Usage: corral [global flags] COMMAND [flags] ARGS';
  return `Usage: corral ${spec.name} ${spec.synopsis}`;
}

/** Help text: the global overview (every command, one line each), or one command's. */
export function usage(command?: string): string {
  const spec = command === undefined ? undefined : findCommand(command);
  if (!spec) {
    const width = Math.max(...COMMANDS.map((c) => c.name.length));
    return [
      usageLine(),
      '',
      'Corral runs WebAssembly programs in sandboxes, driven like an OCI runtime.',
      '',
      'Commands:',
      ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
      '',
      'Global flags:',
      ...GLOBAL_FLAGS.map(flagLine),
      '',
      "Run 'corral help COMMAND' for a command's flags.",
      '',
    ].join('\n');
  }
  const lines = [usageLine(spec.name), '', `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.`, ''];
  if (spec.notes !== undefined) lines.push(...spec.notes, '');
  lines.push('Flags:', ...[...spec.flags, HELP_FLAG].map(flagLine), '');
  return lines.join('\n');
}
