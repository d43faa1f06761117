// Links the actor modules a sandbox host spawns on its own thread (the Loader, container,
// process-group and gofer-monitor actors) into the running program. Imported first by a bundled
// program that hosts a sandbox: the CLI (`run`, `do`). Unbundled, a link names the very
// module an import() would load, so it changes nothing; bundled (scripts/bundle.mjs), it makes the
// spawn use the bundle's own copy instead of loading the unbundled tree beside it, whose second copy
// of the runtime would have its own guest pool and kernel.
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
linkActorModule(
  new URL('../actors/gofer/gofer_monitor_actor.js', import.meta.url).href,
  () => import('../actors/gofer/gofer_monitor_actor.js'),
);

// Only when bundled (scripts/bundle.mjs defines the flag true): unbundled, anything may be imported.
if ((globalThis as { __corralBundle?: boolean }).__corralBundle === true) requireLinkedActorModules();
