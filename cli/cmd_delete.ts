// `corral delete [--force] ID`, as runc's: a created or stopped container is destroyed and its state
// removed; a running or paused one only with --force. When that was the sandbox's last container,
// the sandbox host ends on its own, and delete waits until it has, so that nothing is left behind.
import type { DeleteCommand } from './args.js';
import { ask, CliError, liveStatus, openStore, removeState, waitGone } from './cmd_common.js';
import { processAlive } from '../bridge/control_socket.js';

const HOST_EXIT_TIMEOUT_MS = 10_000;

export async function runDelete(cmd: DeleteCommand): Promise<number> {
  const store = openStore(cmd.global);
  const state = store.load(cmd.id);
  const status = await liveStatus(state);
  if ((status === 'running' || status === 'paused') && !cmd.flags.force) {
    throw new CliError(`cannot delete running container "${cmd.id}": stop it first or use --force`);
  }
  if (processAlive(state.pid)) {
    let empty = false;
    try {
      empty = (await ask(state, { op: 'destroy', cid: cmd.id })).sandboxEmpty;
    } catch (e) {
      // Already gone from its sandbox (a second delete, or one racing with us): only state is left.
      // So too when the host exited during our destroy: with it went every container it held. That
      // is also how a destroy that emptied the sandbox can look on a loaded machine: the host
      // replies and exits, and this process sees the exit before it has read the reply.
      const code = (e as { code?: string }).code;
      const hostGone = code === 'ECONNRESET' && !processAlive(state.pid);
      if (code !== 'ENOENT' && code !== 'ESRCH' && !hostGone) throw e;
    }
    if (empty && state.pid !== process.pid && !(await waitGone(state.pid, HOST_EXIT_TIMEOUT_MS))) {
      throw new CliError(`sandbox host (pid ${state.pid}) did not exit after its last container was deleted`);
    }
  }
  removeState(store, state);
  return 0;
}
