// The vault locks when the OS screen locks or the machine suspends (issue #11), unless turned off.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { lockOnSystemEvents } from '../../src-main/vault/system-lock';
import type { SystemEvents } from '../../src-main/vault/system-lock';
import { tempDirs } from '../support/temp-dirs';
import { call, hostdecks, newMasterPassword } from './vault/vault-on-disk';

const dirs = tempDirs('hostdeck-system-lock-');
const apps = hostdecks();
afterEach(async () => {
  await apps.closeAll();
  dirs.removeAll();
});

/** Stands in for Electron's powerMonitor, which only exists inside Electron: same two events. */
const powerMonitor = () => new EventEmitter() as EventEmitter & SystemEvents;

describe('locking on screen lock and suspend', () => {
  it.each(['lock-screen', 'suspend'] as const)('locks the vault on %s, by default', async (event) => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    const system = powerMonitor();
    const stop = lockOnSystemEvents(system, hd.vault, () => hd.settings.get().vaultLockOnSleep);
    expect(hd.settings.get().vaultLockOnSleep).toBe(true);
    system.emit(event);
    expect((await call(hd, 'vault.status', {})).state).toBe('locked');
    stop();
    expect(system.listenerCount(event)).toBe(0);
  });

  it('leaves the vault open when the operator turned it off', async () => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    await call(hd, 'settings.update', { vaultLockOnSleep: false });
    const system = powerMonitor();
    lockOnSystemEvents(system, hd.vault, () => hd.settings.get().vaultLockOnSleep);
    system.emit('suspend');
    expect(hd.vault.isUnlocked()).toBe(true);
  });
});
