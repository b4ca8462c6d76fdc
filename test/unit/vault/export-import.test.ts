import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Hostdeck } from '../../../src-main/core/hostdeck';
import { findNeedles, needle } from '../../support/scan-files';
import { pemBodyLines } from '../../support/ssh-keygen';
import { tempDirs } from '../../support/temp-dirs';
import { deriveKey, newSalt, packSealed, seal } from '../../../src-main/vault/crypto';
import { EXPORT_AAD } from '../../../src-main/vault/service';
import {
  call,
  cheapKdf,
  generatedKey,
  hostdecks,
  newMasterPassword,
  randomSecret,
  refusal,
} from './vault-on-disk';

const dirs = tempDirs('hostdeck-vault-export-');
const apps = hostdecks();

afterEach(async () => {
  await apps.closeAll();
  vi.restoreAllMocks();
  dirs.removeAll();
});

/** A vault with one secret of each kind the UI can create, and the file it exported them to. */
async function exportedVault() {
  const hd = apps.open(dirs.make());
  const master = newMasterPassword();
  const passphrase = `export ${randomSecret()}`;
  const values = { password: randomSecret(), token: randomSecret(), dbPassword: randomSecret() };
  await call(hd, 'vault.setup', { password: master });
  await call(hd, 'vault.secrets.add', { kind: 'password', label: 'shop admin', password: values.password });
  await call(hd, 'vault.secrets.add', { kind: 'token', label: 'dns api', token: values.token });
  await call(hd, 'vault.secrets.add', {
    kind: 'db-credential',
    label: 'shop db',
    username: 'shop_user',
    password: values.dbPassword,
  });
  const key = await generatedKey(hd, 'deploy');
  const privateKey = (await call(hd, 'vault.secrets.reveal', { id: key.id })).fields.privateKey!;
  const path = join(dirs.make(), 'vault-export.json');
  expect(await call(hd, 'vault.export', { path, passphrase })).toEqual({ count: 4 });
  const secrets = await call(hd, 'vault.secrets.list', {});
  const revealed = await Promise.all(secrets.map((s) => call(hd, 'vault.secrets.reveal', { id: s.id })));
  return { hd, master, passphrase, values, privateKey, path, secrets, revealed };
}

/** A second install with its own, unrelated master password. */
async function freshVault(): Promise<Hostdeck> {
  const hd = apps.open(dirs.make());
  await call(hd, 'vault.setup', { password: newMasterPassword() });
  return hd;
}

describe('vault: export', () => {
  it('writes a file only its owner can read, holding none of the secret values', async () => {
    const { master, passphrase, values, privateKey, path } = await exportedVault();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const needles = [
      needle('the master password', master),
      needle('the export passphrase', passphrase),
      needle('the password', values.password),
      needle('the token', values.token),
      needle('the db password', values.dbPassword),
      needle('the private key body', pemBodyLines(privateKey).join('')),
      ...pemBodyLines(privateKey)
        .filter((l) => l.length >= 16)
        .map((line, i) => needle(`private key line ${i + 1}`, line)),
    ];
    expect(findNeedles([path], needles)).toEqual([]);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      format: 'hostdeck-vault-export',
      version: 1,
    });
  });

  it('records the export in the audit trail without any secret', async () => {
    const { hd, passphrase, values } = await exportedVault();
    const audit = await call(hd, 'audit.list', {});
    expect(audit.find((a) => a.action === 'vault.export')).toMatchObject({ detail: { count: 4 } });
    const text = JSON.stringify(audit);
    for (const secret of [passphrase, ...Object.values(values)]) expect(text).not.toContain(secret);
  });
});

