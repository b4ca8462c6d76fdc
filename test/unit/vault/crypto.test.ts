import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as vaultCrypto from '../../../src-main/vault/crypto';
import { cheapKdf } from './vault-on-disk';

const key = () => randomBytes(32);

describe('vault crypto', () => {
  it('opens what it sealed, with the same key and associated data', () => {
    const k = key();
    const sealed = vaultCrypto.packSealed(vaultCrypto.seal(k, Buffer.from('plain text'), 'aad'));
    expect(vaultCrypto.open(k, vaultCrypto.unpackSealed(sealed), 'aad').toString()).toBe('plain text');
  });

  it('uses a fresh IV each time, so equal plaintexts give different ciphertexts', () => {
    const k = key();
    const a = vaultCrypto.packSealed(vaultCrypto.seal(k, Buffer.from('same'), 'aad'));
    const b = vaultCrypto.packSealed(vaultCrypto.seal(k, Buffer.from('same'), 'aad'));
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses other associated data: a ciphertext moved to another id or kind does not open', () => {
    const k = key();
    const sealed = vaultCrypto.seal(k, Buffer.from('v'), vaultCrypto.secretAad('id-1', 'password'));
    expect(() => vaultCrypto.open(k, sealed, vaultCrypto.secretAad('id-2', 'password'))).toThrow(
      vaultCrypto.CryptoFailure,
    );
    expect(() => vaultCrypto.open(k, sealed, vaultCrypto.secretAad('id-1', 'token'))).toThrow(
      vaultCrypto.CryptoFailure,
    );
  });

  it('refuses another key', () => {
    const sealed = vaultCrypto.seal(key(), Buffer.from('v'), 'aad');
    expect(() => vaultCrypto.open(key(), sealed, 'aad')).toThrow(vaultCrypto.CryptoFailure);
  });

  it('refuses a blob shorter than IV and tag', () => {
    expect(() => vaultCrypto.unpackSealed(Buffer.alloc(27))).toThrow(vaultCrypto.CryptoFailure);
  });

  it('derives the same key from the same password and salt, another from another salt', async () => {
    const salt = randomBytes(16);
    const a = await vaultCrypto.deriveKey('correct horse battery', salt, cheapKdf);
    const b = await vaultCrypto.deriveKey('correct horse battery', salt, cheapKdf);
    const c = await vaultCrypto.deriveKey('correct horse battery', randomBytes(16), cheapKdf);
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('derives the same key from composed and decomposed Unicode forms of a password (NFC)', async () => {
    const salt = randomBytes(16);
    const composed = await vaultCrypto.deriveKey('pässwörd-über-alles', salt, cheapKdf);
    const decomposed = await vaultCrypto.deriveKey('pässwörd-über-alles'.normalize('NFD'), salt, cheapKdf);
    expect(composed.equals(decomposed)).toBe(true);
  });

  it('zeroes buffers it wipes', () => {
    const b = randomBytes(32);
    vaultCrypto.wipe(b, null, undefined);
    expect(b.equals(Buffer.alloc(32))).toBe(true);
  });
});
