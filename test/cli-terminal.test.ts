// Terminals end to end through bin/corral: `create --console-socket` sends a new pty's master to a
// console socket (received here by the native helper's `recv` mode, which relays it to pipes: Node
// cannot receive SCM_RIGHTS), the container's init reads and writes its slave and sees a terminal,
// job control works (tcsetpgrp, `kill --foreground`), `exec --tty --console-socket` gets its own,
// `run` in the foreground uses the caller's terminal (run under the helper's `run` mode), and bad
// console sockets are clear errors. Nothing is left behind: no state, no host, no fd on a terminal.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SANDBOX_ANNOTATION } from '../actors/loader/control_protocol.js';
import { makeBundle, REPO, TempDirs } from './helpers/bundles.js';
import { alive, CORRAL_BIN, CorralCli, until } from './helpers/cli.js';

const PTY = path.join(REPO, 'build', 'native', 'corral-pty');
const dirs = new TempDirs();
const helpers: ChildProcess[] = [];
test.after(() => {
  for (const h of helpers) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
  CorralCli.killAllHosts();
  dirs.cleanup();
});

/** A running corral-pty: what it relayed from the terminal so far, and its exit. */
interface Relay {
  child: ChildProcess;
  out(): string;
  err(): string;
  write(text: string): void;
  exited: Promise<number | null>;
}

function startPty(args: string[]): Relay {
  const child = spawn(PTY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  helpers.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { child, out: () => out, err: () => err, write: (t) => void child.stdin!.write(t), exited };
}

/** A console socket at a new path, with its receiver listening. */
async function consoleSocket(): Promise<{ socket: string; relay: Relay }> {
  const socket = path.join(dirs.make('corral-console-'), 'console.sock');
  const relay = startPty(['recv', socket]);
  await until(() => relay.err().includes('listening'), 'the console socket to listen');
  return { socket, relay };
}

/** The sandbox host's open fds that name a terminal (/dev/pts/N). */
function terminalFds(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  const out: string[] = [];
  for (const fd of fs.readdirSync(dir)) {
    try {
      const target = fs.readlinkSync(path.join(dir, fd));
      if (target.startsWith('/dev/pts/')) out.push(`${fd} -> ${target}`);
    } catch {
      continue; // closed meanwhile
    }
  }
  return out;
}

function hostPid(stateJson: string): number {
  return (JSON.parse(stateJson) as { pid: number }).pid;
}

async function exitWithin(r: Relay, ms: number): Promise<number | null | 'running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'running'>((res) => (timer = setTimeout(() => res('running'), ms)));
  const code = await Promise.race([r.exited, late]);
  clearTimeout(timer);
  return code;
}

test('create --console-socket: the init reads and writes the terminal, and sees one', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['tty_job'], args: ['/bin/tty_job', 'info'], terminal: true });
  const { socket, relay } = await consoleSocket();
  await cli.ok(['create', '--bundle', bundle, '--console-socket', socket, 't1']);
  await until(() => relay.err().includes('terminal /dev/pts/'), 'the master to arrive');
  assert.ok(!fs.existsSync(socket), 'the receiver took the terminal and removed its socket');
  const host = hostPid(await cli.ok(['state', 't1']));
  await cli.ok(['start', 't1']);
  // fd_fdstat_get: a character device (2) on 0, 1, 2, so isatty() is true; the init leads its
  // session and its group is the terminal's foreground group.
  await until(() => /isatty[^\n]*\n/.test(relay.out()), 'the init to print');
  assert.match(relay.out(), /isatty 1 1 1 filetype0 2 tcgetpgrp errno 0 pgrp 1 self 1\r\n/);
  relay.write('hello terminal\n');
  await until(() => relay.out().includes('got hello terminal\r\n'), 'the line to come back');
  // The terminal's own echo came first (canonical mode, ECHO), then the guest's copy.
  assert.ok(relay.out().indexOf('hello terminal\r\n') < relay.out().indexOf('got hello'));
  relay.write('\x04'); // ^D: end of file for the reader
  await until(() => relay.out().includes('bye\r\n'), 'the init to see end of file');
  const w = await cli.run(['wait', 't1']);
  assert.equal(w.code, 0, w.stderr);
  // The init's exit closed the last slave: the receiver's master hangs up.
  assert.equal(await exitWithin(relay, 5_000), 0);
  assert.deepEqual(terminalFds(host), [], 'the sandbox host holds no terminal');
  await cli.ok(['delete', 't1']);
  assert.equal(alive(host), false);
  assert.deepEqual(cli.leftovers(), []);
});

