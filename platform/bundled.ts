// Which file to start for a program that scripts/bundle.mjs also bundles into one file beside its
// entry: the gofer child and the guest worker. A bundle loads one file where the entry loads its
// whole module graph, which is most of such a program's start-up after Node's own; but a bundle
// is only made by `npm run build`, and a later `tsc` alone leaves it behind the code it was made
// from. tsc rewrites every output, so the entry's mtime says when the tree was last built.
import { statSync } from 'node:fs';

/** Answers by entry URL; per thread (module state), since the files do not change under a run. */
const chosen = new Map<string, URL>();

function mtimeOf(url: URL): number {
  return statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;
}

/** `bundle` while it exists and is at least as new as `entry`; else `entry`. */
export function freshBundle(entry: URL, bundle: URL): URL {
  let url = chosen.get(entry.href);
  if (url === undefined) {
    const b = mtimeOf(bundle);
    url = b >= 0 && b >= mtimeOf(entry) ? bundle : entry;
    chosen.set(entry.href, url);
  }
  return url;
}
