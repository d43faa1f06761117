// Where container state lives. runc uses /run/runc when root and $XDG_RUNTIME_DIR/runc otherwise; Corral
// does the same with one more fallback (the temp directory, per uid) so that it works in containers and
// CI machines that have neither. The choice is made once per CLI invocation.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SYSTEM_STATE_ROOT = '/run/corral';

export interface StateRootOptions {
  /** `--root`, when given: used as is (made absolute), and created when missing. */
  readonly root?: string;
  /** Environment to read XDG_RUNTIME_DIR from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Overrides the system location (tests). */
  readonly systemRoot?: string;
  /** Overrides os.tmpdir() (tests). */
  readonly tmpdir?: string;
}

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

/**
 * Creates `dir` (mode 0700 for new directories: state holds control sockets) and checks it is a
 * writable directory. With `mine`, it must also belong to the current user: in a shared directory such
 * as /tmp another user could have made it first and would then control our state and sockets.
 */
function usable(dir: string, mine: boolean): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    const st = fs.statSync(dir);
    return st.isDirectory() && (!mine || st.uid === uid());
  } catch {
    return false;
  }
}

/**
 * The state root: `--root` if given, else /run/corral when it exists or can be created and is
 * writable, else $XDG_RUNTIME_DIR/corral, else <tmpdir>/corral-<uid>. The directory exists on return.
 */
export function resolveStateRoot(opts: StateRootOptions = {}): string {
  if (opts.root !== undefined) {
    const dir = path.resolve(opts.root);
    if (!usable(dir, false)) throw new Error(`state root ${dir} is not a writable directory`);
    return dir;
  }
  // The system root is shared by design (runc's /run/runc); the per-user ones must be the user's own.
  const candidates: [string, boolean][] = [[opts.systemRoot ?? SYSTEM_STATE_ROOT, false]];
  const xdg = (opts.env ?? process.env).XDG_RUNTIME_DIR;
  if (xdg && path.isAbsolute(xdg)) candidates.push([path.join(xdg, 'corral'), true]);
  candidates.push([path.join(opts.tmpdir ?? os.tmpdir(), `corral-${uid()}`), true]);
  for (const [dir, mine] of candidates) if (usable(dir, mine)) return dir;
  throw new Error(`no usable state root (tried ${candidates.map(([d]) => d).join(', ')}); pass --root`);
}
