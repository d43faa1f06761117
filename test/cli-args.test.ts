// The `corral` command line: every command and flag, the passthrough of exec/do arguments, signals,
// durations, help, and every usage error.

import test from 'node:test';
import assert from 'node:assert/strict';

import { parseArgs, parseDuration, usage, usageLine, UsageError, type ParsedCommand } from '../cli/args.js';
import { COMMANDS, GLOBAL_FLAGS } from '../cli/commands.js';
import { parseSignal, signalName, SIGRTMAX, SIGRTMIN } from '../cli/signals.js';

const G = { debug: false };
const split = (s: string): string[] => (s === '' ? [] : s.split(' '));

const OK: readonly [string, ParsedCommand][] = [
  // create
  [
    'create --bundle /b c1',
    { command: 'create', global: G, flags: { bundle: '/b' }, positionals: ['c1'], id: 'c1' },
  ],
  [
    'create --bundle=/b c1',
    { command: 'create', global: G, flags: { bundle: '/b' }, positionals: ['c1'], id: 'c1' },
  ],
  [
    'create -b /b c1',
    { command: 'create', global: G, flags: { bundle: '/b' }, positionals: ['c1'], id: 'c1' },
  ],
  ['create c1', { command: 'create', global: G, flags: { bundle: '.' }, positionals: ['c1'], id: 'c1' }],
  [
    'create --bundle /b --pid-file /p --console-socket /s c1',
    {
      command: 'create',
      global: G,
      flags: { bundle: '/b', pidFile: '/p', consoleSocket: '/s' },
      positionals: ['c1'],
      id: 'c1',
    },
  ],
  [
    'create c1 --bundle /b',
    { command: 'create', global: G, flags: { bundle: '/b' }, positionals: ['c1'], id: 'c1' },
  ],
  [
    'create --bundle /a --bundle /b c1',
    { command: 'create', global: G, flags: { bundle: '/b' }, positionals: ['c1'], id: 'c1' },
  ],
  // global flags
  [
    '--root /r --log /l --debug create -b /b c1',
    {
      command: 'create',
      global: { debug: true, root: '/r', log: '/l' },
      flags: { bundle: '/b' },
      positionals: ['c1'],
      id: 'c1',
    },
  ],
  [
    '--root=/r start c1',
    { command: 'start', global: { debug: false, root: '/r' }, flags: {}, positionals: ['c1'], id: 'c1' },
  ],
  ['--debug=false start c1', { command: 'start', global: G, flags: {}, positionals: ['c1'], id: 'c1' }],
  // start, state, pause, resume
  ['start c1', { command: 'start', global: G, flags: {}, positionals: ['c1'], id: 'c1' }],
  ['state c1', { command: 'state', global: G, flags: {}, positionals: ['c1'], id: 'c1' }],
  ['pause c1', { command: 'pause', global: G, flags: {}, positionals: ['c1'], id: 'c1' }],
  ['resume c1', { command: 'resume', global: G, flags: {}, positionals: ['c1'], id: 'c1' }],
  ['start -- -odd-id', { command: 'start', global: G, flags: {}, positionals: ['-odd-id'], id: '-odd-id' }],
  // run
  [
    'run --bundle /b c1',
    { command: 'run', global: G, flags: { bundle: '/b', detach: false }, positionals: ['c1'], id: 'c1' },
  ],
  [
    'run -b /b -d --pid-file /p c1',
    {
      command: 'run',
      global: G,
      flags: { bundle: '/b', detach: true, pidFile: '/p' },
      positionals: ['c1'],
      id: 'c1',
    },
  ],
  [
    'run --detach=true c1',
    { command: 'run', global: G, flags: { bundle: '.', detach: true }, positionals: ['c1'], id: 'c1' },
  ],
  // exec
  [
    'exec c1 ls -la',
    {
      command: 'exec',
      global: G,
      flags: { env: [], detach: false, tty: false },
      positionals: ['c1', 'ls', '-la'],
      id: 'c1',
      args: ['ls', '-la'],
    },
  ],
  [
    'exec --cwd /tmp --env A=1 -e B=2=3 --user 1000:100 -d -t --pid-file /p c1 sh -c --help',
    {
      command: 'exec',
      global: G,
      flags: {
        cwd: '/tmp',
        env: ['A=1', 'B=2=3'],
        user: { uid: 1000, gid: 100 },
        detach: true,
        tty: true,
        pidFile: '/p',
      },
      positionals: ['c1', 'sh', '-c', '--help'],
      id: 'c1',
      args: ['sh', '-c', '--help'],
    },
  ],
  [
    'exec --user 0 --tty c1 x',
    {
      command: 'exec',
      global: G,
      flags: { env: [], user: { uid: 0 }, detach: false, tty: true },
      positionals: ['c1', 'x'],
      id: 'c1',
      args: ['x'],
    },
  ],
  [
    'exec --process /p.json c1',
    {
      command: 'exec',
      global: G,
      flags: { env: [], detach: false, tty: false, process: '/p.json' },
      positionals: ['c1'],
      id: 'c1',
      args: [],
    },
  ],
  [
    'exec c1 -- ls --color',
    {
      command: 'exec',
      global: G,
      flags: { env: [], detach: false, tty: false },
      positionals: ['c1', 'ls', '--color'],
      id: 'c1',
      args: ['ls', '--color'],
    },
  ],
  [
    'exec c1 ls -- x',
    {
      command: 'exec',
      global: G,
      flags: { env: [], detach: false, tty: false },
      positionals: ['c1', 'ls', '--', 'x'],
      id: 'c1',
      args: ['ls', '--', 'x'],
    },
  ],
  [
    'exec -- c1 --version',
    {
      command: 'exec',
      global: G,
      flags: { env: [], detach: false, tty: false },
      positionals: ['c1', '--version'],
      id: 'c1',
      args: ['--version'],
    },
  ],
  // wait
  ['wait c1', { command: 'wait', global: G, flags: {}, positionals: ['c1'], id: 'c1' }],
  ['wait --pid 7 c1', { command: 'wait', global: G, flags: { pid: 7 }, positionals: ['c1'], id: 'c1' }],
  ['wait --pid=7 c1', { command: 'wait', global: G, flags: { pid: 7 }, positionals: ['c1'], id: 'c1' }],
  // kill
  [
    'kill c1',
    { command: 'kill', global: G, flags: { all: false }, positionals: ['c1'], id: 'c1', signal: 15 },
  ],
  [
    'kill c1 KILL',
    { command: 'kill', global: G, flags: { all: false }, positionals: ['c1', 'KILL'], id: 'c1', signal: 9 },
  ],
  [
    'kill c1 sigint',
    { command: 'kill', global: G, flags: { all: false }, positionals: ['c1', 'sigint'], id: 'c1', signal: 2 },
  ],
  [
    'kill c1 9',
    { command: 'kill', global: G, flags: { all: false }, positionals: ['c1', '9'], id: 'c1', signal: 9 },
  ],
  [
    'kill c1 RTMIN+2',
    {
      command: 'kill',
      global: G,
      flags: { all: false },
      positionals: ['c1', 'RTMIN+2'],
      id: 'c1',
      signal: 36,
    },
  ],
  [
    'kill --all c1 HUP',
    { command: 'kill', global: G, flags: { all: true }, positionals: ['c1', 'HUP'], id: 'c1', signal: 1 },
  ],
  [
    'kill -a c1',
    { command: 'kill', global: G, flags: { all: true }, positionals: ['c1'], id: 'c1', signal: 15 },
  ],
  [
    'kill --pid 12 c1 USR1',
    {
      command: 'kill',
      global: G,
      flags: { all: false, pid: 12 },
      positionals: ['c1', 'USR1'],
      id: 'c1',
      signal: 10,
    },
  ],
  [
    'kill --pgid=3 c1 64',
    {
      command: 'kill',
      global: G,
      flags: { all: false, pgid: 3 },
      positionals: ['c1', '64'],
      id: 'c1',
      signal: 64,
    },
  ],
  // delete, ps, list
  ['delete c1', { command: 'delete', global: G, flags: { force: false }, positionals: ['c1'], id: 'c1' }],
  [
    'delete --force c1',
    { command: 'delete', global: G, flags: { force: true }, positionals: ['c1'], id: 'c1' },
  ],
  ['delete -f c1', { command: 'delete', global: G, flags: { force: true }, positionals: ['c1'], id: 'c1' }],
  ['ps c1', { command: 'ps', global: G, flags: { format: 'table' }, positionals: ['c1'], id: 'c1' }],
  [
    'ps --format json c1',
    { command: 'ps', global: G, flags: { format: 'json' }, positionals: ['c1'], id: 'c1' },
  ],
  ['ps -f=json c1', { command: 'ps', global: G, flags: { format: 'json' }, positionals: ['c1'], id: 'c1' }],
  ['list', { command: 'list', global: G, flags: { quiet: false, format: 'table' }, positionals: [] }],
  ['list -q', { command: 'list', global: G, flags: { quiet: true, format: 'table' }, positionals: [] }],
  [
    'list --quiet --format=json',
    { command: 'list', global: G, flags: { quiet: true, format: 'json' }, positionals: [] },
  ],
  // events
  [
    'events c1',
    {
      command: 'events',
      global: G,
      flags: { stats: false, intervalMs: 5000 },
      positionals: ['c1'],
      id: 'c1',
    },
  ],
  [
    'events --stats --interval 500ms c1',
    { command: 'events', global: G, flags: { stats: true, intervalMs: 500 }, positionals: ['c1'], id: 'c1' },
  ],
  [
    'events --interval=1m c1',
    {
      command: 'events',
      global: G,
      flags: { stats: false, intervalMs: 60000 },
      positionals: ['c1'],
      id: 'c1',
    },
  ],
  // spec
  ['spec', { command: 'spec', global: G, flags: { bundle: '.' }, positionals: [] }],
  ['spec --bundle /b', { command: 'spec', global: G, flags: { bundle: '/b' }, positionals: [] }],
  // do
  [
    'do hello.wasm',
    {
      command: 'do',
      global: G,
      flags: { dir: [], env: [], network: 'sandbox' },
      positionals: ['hello.wasm'],
      file: 'hello.wasm',
      args: [],
    },
  ],
  [
    'do --dir /srv::/ --dir=/data::/mnt/data --env A=1 --network none --cwd /mnt x.wasm -v --flag arg',
    {
      command: 'do',
      global: G,
      flags: {
        dir: [
          { host: '/srv', guest: '/' },
          { host: '/data', guest: '/mnt/data' },
        ],
        env: ['A=1'],
        network: 'none',
        cwd: '/mnt',
      },
      positionals: ['x.wasm', '-v', '--flag', 'arg'],
      file: 'x.wasm',
      args: ['-v', '--flag', 'arg'],
    },
  ],
  [
    'do --network host x.wasm -- a',
    {
      command: 'do',
      global: G,
      flags: { dir: [], env: [], network: 'host' },
      positionals: ['x.wasm', 'a'],
      file: 'x.wasm',
      args: ['a'],
    },
  ],
  // help and version
  ['', { command: 'help', global: G, flags: {}, positionals: [] }],
  ['help', { command: 'help', global: G, flags: {}, positionals: [] }],
  ['help kill', { command: 'help', global: G, flags: {}, positionals: ['kill'], topic: 'kill' }],
  ['--help', { command: 'help', global: G, flags: {}, positionals: [] }],
  ['-h', { command: 'help', global: G, flags: {}, positionals: [] }],
  ['--help exec', { command: 'help', global: G, flags: {}, positionals: ['exec'], topic: 'exec' }],
  ['kill --help', { command: 'help', global: G, flags: {}, positionals: ['kill'], topic: 'kill' }],
  ['create -h c1', { command: 'help', global: G, flags: {}, positionals: ['create'], topic: 'create' }],
  ['exec -h c1 x', { command: 'help', global: G, flags: {}, positionals: ['exec'], topic: 'exec' }],
  ['--version', { command: 'version', global: G, flags: {}, positionals: [] }],
  ['-v', { command: 'version', global: G, flags: {}, positionals: [] }],
];

