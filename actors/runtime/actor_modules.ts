// Actor modules linked into the running program. An ActorSpec names its module by URL so that any
// host thread can import it; but a program bundled into one file (the CLI, see scripts/bundle.mjs)
// already holds those modules, and importing the URL would load a second copy of them with their
// own module state (the thread's guest pool, its kernel). The bundle registers a loader for each
// actor module under the URL the unbundled tree would use, and the host asks here first.

/** Loads an actor module's namespace. */
export type ActorModuleLoader = () => Promise<Record<string, unknown>>;

/** Registered loaders by module URL; filled once at program start, before any spawn. Per thread. */
const linked = new Map<string, ActorModuleLoader>();

/** Set by a bundled program: every actor module it spawns on this thread must be linked. */
let linkedOnly = false;

/** Registers `load` as the way to obtain the module at `url` on this thread. */
export function linkActorModule(url: string, load: ActorModuleLoader): void {
  linked.set(url, load);
}

/**
 * Declares this thread's program bundled: from now on an unlinked actor module is an error instead
 * of a silent second copy of the runtime (which would split the thread's state in two).
 */
export function requireLinkedActorModules(): void {
  linkedOnly = true;
}

/** The module at `url`: a linked one when registered, else a dynamic import. */
export function loadActorModule(url: string): Promise<Record<string, unknown>> {
  const load = linked.get(url);
  if (load !== undefined) return load();
  if (linkedOnly) {
    return Promise.reject(
      new Error(
        `actor module ${url} is not linked into this bundled program (add it to cli/corral_entry.ts)`,
      ),
    );
  }
  return import(url) as Promise<Record<string, unknown>>;
}