describe('vault: import', () => {
  it('restores every secret into a new vault with identical ids, labels and values', async () => {
    const exported = await exportedVault();
    const target = await freshVault();

    const result = await call(target, 'vault.import', {
      path: exported.path,
      passphrase: exported.passphrase,
    });
    expect(result).toEqual({ imported: 4, skipped: 0 });
    const list = await call(target, 'vault.secrets.list', {});
    const strip = (s: {
      id: string;
      kind: string;
      label: string;
      fingerprint: string | null;
      publicKey: string | null;
    }) => ({
      id: s.id,
      kind: s.kind,
      label: s.label,
      fingerprint: s.fingerprint,
      publicKey: s.publicKey,
    });
    expect(list.map(strip).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      exported.secrets.map(strip).sort((a, b) => a.id.localeCompare(b.id)),
    );
    for (const original of exported.revealed) {
      expect(await call(target, 'vault.secrets.reveal', { id: original.id })).toEqual(original);
    }
    expect(exported.revealed.map((r) => r.fields)).toContainEqual({ password: exported.values.password });
  });

  it('skips the secrets it already holds when the same file is imported twice', async () => {
    const exported = await exportedVault();
    const target = await freshVault();
    await call(target, 'vault.import', { path: exported.path, passphrase: exported.passphrase });
    const again = await call(target, 'vault.import', {
      path: exported.path,
      passphrase: exported.passphrase,
    });
    expect(again).toEqual({ imported: 0, skipped: 4 });
    expect(await call(target, 'vault.secrets.list', {})).toHaveLength(4);
  });

  it('refuses a wrong passphrase with WRONG_PASSWORD and imports nothing', async () => {
    const exported = await exportedVault();
    const target = await freshVault();
    const error = await refusal(target, 'vault.import', {
      path: exported.path,
      passphrase: 'not the passphrase',
    });
    expect(error).toMatchObject({ code: 'WRONG_PASSWORD', field: 'passphrase' });
    expect(await call(target, 'vault.secrets.list', {})).toEqual([]);
  });

  it.each([
    ['the first sealed byte', 0],
    ['a middle sealed byte', 40],
    ['the last sealed byte', -1],
  ])('refuses a file with one bit of %s flipped as WRONG_PASSWORD and imports nothing', async (_what, at) => {
    const exported = await exportedVault();
    const file = JSON.parse(readFileSync(exported.path, 'utf8')) as { sealed: string };
    const sealed = Buffer.from(file.sealed, 'base64');
    const index = at < 0 ? sealed.length + at : at;
    sealed[index] = sealed[index]! ^ 0x01;
    writeFileSync(exported.path, JSON.stringify({ ...file, sealed: sealed.toString('base64') }));

    const target = await freshVault();
    const error = await refusal(target, 'vault.import', {
      path: exported.path,
      passphrase: exported.passphrase,
    });
    expect(error).toMatchObject({ code: 'WRONG_PASSWORD', field: 'passphrase' });
    expect(await call(target, 'vault.secrets.list', {})).toEqual([]);
  });

  it('refuses a file with a changed salt as WRONG_PASSWORD and imports nothing', async () => {
    const exported = await exportedVault();
    const file = JSON.parse(readFileSync(exported.path, 'utf8')) as Record<string, unknown>;
    writeFileSync(exported.path, JSON.stringify({ ...file, salt: Buffer.alloc(16, 7).toString('base64') }));
    const target = await freshVault();
    const error = await refusal(target, 'vault.import', {
      path: exported.path,
      passphrase: exported.passphrase,
    });
    expect(error).toMatchObject({ code: 'WRONG_PASSWORD' });
    expect(await call(target, 'vault.secrets.list', {})).toEqual([]);
  });

  it.each([
    ['cut in half', (text: string) => text.slice(0, text.length / 2)],
    ['not JSON at all', () => 'hello'],
    ['of another format', (text: string) => JSON.stringify({ ...JSON.parse(text), format: 'other' })],
    ['of a future version', (text: string) => JSON.stringify({ ...JSON.parse(text), version: 2 })],
  ])('refuses a file %s as VALIDATION on field path and imports nothing', async (_what, edit) => {
    const exported = await exportedVault();
    writeFileSync(exported.path, edit(readFileSync(exported.path, 'utf8')));
    const target = await freshVault();
    const error = await refusal(target, 'vault.import', {
      path: exported.path,
      passphrase: exported.passphrase,
    });
    expect(error).toMatchObject({ code: 'VALIDATION', field: 'path' });
    expect(await call(target, 'vault.secrets.list', {})).toEqual([]);
  });

  // Regression (fixed): src-main/vault/service.ts importFrom() (line 348) bounds kdf.N/r/p from above only and never
  // checks that they are valid scrypt parameters, so a changed export whose kdf.N is not a power of
  // two (or is 0, negative, a string …) makes deriveKey() (line 355) reject with Node's
  // ERR_CRYPTO_INVALID_SCRYPT_PARAMS. That is not an AppError, so the router answers INTERNAL
  // ("failed unexpectedly … a bug worth reporting") for what is simply a damaged file.
  it('refuses a file whose key-derivation parameters were changed to invalid ones as VALIDATION', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const exported = await exportedVault();
    const file = JSON.parse(readFileSync(exported.path, 'utf8')) as { kdf: Record<string, unknown> };
    writeFileSync(exported.path, JSON.stringify({ ...file, kdf: { ...file.kdf, N: 1000 } }));
    const target = await freshVault();
    const error = await refusal(target, 'vault.import', {
      path: exported.path,
      passphrase: exported.passphrase,
    });
    expect(await call(target, 'vault.secrets.list', {})).toEqual([]);
    expect(error).toMatchObject({ code: 'VALIDATION', field: 'path' });
  });
});

