// A sink that keeps events in memory, bounded: for tests, `trace status`, and the poll endpoint a
// `corral trace serve` in another process reads. Past `max` unread events it drops and counts.
import type { TraceEvent } from '../events.js';
import type { TraceSink } from './sink.js';

export class MemorySink implements TraceSink {
  readonly name: string;
  /** Owned by this sink: events not yet taken. */
  private events: TraceEvent[] = [];
  private lost = 0;
  private readonly max: number;

  constructor(name = 'memory', max = 1_000_000) {
    this.name = name;
    this.max = max;
  }

  get dropped(): number {
    return this.lost;
  }

  get length(): number {
    return this.events.length;
  }

  write(batch: readonly TraceEvent[]): void {
    const room = this.max - this.events.length;
    if (room >= batch.length) {
      for (const e of batch) this.events.push(e);
      return;
    }
    for (let i = 0; i < room; i++) this.events.push(batch[i]!);
    this.lost += batch.length - Math.max(0, room);
  }

  /** Everything kept so far, without taking it. */
  peek(): readonly TraceEvent[] {
    return this.events;
  }

  /** Takes the events kept so far. */
  take(): TraceEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
