// The entry of the detached sandbox host's bundle (dist/cli/sandbox_host.bundle.cjs, made by
// scripts/bundle.mjs; cmd_create.ts starts it through bin/run_bundle.cjs). The actor modules the
// host spawns are linked in first, as in the CLI's own bundle (corral_entry.ts).
import './linked_actors.js';
import './sandbox_host.js';
