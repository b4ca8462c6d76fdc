import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { AppError } from '../api/app-error';

const { utils } = ssh2;

export interface SshKeyMaterial {
  privateKey: string;
  passphrase?: string;
  publicKey: string;
  fingerprint: string;
}

/** OpenSSH-style fingerprint of a public key blob: SHA256:<base64 without padding>. */
export const fingerprintOf = (publicBlob: Buffer) =>
  `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`;

export function generateEd25519(comment: string): SshKeyMaterial {
  const pair = utils.generateKeyPairSync('ed25519', { comment });
  return describeKey(pair.private, undefined, comment);
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
