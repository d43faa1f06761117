// Terminals for containers, as runc gives them: `--console-socket S` gets the master of a new
// pseudo-terminal (sent with SCM_RIGHTS by the native helper build/native/corral-pty, since Node can
// neither allocate a pty nor pass an fd over a unix socket), and the container's process gets its
// slave, opened by path in the sandbox host (StdioSpec 'terminal'). In the foreground (`run`,
// `exec --tty` without a console socket) the process gets the caller's own terminal instead.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import type { StdioSpec } from '../actors/loader/control_protocol.js';
import { CliError } from './cmd_common.js';

/** The native helper (scripts/native/corral-pty.c, built by scripts/build-native.sh). */
export const PTY_HELPER = fileURLToPath(new URL('../../build/native/corral-pty', import.meta.url));
const HELPER_TIMEOUT_MS = 10_000;

/** Checks that `file` names a unix socket, before anything is made; returns its absolute path. */
export function checkConsoleSocket(file: string): string {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    throw new CliError(`--console-socket ${abs}: ${why}`);
  }
  if (!st.isSocket()) throw new CliError(`--console-socket ${abs}: not a unix socket`);
  return abs;
}

/**
 * Makes a pseudo-terminal, sends its master to the console socket `socket` (checked already) and
 * returns the stdio of its slave. Nothing stays open here: the receiver holds the master.
 */
export function sendConsole(socket: string): Promise<StdioSpec> {
  if (!fs.existsSync(PTY_HELPER)) {
    return Promise.reject(new CliError(`terminal helper ${PTY_HELPER} is not built: run scripts/build.sh`));
  }
  return new Promise((resolve, reject) => {
    execFile(
      PTY_HELPER,
      ['console', socket],
      { timeout: HELPER_TIMEOUT_MS, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const slave = stdout.trim();
        if (err === null && slave.startsWith('/dev/')) {
          resolve({ kind: 'terminal', path: slave });
          return;
        }
        const line = stderr.trim().split('\n').pop() ?? '';
        // "corral-pty: connect to console socket S: Connection refused" → the reason.
        const why = line.slice(line.lastIndexOf(': ') + 2) || err?.message || 'no terminal';
        reject(new CliError(`--console-socket ${socket}: cannot send the terminal: ${why}`));
      },
    );
  });
}

/** The caller's own terminal, when its stdin and stdout are both one (its path, as /dev/pts/N). */
export function callerTerminal(): StdioSpec | undefined {
  if (!isatty(0) || !isatty(1)) return undefined;
  try {
    const p = fs.readlinkSync('/proc/self/fd/0');
    return p.startsWith('/dev/') ? { kind: 'terminal', path: p } : undefined;
  } catch {
    return undefined;
  }
}
