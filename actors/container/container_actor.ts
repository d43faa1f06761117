// A container actor: one per started container. It owns the container's process-group actors (and,
// with the gofer, its file server connection); stopping it stops them all.
import { RequestError, type Actor, type ActorContext } from '../runtime/actor.js';
import type { ActorRef } from '../runtime/ids.js';
import {
  MSG,
  type ContainerActorArgs,
  type ProcessGroupActorArgs,
  type RunGuest,
} from '../loader/sandbox_messages.js';

const GROUP_MODULE = new URL('../process-group/process_group_actor.js', import.meta.url).href;

export function createContainerActor(args: ContainerActorArgs, ctx: ActorContext): Actor {
  /** Process-group actors by the pid of the process that leads them. Owned by this actor. */
  const groups = new Map<number, ActorRef>();
  return {
    async receive(msg) {
      if (msg.kind !== MSG.spawnGroup)
        throw new RequestError(`container actor: unknown message "${msg.kind}"`);
      const run = msg.body as RunGuest;
      const pgArgs: ProcessGroupActorArgs = { cid: args.cid, loader: args.loader, gofer: args.gofer };
      // Packed: the group lives on this thread, next to the Loader, so its reports wake nobody.
      const group = await ctx.spawn({
        module: GROUP_MODULE,
        export: 'createProcessGroupActor',
        args: pgArgs,
        name: `group:${args.cid}:${run.pid}`,
      });
      groups.set(run.pid, group);
      try {
        // After an await: name the spawn request as the cause, for traces.
        await ctx.request(group, MSG.run, run, { timeoutMs: 0, cause: msg.id });
      } catch (e) {
        ctx.stop(group);
        groups.delete(run.pid);
        throw new RequestError((e as Error).message, (e as { code?: string }).code);
      }
      return { group };
    },
  };
}
