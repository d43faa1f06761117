// npm run bench -- lifecycle: a sandbox's life in-process, and `corral run`/`corral do` as whole
// processes against node:wasi running the same module.
import { existsSync } from 'node:fs';
import { runInprocessLifecycleBench } from './_lifecycle_inprocess.js';

export async function run(): Promise<void> {
  await runInprocessLifecycleBench();
  const cli = new URL('./_lifecycle_cli.js', import.meta.url);
  if (existsSync(cli)) {
    const mod = (await import(cli.href)) as { runCliLifecycleBench: () => Promise<void> };
    await mod.runCliLifecycleBench();
  }
}