for (const [line, expected] of OK) {
  test(`parse: corral ${line}`, () => {
    assert.deepEqual(parseArgs(split(line)), expected);
  });
}

test('exec passes arguments with spaces and empty strings through untouched', () => {
  const p = parseArgs(['exec', 'c1', 'sh', '-c', 'echo a  b', '']);
  assert.equal(p.command, 'exec');
  if (p.command === 'exec') assert.deepEqual(p.args, ['sh', '-c', 'echo a  b', '']);
});

const ERR: readonly [string, string, string | undefined][] = [
  ['bogus', 'unknown command "bogus"', undefined],
  ['--foo start c1', 'unknown global flag --foo', undefined],
  ['--root', '--root needs a value', undefined],
  ['--debug=maybe start c1', '--debug: invalid boolean "maybe"', undefined],
  ['help bogus', 'unknown command "bogus"', 'help'],
  ['--help bogus', 'unknown command "bogus"', undefined],
  ['help kill start', '"help": unexpected argument "start"', 'help'],
  ['create', '"create" needs a container id', 'create'],
  ['create --bundle', '--bundle needs a value', 'create'],
  ['create --foo c1', 'unknown flag --foo for "create"', 'create'],
  ['create --foo=1 c1', 'unknown flag --foo for "create"', 'create'],
  ['create -x c1', 'unknown flag -x for "create"', 'create'],
  ['create c1 c2', '"create": unexpected argument "c2"', 'create'],
  ['start', '"start" needs a container id', 'start'],
  ['start a b', '"start": unexpected argument "b"', 'start'],
  ['start --force c1', 'unknown flag --force for "start"', 'start'],
  ['state', '"state" needs a container id', 'state'],
  ['pause', '"pause" needs a container id', 'pause'],
  ['resume', '"resume" needs a container id', 'resume'],
  ['run', '"run" needs a container id', 'run'],
  ['run --detach=yes c1', '--detach: invalid boolean "yes"', 'run'],
  ['exec', '"exec" needs a container id', 'exec'],
  ['exec c1', '"exec" needs a command to run (ARGS or --process)', 'exec'],
  ['exec --foo c1 ls', 'unknown flag --foo for "exec"', 'exec'],
  ['exec --env FOO c1 ls', '--env: must be KEY=VALUE, got "FOO"', 'exec'],
  ['exec --env =x c1 ls', '--env: must be KEY=VALUE, got "=x"', 'exec'],
  ['exec --cwd tmp c1 ls', '--cwd: must be an absolute path, got "tmp"', 'exec'],
  ['exec --user root c1 ls', '--user: must be UID[:GID] with numeric ids, got "root"', 'exec'],
  ['exec --user 1:x c1 ls', '--user: must be UID[:GID] with numeric ids, got "1:x"', 'exec'],
  ['exec --user -1 c1 ls', '--user: must be UID[:GID] with numeric ids, got "-1"', 'exec'],
  ['exec --user 4294967295 c1 ls', '--user: must be UID[:GID] with numeric ids, got "4294967295"', 'exec'],
  ['exec --user', '--user needs a value', 'exec'],
  ['wait', '"wait" needs a container id', 'wait'],
  ['wait --pid 0 c1', '--pid: PID (0) must be positive', 'wait'],
  ['wait --pid -3 c1', '--pid: PID (-3) must be positive', 'wait'],
  ['wait --pid x c1', '--pid: invalid number "x"', 'wait'],
  ['wait --pid 1.5 c1', '--pid: invalid number "1.5"', 'wait'],
  ['wait --pid 99999999999 c1', '--pid: PID (99999999999) is out of range', 'wait'],
  ['kill', '"kill" needs a container id', 'kill'],
  ['kill --foo c1', 'unknown flag --foo for "kill"', 'kill'],
  ['kill c1 FOO', 'invalid signal "FOO"', 'kill'],
  ['kill c1 0', 'invalid signal "0"', 'kill'],
  ['kill c1 65', 'invalid signal "65"', 'kill'],
  ['kill c1 RTMIN+31', 'invalid signal "RTMIN+31"', 'kill'],
  ['kill c1 TERM extra', '"kill": unexpected argument "extra"', 'kill'],
  ['kill --pid 0 c1', '--pid: PID (0) must be positive', 'kill'],
  ['kill --pgid 0 c1', '--pgid: PGID (0) must be positive', 'kill'],
  ['kill --pgid=abc c1', '--pgid: invalid number "abc"', 'kill'],
  ['kill --all --pid 3 c1', '--all, --pid and --pgid are mutually exclusive', 'kill'],
  ['kill --pid 3 --pgid 3 c1', '--all, --pid and --pgid are mutually exclusive', 'kill'],
  ['kill -a --pgid 3 c1', '--all, --pid and --pgid are mutually exclusive', 'kill'],
  ['kill --foreground --all c1', '--foreground goes with --pid only, not with --all or --pgid', 'kill'],
  ['delete', '"delete" needs a container id', 'delete'],
  ['delete --force=2 c1', '--force: invalid boolean "2"', 'delete'],
  ['ps', '"ps" needs a container id', 'ps'],
  ['ps --format yaml c1', '--format: must be table or json, got "yaml"', 'ps'],
  ['list c1', '"list": unexpected argument "c1"', 'list'],
  ['list --format xml', '--format: must be table or json, got "xml"', 'list'],
  ['events', '"events" needs a container id', 'events'],
  ['events --interval 5x c1', '--interval: invalid duration "5x"', 'events'],
  ['events --interval 5 c1', '--interval: invalid duration "5"', 'events'],
  ['events --interval 0s c1', '--interval: must be positive, got "0s"', 'events'],
  ['spec extra', '"spec": unexpected argument "extra"', 'spec'],
  ['spec --quiet', 'unknown flag --quiet for "spec"', 'spec'],
  ['do', '"do" needs a wasm file to run', 'do'],
  ['do --network bridge x.wasm', '--network: must be none, sandbox or host, got "bridge"', 'do'],
  ['do --dir /srv x.wasm', '--dir: must be HOST::GUEST with an absolute GUEST, got "/srv"', 'do'],
  ['do --dir /srv::rel x.wasm', '--dir: must be HOST::GUEST with an absolute GUEST, got "/srv::rel"', 'do'],
  ['do --dir ::/ x.wasm', '--dir: must be HOST::GUEST with an absolute GUEST, got "::/"', 'do'],
  ['do --env X x.wasm', '--env: must be KEY=VALUE, got "X"', 'do'],
  ['do --cwd rel x.wasm', '--cwd: must be an absolute path, got "rel"', 'do'],
  ['do --tty x.wasm', 'unknown flag --tty for "do"', 'do'],
];