test('job control: tcsetpgrp, kill --foreground reaches the foreground group; exec --tty --console-socket', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['tty_job'], args: ['/bin/tty_job', 'fg'], terminal: true });
  const init = await consoleSocket();
  await cli.ok(['create', '--bundle', bundle, '--console-socket', init.socket, 't2']);
  await cli.ok(['start', 't2']);
  await until(
    () => init.relay.out().includes('child ready') && init.relay.out().includes('fg '),
    'the child to start and be put in the foreground',
  );
  assert.match(init.relay.out(), /fg 2 errno 0\r\n/, 'the child group is the foreground');
  const host = hostPid(await cli.ok(['state', 't2']));
  const baseline = terminalFds(host);
  assert.equal(baseline.length, 2, `the init's terminal: ${baseline.join(', ')}`);

  await cli.ok(['kill', '--foreground', 't2', 'INT']);
  await until(() => init.relay.out().includes('child signal 2'), 'the foreground group to get SIGINT');
  const ps = JSON.parse(await cli.ok(['ps', '--format', 'json', 't2'])) as { cmd: string }[];
  assert.deepEqual(
    ps.map((p) => p.cmd),
    ['/bin/tty_job fg'],
    'the init, in the background, was not signalled',
  );

  // exec --tty with a console socket: the process gets a terminal of its own, and leads a session.
  const ex = await consoleSocket();
  const pidFile = path.join(bundle, 'exec.pid');
  await cli.ok([
    'exec',
    '--tty',
    '--detach',
    '--console-socket',
    ex.socket,
    '--pid-file',
    pidFile,
    't2',
    '/bin/tty_job',
    'info',
  ]);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  await until(() => ex.relay.out().includes('isatty'), 'the exec to print');
  assert.match(
    ex.relay.out(),
    new RegExp(`isatty 1 1 1 filetype0 2 tcgetpgrp errno 0 pgrp ${pid} self ${pid}`),
  );
  assert.equal(terminalFds(host).length, 4);
  ex.relay.write('from exec\n');
  await until(() => ex.relay.out().includes('got from exec'), 'the exec to read its terminal');
  ex.relay.write('\x04');
  const w = await cli.run(['wait', '--pid', String(pid), 't2']);
  assert.equal(w.code, 0, w.stderr);
  assert.equal(await exitWithin(ex.relay, 5_000), 0, 'the exec terminal hung up');
  await until(() => terminalFds(host).length === 2, "the exec's terminal fds to close");
  assert.deepEqual(terminalFds(host), baseline);

  await cli.ok(['delete', '--force', 't2']);
  assert.equal(alive(host), false);
  assert.equal(await exitWithin(init.relay, 5_000), 0);
  assert.deepEqual(cli.leftovers(), []);
});

test("run in the foreground gives a terminal container the caller's own terminal", async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['tty_job'], args: ['/bin/tty_job', 'info'], terminal: true });
  const r = startPty(['run', CORRAL_BIN, '--root', cli.root, 'run', '--bundle', bundle, 't3']);
  await until(() => r.out().includes('isatty'), 'the init to print', 10_000);
  assert.match(r.out(), /isatty 1 1 1 filetype0 2 tcgetpgrp errno 0 pgrp 1 self 1\r\n/);
  r.write('typed\n');
  await until(() => r.out().includes('got typed'), 'the init to read the terminal');
  r.write('\x04');
  assert.equal(await exitWithin(r, 10_000), 0, r.out());
  assert.match(r.out(), /bye\r\n/);
  assert.deepEqual(cli.leftovers(), []);
});

