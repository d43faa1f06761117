// The guest programs of test/guests, built by scripts/build-guests.sh into build/guests/NAME.wasm.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ModuleCache, type GuestModule } from '../../platform/module.js';
import { REPO } from './bundles.js';

/** The tests' own module cache (not the engine's shared one), so that cache counters are theirs. */
export const guestCache = new ModuleCache();
const cache = guestCache;

/** Builds any guest whose source is newer than its wasm (a no-op when up to date). */
export function buildGuests(): void {
  execFileSync('bash', [join(REPO, 'scripts', 'build-guests.sh')], { stdio: 'inherit' });
}

export function loadGuest(name: string): Promise<GuestModule> {
  return cache.load(join(REPO, 'build', 'guests', `${name}.wasm`));
}
