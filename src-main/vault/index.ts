// The vault capability: the master password, the sealed secrets, the lock and the keychain.
import type { SecretInfo, vaultCommands } from '@contract';
import type { CallContext } from '../base/call';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { Keychain } from '../infra/keychain/keychain';
import type { Database } from '../infra/store/database';
import type { KdfParams } from './crypto';
import type { SecretRedactor } from './redactor';
import { VaultRepository } from './repository';
import { VaultService } from './service';

export { gateWhileLocked } from './lock-gate';
export { redactErrors } from './redact-errors';
export { SecretRedactor } from './redactor';
export { randomPassword } from './crypto';
export { ownedSecret } from './owned';
export { lockOnSystemEvents } from './system-lock';
export type { VaultService } from './service';
export type { KdfParams } from './crypto';

export interface VaultDeps extends CapabilityBase {
  db: Database;
  keychain: Keychain;
  redactor: SecretRedactor;
  kdf?: KdfParams;
  settings: {
    get(): { vaultAutoLockMinutes: number };
    update(patch: { vaultAutoLockMinutes: number }): unknown;
  };
}

/** The audit note of a change to one secret: its id, kind and label (or fingerprint), never its value. */
const secretNote = (
  info: SecretInfo,
  detail: Record<string, unknown> = { kind: info.kind, label: info.label },
) => ({
  target: info.id,
  detail,
});

export function createVault(d: VaultDeps): Capability<SliceNames<typeof vaultCommands>, VaultService> {
  const vault = new VaultService(new VaultRepository(d.db), d.keychain, d.redactor, d.events, {
    ...(d.kdf ? { kdf: d.kdf } : {}),
    autoLockMinutes: () => d.settings.get().vaultAutoLockMinutes,
  });
  d.lifetime.add(() => vault.dispose());
  const noteSecret = (ctx: CallContext, info: SecretInfo, detail?: Record<string, unknown>) =>
    ctx.audit(secretNote(info, detail));

  return {
    service: vault,
    handlers: {
      'vault.status': () => vault.status(),
      'vault.setup': (input) => vault.setup(input.password),
      'vault.unlock': (input) => vault.unlock(input.password),
      'vault.unlockWithKeychain': async (_input, ctx) => {
        const status = await vault.unlockWithKeychain();
        ctx.audit({ detail: { with: 'keychain' } });
        return status;
      },
      'vault.lock': () => vault.lock(),
      'vault.changePassword': (input) => vault.changePassword(input.current, input.next),
      'vault.setKeychain': async (input, ctx) => {
        const status = await vault.setKeychainEnabled(input.enabled);
        ctx.audit({ detail: { enabled: input.enabled } });
        return status;
      },
      'vault.setAutoLock': async (input, ctx) => {
        d.settings.update({ vaultAutoLockMinutes: input.minutes });
        vault.touch();
        ctx.audit({ detail: { minutes: input.minutes } });
        return vault.status();
      },
      'vault.secrets.list': () => vault.list(),
      'vault.secrets.add': (input, ctx) => {
        const payload =
          input.kind === 'password'
            ? { kind: 'password' as const, password: input.password }
            : input.kind === 'token'
              ? { kind: 'token' as const, token: input.token }
              : { kind: 'db-credential' as const, username: input.username, password: input.password };
        const info = vault.add(input.label, payload);
        noteSecret(ctx, info);
        return info;
      },
      'vault.secrets.reveal': (input, ctx) => {
        const revealed = vault.reveal(input.id);
        noteSecret(ctx, vault.info(input.id));
        return revealed;
      },
      'vault.secrets.remove': (input, ctx) => {
        const info = vault.info(input.id);
        d.references.refuseWhileUsed(
          'secret',
          input.id,
          `The secret "${info.label}"`,
          'Switch those servers to another key or password, or delete those sites, first; nothing was removed.',
        );
        vault.remove(input.id);
        noteSecret(ctx, info);
        return { removed: true as const };
      },
      'vault.sshKeys.generate': (input, ctx) => {
        const info = vault.generateSshKey(input.label);
        noteSecret(ctx, info, { fingerprint: info.fingerprint });
        return info;
      },
      'vault.sshKeys.import': (input, ctx) => {
        const info = vault.importSshKey(input.label, input.privateKey, input.passphrase);
        noteSecret(ctx, info, { fingerprint: info.fingerprint });
        return info;
      },
      'vault.export': async (input, ctx) => {
        const result = await vault.exportTo(input.path, input.passphrase);
        ctx.audit({ detail: { path: input.path, count: result.count } });
        return result;
      },
      'vault.import': async (input, ctx) => {
        const result = await vault.importFrom(input.path, input.passphrase);
        ctx.audit({ detail: { path: input.path, ...result } });
        return result;
      },
    },
  };
}
