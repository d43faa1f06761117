// Actors used by the runtime tests. Workers import this module by URL, so it must stay plain.
import { threadId } from 'node:worker_threads';
import {
  ACTOR_FAILED,
  RequestError,
  type Actor,
  type ActorContext,
  type ActorFailed,
  type ActorRef,
} from '../../actors/runtime/index.js';

export const TEST_ACTORS = new URL('./test_actors.js', import.meta.url).href;

/** Replies with what it got; counts one-way messages; reports its thread. */
export function echo(): Actor {
  let count = 0;
  let last: unknown;
  return {
    receive(msg) {
      switch (msg.kind) {
        case 'echo':
          return msg.body;
        case 'tick':
          count++;
          last = msg.body;
          return undefined;
        case 'count':
          return { count, last };
        case 'where':
          return { threadId };
        case 'async-echo':
          return new Promise((r) => setImmediate(() => r(msg.body)));
        case 'refuse':
          throw new RequestError(`refused: ${String(msg.body)}`, 'EPERM');
        case 'crash':
          throw new TypeError(`crashed on purpose: ${String(msg.body)}`);
        case 'crash-async':
          return Promise.reject(new RangeError('async crash'));
        case 'never':
          return new Promise(() => undefined);
        default:
          throw new RequestError(`unknown kind ${msg.kind}`);
      }
    },
  };
}

/** Spawns children and relays to them; records supervision notices about them. */
export function parent(_args: unknown, ctx: ActorContext): Actor {
  const failures: ActorFailed[] = [];
  let child: ActorRef | null = null;
  return {
    async receive(msg) {
      switch (msg.kind) {
        case 'spawn-child': {
          const placement = (msg.body as { placement?: 'packed' | 'dedicated' }).placement ?? 'packed';
          child = await ctx.spawn({ module: TEST_ACTORS, export: 'echo', name: 'child' }, { placement });
          return child;
        }
        case 'to-child':
          try {
            return await ctx.request(
              child!,
              (msg.body as { kind: string }).kind,
              (msg.body as { body: unknown }).body,
            );
          } catch (e) {
            // A relay that lets a child's error escape would itself crash; it refuses the request instead.
            throw new RequestError(`child failed: ${(e as Error).name}: ${(e as Error).message}`);
          }
        case 'burst-child': {
          const n = msg.body as number;
          for (let i = 0; i < n; i++) ctx.send(child!, 'tick', i);
          return ctx.request(child!, 'count');
        }
        case ACTOR_FAILED:
          failures.push(msg.body as ActorFailed);
          return undefined;
        case 'failures':
          return failures;
        case 'stop-child':
          ctx.stop(child!);
          return undefined;
        default:
          throw new RequestError(`unknown kind ${msg.kind}`);
      }
    },
  };
}

/** Fails while starting. */
export function brokenAtStart(): Actor {
  throw new Error('cannot start');
}
