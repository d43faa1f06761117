// The entry of the bundled CLI (scripts/bundle.mjs makes dist/cli/corral.bundle.js from it). A
// process that runs a sandbox in itself (`corral run`, `corral do`) spends most of its life loading
// modules; one file loads in a fraction of the time of ~100. The actor modules the Loader spawns on
// this thread are linked in here, so that spawning one reuses the bundled copy instead of importing
// the unbundled tree beside it (a second copy would have its own guest pool and kernel).
import { linkActorModule, requireLinkedActorModules } from '../actors/runtime/actor_modules.js';

linkActorModule(
  new URL('../actors/loader/loader_actor.js', import.meta.url).href,
  () => import('../actors/loader/loader_actor.js'),
);
linkActorModule(
  new URL('../actors/container/container_actor.js', import.meta.url).href,
  () => import('../actors/container/container_actor.js'),
);
linkActorModule(
  new URL('../actors/process-group/process_group_actor.js', import.meta.url).href,
  () => import('../actors/process-group/process_group_actor.js'),
);

// Only when bundled (scripts/bundle.mjs defines the flag true): unbundled, anything may be imported.
if ((globalThis as { __corralBundle?: boolean }).__corralBundle === true) requireLinkedActorModules();

await import('./main.js');
