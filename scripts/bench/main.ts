// Benchmark entry: `npm run bench -- NAME`. Each NAME is a module scripts/bench/NAME.js exporting run().
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const known = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !['main.js', 'report.js'].includes(f) && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!known.includes(name)) {
    process.stderr.write(`bench: unknown benchmark "${name}" (known: ${known.join(', ')})\n`);
    process.exit(2);
  }
}
for (const name of wanted.length > 0 ? wanted : known) {
  const mod = (await import(`./${name}.js`)) as { run: () => Promise<void> };
  await mod.run();
}
