import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeygenKey {
  privateKey: string;
  publicKey: string;
  privatePath: string;
  publicPath: string;
}

/**
 * A key pair made by the real OpenSSH ssh-keygen in `dir` (so tests compare Hostdeck with the tool
 * operators use). `passphrase: ''` means unencrypted; `pem` writes the legacy PEM format.
 */
export function sshKeygen(
  dir: string,
  name: string,
  opts: { type: 'ed25519' | 'rsa'; bits?: number; pem?: boolean; passphrase?: string },
): KeygenKey {
  const privatePath = join(dir, name);
  const args = ['-q', '-t', opts.type, '-N', opts.passphrase ?? '', '-C', `${name}@test`, '-f', privatePath];
  if (opts.bits) args.push('-b', String(opts.bits));
  if (opts.pem) args.push('-m', 'PEM');
  execFileSync('ssh-keygen', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const publicPath = `${privatePath}.pub`;
  return {
    privateKey: readFileSync(privatePath, 'utf8'),
    publicKey: readFileSync(publicPath, 'utf8').trim(),
    privatePath,
    publicPath,
  };
}

/** The SHA256:… fingerprint `ssh-keygen -lf` prints for a public key file. */
export function keygenFingerprint(publicPath: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicPath], { encoding: 'utf8' });
  const match = /(SHA256:[A-Za-z0-9+/]+)/.exec(out);
  if (!match?.[1]) throw new Error(`ssh-keygen printed no SHA256 fingerprint: ${out}`);
  return match[1];
}

/** The base64 lines between a PEM block's BEGIN and END lines (headers such as DEK-Info left out). */
export function pemBodyLines(pem: string): string[] {
  return pem
    .split(/\r?\n/)
    .filter((line) => line.length > 0 && !line.startsWith('-----') && !line.includes(':'));
}
