// Bundles the CLI into one file beside its entry (dist/cli/corral.bundle.js, which bin/corral runs):
// one file loads in a fraction of the time of the ~100 modules behind it (`corral run` of hello went
// from ~220 to ~130 ms). The detached sandbox host and the guest worker were tried too and gained
// nothing measurable: their start-up is the Node isolate's, not module loading. Other scripts stay
// separate files in dist/ and are found by URL, so every `import.meta.url` in a bundled module is
// rewritten to the URL its own file has in dist/, relative to the bundle:
// `new URL('./guest_worker.js', import.meta.url)` keeps pointing where it did.
import * as esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(root, 'dist');

/** [entry, bundle] under dist/. */
const PROGRAMS = [['cli/corral_entry.js', 'cli/corral.bundle.js']];

/** Rewrites import.meta.url in files under dist/ to the file's own URL, relative to `outfile`. */
function ownUrls(outfile) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(dist + sep)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
        let rel = relative(dirname(outfile), args.path).split(sep).join('/');
        if (!rel.startsWith('.')) rel = './' + rel;
        const own = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', own), loader: 'js' };
      });
    },
  };
}

await Promise.all(
  PROGRAMS.map(([entry, out]) => {
    const outfile = resolve(dist, out);
    return esbuild.build({
      entryPoints: [resolve(dist, entry)],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Native addons and packages only tests use stay outside, loaded from node_modules.
      external: ['nanomsg', '@trufflesuite/uws-js-unofficial', 'piscina', 'playwright-core'],
      plugins: [ownUrls(outfile)],
      // Read by cli/linked_actors.ts: a bundled program must link every actor module it spawns.
      define: { 'globalThis.__corralBundle': 'true' },
      logLevel: 'warning',
    });
  }),
);
