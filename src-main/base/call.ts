import type { CommandName, OutputOf, ParsedInputOf, Result } from '@contract';

/** Who is calling: the Electron window, the CLI, or the e2e bridge. Recorded in the audit trail. */
export type Actor = 'ui' | 'cli' | 'test-bridge';

/** What a caller passes the router. */
export interface Caller {
  actor: Actor;
}

/** What one call changed, for the audit trail: ids, names and fingerprints, never a secret. */
export interface AuditNote {
  /** Defaults to the action the command's spec declares. */
  action?: string;
  target?: string | null;
  detail?: Record<string, unknown>;
}

/** The command a job was started by, and its validated input: enough to run it again. */
export interface CallOrigin {
  command: CommandName;
  input: unknown;
}

/** What a handler (and the service it calls) knows of the call it serves. */
export interface CallContext {
  readonly actor: Actor;
  readonly origin: CallOrigin;
  /**
   * Describes the change for the audit entry the router records once the command succeeds (only
   * commands whose spec declares `audit`). `null`: this call changed nothing (e.g. the deploy key
   * already existed), so nothing is recorded.
   */
  audit(note: AuditNote | null): void;
}

export type Handler<K extends CommandName> = (
  input: ParsedInputOf<K>,
  ctx: CallContext,
) => Promise<OutputOf<K>> | OutputOf<K>;

/** Every command's handler: a missing one is a compile error where the slices are merged. */
export type Handlers = { [K in CommandName]: Handler<K> };

/** The handlers of one capability: its slice of the contract. */
export type HandlerSlice<K extends CommandName> = { [P in K]: Handler<P> };

/** The only way into the capabilities: validate, dispatch, audit, map failures to values. */
export interface Router {
  dispatch(name: unknown, input: unknown, caller: Caller): Promise<Result<unknown>>;
}
