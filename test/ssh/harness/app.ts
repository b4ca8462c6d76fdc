import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { unusedTestUid } from '../../support/test-uid';
import { join } from 'node:path';
import type { CommandName, InputOf, OutputOf } from '../../../src-main/api/contract';
import type { Hostdeck, HostdeckOptions } from '../../../src-main/core/hostdeck';
import { createHostdeck } from '../../../src-main/core/hostdeck';
import { keytarKeychain } from '../../../src-main/infra/keychain/keychain';

/** Cheap scrypt for tests that are not about the KDF (the app's default is 2^17). */
export const testKdf = { algorithm: 'scrypt' as const, N: 2 ** 12, r: 8, p: 1, keyLength: 32 as const };
export const noKeychain = keytarKeychain(async () => {
  throw new Error('no keychain in this test');
});

export interface TestApp {
  hd: Hostdeck;
  dataDir: string;
  call<K extends CommandName>(name: K, input: InputOf<K>): Promise<OutputOf<K>>;
  /** The ApiError of a call expected to fail. */
  fail<K extends CommandName>(
    name: K,
    input: InputOf<K>,
  ): Promise<{ code: string; message: string; field?: string; hint?: string }>;
  close(): Promise<void>;
}

/** A Hostdeck with a fresh data directory and an unlocked vault, driven through its router like the UI. */
export async function startApp(opts: Partial<HostdeckOptions> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hostdeck-ssh-tier-'));
  const hd = createHostdeck({ dataDir, version: 'test', kdf: testKdf, keychain: noKeychain, ...opts });
  const call = async <K extends CommandName>(name: K, input: InputOf<K>) => {
    const r = await hd.router.dispatch(name, input, { actor: 'ui' });
    if (!r.ok) throw new Error(`${name} failed: ${JSON.stringify(r.error)}`);
    return r.value as OutputOf<K>;
  };
  const fail = async <K extends CommandName>(name: K, input: InputOf<K>) => {
    const r = await hd.router.dispatch(name, input, { actor: 'ui' });
    if (r.ok) throw new Error(`${name} unexpectedly succeeded: ${JSON.stringify(r.value)}`);
    return r.error;
  };
  await call('vault.setup', { password: 'correct horse battery staple' });
  return {
    hd,
    dataDir,
    call,
    fail,
    async close() {
      await hd.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A real local Unix user with a password, for password-auth tests. Removed by the returned function. */
export function createLocalUser(): { name: string; password: string; remove: () => void } {
  const name = `hdt${randomBytes(3).toString('hex')}`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  execFileSync('useradd', ['--create-home', '--uid', String(unusedTestUid()), '--shell', '/bin/sh', name]);
  execFileSync('chpasswd', [], { input: `${name}:${password}\n` });
  return {
    name,
    password,
    remove: () => removeLocalUser(name),
  };
}

export function removeLocalUser(name: string): void {
  try {
    execFileSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' });
  } catch {
    // no processes
  }
  execFileSync('userdel', ['--remove', name], { stdio: 'ignore' });
}
