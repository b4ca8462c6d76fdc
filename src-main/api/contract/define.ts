import type { z } from 'zod';

/** A command the renderer (or CLI, or test bridge) may call: a validated input and a typed output. */
export interface CommandSpec<I extends z.ZodType = z.ZodType, O = unknown> {
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

/** `command<Output>()(inputSchema, summary)`: curried so the output type can be named explicitly. */
export const command =
  <O>() =>
  <I extends z.ZodType>(input: I, summary: string): CommandSpec<I, O> => ({ input, summary });

export const event = <P>(summary: string): EventSpec<P> => ({ summary });