test('bad console sockets and terminals: clear errors naming the path, nothing left behind', async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['tty_job'], args: ['/bin/tty_job', 'info'], terminal: true });
  const missing = path.join(dirs.make('corral-console-'), 'nope.sock');
  const r1 = await cli.run(['create', '--bundle', bundle, '--console-socket', missing, 'b1']);
  assert.equal(r1.code, 1);
  assert.equal(r1.stderr, `corral: --console-socket ${missing}: no such file or directory\n`);

  const file = path.join(bundle, 'config.json');
  const r2 = await cli.run(['create', '--bundle', bundle, '--console-socket', file, 'b2']);
  assert.equal(r2.code, 1);
  assert.equal(r2.stderr, `corral: --console-socket ${file}: not a unix socket\n`);

  // A socket nobody listens on any more: connect fails, and says so.
  const { socket, relay } = await consoleSocket();
  relay.child.kill('SIGKILL');
  await relay.exited;
  const r3 = await cli.run(['create', '--bundle', bundle, '--console-socket', socket, 'b3']);
  assert.equal(r3.code, 1);
  assert.match(
    r3.stderr,
    new RegExp(`^corral: --console-socket ${socket}: cannot send the terminal: Connection refused\n$`),
  );

  const r4 = await cli.run(['create', '--bundle', bundle, 'b4']);
  assert.equal(r4.code, 1);
  assert.match(r4.stderr, /without --console-socket/);

  const plain = makeBundle(dirs, { bins: ['tty_job'], args: ['/bin/tty_job', 'info'] });
  const live = await consoleSocket();
  const r5 = await cli.run(['create', '--bundle', plain, '--console-socket', live.socket, 'b5']);
  assert.equal(r5.code, 1);
  assert.match(r5.stderr, /does not ask for a terminal/);
  assert.ok(fs.existsSync(live.socket), 'nothing was sent');
  assert.deepEqual(cli.leftovers(), []);

  // exec --tty with no terminal to give (stdin is not one) and no console socket.
  const sleeper = makeBundle(dirs, { bins: ['sleep', 'tty_job'], args: ['/bin/sleep', '1000000'] });
  await cli.ok(['run', '--detach', '--bundle', sleeper, 'b6']);
  const host = hostPid(await cli.ok(['state', 'b6']));
  const r6 = await cli.run(['exec', '--tty', 'b6', '/bin/tty_job']);
  assert.equal(r6.code, 1);
  assert.match(r6.stderr, /exec --tty: stdin and stdout are not a terminal/);
  const r7 = await cli.run(['exec', '--tty', '--detach', 'b6', '/bin/tty_job']);
  assert.equal(r7.code, 1);
  assert.match(r7.stderr, /needs --console-socket/);
  const r8 = await cli.run(['exec', '--tty', '--console-socket', missing, 'b6', '/bin/tty_job']);
  assert.equal(r8.code, 1);
  assert.match(r8.stderr, /no such file or directory/);
  const ps = JSON.parse(await cli.ok(['ps', '--format', 'json', 'b6'])) as unknown[];
  assert.equal(ps.length, 1, 'no process was started');
  assert.deepEqual(terminalFds(host), []);
  await cli.ok(['delete', '--force', 'b6']);
  assert.equal(alive(host), false);
  assert.deepEqual(cli.leftovers(), []);
});

test("exec --tty in the foreground uses the caller's terminal; a sub-container gets its console", async () => {
  const cli = new CorralCli(dirs);
  const bundle = makeBundle(dirs, { bins: ['sleep', 'tty_job'], args: ['/bin/sleep', '1000000'] });
  await cli.ok(['run', '--detach', '--bundle', bundle, 'e1']);
  const host = hostPid(await cli.ok(['state', 'e1']));
  const r = startPty(['run', CORRAL_BIN, '--root', cli.root, 'exec', '--tty', 'e1', '/bin/tty_job', 'info']);
  await until(() => r.out().includes('isatty'), 'the exec to print', 10_000);
  assert.match(r.out(), /isatty 1 1 1 filetype0 2 tcgetpgrp errno 0 pgrp (\d+) self \1\r\n/);
  r.write('line\n');
  await until(() => r.out().includes('got line'), 'the exec to read the terminal');
  r.write('\x04');
  assert.equal(await exitWithin(r, 10_000), 0, r.out());
  await until(() => terminalFds(host).length === 0, "the exec's terminal fds to close");

  // A sub-container joining the sandbox, with a terminal from its own console socket.
  const sub = makeBundle(dirs, {
    bins: ['tty_job'],
    args: ['/bin/tty_job', 'info'],
    terminal: true,
    annotations: { [SANDBOX_ANNOTATION]: 'e1' },
  });
  const { socket, relay } = await consoleSocket();
  await cli.ok(['create', '--bundle', sub, '--console-socket', socket, 'e2']);
  await cli.ok(['start', 'e2']);
  await until(() => /isatty[^\n]*\n/.test(relay.out()), 'the sub-container to print');
  assert.match(relay.out(), /isatty 1 1 1 filetype0 2 tcgetpgrp errno 0/);
  relay.write('\x04');
  assert.equal((await cli.run(['wait', 'e2'])).code, 0);
  assert.equal(await exitWithin(relay, 5_000), 0);
  await cli.ok(['delete', 'e2']);
  await cli.ok(['delete', '--force', 'e1']);
  assert.equal(alive(host), false);
  assert.deepEqual(cli.leftovers(), []);
});