for (const [line, message, command] of ERR) {
  test(`usage error: corral ${line}`, () => {
    assert.throws(
      () => parseArgs(split(line)),
      (e: unknown) => {
        assert.ok(e instanceof UsageError, String(e));
        assert.equal(e.message, message);
        assert.equal(e.command, command);
        return true;
      },
    );
  });
}

// ---- signals ---------------------------------------------------------------------------------------

const SIGNALS: readonly [string, number | undefined][] = [
  ['HUP', 1],
  ['SIGHUP', 1],
  ['hup', 1],
  ['SigTerm', 15],
  ['INT', 2],
  ['QUIT', 3],
  ['KILL', 9],
  ['USR1', 10],
  ['USR2', 12],
  ['PIPE', 13],
  ['ALRM', 14],
  ['TERM', 15],
  ['CHLD', 17],
  ['CLD', 17],
  ['CONT', 18],
  ['STOP', 19],
  ['TSTP', 20],
  ['WINCH', 28],
  ['IO', 29],
  ['POLL', 29],
  ['IOT', 6],
  ['SYS', 31],
  ['RTMIN', 34],
  ['SIGRTMIN+1', 35],
  ['rtmin+30', 64],
  ['RTMAX', 64],
  ['RTMAX-30', 34],
  ['RTMAX-1', 63],
  ['1', 1],
  ['32', 32],
  ['64', 64],
  ['0', undefined],
  ['65', undefined],
  ['-1', undefined],
  ['RTMIN+31', undefined],
  ['RTMAX-31', undefined],
  ['RTMIN-1', undefined],
  ['RTMAX+1', undefined],
  ['SIG', undefined],
  ['', undefined],
  ['SIGFOO', undefined],
  ['9x', undefined],
];

