// The `corral` CLI entry (bin/corral imports the compiled file). Parses the command line, then loads
// only the module of the command asked for, so that start-up stays short: `corral run` of a small
// guest is a whole process lifetime, and most of it is module loading.
import * as fs from 'node:fs';
import { parseArgs, usage, usageLine, UsageError, type ParsedCommand } from './args.js';

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * `run` and `do` host their sandbox in this process and run one program: start its guest worker
 * first, so that the thread boots (~40 ms) while the Loader's modules load, and start no spare.
 * Their gofer is attached on demand (cmd_run.ts): the thread's gofer process is started now too
 * only when `program` (the init's host path; null when it cannot be found yet, and the command
 * then reports why) may use files, so that its node start-up overlaps the CLI's own.
 */
async function prestartGuests(program: string | null): Promise<void> {
  if (program !== null && (await import('../platform/wasm_imports.js')).programMayUseFiles(program)) {
    (await import('../actors/gofer/gofer_process.js')).prestartGofer();
  }
  (await import('../actors/process-group/guest_platform.js')).prestartGuestStrategy({
    warm: 1,
    refill: false,
  });
  // Programs instrumented by an earlier run are read, not instrumented again (~15-20 ms cold).
  const cache = await import('../platform/instrument_cache.js');
  cache.useInstrumentCache(cache.defaultCacheDir());
}

/** The init program of the bundle in `dir`, as its start will find it; null on any problem. */
async function bundleProgram(dir: string): Promise<string | null> {
  const { loadBundle } = await import('../actors/loader/bundle/index.js');
  const { initProgram } = await import('../actors/loader/launch_request.js');
  try {
    return initProgram(loadBundle(dir));
  } catch {
    return null;
  }
}

async function dispatch(cmd: ParsedCommand): Promise<number> {
  switch (cmd.command) {
    case 'help':
      process.stdout.write(usage(cmd.topic));
      return 0;
    case 'version':
      process.stdout.write(`corral version ${version()}\nspec: 1.0.2\n`);
      return 0;
    case 'create':
      return (await import('./cmd_create.js')).runCreate(cmd);
    case 'start':
      return (await import('./cmd_create.js')).runStart(cmd);
    case 'run':
      if (!cmd.flags.detach) {
        await prestartGuests(await bundleProgram(cmd.flags.bundle));
      }
      return (await import('./cmd_run.js')).runRun(cmd);
    case 'exec':
      return (await import('./cmd_exec.js')).runExec(cmd);
    case 'do':
      await prestartGuests(cmd.file);
      return (await import('./cmd_do.js')).runDo(cmd);
    case 'spec':
      return (await import('./cmd_spec.js')).runSpec(cmd);
    case 'delete':
      return (await import('./cmd_delete.js')).runDelete(cmd);
    case 'wait':
    case 'kill':
    case 'pause':
    case 'resume':
      return (await import('./cmd_signal.js')).runSignalCommand(cmd);
    case 'trace':
      return (await import('./cmd_trace.js')).runTraceCommand(cmd);
    case 'cc':
      return (await import('./cmd_cc.js')).runCc(cmd);
    case 'ps':
    case 'state':
    case 'list':
    case 'events':
      return (await import('./cmd_info.js')).runInfoCommand(cmd);
  }
}

function fail(message: string): void {
  process.stderr.write(`corral: ${message}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  let cmd: ParsedCommand;
  try {
    cmd = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    fail(e.message);
    process.stderr.write(`${usageLine(e.command)}\n`);
    return 2;
  }
  try {
    return await dispatch(cmd);
  } catch (e) {
    const err = e as Error & { exitCode?: unknown };
    if (e instanceof UsageError) {
      fail(e.message);
      return 2;
    }
    fail(err instanceof Error ? err.message : String(e));
    if (cmd.global.debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return typeof err.exitCode === 'number' ? err.exitCode : 1;
  }
}

// A reader that went away (`corral events | head`) ends us quietly, as SIGPIPE ends a C program.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

/**
 * Runs the command and exits with its status once output is flushed: stray handles (a native
 * socket library's threads, a stdin reader) must not keep a finished command alive. No top-level
 * await: the CLI's bundle is CommonJS (scripts/bundle.mjs says why).
 */
async function runCli(): Promise<void> {
  const code = await main(process.argv.slice(2));
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  await new Promise<void>((r) => process.stderr.write('', () => r()));
  process.exit(code);
}

void runCli();
