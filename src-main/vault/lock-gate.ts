import { commandNames, contract, isCommandName } from '@contract';
import type { CommandName } from '@contract';
import type { Router } from '../base/call';

/**
 * What still answers while the vault is locked (or not yet set up): the commands whose spec says
 * `whileLocked` (the vault's own way in, the version, and the checks that tell why the keychain or
 * Node is not usable). Everything else answers LOCKED: a locked app gives nothing away.
 */
export const openWhileLocked: ReadonlySet<CommandName> = new Set(
  commandNames.filter((name) => contract.commands[name].whileLocked === true),
);

/**
 * Calls a view makes by itself (spec: `passive`): acknowledgements of terminal output, resizes from
 * layout, and the reads stores make when an event arrives. They are not the operator at the window,
 * so they never hold the vault open; the operator's own input arrives as `app.activity` (keyboard
 * and pointer, from the renderer) and as the commands they give.
 */
export const passiveCommands: ReadonlySet<CommandName> = new Set(
  commandNames.filter((name) => contract.commands[name].passive === true),
);

export interface LockState {
  isUnlocked(): boolean;
  /** The operator did something: restart the auto-lock countdown. */
  touch(): void;
}

/**
 * The router as the window sees it: LOCKED while locked, and auto-lock fed by human input only.
 * The gate guards the running app's session (a person at an unlocked laptop, a window left open).
 * The CLI is a separate process that starts locked; for it, anything that needs a secret is refused
 * by the vault itself, and what needs none (jobs, audit, settings) is what the same local user can
 * read from the SQLite file anyway, so gating it would protect nothing (issue #18 brings the CLI
 * an unlocked session of its own).
 */
export function gateWhileLocked(inner: Router, vault: LockState): Router {
  return {
    dispatch(name, input, caller) {
      if (isCommandName(name) && caller.actor !== 'cli') {
        if (!vault.isUnlocked() && !openWhileLocked.has(name)) {
          return Promise.resolve({
            ok: false,
            error: {
              code: 'LOCKED',
              message: 'The vault is locked: nothing but unlocking answers until it is open again.',
              hint: 'Unlock it with the master password (or the OS keychain, if that is on).',
            },
          });
        }
        if (caller.actor === 'ui' && !passiveCommands.has(name)) vault.touch();
      }
      return inner.dispatch(name, input, caller);
    },
  };
}
