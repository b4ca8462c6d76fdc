// While the vault is locked the window gets nothing but the way back in (issue #11).
import { commandNames } from '@contract';
import { afterEach, describe, expect, it } from 'vitest';
import { openWhileLocked } from '../../../src-main/vault/lock-gate';
import { tempDirs } from '../../support/temp-dirs';
import { call, hostdecks, newMasterPassword } from './vault-on-disk';

const dirs = tempDirs('hostdeck-lock-gate-');
const apps = hostdecks();
afterEach(async () => {
  await apps.closeAll();
  dirs.removeAll();
});

describe('the lock gate', () => {
  it("answers LOCKED to every command from the window but the vault's way in, app.info and diagnostics", async () => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    await call(hd, 'vault.lock', {});
    const answers: Record<string, string> = {};
    for (const name of commandNames) {
      const r = await hd.router.dispatch(name, {}, { actor: 'ui' });
      answers[name] = r.ok ? 'ok' : r.error.code;
    }
    for (const name of commandNames) {
      if (openWhileLocked.has(name)) expect(answers[name], name).not.toBe('LOCKED');
      else expect(answers[name], name).toBe('LOCKED');
    }
    // The same through the e2e bridge, which stands in for the window.
    const bridged = await hd.router.dispatch('servers.list', {}, { actor: 'test-bridge' });
    expect(bridged).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
  });

  it('answers LOCKED before the vault is even set up, and opens once it is', async () => {
    const hd = apps.open(dirs.make());
    expect(await hd.router.dispatch('jobs.list', {}, { actor: 'ui' })).toMatchObject({
      ok: false,
      error: { code: 'LOCKED' },
    });
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    expect(await hd.router.dispatch('jobs.list', {}, { actor: 'ui' })).toMatchObject({ ok: true, value: [] });
  });

  it('leaves the CLI to the vault itself: what needs no secret answers, what needs one is LOCKED', async () => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    const { id } = await call(hd, 'vault.secrets.add', { kind: 'password', label: 'db', password: 'p-1234' });
    await call(hd, 'vault.lock', {});
    expect(await hd.router.dispatch('jobs.list', {}, { actor: 'cli' })).toMatchObject({ ok: true });
    expect(await hd.router.dispatch('vault.secrets.reveal', { id }, { actor: 'cli' })).toMatchObject({
      ok: false,
      error: { code: 'LOCKED' },
    });
  });
});
