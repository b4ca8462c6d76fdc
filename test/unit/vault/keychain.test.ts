import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ApiError, Result, VaultStatus } from '@contract';
import { afterEach, describe, expect, it } from 'vitest';
import { childProcesses } from '../../support/processes';
import { pidAlive, runToExit } from '../../support/run-to-exit';
import { filesUnder, findNeedles, needle } from '../../support/scan-files';
import { tempDirs } from '../../support/temp-dirs';
import { waitFor } from '../../support/wait-for';
import { recoverDataKey, vaultMetaRow } from './tamper-sqlite';
import { call, databaseFile, hostdecks, newMasterPassword, randomSecret, refusal } from './vault-on-disk';

const dirs = tempDirs('hostdeck-vault-keychain-');
const apps = hostdecks();
const children = childProcesses();
const keyringDaemons: number[] = [];

afterEach(async () => {
  await apps.closeAll();
  await children.killAll();
  for (const pid of keyringDaemons.splice(0)) {
    // It leaves with its D-Bus session; end it by pid only if it has not within the deadline.
    await waitFor(() => !pidAlive(pid), {
      what: `gnome-keyring-daemon ${pid} to exit`,
      timeoutMs: 5_000,
    }).catch(() => {
      if (pidAlive(pid)) process.kill(pid, 'SIGTERM');
    });
  }
  dirs.removeAll();
});

/** Only the database, its WAL companions and the instance lock belong in a data directory. */
const strayFiles = (dataDir: string) =>
  filesUnder(dataDir)
    .map((f) => basename(f))
    .filter((name) => !/^hostdeck\.sqlite(-wal|-shm)?$/.test(name) && name !== 'instance.lock');

describe('keychain: no Secret Service reachable', () => {
  it('reports the keychain as unavailable, with the reason, before and after setup', async () => {
    const hd = apps.open(dirs.make());
    const before = await call(hd, 'vault.status', {});
    expect(before.keychain).toEqual({
      available: false,
      enabled: false,
      reason: expect.stringMatching(
        /No OS keychain is reachable \(Cannot autolaunch D-Bus.*\)\. Start a Secret Service/,
      ),
    });
    const after = await call(hd, 'vault.setup', { password: newMasterPassword() });
    expect(after.keychain).toEqual(before.keychain);
  });

  it('refuses to turn keychain unlock on with UNAVAILABLE, writing nothing in plain text', async () => {
    const dataDir = dirs.make();
    const hd = apps.open(dataDir);
    const master = newMasterPassword();
    const secret = randomSecret();
    await call(hd, 'vault.setup', { password: master });
    await call(hd, 'vault.secrets.add', { kind: 'password', label: 'db', password: secret });

    const error = await refusal(hd, 'vault.setKeychain', { enabled: true });
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/D-Bus/) });
    expect(await call(hd, 'vault.status', {})).toMatchObject({
      state: 'unlocked',
      keychain: { available: false, enabled: false },
    });
    expect(vaultMetaRow(databaseFile(dataDir))?.keychain_enabled).toBe(0);

    const dataKey = await recoverDataKey(databaseFile(dataDir), master);
    const needles = [
      needle('the master password', master),
      needle('the password secret', secret),
      needle('the data key (raw)', dataKey),
      needle('the data key (base64)', dataKey.toString('base64')),
      needle('the data key (hex)', dataKey.toString('hex')),
    ];
    expect(findNeedles(filesUnder(dataDir), needles)).toEqual([]);
    expect(strayFiles(dataDir)).toEqual([]);
    await hd.close();
    expect(findNeedles(filesUnder(dataDir), needles)).toEqual([]);
    expect(strayFiles(dataDir)).toEqual([]);
  });

  it('refuses unlock with the keychain as UNAVAILABLE and stays locked', async () => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    await call(hd, 'vault.lock', {});
    expect(await refusal(hd, 'vault.unlockWithKeychain', {})).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await call(hd, 'vault.status', {})).toMatchObject({ state: 'locked' });
  });
});

interface SessionReport {
  crashed?: string;
  master: string;
  secret: string;
  account: string;
  forged: string;
  keyringDaemonPid: number | null;
  statusBefore: Result<VaultStatus>;
  setup: Result<VaultStatus>;
  enable: Result<VaultStatus>;
  search: { code: number; stdout: string; stderr: string };
  storedItem: { code: number; stdout: string };
  lock: Result<VaultStatus>;
  unlockWithKeychain: Result<VaultStatus>;
  revealAfterKeychainUnlock: Result<{ fields: Record<string, string> }>;
  lookupAfterForging: { code: number; stdout: string };
  unlockWithForgedKey: Result<VaultStatus>;
  statusAfterForgedKey: Result<VaultStatus>;
  unlockWithPassword: Result<VaultStatus>;
  disable: Result<VaultStatus>;
  lookupAfterDisable: { code: number; stdout: string };
  keytarAfterDisable: string | null;
  unlockWithKeychainWhenOff: Result<VaultStatus>;
  enableAgain: Result<VaultStatus>;
  unlockWithItemGone: Result<VaultStatus>;
}

