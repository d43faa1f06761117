// The live stream: a sink that forwards every batch to the WebSocket viewers of the trace UI, as
// JSON messages `{type:'events', events}`, `{type:'stat', dropped, clientDropped}`, `{type:'hello'}`.
// A viewer that falls behind (its socket's unsent bytes over the limit) loses batches, counted per
// viewer and reported to it once it catches up. Late joiners first get the recent backlog.
import type { WsClient } from '../../../bridge/http_server.js';
import type { TraceEvent } from '../events.js';
import type { TraceSink } from './sink.js';

/** Events per WebSocket message: keeps each message well under the socket's backpressure limit. */
const CHUNK = 5000;

interface Viewer {
  readonly client: WsClient;
  /** Events this viewer missed because it was behind; owned by the hub. */
  dropped: number;
  reported: number;
}

export class LiveHub implements TraceSink {
  readonly name = 'live';
  // Owned by the thread that serves the sockets (the trace actor's).
  private readonly viewers = new Set<Viewer>();
  private readonly backlog: TraceEvent[] = [];
  private readonly backlogMax: number;
  private worst = 0;
  /** The session's dropped count as last seen in a 'stat' event. */
  private sessionDropped = 0;
  private events = 0;

  constructor(backlogMax = 200_000) {
    this.backlogMax = backlogMax;
  }

  get dropped(): number {
    return this.worst;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** A viewer connected: greet it and send it the backlog. */
  open(client: WsClient, info: Record<string, unknown> = {}): void {
    const v: Viewer = { client, dropped: 0, reported: 0 };
    this.viewers.add(v);
    client.send(
      JSON.stringify({ type: 'hello', ...info, events: this.events, dropped: this.sessionDropped }),
    );
    for (let i = 0; i < this.backlog.length; i += CHUNK) {
      this.sendTo(v, this.backlog.slice(i, i + CHUNK));
    }
  }

  close(client: WsClient): void;
  close(totalDropped: number): Promise<void>;
  close(arg: WsClient | number): Promise<void> | void {
    if (typeof arg !== 'number') {
      for (const v of this.viewers) if (v.client === arg) this.viewers.delete(v);
      return;
    }
    for (const v of this.viewers) {
      v.client.send(JSON.stringify({ type: 'stat', dropped: arg, clientDropped: v.dropped, ended: true }));
    }
    return Promise.resolve();
  }

  /** Ends every viewer's connection (the server is going away). */
  disconnectAll(): void {
    for (const v of [...this.viewers]) v.client.close();
    this.viewers.clear();
  }

  write(batch: readonly TraceEvent[]): void {
    this.events += batch.length;
    for (const e of batch) if (e.t === 'stat') this.sessionDropped = e.dropped;
    const b = this.backlog;
    for (const e of batch) b.push(e);
    if (b.length > this.backlogMax) b.splice(0, b.length - this.backlogMax);
    for (const v of this.viewers) {
      for (let i = 0; i < batch.length; i += CHUNK) this.sendTo(v, batch.slice(i, i + CHUNK));
    }
  }

  private sendTo(v: Viewer, events: readonly TraceEvent[]): void {
    if (!v.client.send(JSON.stringify({ type: 'events', events }))) {
      v.dropped += events.length;
      if (v.dropped > this.worst) this.worst = v.dropped;
      return;
    }
    if (v.dropped !== v.reported) {
      // Caught up: tell the viewer what it missed, so that it shows `dropped: N`.
      if (
        v.client.send(
          JSON.stringify({ type: 'stat', dropped: this.sessionDropped, clientDropped: v.dropped }),
        )
      )
        v.reported = v.dropped;
    }
  }
}
