// The trace benchmark's baseline: a copy of the compiled runtime and platform with the trace hooks
// compiled out (the `if (hook !== null)` checks on the message and syscall paths removed), so that
// "tracing off" is measured against code that has no tracing at all.
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

/** Makes dist/.trace-nohook (inside dist, so that bare imports still find node_modules). */
export function makeNoHookCopy(): { dir: string; cleanup(): void } {
  const dir = join(DIST, '.trace-nohook');
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['actors', 'platform', 'bridge']) cpSync(join(DIST, d), join(dir, d), { recursive: true });
  for (const [file, re] of CUTS) {
    const path = join(dir, file);
    const src = readFileSync(path, 'utf8');
    const hits = src.match(new RegExp(re.source, 'g'))?.length ?? 0;
    if (hits !== 1) throw new Error(`trace bench: expected one ${re} in ${file}, found ${hits}`);
    writeFileSync(path, src.replace(re, '/* trace hook compiled out */'));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
