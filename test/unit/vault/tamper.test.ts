import { afterEach, describe, expect, it } from 'vitest';
import type { Hostdeck } from '../../../src-main/core/hostdeck';
import { tempDirs } from '../../support/temp-dirs';
import {
  flipSecretByte,
  flipWrappedKeyByte,
  sealedParts,
  setSecretKind,
  setSecretSealed,
  swapSealed,
  withDatabase,
} from './tamper-sqlite';
import {
  call,
  databaseFile,
  hostdecks,
  newMasterPassword,
  randomSecret,
  refusal,
  thrownBy,
} from './vault-on-disk';

const dirs = tempDirs('hostdeck-vault-tamper-');
const apps = hostdecks();

afterEach(async () => {
  await apps.closeAll();
  dirs.removeAll();
});

/** An unlocked vault with two password secrets and a token, all with known values. */
async function vaultWithSecrets() {
  const hd = apps.open(dirs.make());
  const password = newMasterPassword();
  await call(hd, 'vault.setup', { password });
  const values = { a: randomSecret(), b: randomSecret(), token: randomSecret() };
  const a = await call(hd, 'vault.secrets.add', { kind: 'password', label: 'db a', password: values.a });
  const b = await call(hd, 'vault.secrets.add', { kind: 'password', label: 'db b', password: values.b });
  const token = await call(hd, 'vault.secrets.add', { kind: 'token', label: 'api', token: values.token });
  return { hd, file: databaseFile(hd.dataDir), password, values, ids: { a: a.id, b: b.id, token: token.id } };
}

async function expectTampered(hd: Hostdeck, id: string) {
  const error = await refusal(hd, 'vault.secrets.reveal', { id });
  expect(error).toMatchObject({ code: 'TAMPERED' });
  expect(thrownBy(() => hd.vault.use(id))).toMatchObject({ code: 'TAMPERED' });
}

describe('vault: a changed secret ciphertext', () => {
  it.each([
    ['the IV', sealedParts.iv],
    ['the GCM tag', sealedParts.tag],
    ['the first ciphertext byte', sealedParts.ciphertext],
    ['the last ciphertext byte', sealedParts.lastCiphertextByte],
  ])('is detected as TAMPERED when one bit of %s flips, and other secrets still open', async (_part, at) => {
    const { hd, file, values, ids } = await vaultWithSecrets();
    flipSecretByte(file, ids.a, at);

    await expectTampered(hd, ids.a);
    expect((await call(hd, 'vault.secrets.reveal', { id: ids.b })).fields).toEqual({ password: values.b });
    const error = await refusal(hd, 'vault.secrets.reveal', { id: ids.a });
    expect(error.message).toContain('db a');
    expect(JSON.stringify(error)).not.toContain(values.a);
  });

  it('is detected as TAMPERED when the blob is cut shorter than an IV and a tag', async () => {
    const { hd, file, ids } = await vaultWithSecrets();
    setSecretSealed(file, ids.a, Buffer.alloc(20));
    await expectTampered(hd, ids.a);
  });

  it('is detected after a restart too (nothing is trusted from memory)', async () => {
    const { hd, file, password, ids } = await vaultWithSecrets();
    await hd.close();
    flipSecretByte(file, ids.token, sealedParts.ciphertext + 3);
    const restarted = apps.open(hd.dataDir);
    await call(restarted, 'vault.unlock', { password });
    await expectTampered(restarted, ids.token);
  });
});

describe('vault: ciphertexts moved between records', () => {
  it('detects two passwords whose ciphertexts were swapped as TAMPERED, both of them', async () => {
    const { hd, file, ids } = await vaultWithSecrets();
    swapSealed(file, ids.a, ids.b);
    await expectTampered(hd, ids.a);
    await expectTampered(hd, ids.b);
  });

  it('detects a record whose kind column was changed as TAMPERED (the kind is bound to the ciphertext)', async () => {
    const { hd, file, ids } = await vaultWithSecrets();
    setSecretKind(file, ids.a, 'token');
    await expectTampered(hd, ids.a);
  });

  it('detects a ciphertext copied onto another record as TAMPERED, leaving the original readable', async () => {
    const { hd, file, values, ids } = await vaultWithSecrets();
    const original = withDatabase(
      file,
      (db) => (db.prepare('SELECT sealed FROM secrets WHERE id = ?').get(ids.a) as { sealed: Buffer }).sealed,
    );
    setSecretSealed(file, ids.b, original);
    await expectTampered(hd, ids.b);
    expect((await call(hd, 'vault.secrets.reveal', { id: ids.a })).fields).toEqual({ password: values.a });
  });
});

describe('vault: a changed wrapped data key', () => {
  it.each([
    ['the IV', sealedParts.iv],
    ['the GCM tag', sealedParts.tag],
    ['the wrapped key bytes', sealedParts.ciphertext],
    ['the last wrapped key byte', sealedParts.lastCiphertextByte],
  ])('makes unlock fail when one bit of %s flips, and the vault stays locked', async (_part, at) => {
    const { hd, file, password } = await vaultWithSecrets();
    await call(hd, 'vault.lock', {});
    flipWrappedKeyByte(file, at);

    // AES-GCM cannot tell a wrong key from a changed ciphertext, so this reads as a wrong password.
    const error = await refusal(hd, 'vault.unlock', { password });
    expect(error).toMatchObject({ code: 'WRONG_PASSWORD', field: 'password' });
    expect(await call(hd, 'vault.status', {})).toMatchObject({ state: 'locked' });
    expect(hd.vault.isUnlocked()).toBe(false);
  });

  it('makes a password change fail too, without rewriting the vault', async () => {
    const { hd, file, password } = await vaultWithSecrets();
    flipWrappedKeyByte(file, sealedParts.ciphertext);
    const before = withDatabase(file, (db) => db.prepare('SELECT * FROM vault_meta').get());
    const error = await refusal(hd, 'vault.changePassword', { current: password, next: newMasterPassword() });
    expect(error).toMatchObject({ code: 'WRONG_PASSWORD', field: 'current' });
    expect(withDatabase(file, (db) => db.prepare('SELECT * FROM vault_meta').get())).toEqual(before);
  });
});