const fixture = resolve(__dirname, 'fixtures/keychain-session.mjs');

/**
 * Runs the fixture inside its own D-Bus session with a real gnome-keyring-daemon serving the Secret
 * Service, unlocked with a keyring password, under a throw-away HOME so the operator's keyring is never
 * touched. Returns the fixture's JSON report.
 */
async function keychainSession(dataDir: string): Promise<SessionReport> {
  const home = dirs.make();
  const runtimeDir = join(home, 'runtime');
  mkdirSync(runtimeDir, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_RUNTIME_DIR: runtimeDir,
  };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.DISPLAY;
  const script =
    'printf keyring-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$0" "$@"';
  const result = await runToExit(
    'dbus-run-session',
    ['--', 'bash', '-c', script, process.execPath, fixture, dataDir],
    { env, timeoutMs: 60_000, track: children.track },
  );
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || !lastLine.startsWith('{')) {
    throw new Error(
      `keychain fixture failed (exit ${result.code}).\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  const report = JSON.parse(lastLine) as SessionReport;
  if (report.keyringDaemonPid) keyringDaemons.push(report.keyringDaemonPid);
  if (report.crashed)
    throw new Error(`keychain fixture crashed: ${report.crashed}\nstderr:\n${result.stderr}`);
  return report;
}

const errorOf = (result: Result<unknown>): ApiError | null => (result.ok ? null : result.error);

describe('keychain: a real Secret Service (gnome-keyring over D-Bus, through keytar)', () => {
  it(
    'stores the data key (not the master password), unlocks with it, detects a forged key, and removes it when turned off',
    { timeout: 90_000 },
    async () => {
      const dataDir = dirs.make();
      const r = await keychainSession(dataDir);
      expect(r.keyringDaemonPid, 'the fixture found the Secret Service owner on its bus').toBeGreaterThan(0);

      expect(r.statusBefore).toMatchObject({
        ok: true,
        value: { keychain: { available: true, reason: null } },
      });
      expect(r.setup).toMatchObject({ ok: true, value: { state: 'unlocked' } });
      expect(r.enable).toMatchObject({ ok: true, value: { keychain: { available: true, enabled: true } } });

      // The item exists under service "Hostdeck" and holds the vault's data key, never the password.
      // secret-tool prints each item's path and secret on stdout and its attributes on stderr.
      expect(r.search.code).toBe(0);
      expect(r.search.stdout.match(/^\[\/\d+\]$/gm)).toHaveLength(1);
      expect(r.search.stderr).toContain('attribute.service = Hostdeck');
      expect(r.search.stderr).toContain(`attribute.account = ${r.account}`);
      expect(r.storedItem.code).toBe(0);
      const stored = r.storedItem.stdout.trim();
      expect(stored).not.toBe(r.master);
      expect(stored).not.toContain(r.master);
      expect(Buffer.from(stored, 'base64')).toHaveLength(32);
      const dataKey = await recoverDataKey(databaseFile(dataDir), r.master);
      expect(Buffer.from(stored, 'base64').equals(dataKey)).toBe(true);

      expect(r.lock).toMatchObject({ ok: true, value: { state: 'locked' } });
      expect(r.unlockWithKeychain).toMatchObject({ ok: true, value: { state: 'unlocked' } });
      expect(r.revealAfterKeychainUnlock).toMatchObject({
        ok: true,
        value: { fields: { password: r.secret } },
      });

      expect(r.lookupAfterForging.stdout.trim()).toBe(r.forged);
      expect(errorOf(r.unlockWithForgedKey)).toMatchObject({ code: 'TAMPERED' });
      expect(r.statusAfterForgedKey).toMatchObject({ ok: true, value: { state: 'locked' } });

      expect(r.unlockWithPassword).toMatchObject({ ok: true });
      expect(r.disable).toMatchObject({ ok: true, value: { keychain: { enabled: false } } });
      expect(r.lookupAfterDisable.code).not.toBe(0);
      expect(r.lookupAfterDisable.stdout).toBe('');
      expect(r.keytarAfterDisable).toBeNull();
      expect(errorOf(r.unlockWithKeychainWhenOff)).toMatchObject({ code: 'INVALID_STATE' });

      expect(r.enableAgain).toMatchObject({ ok: true, value: { keychain: { enabled: true } } });
      expect(errorOf(r.unlockWithItemGone)).toMatchObject({ code: 'NOT_FOUND' });

      // What Hostdeck itself wrote to disk holds neither the key nor the passwords in the clear.
      const needles = [
        needle('the master password', r.master),
        needle('the password secret', r.secret),
        needle('the data key (raw)', dataKey),
        needle('the data key (base64)', dataKey.toString('base64')),
        needle('the data key (hex)', dataKey.toString('hex')),
      ];
      expect(findNeedles(filesUnder(dataDir), needles)).toEqual([]);
      expect(strayFiles(dataDir)).toEqual([]);
    },
  );
});
