// What the trace actor hands its events to. A sink never blocks the trace actor: when it cannot keep
// up (a slow disk, a slow browser) it drops and counts, and the count is shown (`dropped: N`).
import type { TraceEvent } from '../events.js';

export interface TraceSink {
  /** For status output ("chrome:/tmp/run.json"). Immutable. */
  readonly name: string;
  /** A batch of events in time order. */
  write(batch: readonly TraceEvent[]): void;
  /**
   * True while the sink cannot take more now but will soon (a file whose writes are queued for the
   * disk): the trace actor then leaves records in the rings rather than feed it events to drop.
   * Absent: the sink never waits (it drops, as a live viewer that fell behind does).
   */
  readonly behind?: boolean;
  /** Events this sink dropped because it fell behind. */
  readonly dropped: number;
  /** Flushes and releases the sink; `totalDropped` is the session's final count, for the record. */
  close(totalDropped: number): Promise<void>;
}
