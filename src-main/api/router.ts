import { contract, isCommandName } from '@contract';
import type { ApiError } from '@contract';
import type { z } from 'zod';
import { AppError } from '../base/app-error';
import type { AuditNote, CallContext, Handlers, Router } from '../base/call';

export type { Caller, CallContext, Handlers, Router } from '../base/call';

export interface RouterOptions {
  /** Records an audited command's entry once it has succeeded. */
  audit: (entry: {
    actor: string;
    action: string;
    target?: string | null;
    detail?: Record<string, unknown>;
  }) => void;
  log?: (msg: string, err: unknown) => void;
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

/**
 * The main router: the only way into the services. Validates, dispatches, records the audit entry of
 * a command whose spec declares one, and maps failures to values.
 */
export function createRouter(handlers: Handlers, opts: RouterOptions): Router {
  const log = opts.log ?? console.error;
  return {
    async dispatch(name, input, caller) {
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
      const spec: { audit?: string } = contract.commands[name];
      let note: AuditNote | null | undefined;
      const ctx: CallContext = {
        actor: caller.actor,
        origin: { command: name, input: parsed.data },
        audit(n) {
          if (spec.audit === undefined) throw new Error(`${name} is not declared audited in the contract`);
          note = n;
        },
      };
      try {
        const handler = handlers[name] as (i: unknown, c: CallContext) => unknown;
        const value = await handler(parsed.data, ctx);
        if (spec.audit !== undefined && note !== null) {
          const { action = spec.audit, target = null, detail } = note ?? {};
          opts.audit({ actor: caller.actor, action, target, ...(detail ? { detail } : {}) });
        }
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
