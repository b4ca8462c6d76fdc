import { contract, isCommandName } from '@contract';
import type { ApiError, CommandName, OutputOf, ParsedInputOf, Result } from '@contract';
import type { z } from 'zod';
import { AppError } from './app-error';

/** Who is calling: the Electron window, the CLI, or the e2e bridge. Recorded in the audit trail. */
export interface CallContext {
  actor: 'ui' | 'cli' | 'test-bridge';
}

export type Handlers = {
  [K in CommandName]: (input: ParsedInputOf<K>, ctx: CallContext) => Promise<OutputOf<K>> | OutputOf<K>;
};

export interface Router {
  dispatch(name: unknown, input: unknown, ctx: CallContext): Promise<Result<unknown>>;
}

export function validationError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  // Zod reports an unexpected key with an empty path and the key names in `keys`.
  const path = issue
    ? [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])]
    : [];
  const field = path.length > 0 ? path.map(String).join('.') : undefined;
  const message = issue
    ? `${field ?? 'input'}: ${issue.message}`
    : 'The input does not match what this command accepts.';
  return {
    code: 'VALIDATION',
    message,
    ...(field ? { field } : {}),
    hint: 'Correct the highlighted field and try again.',
  };
}

/** The main router: the only way into the services. Validates, dispatches, maps failures to values. */
export function createRouter(
  handlers: Handlers,
  log: (msg: string, err: unknown) => void = console.error,
): Router {
  return {
    async dispatch(name, input, ctx) {
      if (!isCommandName(name)) {
        return {
          ok: false,
          error: {
            code: 'UNKNOWN_COMMAND',
            message: `There is no command named ${JSON.stringify(String(name)).slice(0, 80)}.`,
            hint: 'Run `hostdeck commands` to list the commands this version knows.',
          },
        };
      }
      const parsed = contract.commands[name].input.safeParse(input ?? {});
      if (!parsed.success) return { ok: false, error: validationError(parsed.error) };
      try {
        const handler = handlers[name] as (i: unknown, c: CallContext) => unknown;
        const value = await handler(parsed.data, ctx);
        return { ok: true, value };
      } catch (err) {
        if (err instanceof AppError) return { ok: false, error: err.toApiError() };
        log(`[api] ${name} failed unexpectedly`, err);
        return {
          ok: false,
          error: {
            code: 'INTERNAL',
            message: `${name} failed unexpectedly.`,
            hint: 'See the application log for details; this is a bug worth reporting.',
          },
        };
      }
    },
  };
}
