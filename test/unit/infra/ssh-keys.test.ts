import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/base/app-error';
import { describeKey, fingerprintOf, generateEd25519 } from '../../../src-main/infra/ssh/keys';
import { keygenFingerprint, sshKeygen } from '../../support/ssh-keygen';
import { tempDirs } from '../../support/temp-dirs';
import { call, generatedKey, hostdecks, newMasterPassword, refusal, thrownBy } from '../vault/vault-on-disk';

const dirs = tempDirs('hostdeck-vault-ssh-');
const apps = hostdecks();

afterEach(async () => {
  await apps.closeAll();
  dirs.removeAll();
});

async function unlockedVault() {
  const hd = apps.open(dirs.make());
  await call(hd, 'vault.setup', { password: newMasterPassword() });
  return hd;
}

/** generateEd25519, retried past the ssh2 keygen BUG below so this test is about the key's format. */
function generateRetrying(comment: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return generateEd25519(comment);
    } catch (err) {
      if (attempt >= 3 || (err as AppError).field !== 'privateKey') throw err;
    }
  }
}

/** Writes a public key line to a file so ssh-keygen can fingerprint it. */
function publicKeyFile(line: string): string {
  const path = join(dirs.make(), 'key.pub');
  writeFileSync(path, `${line}\n`);
  return path;
}

