// The Chrome trace-event JSON file sink: `{"traceEvents":[...], ...}` written as it goes, so that a
// long run never holds its trace in memory; valid JSON once closed.
import type { TraceEvent } from '../events.js';
import { ByteOut } from './byte_out.js';
import { ChromeConverter } from './chrome_format.js';
import { QueuedFile } from './file_writer.js';
import type { TraceSink } from './sink.js';

export class ChromeJsonSink implements TraceSink {
  readonly name: string;
  /** Owned by this sink. */
  private readonly file: QueuedFile;
  private readonly conv: ChromeConverter;
  private readonly out: ByteOut;
  private lost = 0;
  private readonly scratch: string[] = [];

  constructor(path: string, origin = performance.timeOrigin + performance.now()) {
    this.name = `chrome:${path}`;
    this.file = new QueuedFile(path);
    this.conv = new ChromeConverter(origin);
    this.out = new ByteOut((chunk) => this.file.write(chunk));
    // The header always has elements, so every element after it is preceded by ",\n".
    this.file.write('{"traceEvents":[\n' + this.conv.header().join(',\n'));
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
    const out = this.out;
    const lines = this.scratch;
    for (const ev of batch) {
      if (ev.t === 'msg') {
        this.conv.writeMsg(ev, out, lines);
        continue;
      }
      this.conv.convert(ev, lines);
      for (const line of lines) {
        out.separator();
        out.text(line);
      }
      lines.length = 0;
    }
    out.flush();
  }

  close(totalDropped: number): Promise<void> {
    this.out.flush();
    const meta = { origin: this.conv.origin, dropped: totalDropped, producer: 'corral' };
    return this.file.end(`\n],"displayTimeUnit":"ms","otherData":${JSON.stringify(meta)}}\n`);
  }
}
