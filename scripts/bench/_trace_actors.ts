// Actors of the trace benchmark's message-heavy workload: a burst of one-way messages to a counter,
// then one request for the count (so that the burst is known to be delivered).
import type { Actor, ActorContext } from '../../actors/runtime/actor.js';
import type { ActorRef } from '../../actors/runtime/ids.js';

export function counter(): Actor {
  let n = 0;
  return {
    receive(m) {
      if (m.kind === 'tick') n++;
      else if (m.kind === 'count') return n;
      return undefined;
    },
  };
}

export function burst(_args: unknown, ctx: ActorContext): Actor {
  return {
    receive(m) {
      if (m.kind !== 'go') return undefined;
      const { to, n } = m.body as { to: ActorRef; n: number };
      for (let i = 0; i < n; i++) ctx.send(to, 'tick', i);
      return ctx.request<number>(to, 'count');
    },
  };
}
