import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshExec } from './harness/exec';
import { startSshd } from './harness/sshd';
import type { Sshd } from './harness/sshd';

describe('the ssh tier runs against a real OpenSSH sshd on loopback', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('accepts the authorised key and runs a command', async () => {
    const result = await sshExec(
      { host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.clientKey },
      'echo "hello from $(uname -s)"; echo oops >&2; exit 3',
    );
    expect(result).toEqual({ code: 3, stdout: 'hello from Linux\n', stderr: 'oops\n' });
  });

  it('presents the host key the harness generated', async () => {
    const seen = await new Promise<string>((resolve, reject) => {
      let key = '';
      sshExec(
        {
          host: sshd.host,
          port: sshd.port,
          username: sshd.user,
          privateKey: sshd.clientKey,
          hostVerifier: (k: Buffer) => {
            key = k.toString('base64');
            return true;
          },
        },
        'true',
      ).then(() => resolve(key), reject);
    });
    expect(sshd.hostPublicKey.split(' ')[1]).toBe(seen);
  });

  it('refuses a key that is not authorised', async () => {
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', `${dir}/other`]);
    const other = execFileSync('cat', [`${dir}/other`]).toString();
    await expect(
      sshExec({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: other }, 'true'),
    ).rejects.toThrow(/authentication methods failed/);
  });
});

describe('sshd harness teardown', () => {
  it('leaves no sshd process or temp directory behind', async () => {
    const sshd = await startSshd();
    const { pid, dir } = sshd;
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    await sshd.stop();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
