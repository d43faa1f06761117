// The strace-like text view: one line per guest syscall, `pid name(args) = result <duration>`, and
// strace's markers for process lifecycle (`+++ exited with 0 +++`, `--- SIGTERM ---`).
import type { LifeEvent, SysEvent, TraceEvent } from '../events.js';
import { formatResult } from '../syscall_names.js';
import { QueuedFile } from './file_writer.js';
import type { TraceSink } from './sink.js';

const SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  17: 'SIGCHLD',
  18: 'SIGCONT',
  19: 'SIGSTOP',
  20: 'SIGTSTP',
};

export function signalName(n: number): string {
  return SIGNALS[n] ?? `SIG${n}`;
}

/** One syscall as strace prints it (with -f -T): `12 fd_write(1, "hi\n", 3) = 3 <0.000021>`. */
export function straceLine(e: SysEvent): string {
  return `${e.pid > 0 ? e.pid : e.proc} ${e.name}(${e.args}) = ${formatResult(e.errno, e.ret)} <${(e.dur / 1000).toFixed(6)}>`;
}

/** A lifecycle event in strace's notation; null for kinds strace has no line for. */
export function straceLifecycleLine(e: LifeEvent): string | null {
  const pid = e.pid ?? 0;
  switch (e.what) {
    case 'process-start':
      return `${pid} +++ started ${e.cmd ?? ''} (ppid ${e.ppid ?? 0}, pgid ${e.pgid ?? pid}) +++`;
    case 'process-exit':
      return e.signal !== undefined && e.signal > 0
        ? `${pid} +++ killed by ${signalName(e.signal)} +++`
        : `${pid} +++ exited with ${e.code ?? 0} +++`;
    case 'signal':
      return `${pid} --- ${signalName(e.signal ?? 0)} {si_pid=${e.sender ?? 0}} ---`;
    case 'actor':
      return null;
    default:
      return `# ${e.what}${e.cid !== undefined ? ` ${e.cid}` : ''}${e.detail !== undefined ? ` ${e.detail}` : ''}`;
  }
}

export class StraceTextSink implements TraceSink {
  readonly name: string;
  /** Owned by this sink. */
  private readonly file: QueuedFile;
  private lost = 0;

  constructor(path: string) {
    this.name = `strace:${path}`;
    this.file = new QueuedFile(path);
  }

  get dropped(): number {
    return this.lost;
  }

  get behind(): boolean {
    return this.file.behind;
  }

  write(batch: readonly TraceEvent[]): void {
    if (!this.file.ready) {
      this.lost += batch.length;
      return;
    }
    let text = '';
    for (const e of batch) {
      if (e.t === 'sys') text += straceLine(e) + '\n';
      else if (e.t === 'life') {
        const line = straceLifecycleLine(e);
        if (line !== null) text += line + '\n';
      }
    }
    if (text.length > 0) this.file.write(text);
  }

  close(totalDropped: number): Promise<void> {
    return this.file.end(totalDropped > 0 ? `# dropped: ${totalDropped}\n` : '');
  }
}