for (const [text, n] of SIGNALS) {
  test(`parseSignal(${JSON.stringify(text)}) = ${n}`, () => {
    assert.equal(parseSignal(text), n);
  });
}

test('signalName round-trips through parseSignal for every number 1..64', () => {
  assert.equal(signalName(15), 'SIGTERM');
  assert.equal(signalName(SIGRTMIN), 'SIGRTMIN');
  assert.equal(signalName(SIGRTMIN + 3), 'SIGRTMIN+3');
  assert.equal(signalName(32), 'SIG32');
  for (let n = 1; n <= SIGRTMAX; n++) {
    if (n === 32 || n === 33) continue;
    assert.equal(parseSignal(signalName(n)), n, signalName(n));
  }
});

// ---- durations -------------------------------------------------------------------------------------

const DURATIONS: readonly [string, number | undefined][] = [
  ['5s', 5000],
  ['500ms', 500],
  ['1m', 60000],
  ['1h', 3600000],
  ['1m30s', 90000],
  ['1.5s', 1500],
  ['250us', 0.25],
  ['100ns', 0.0001],
  ['5x', undefined],
  ['5', undefined],
  ['', undefined],
  ['s', undefined],
  ['-5s', undefined],
  ['5s ', undefined],
];
for (const [text, ms] of DURATIONS) {
  test(`parseDuration(${JSON.stringify(text)}) = ${ms}`, () => {
    assert.equal(parseDuration(text), ms);
  });
}

