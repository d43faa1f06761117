// Bundles the programs whose start-up is on the critical path of `corral run`, each into one file
// beside its entry, so that it loads one file instead of the many modules behind it:
//
// - the CLI (dist/cli/corral.bundle.cjs, which bin/corral.cjs runs): `corral run` of hello went from
//   ~220 to ~130 ms. CommonJS, not an ES module: Node then sets up no ES module loader at all
//   (~40 ms less of a ~230 ms run when it was measured), and the launcher can compile it with a V8
//   code cache (vm.Script's cachedData: ~14 ms of compiling becomes ~4);
// - the gofer child (dist/actors/gofer/gofer_main.bundle.cjs) and the guest worker
//   (dist/platform/thread/guest_worker.bundle.cjs), which gofer_child.ts and guest_pool.ts start
//   instead of their entries while the bundle is fresh (platform/bundled.ts). Both are CommonJS, so
//   that Node does not set up its ES module loader in them at all: the worker is ready in ~35 ms
//   instead of ~57, and the first guest of `corral run` waits for both;
// - the direct file service a guest worker loads by URL (dist/actors/gofer/direct_files.bundle.cjs,
//   named by file_syscalls.ts while fresh): CommonJS, so that the worker can require() it at the
//   guest's first file call, synchronously, and a guest that opens no file never loads it;
// - the detached sandbox host (dist/cli/sandbox_host.bundle.cjs, run by bin/run_bundle.cjs with a
//   code cache too): importing its ~100 modules unbundled took ~100 ms of every `corral create`.
//
// Splitting the CLI at its dynamic imports, so that `run` could start its gofer and worker before
// the bulk of the code loads, was tried: ~40 chunks cost far more than they overlapped. Other
// scripts stay separate files in dist/ and are found by URL, so every `import.meta.url` in the
// 'cli' bundles' modules is rewritten to the URL its own file has in dist/,
// relative to the bundle's own URL (`__corral_url`, set by the bundle's first line):
// `new URL('./guest_worker.js', import.meta.url)` keeps pointing where it did. In the other
// CommonJS bundles, a module of the graph that reads import.meta fails the build.
import * as esbuild from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(root, 'dist');

/** [entry, bundle, kind] under dist/: 'cli' is CommonJS with import.meta.url rewritten. */
const PROGRAMS = [
  ['cli/corral_entry.js', 'cli/corral.bundle.cjs', 'cli'],
  ['cli/sandbox_host_entry.js', 'cli/sandbox_host.bundle.cjs', 'cli'],
  ['actors/gofer/gofer_main.js', 'actors/gofer/gofer_main.bundle.cjs', 'cjs'],
  ['platform/thread/guest_worker.js', 'platform/thread/guest_worker.bundle.cjs', 'cjs'],
  ['actors/gofer/direct_files.js', 'actors/gofer/direct_files.bundle.cjs', 'cjs'],
];

/** Rewrites import.meta.url in files under dist/ to the file's own URL, relative to the bundle's. */
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
        const own = `new URL(${JSON.stringify(rel)}, __corral_url).href`;
        return { contents: text.replaceAll('import.meta.url', own), loader: 'js' };
      });
    },
  };
}

/**
 * esbuild turns each `import * as fs from 'node:fs'` into `__toESM(require("node:fs"), 1)`: a new
 * namespace object with a getter defined for every export, per importing module. Builtins are the
 * same object every time, so their namespace is made once and shared (the getters read the module
 * live, so sharing changes nothing an importer sees). ~30 such imports took ~4 ms of every
 * `corral run` before. Done on the output text: the helper is defined ahead of every module, and
 * only calls on `require("node:...")` are redirected to it.
 */
const SHARED_NS =
  'var __corral_ns = new WeakMap();\n' +
  'function __toESMBuiltin(mod, n) {\n' +
  '  if (n !== 1) return __toESM(mod, n);\n' +
  '  let ns = __corral_ns.get(mod);\n' +
  '  if (ns === void 0) __corral_ns.set(mod, (ns = __toESM(mod, n)));\n' +
  '  return ns;\n' +
  '}\n';

async function shareBuiltinNamespaces(outfile) {
  const text = await readFile(outfile, 'utf8');
  const calls = text.split('__toESM(require("node:').length - 1;
  if (calls === 0) return;
  // Ahead of the first module (whose code may run at once), after esbuild's helpers.
  const at = text.indexOf('\n// ');
  if (at < 0) throw new Error(`${outfile}: no module marker to put the shared namespaces before`);
  const body = text.slice(at).replaceAll('__toESM(require("node:', '__toESMBuiltin(require("node:');
  await writeFile(outfile, text.slice(0, at + 1) + SHARED_NS + body.slice(1));
}

await Promise.all(
  PROGRAMS.map(([entry, out, format]) => {
    const outfile = resolve(dist, out);
    const cli = format === 'cli';
    return esbuild
      .build({
        entryPoints: [resolve(dist, entry)],
        outfile,
        bundle: true,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        // Native addons and packages only tests use stay outside, loaded from node_modules.
        external: ['nanomsg', '@trufflesuite/uws-js-unofficial', 'piscina', 'playwright-core'],
        plugins: cli ? [ownUrls(outfile)] : [],
        ...(cli
          ? {
              // "use strict" first: the directive must open the code, and esbuild's own comes after
              // the banner (where it is a mere expression, which left these bundles in sloppy mode).
              banner: {
                js: '"use strict";\nconst __corral_url = require("node:url").pathToFileURL(__filename).href;',
              },
            }
          : {}),
        // Read by cli/linked_actors.ts: a bundled program must link every actor module it spawns.
        define: { 'globalThis.__corralBundle': 'true' },
        logLevel: 'warning',
        logOverride: { 'empty-import-meta': 'error' },
      })
      .then(() => shareBuiltinNamespaces(outfile));
  }),
);
