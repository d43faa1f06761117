// `corral spec`: writes a default config.json, as `runc spec` does, never over an existing one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSpecJson } from '../actors/loader/bundle/index.js';
import type { SpecCommand } from './args.js';
import { CliError } from './cmd_common.js';

export function runSpec(cmd: SpecCommand): number {
  const file = path.join(path.resolve(cmd.flags.bundle), 'config.json');
  try {
    fs.writeFileSync(file, defaultSpecJson(), { flag: 'wx', mode: 0o666 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError('File config.json exists. Remove it first');
    if (code === 'ENOENT') throw new CliError(`bundle directory ${path.dirname(file)} does not exist`);
    throw e;
  }
  return 0;
}