// ---- help ------------------------------------------------------------------------------------------

test('global usage lists every command with its summary and every global flag', () => {
  const text = usage();
  assert.ok(text.startsWith('Usage: corral [global flags] COMMAND [flags] ARGS\n'));
  for (const c of COMMANDS)
    assert.match(text, new RegExp(`^  ${c.name} +${c.summary.replace(/[()]/g, '.')}$`, 'm'));
  for (const f of GLOBAL_FLAGS) assert.ok(text.includes(`--${f.name}`), f.name);
});

test("a command's usage shows its synopsis and every one of its flags", () => {
  for (const c of COMMANDS) {
    const text = usage(c.name);
    assert.ok(text.startsWith(`Usage: corral ${c.name} `), c.name);
    for (const f of c.flags) assert.ok(text.includes(`--${f.name}`), `${c.name} --${f.name}`);
    assert.ok(text.includes('--help'));
  }
  assert.equal(
    usageLine('kill'),
    'Usage: corral kill [--all | --pid N | --pgid N] [--foreground] ID [SIGNAL]',
  );
  assert.equal(usageLine(), 'Usage: corral [global flags] COMMAND [flags] ARGS');
  assert.equal(usage('bogus'), usage());
});

test('the command table lists exactly the commands of the issue', () => {
  assert.deepEqual(
    COMMANDS.map((c) => c.name),
    [
      'create',
      'start',
      'run',
      'exec',
      'wait',
      'kill',
      'delete',
      'ps',
      'state',
      'list',
      'events',
      'pause',
      'resume',
      'spec',
      'do',
      'cc',
      'trace',
      'help',
    ],
  );
});

test('cc passes every argument to clang untouched, global flags before it included', () => {
  const r = parseArgs(['--debug', 'cc', '-O0', '-I', 'inc', '-DX=1', 'a.c', 'b.c', '-o', 'out.wasm', '-h2']);
  assert.equal(r.command, 'cc');
  assert.deepEqual((r as { args: readonly string[] }).args, [
    '-O0',
    '-I',
    'inc',
    '-DX=1',
    'a.c',
    'b.c',
    '-o',
    'out.wasm',
    '-h2',
  ]);
  assert.equal(r.global.debug, true);
  assert.equal(parseArgs(['cc', '--help']).command, 'help');
});