describe('ssh keys: generate', () => {
  it('makes an ed25519 key whose public line and SHA256 fingerprint match what ssh-keygen reads', () => {
    const key = generateRetrying('hostdeck:deploy');
    expect(key.publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=* hostdeck:deploy$/);
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(key.fingerprint).toBe(keygenFingerprint(publicKeyFile(key.publicKey)));
    expect(key.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
  });

  it('stores a generated key in the vault, showing only its public half and fingerprint', async () => {
    const hd = await unlockedVault();
    const info = await generatedKey(hd, 'deploy key');
    expect(info).toMatchObject({ kind: 'ssh-key', label: 'deploy key' });
    expect(info.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ hostdeck:deploy-key$/);
    expect(info.fingerprint).toBe(keygenFingerprint(publicKeyFile(info.publicKey!)));
    expect(JSON.stringify(await call(hd, 'vault.secrets.list', {}))).not.toContain('PRIVATE KEY');

    const { privateKey } = hd.vault.use(info.id, 'ssh-key');
    const keyFile = join(dirs.make(), 'id');
    writeFileSync(keyFile, privateKey, { mode: 0o600 });
    expect(keygenFingerprint(keyFile)).toBe(info.fingerprint);
  });

  // Regression (fixed): ssh2 1.17.0 utils.generateKeyPairSync('ed25519') (node_modules/ssh2/lib/keygen.js, the
  // "Remove leading zero bytes" loop after reading the public BIT STRING, lines 290-297) strips every
  // leading 0x00 of the public key, not just the BIT STRING's unused-bits byte. About 1 key in 256 has
  // a public key starting with 0x00; ssh2 then writes a 31-byte public key, its own parseKey rejects
  // the result ("Malformed OpenSSH private key"), and src-main/vault/ssh-keys.ts generateEd25519()
  // (lines 18-21) passes that through describeKey(), so 'vault.sshKeys.generate' fails at random with
  // VALIDATION field privateKey "This is not a private key Hostdeck can read." (the operator pasted
  // nothing). Any test that generates a key inherits a ~0.4 % flake from this. A fix: build the key
  // from node:crypto's ed25519 JWK (32-byte x and d) instead of ssh2's keygen, or re-check and retry.
  // Upstream: https://github.com/mscdex/ssh2/issues/1390 (open).
  it('makes a valid, distinct key every time (3000 in a row)', () => {
    const fingerprints = new Set<string>();
    const failures: string[] = [];
    for (let i = 0; i < 3000; i++) {
      try {
        fingerprints.add(generateEd25519('hostdeck:bulk').fingerprint);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    expect(failures).toEqual([]);
    expect(fingerprints.size).toBe(3000);
  });
});

describe('ssh keys: import', () => {
  it('reads an unencrypted OpenSSH ed25519 key from ssh-keygen, with its fingerprint', async () => {
    const hd = await unlockedVault();
    const key = sshKeygen(dirs.make(), 'id_ed25519', { type: 'ed25519' });
    const info = await call(hd, 'vault.sshKeys.import', { label: 'laptop', privateKey: key.privateKey });
    expect(info.fingerprint).toBe(keygenFingerprint(key.publicPath));
    expect(info.publicKey?.split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
    expect(hd.vault.use(info.id, 'ssh-key').privateKey.trim()).toBe(key.privateKey.trim());
  });

  it('reads a PEM RSA key (ssh-keygen -m PEM), with its fingerprint', async () => {
    const hd = await unlockedVault();
    const key = sshKeygen(dirs.make(), 'id_rsa', { type: 'rsa', bits: 2048, pem: true });
    expect(key.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    const info = await call(hd, 'vault.sshKeys.import', { label: 'old rsa', privateKey: key.privateKey });
    expect(info.publicKey).toMatch(/^ssh-rsa AAAA/);
    expect(info.fingerprint).toBe(keygenFingerprint(key.publicPath));
  });

  it('reads an encrypted key with its passphrase and keeps the passphrase for later use', async () => {
    const hd = await unlockedVault();
    const key = sshKeygen(dirs.make(), 'id_enc', { type: 'ed25519', passphrase: 'correct horse battery' });
    const info = await call(hd, 'vault.sshKeys.import', {
      label: 'encrypted',
      privateKey: key.privateKey,
      passphrase: 'correct horse battery',
    });
    expect(info.fingerprint).toBe(keygenFingerprint(key.publicPath));
    expect(hd.vault.use(info.id, 'ssh-key')).toMatchObject({ passphrase: 'correct horse battery' });
  });

  it.each([
    ['a wrong passphrase', 'wrong horse'],
    ['no passphrase', undefined],
  ])(
    'refuses an encrypted key with %s as VALIDATION on field passphrase, storing nothing',
    async (_what, passphrase) => {
      const hd = await unlockedVault();
      const key = sshKeygen(dirs.make(), 'id_enc', { type: 'ed25519', passphrase: 'correct horse battery' });
      const error = await refusal(hd, 'vault.sshKeys.import', {
        label: 'encrypted',
        privateKey: key.privateKey,
        ...(passphrase ? { passphrase } : {}),
      });
      expect(error).toMatchObject({ code: 'VALIDATION', field: 'passphrase' });
      expect(await call(hd, 'vault.secrets.list', {})).toEqual([]);
    },
  );

  it('refuses a PEM RSA key with a wrong passphrase as VALIDATION on field passphrase', async () => {
    const hd = await unlockedVault();
    const key = sshKeygen(dirs.make(), 'id_rsa_enc', {
      type: 'rsa',
      bits: 2048,
      pem: true,
      passphrase: 'pem pass 123',
    });
    const error = await refusal(hd, 'vault.sshKeys.import', {
      label: 'rsa',
      privateKey: key.privateKey,
      passphrase: 'not it',
    });
    expect(error).toMatchObject({ code: 'VALIDATION', field: 'passphrase' });
  });

  it('refuses text that is not a key as VALIDATION on field privateKey', async () => {
    const hd = await unlockedVault();
    const error = await refusal(hd, 'vault.sshKeys.import', {
      label: 'junk',
      privateKey: 'this is definitely not a private key, just some words pasted by mistake',
    });
    expect(error).toMatchObject({ code: 'VALIDATION', field: 'privateKey' });
    expect(await call(hd, 'vault.secrets.list', {})).toEqual([]);
  });

  it('refuses a public key pasted instead of the private one as VALIDATION on field privateKey', async () => {
    const hd = await unlockedVault();
    const key = sshKeygen(dirs.make(), 'id_ed25519', { type: 'ed25519' });
    const error = await refusal(hd, 'vault.sshKeys.import', { label: 'oops', privateKey: key.publicKey });
    expect(error).toMatchObject({
      code: 'VALIDATION',
      field: 'privateKey',
      message: expect.stringMatching(/public key/),
    });
    expect(await call(hd, 'vault.secrets.list', {})).toEqual([]);
  });

  it('refuses the same mistakes when called directly, as AppErrors', () => {
    expect(thrownBy(() => describeKey('garbage', undefined, 'x'))).toBeInstanceOf(AppError);
    expect(thrownBy(() => describeKey('garbage', undefined, 'x'))).toMatchObject({
      code: 'VALIDATION',
      field: 'privateKey',
    });
  });
});

describe('ssh keys: fingerprints', () => {
  it('formats SHA256 fingerprints like OpenSSH: base64 without padding', () => {
    expect(fingerprintOf(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});
