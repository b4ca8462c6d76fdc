import { generateKeyPairSync, randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { AppError } from '../../base/app-error';
import { fingerprintOfBlob } from './host-key';

const { utils } = ssh2;

export interface SshKeyMaterial {
  privateKey: string;
  passphrase?: string;
  publicKey: string;
  fingerprint: string;
}

/** OpenSSH-style fingerprint of a public key blob: SHA256:<base64 without padding>. */
export const fingerprintOf = fingerprintOfBlob;

/**
 * A new ed25519 key in OpenSSH's private key format, from Node's own key generator. (ssh2 1.17's
 * generator strips leading zero bytes of the public key and writes an unreadable key about one time
 * in 256: mscdex/ssh2#1390.)
 */
export function generateEd25519(comment: string): SshKeyMaterial {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d!, 'base64url');
  const pub = Buffer.from(jwk.x!, 'base64url');
  return describeKey(openSshEd25519(seed, pub, comment), undefined, comment);
}

/** PROTOCOL.key: "openssh-key-v1", no cipher, one key, check ints, padding 1, 2, 3 … to 8 bytes. */
function openSshEd25519(seed: Buffer, pub: Buffer, comment: string): string {
  const str = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length);
    return Buffer.concat([len, buf]);
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const publicBlob = Buffer.concat([str('ssh-ed25519'), str(pub)]);
  const check = randomBytes(4).readUInt32BE();
  let secret = Buffer.concat([
    u32(check),
    u32(check),
    str('ssh-ed25519'),
    str(pub),
    str(Buffer.concat([seed, pub])),
    str(comment),
  ]);
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    str('none'),
    str('none'),
    str(''),
    u32(1),
    str(publicBlob),
    str(secret),
  ]);
  const b64 = body.toString('base64').replace(/.{1,70}/g, '$&\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`;
}

/** Parses an OpenSSH or PEM private key (with its passphrase, if any); refuses anything else. */
export function describeKey(
  privateKey: string,
  passphrase: string | undefined,
  comment: string,
): SshKeyMaterial {
  const parsed = utils.parseKey(privateKey, passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    const reason = key instanceof Error ? key.message : 'unrecognised format';
    const needsPassphrase = /passphrase|encrypted/i.test(reason);
    throw new AppError(
      'VALIDATION',
      needsPassphrase
        ? 'The key is encrypted and the passphrase is wrong or missing.'
        : 'This is not a private key Hostdeck can read.',
      {
        field: needsPassphrase ? 'passphrase' : 'privateKey',
        hint: needsPassphrase
          ? 'Enter the passphrase the key was created with.'
          : 'Paste an OpenSSH ("BEGIN OPENSSH PRIVATE KEY") or PEM private key.',
      },
    );
  }
  if (!key.isPrivateKey()) {
    throw new AppError('VALIDATION', 'That is a public key; Hostdeck needs the private key.', {
      field: 'privateKey',
    });
  }
  const blob = key.getPublicSSH();
  const publicKey = `${key.type} ${blob.toString('base64')} ${comment.replace(/\s+/g, '-')}`.trim();
  return { privateKey, ...(passphrase ? { passphrase } : {}), publicKey, fingerprint: fingerprintOf(blob) };
}
