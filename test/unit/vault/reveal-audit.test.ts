import { afterEach, describe, expect, it } from 'vitest';
import { pemBodyLines } from '../../support/ssh-keygen';
import { tempDirs } from '../../support/temp-dirs';
import {
  call,
  generatedKey,
  hostdecks,
  newMasterPassword,
  randomSecret,
  recordEvents,
} from './vault-on-disk';

const dirs = tempDirs('hostdeck-vault-reveal-');
const apps = hostdecks();

afterEach(async () => {
  await apps.closeAll();
  dirs.removeAll();
});

describe('vault: reveal', () => {
  it('shows the value to the window and records who revealed which secret, never the value', async () => {
    const hd = apps.open(dirs.make());
    const master = newMasterPassword();
    await call(hd, 'vault.setup', { password: master });
    const value = randomSecret();
    const { id } = await call(hd, 'vault.secrets.add', {
      kind: 'db-credential',
      label: 'shop db',
      username: 'shop_user',
      password: value,
    });

    const revealed = await call(hd, 'vault.secrets.reveal', { id });
    expect(revealed).toEqual({
      id,
      kind: 'db-credential',
      fields: { username: 'shop_user', password: value },
    });

    const audit = await call(hd, 'audit.list', {});
    const entry = audit.find((a) => a.action === 'vault.secrets.reveal');
    expect(entry).toMatchObject({
      actor: 'ui',
      target: id,
      detail: { kind: 'db-credential', label: 'shop db' },
    });
    const text = JSON.stringify(audit);
    expect(text).not.toContain(value);
    expect(text).not.toContain(master);
  });

  it('records one audit entry per reveal, with the caller as actor', async () => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    const { id } = await call(hd, 'vault.secrets.add', {
      kind: 'token',
      label: 'api',
      token: randomSecret(),
    });
    await call(hd, 'vault.secrets.reveal', { id });
    await call(hd, 'vault.secrets.reveal', { id }, { actor: 'cli' });
    const reveals = (await call(hd, 'audit.list', {})).filter((a) => a.action === 'vault.secrets.reveal');
    expect(reveals.map((a) => [a.actor, a.target])).toEqual([
      ['cli', id],
      ['ui', id],
    ]);
  });

  it('keeps a private key out of the audit trail, the secret list and every event', async () => {
    const hd = apps.open(dirs.make());
    const events = recordEvents(hd);
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    const key = await generatedKey(hd, 'deploy');
    const { privateKey } = (await call(hd, 'vault.secrets.reveal', { id: key.id })).fields;
    expect(privateKey).toMatch(/BEGIN OPENSSH PRIVATE KEY/);

    const audit = await call(hd, 'audit.list', {});
    expect(audit.find((a) => a.action === 'vault.secrets.reveal')).toMatchObject({ target: key.id });
    const visible = JSON.stringify({
      audit,
      list: await call(hd, 'vault.secrets.list', {}),
      events: events.seen,
    });
    for (const line of pemBodyLines(privateKey!)) expect(visible).not.toContain(line);
  });

  it('answers a reveal of an unknown secret with NOT_FOUND and records nothing', async () => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    const result = await hd.router.dispatch(
      'vault.secrets.reveal',
      { id: '00000000-0000-4000-8000-000000000000' },
      { actor: 'ui' },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await call(hd, 'audit.list', {})).map((a) => a.action)).not.toContain('vault.secrets.reveal');
  });
});
