// `corral wait`, `kill`, `pause` and `resume`: one request each to the container's sandbox.
import type { SignalMode } from '../actors/loader/control_protocol.js';
import type { KillCommand, PauseCommand, ResumeCommand, WaitCommand } from './args.js';
import { ask, exitCodeOf, openStore, out } from './cmd_common.js';

export async function runSignalCommand(
  cmd: WaitCommand | KillCommand | PauseCommand | ResumeCommand,
): Promise<number> {
  const store = openStore(cmd.global);
  const state = store.load(cmd.id);
  switch (cmd.command) {
    case 'wait': {
      // As runsc's wait: the status as JSON on stdout, and the same status as our exit code.
      const ws =
        cmd.flags.pid === undefined
          ? await ask(state, { op: 'wait', cid: cmd.id })
          : await ask(state, { op: 'wait-pid', cid: cmd.id, pid: cmd.flags.pid });
      const code = exitCodeOf(ws);
      await out(JSON.stringify({ id: cmd.id, exitStatus: code }) + '\n');
      return code;
    }
    case 'kill': {
      let mode: SignalMode = 'process';
      let pid = 0;
      if (cmd.flags.all) mode = 'all';
      else if (cmd.flags.pid !== undefined) pid = cmd.flags.pid;
      else if (cmd.flags.pgid !== undefined) {
        mode = 'group';
        pid = cmd.flags.pgid;
      }
      if (cmd.flags.foreground === true) mode = 'foreground';
      await ask(state, { op: 'signal', cid: cmd.id, pid, signo: cmd.signal, mode });
      return 0;
    }
    case 'pause':
      await ask(state, { op: 'pause', cid: cmd.id });
      store.update(cmd.id, { status: 'paused' });
      return 0;
    case 'resume':
      await ask(state, { op: 'resume', cid: cmd.id });
      store.update(cmd.id, { status: 'running' });
      return 0;
  }
}
