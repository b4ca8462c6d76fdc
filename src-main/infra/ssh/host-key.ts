import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

export interface PresentedHostKey {
  type: string;
  /** base64 of the SSH wire-format public key blob. */
  key: string;
  fingerprint: string;
}

export const fingerprintOfBlob = (blob: Buffer) =>
  `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export function describeHostKey(blob: Buffer): PresentedHostKey {
  const parsed = ssh2.utils.parseKey(blob);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  const type = key && !(key instanceof Error) ? key.type : 'unknown';
  return { type, key: blob.toString('base64'), fingerprint: fingerprintOfBlob(blob) };
}
