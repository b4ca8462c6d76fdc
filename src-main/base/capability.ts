import type { CommandName } from '@contract';
import type { HandlerSlice } from './call';
import type { DisposableStore } from './disposables';
import type { EventBus } from './events';
import type { References } from './references';

/**
 * What the composition root hands every capability's factory: the few shared parts that are not
 * another capability. A capability asks for other capabilities' services by narrow interfaces in
 * its own deps, never for the root itself.
 */
export interface CapabilityBase {
  events: EventBus;
  /** Declare who uses a secret, a server or a tenant; ask before removing one. */
  references: References;
  /** Add what must end when Hostdeck closes (timers, sessions, streams). */
  lifetime: DisposableStore;
  /** Run when the vault locks: end what must not outlive it (sessions, streams, connections). */
  onLock(fn: () => void): void;
}

/** One capability: its service and its slice of the contract's handlers. */
export interface Capability<K extends CommandName, S = unknown> {
  readonly service: S;
  readonly handlers: HandlerSlice<K>;
}

/** The command names of one contract slice (`keyof typeof sitesCommands`). */
export type SliceNames<T> = Extract<keyof T, CommandName>;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

/**
 * Every capability's handlers in one object. Typed as the intersection of the slices, so assigning
 * it to `Handlers` makes a command no capability handles a compile error; a command two capabilities
 * handle is refused here.
 */
export function mergeHandlers<T extends readonly { readonly handlers: object }[]>(
  capabilities: T,
): UnionToIntersection<T[number]['handlers']> {
  const merged: Record<string, unknown> = {};
  for (const capability of capabilities) {
    for (const [name, handler] of Object.entries(capability.handlers)) {
      if (name in merged) throw new Error(`Two capabilities handle ${name}.`);
      merged[name] = handler;
    }
  }
  return merged as UnionToIntersection<T[number]['handlers']>;
}
