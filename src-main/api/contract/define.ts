import { z } from 'zod';

/** A command the renderer (or CLI, or test bridge) may call: a validated input and a typed output. */
/** How the router and the lock gate treat a command, declared with it. */
export interface CommandTraits {
  /** The action of the audit entry the router records when the command succeeds (it changes things). */
  readonly audit?: string;
  /**
   * A call a view makes by itself (acknowledgements, resizes, reads after an event): it never holds
   * the vault open. The operator's own input arrives as `app.activity` and as other commands.
   */
  readonly passive?: boolean;
  /** Answers while the vault is locked: the vault's way in, and what reads nothing of vault or fleet. */
  readonly whileLocked?: boolean;
}

export interface CommandSpec<I extends z.ZodType = z.ZodType, O = unknown> extends CommandTraits {
  readonly input: I;
  readonly summary: string;
  /** Phantom: carries the output type only. */
  readonly output?: O;
}

/** An event stream main pushes to subscribers. */
export interface EventSpec<P = unknown> {
  readonly summary: string;
  readonly payload?: P;
}

/**
 * `command<Output>()(inputSchema, summary, traits?)`: curried so the output type can be named
 * explicitly.
 */
export const command =
  <O>() =>
  <I extends z.ZodType>(input: I, summary: string, traits: CommandTraits = {}): CommandSpec<I, O> => ({
    input,
    summary,
    ...traits,
  });

export const event = <P>(summary: string): EventSpec<P> => ({ summary });

/** The input of a command that takes none. */
export const empty = z.object({}).strict();
