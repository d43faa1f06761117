// The entry of the CLI: bin/corral runs its bundle (dist/cli/corral.bundle.js, made by
// scripts/bundle.mjs), or this file unbundled. A process that runs a sandbox in itself (`corral
// run`, `corral do`) spends most of its short life loading modules, and one file loads in a
// fraction of the time of ~100.
import './linked_actors.js';

void import('./main.js');
