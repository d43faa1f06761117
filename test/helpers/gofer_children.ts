// Finding the gofer child processes a test's sandbox started (by parent pid and command line).
import * as fs from 'node:fs';

/** Processes whose parent is `parent` and that run the gofer (gofer_main.js, or its bundle). */
export function goferChildren(parent = process.pid): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (/gofer_main\.(js|bundle\.cjs)\0/.test(cmd)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
