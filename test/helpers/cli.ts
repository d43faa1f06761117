// Runs bin/corral as a whole process against a private state root, with a deadline. Output goes to
// files, not pipes: `corral create` hands its stdio to the sandbox host, which outlives it, so a pipe
// would stay open after create exits. The files also collect what the root container prints later.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, type TempDirs } from './bundles.js';

/** The launcher users run (a shell script); it runs bin/corral.cjs with $CORRAL_NODE. */
export const CORRAL_BIN = path.join(REPO, 'bin', 'corral');
// Every corral a test starts (directly, or through a pty helper) runs on this same Node.
process.env.CORRAL_NODE ??= process.execPath;

export interface CliResult {
  /** Exit status; null when killed by a signal (or by the deadline). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The file stdout went to (still written by a sandbox host the command started). */
  stdoutFile: string;
  ms: number;
}

export interface CliOptions {
  /** Deadline in ms (default 20 s); the process is SIGKILLed and the call rejects when it passes. */
  timeoutMs?: number;
  /** Text fed to stdin; default /dev/null. */
  stdin?: string;
}

export class CorralCli {
  /** The state root passed as --root; immutable. */
  readonly root: string;
  /** Where command outputs go; immutable. */
  private readonly scratch: string;
  private n = 0;

  constructor(dirs: TempDirs) {
    this.root = dirs.make('corral-root-');
    this.scratch = dirs.make('corral-out-');
    CorralCli.all.push(this);
  }

  /** Every instance made, for killAllHosts(). */
  private static readonly all: CorralCli[] = [];

  /** killHosts() of every instance (a test file's `after` hook). */
  static killAllHosts(): void {
    for (const c of CorralCli.all) c.killHosts();
  }

  async run(args: string[], opts: CliOptions = {}): Promise<CliResult> {
    const n = this.n++;
    const outFile = path.join(this.scratch, `${n}.out`);
    const errFile = path.join(this.scratch, `${n}.err`);
    const outFd = fs.openSync(outFile, 'w');
    const errFd = fs.openSync(errFile, 'w');
    const t0 = performance.now();
    const child = spawn(CORRAL_BIN, ['--root', this.root, ...args], {
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', outFd, errFd],
    });
    fs.closeSync(outFd);
    fs.closeSync(errFd);
    if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`corral ${args.join(' ')}: no exit within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    return {
      code,
      stdout: fs.readFileSync(outFile, 'utf8'),
      stderr: fs.readFileSync(errFile, 'utf8'),
      stdoutFile: outFile,
      ms: performance.now() - t0,
    };
  }

  /** Runs and asserts exit 0, returning stdout. */
  async ok(args: string[], opts: CliOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) {
      throw new Error(`corral ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    }
    return r.stdout;
  }

  /**
   * SIGKILLs every sandbox host this state root still names, so that a failed test leaves nothing
   * running. Call before removing the temp directories.
   */
  killHosts(): void {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return;
    }
    for (const n of names) {
      try {
        const { pid } = JSON.parse(fs.readFileSync(path.join(this.root, n, 'state.json'), 'utf8')) as {
          pid: number;
        };
        if (pid > 0 && pid !== process.pid && alive(pid)) process.kill(pid, 'SIGKILL');
      } catch {
        continue;
      }
    }
  }

  /** Entries left in the state root. */
  leftovers(): string[] {
    return fs.readdirSync(this.root);
  }
}

/** True while process `pid` exists and has not exited (a zombie is gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // An exited process its reaper has not collected yet (state Z) holds nothing any more: gone.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `cond` every 10 ms until it holds; throws at the deadline. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
