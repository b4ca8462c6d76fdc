/**
 * Vault cryptography. Documented parameters (docs/adr/0003-vault-crypto.md):
 * - KDF: scrypt, N = 2^17, r = 8, p = 1, 32-byte key, 16-byte random salt (~0.3-0.5 s here).
 * - A random 32-byte data key, wrapped by the derived key with AES-256-GCM.
 * - Each secret sealed with AES-256-GCM under the data key, 12-byte random IV, and the record's id
 *   and kind as associated data: a ciphertext moved to another record fails authentication.
 * Buffers holding keys are zeroed when no longer needed.
 */
import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  randomInt,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';

export interface KdfParams {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  keyLength: 32;
}

export const defaultKdf: KdfParams = { algorithm: 'scrypt', N: 2 ** 17, r: 8, p: 1, keyLength: 32 };

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

export class CryptoFailure extends Error {}

export function deriveKey(password: string, salt: Buffer, params: KdfParams): Promise<Buffer> {
  const maxmem = 128 * params.N * params.r * 2;
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      params.keyLength,
      { N: params.N, r: params.r, p: params.p, maxmem },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), data };
}

export function open(key: Buffer, sealed: Sealed, aad: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.data), decipher.final()]);
  } catch {
    throw new CryptoFailure('authentication failed');
  }
}

/** iv(12) | tag(16) | data — one blob per column. */
export const packSealed = (s: Sealed) => Buffer.concat([s.iv, s.tag, s.data]);
export function unpackSealed(blob: Buffer): Sealed {
  if (blob.length < 28) throw new CryptoFailure('sealed blob too short');
  return { iv: blob.subarray(0, 12), tag: blob.subarray(12, 28), data: blob.subarray(28) };
}

export const dataKeyAad = (vaultId: string) => `hostdeck/vault/v1/data-key/${vaultId}`;
export const secretAad = (id: string, kind: string) => `hostdeck/vault/v1/secret/${kind}/${id}`;

export const newSalt = () => randomBytes(16);

// Letters and digits without look-alikes (0/O, 1/l/I): safe unquoted in SQL, shell, option files
// and URLs, and readable when an operator has to type one. 32 characters carry ~186 bits.
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** A password the app makes for a service (database users, WordPress admin), from the CSPRNG. */
export const randomPassword = (length = 32) =>
  Array.from({ length }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join('');
export const newDataKey = () => randomBytes(32);

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function wipe(...buffers: (Buffer | null | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}
