// The Chrome trace-event JSON file sink: `{"traceEvents":[...], ...}` written as it goes, so that a
// long run never holds its trace in memory; valid JSON once closed.
import type { TraceEvent } from '../events.js';
import { ChromeConverter } from './chrome_format.js';
import { QueuedFile } from './file_writer.js';
import type { TraceSink } from './sink.js';

export class ChromeJsonSink implements TraceSink {
  readonly name: string;
  /** Owned by this sink. */
  private readonly file: QueuedFile;
  private readonly conv: ChromeConverter;
  private first = true;
  private lost = 0;
  private readonly scratch: string[] = [];

  constructor(path: string, origin = performance.timeOrigin + performance.now()) {
    this.name = `chrome:${path}`;
    this.file = new QueuedFile(path);
    this.conv = new ChromeConverter(origin);
    this.file.write('{"traceEvents":[\n');
    this.emit(this.conv.header());
  }

  get dropped(): number {
    return this.lost;
  }

  private emit(lines: string[]): void {
    if (lines.length === 0) return;
    this.file.write((this.first ? '' : ',\n') + lines.join(',\n'));
    this.first = false;
  }

  write(batch: readonly TraceEvent[]): void {
    if (!this.file.ready) {
      this.lost += batch.length;
      return;
    }
    const out = this.scratch;
    out.length = 0;
    for (const ev of batch) this.conv.convert(ev, out);
    this.emit(out);
    out.length = 0;
  }

  close(totalDropped: number): Promise<void> {
    const meta = { origin: this.conv.origin, dropped: totalDropped, producer: 'corral' };
    return this.file.end(`\n],"displayTimeUnit":"ms","otherData":${JSON.stringify(meta)}}\n`);
  }
}
