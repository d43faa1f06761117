// `corral ps`, `state`, `list` and `events`: what a container's sandbox reports about it.
import type { ContainerStatus, ContainerSummary, ProcessInfo } from '../actors/loader/control_protocol.js';
import { processAlive } from '../bridge/control_socket.js';
import type { EventsCommand, ListCommand, PsCommand, StateCommand } from './args.js';
import { ask, liveStatus, openStore, out } from './cmd_common.js';
import type { ContainerState } from './state_store.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('   ')).join('\n') +
    '\n'
  );
}

function psTable(ps: ProcessInfo[]): string {
  const rows = [['UID', 'PID', 'PPID', 'PGID', 'SID', 'STATE', 'STIME', 'CMD']];
  for (const p of ps) {
    const st = new Date(p.started);
    const stime = `${String(st.getHours()).padStart(2, '0')}:${String(st.getMinutes()).padStart(2, '0')}`;
    rows.push([p.uid, p.pid, p.ppid, p.pgid, p.sid, p.state, stime, p.cmd].map(String));
  }
  return table(rows);
}

/** The OCI state of a container (runtime-spec "state"), with runc's extra fields. */
function ociState(s: ContainerState, status: ContainerStatus): Record<string, unknown> {
  return {
    ociVersion: s.ociVersion,
    id: s.id,
    status,
    pid: status === 'stopped' ? 0 : s.pid,
    bundle: s.bundle,
    created: s.created,
    owner: s.owner,
    annotations: s.annotations,
  };
}

/** Live statuses of every listed container: one `list` request per running sandbox. */
async function statuses(states: ContainerState[]): Promise<Map<string, ContainerStatus>> {
  const out = new Map<string, ContainerStatus>();
  const bySandbox = new Map<string, ContainerState>();
  for (const s of states) if (processAlive(s.pid)) bySandbox.set(s.sandboxId, s);
  await Promise.all(
    [...bySandbox.values()].map(async (s) => {
      let list: ContainerSummary[] = [];
      try {
        list = await ask(s, { op: 'list' }, 5_000);
      } catch {
        return; // a sandbox that does not answer: its containers show as stopped
      }
      for (const c of list) out.set(`${s.sandboxId}/${c.cid}`, c.status);
    }),
  );
  return out;
}

export async function runInfoCommand(
  cmd: PsCommand | StateCommand | ListCommand | EventsCommand,
): Promise<number> {
  const store = openStore(cmd.global);
  switch (cmd.command) {
    case 'ps': {
      const ps = await ask(store.load(cmd.id), { op: 'ps', cid: cmd.id });
      await out(cmd.flags.format === 'json' ? JSON.stringify(ps, null, 2) + '\n' : psTable(ps));
      return 0;
    }
    case 'state': {
      const s = store.load(cmd.id);
      await out(JSON.stringify(ociState(s, await liveStatus(s)), null, 2) + '\n');
      return 0;
    }
    case 'list': {
      const states = store.list();
      const live = await statuses(states);
      const st = (s: ContainerState): ContainerStatus => live.get(`${s.sandboxId}/${s.id}`) ?? 'stopped';
      if (cmd.flags.quiet) await out(states.map((s) => s.id + '\n').join(''));
      else if (cmd.flags.format === 'json') {
        await out(
          JSON.stringify(
            states.map((s) => ociState(s, st(s))),
            null,
            2,
          ) + '\n',
        );
      } else {
        const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
        for (const s of states) {
          const status = st(s);
          rows.push([s.id, String(status === 'stopped' ? 0 : s.pid), status, s.bundle, s.created, s.owner]);
        }
        await out(table(rows));
      }
      return 0;
    }
    case 'events': {
      const s = store.load(cmd.id);
      // As runsc events: one JSON object a line; --stats prints one and exits.
      for (;;) {
        const ev = await ask(s, { op: 'event', cid: cmd.id });
        await out(JSON.stringify(ev) + '\n');
        if (cmd.flags.stats) return 0;
        await new Promise((r) => setTimeout(r, cmd.flags.intervalMs));
      }
    }
  }
}
