// `corral cc`: builds C programs for Corral guests with Debian's clang and wasi-libc, adding the
// corral_v1 SDK (platform/sdk): its headers first on the include path (so that <spawn.h>,
// <sys/wait.h> and the POSIX parts of <signal.h> and <unistd.h> exist), the switches wasi-libc
// wants for them, and libcorral.a at the link. Every other argument goes to clang untouched.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CcCommand } from './args.js';
import { CliError } from './cmd_common.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const INCLUDE = `${REPO}platform/sdk/include`;
const LIBRARY = `${REPO}build/sdk/libcorral.a`;

/** clang's arguments for `args` (exported for tests). */
export function clangArgs(args: readonly string[]): string[] {
  const compileOnly = args.some((a) => a === '-c' || a === '-S' || a === '-E' || a === '-M' || a === '-MM');
  const optimised = args.some((a) => /^-O/.test(a));
  return [
    '--target=wasm32-wasi',
    ...(optimised ? [] : ['-O2']),
    '-I',
    INCLUDE,
    '-D_WASI_EMULATED_SIGNAL',
    '-D_WASI_EMULATED_GETPID',
    ...args,
    // The library after the user's objects, so that it resolves what they need.
    ...(compileOnly ? [] : [LIBRARY, '-Wl,--strip-debug']),
  ];
}

export async function runCc(cmd: CcCommand): Promise<number> {
  if (cmd.args.length === 0)
    throw new CliError('cc: no input files (usage: corral cc [CLANG FLAGS] FILE.c... -o OUT.wasm)');
  if (!existsSync(LIBRARY)) {
    throw new CliError(`cc: the SDK is not built (${LIBRARY} is missing): run npm run build`);
  }
  const cc = process.env['CORRAL_CC'] ?? 'clang';
  return new Promise<number>((resolve, reject) => {
    const child = spawn(cc, clangArgs(cmd.args), { stdio: 'inherit' });
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        new CliError(
          e.code === 'ENOENT'
            ? `cc: ${cc} not found: install Debian's clang, lld and wasi-libc (bash scripts/toolchain.sh)`
            : `cc: cannot run ${cc}: ${e.message}`,
        ),
      );
    });
    child.once('exit', (code, signal) => {
      if (signal !== null) reject(new CliError(`cc: ${cc} was killed by ${signal}`));
      else if (code !== 0) {
        process.stderr.write(`corral: cc: ${cc} failed (exit ${code})\n`);
        resolve(code ?? 1);
      } else resolve(0);
    });
  });
}