describe('vault: import checks every entry before writing anything', () => {
  /** An export sealed exactly as Hostdeck seals one, around entries a test chooses. */
  async function craftedExport(secrets: unknown[]) {
    const passphrase = `export ${randomSecret()}`;
    const salt = newSalt();
    const key = await deriveKey(passphrase, salt, cheapKdf);
    const sealed = packSealed(seal(key, Buffer.from(JSON.stringify({ secrets })), EXPORT_AAD));
    const path = join(dirs.make(), 'crafted.json');
    writeFileSync(
      path,
      JSON.stringify({
        format: 'hostdeck-vault-export',
        version: 1,
        kdf: cheapKdf,
        salt: salt.toString('base64'),
        sealed: sealed.toString('base64'),
      }),
    );
    return { path, passphrase };
  }
  const good = {
    id: '11111111-1111-4111-8111-111111111111',
    kind: 'password',
    label: 'fine',
    payload: { kind: 'password', password: 'p-1234' },
  };
  const bad = { ...good, id: '22222222-2222-4222-8222-222222222222', label: 'bad' };

  it.each([
    ['an id that is not a secret id', { ...bad, id: '../../etc/passwd' }, /secrets\.1\.id/],
    [
      'a kind that differs from its payload',
      { ...bad, kind: 'token' },
      /says it is token but holds password/,
    ],
    ['an unknown kind', { ...bad, kind: 'root-shell', payload: { kind: 'root-shell' } }, /secrets\.1\./],
    [
      'a payload with a field its kind has none of',
      { ...bad, payload: { kind: 'password', password: 'x', extra: 1 } },
      /secrets\.1\.payload/,
    ],
    [
      'an empty password',
      { ...bad, payload: { kind: 'password', password: '' } },
      /secrets\.1\.payload\.password/,
    ],
    ['a label with a newline', { ...bad, label: 'two\nlines' }, /secrets\.1\.label/],
    [
      'an ssh key that is not a key',
      { ...bad, kind: 'ssh-key', payload: { kind: 'ssh-key', privateKey: 'x'.repeat(80) } },
      /not a private key Hostdeck can read/,
    ],
  ])(
    'refuses %s as VALIDATION naming the entry, and imports nothing at all',
    async (_what, entry, message) => {
      const hd = await freshVault();
      const file = await craftedExport([good, entry]);
      const error = await refusal(hd, 'vault.import', file);
      expect(error).toMatchObject({
        code: 'VALIDATION',
        field: 'path',
        message: expect.stringMatching(message),
      });
      expect(error.message).toMatch(/nothing was imported/);
      expect(await call(hd, 'vault.secrets.list', {})).toEqual([]);
    },
  );

  it("takes an ssh key's fingerprint and public key from its private key, not from the file", async () => {
    const source = await exportedVault();
    const sshKey = source.revealed.find((r) => r.kind === 'ssh-key')!;
    const info = source.secrets.find((s) => s.id === sshKey.id)!;
    const file = await craftedExport([
      {
        id: info.id,
        kind: 'ssh-key',
        label: info.label,
        fingerprint: 'SHA256:forged',
        publicKey: 'ssh-ed25519 AAAAforged attacker',
        payload: { kind: 'ssh-key', privateKey: sshKey.fields.privateKey },
      },
    ]);
    const hd = await freshVault();
    expect(await call(hd, 'vault.import', file)).toEqual({ imported: 1, skipped: 0 });
    const [imported] = await call(hd, 'vault.secrets.list', {});
    expect(imported?.fingerprint).toBe(info.fingerprint);
    expect(imported?.publicKey?.split(' ').slice(0, 2)).toEqual(info.publicKey?.split(' ').slice(0, 2));
    expect(imported?.publicKey).not.toContain('forged');
  });
});
