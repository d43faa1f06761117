// The trace benchmark's copies of the compiled runtime (trace.ts loads several into one process):
// - nohook: the actor runtime and platform with the trace hooks compiled out (the `if (hook !==
//   null)` checks on the message and syscall paths removed), so that "tracing off" is measured
//   against code that has no tracing at all;
// - control: an unchanged copy, measured against the real tree the same way, so that a reader sees
//   what the method reports when there is no difference to find (its resolution).
// Each holds the benchmark's actor module too: a copy's actors must call into that copy only.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../', import.meta.url));

/** [file, pattern] pairs: each pattern must match exactly once. */
const CUTS: readonly [string, RegExp][] = [
  ['platform/syscall_host.js', /if \(traceHook !== null\)\s*this\.traceBegin\(sys\);/],
  ['platform/syscall_host.js', /if \(this\.traceStart !== 0\)\s*this\.traceEnd\(res\);/],
  ['actors/runtime/host.js', /if \(this\.trace !== null\)\s*this\.emitTrace\(env\);/],
];

/** Copies what a runtime copy needs (inside dist, so that bare imports still find node_modules). */
function copyRuntime(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  // Times kept: a copy must choose the same files as the tree (platform/bundled.ts takes a bundle
  // only while it is as new as its entry), or its guest worker runs other code.
  const opts = { recursive: true, preserveTimestamps: true };
  for (const d of ['actors', 'platform', 'bridge']) cpSync(join(DIST, d), join(dir, d), opts);
  const actors = 'scripts/bench/_trace_actors.js';
  cpSync(join(DIST, actors), join(dir, actors), opts);
}

export interface RuntimeCopies {
  /** The runtime with the hooks compiled out. */
  nohook: string;
  /** The runtime as it is. */
  control: string;
  cleanup(): void;
}

/** Makes dist/.trace-nohook and dist/.trace-control. */
export function makeCopies(): RuntimeCopies {
  const nohook = join(DIST, '.trace-nohook');
  const control = join(DIST, '.trace-control');
  const cleanup = (): void => {
    for (const d of [nohook, control]) rmSync(d, { recursive: true, force: true });
  };
  try {
    copyRuntime(nohook);
    copyRuntime(control);
    for (const [file, re] of CUTS) {
      const path = join(nohook, file);
      const src = readFileSync(path, 'utf8');
      const hits = src.match(new RegExp(re.source, 'g'))?.length ?? 0;
      if (hits !== 1) throw new Error(`trace bench: expected one ${re} in ${file}, found ${hits}`);
      writeFileSync(path, src.replace(re, '/* trace hook compiled out */'));
    }
  } catch (e) {
    cleanup();
    throw e;
  }
  return { nohook, control, cleanup };
}
