import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ApiError, CommandName, EventName, InputOf, OutputOf, SecretInfo } from '@contract';
import type { Caller } from '../../../src-main/api/router';
import { createHostdeck } from '../../../src-main/core/hostdeck';
import type { Hostdeck, HostdeckOptions } from '../../../src-main/core/hostdeck';
import { keytarKeychain } from '../../../src-main/infra/keychain/keychain';
import type { KdfParams } from '../../../src-main/vault/crypto';

/** Cheap scrypt for tests that are not about the key derivation itself (~40 ms instead of ~0.5 s). */
export const cheapKdf: KdfParams = { algorithm: 'scrypt', N: 2 ** 14, r: 8, p: 1, keyLength: 32 };

/**
 * The one fake these tests use: keytar as it fails on a machine without a D-Bus session, with the
 * exact error text the real module throws there. Everything else is real.
 */
export const keychainWithoutDbus = () =>
  keytarKeychain(async () => {
    throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
  });

export const newMasterPassword = () => `master ${randomBytes(12).toString('base64url')}`;
/** A random 24-character value, so finding it anywhere cannot be a coincidence. */
export const randomSecret = () => randomBytes(18).toString('base64url');

export const databaseFile = (dataDir: string) => join(dataDir, 'hostdeck.sqlite');

/** Hostdeck instances over real data directories, all closed by `closeAll()` in afterEach. */
export function hostdecks() {
  const opened: Hostdeck[] = [];
  return {
    open(dataDir: string, opts: Partial<HostdeckOptions> = {}): Hostdeck {
      const hostdeck = createHostdeck({
        dataDir,
        version: 'test',
        keychain: keychainWithoutDbus(),
        kdf: cheapKdf,
        ...opts,
      });
      opened.push(hostdeck);
      return hostdeck;
    },
    async closeAll(): Promise<void> {
      for (const hostdeck of opened.splice(0)) await hostdeck.close();
    },
  };
}

const ui: Caller = { actor: 'ui' };

/** A router call the way the window makes it; fails the test with the ApiError if it is refused. */
export async function call<K extends CommandName>(
  hostdeck: Hostdeck,
  name: K,
  input: InputOf<K>,
  ctx: Caller = ui,
): Promise<OutputOf<K>> {
  const result = await hostdeck.router.dispatch(name, input, ctx);
  if (!result.ok) throw new Error(`${name} was refused: ${JSON.stringify(result.error)}`);
  return result.value as OutputOf<K>;
}

/** A router call that must be refused: returns its ApiError, fails the test if it succeeded. */
export async function refusal(
  hostdeck: Hostdeck,
  name: CommandName,
  input: unknown,
  ctx: Caller = ui,
): Promise<ApiError> {
  const result = await hostdeck.router.dispatch(name, input, ctx);
  if (result.ok) throw new Error(`${name} succeeded but should have been refused: ${JSON.stringify(result)}`);
  return result.error;
}

/** The thrown value of a synchronous call (vault.use and friends throw AppErrors). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

/** Every event the hostdeck emits, in order. */
export function recordEvents(hostdeck: Hostdeck) {
  const seen: { name: EventName; payload: unknown }[] = [];
  hostdeck.events.listen((name, payload) => seen.push({ name, payload: structuredClone(payload) }));
  return {
    seen,
    named: <T>(name: EventName) => seen.filter((e) => e.name === name).map((e) => e.payload as T),
  };
}

/**
 * 'vault.sshKeys.generate', retried when it fails the way the ssh2 keygen BUG makes it fail (about one
 * ed25519 key in 256 comes out malformed: VALIDATION on privateKey; see ssh-keys.test.ts, "makes a
 * valid, distinct key every time"). Tests about something else use this so they do not flake; that
 * test keeps the bug visible.
 */
export async function generatedKey(hostdeck: Hostdeck, label: string): Promise<SecretInfo> {
  for (let attempt = 1; ; attempt++) {
    const result = await hostdeck.router.dispatch('vault.sshKeys.generate', { label }, ui);
    if (result.ok) return result.value as SecretInfo;
    if (attempt >= 3 || result.error.field !== 'privateKey') {
      throw new Error(`vault.sshKeys.generate was refused: ${JSON.stringify(result.error)}`);
    }
  }
}
