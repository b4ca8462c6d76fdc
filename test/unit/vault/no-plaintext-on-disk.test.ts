import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { JobLogLine } from '@contract';
import { afterEach, describe, expect, it } from 'vitest';
import { filesUnder, findNeedles, needle } from '../../support/scan-files';
import type { Needle } from '../../support/scan-files';
import { pemBodyLines, sshKeygen } from '../../support/ssh-keygen';
import { tempDirs } from '../../support/temp-dirs';
import { recoverDataKey } from './tamper-sqlite';
import {
  call,
  databaseFile,
  generatedKey,
  hostdecks,
  newMasterPassword,
  randomSecret,
} from './vault-on-disk';

const dirs = tempDirs('hostdeck-vault-plain-');
const apps = hostdecks();

afterEach(async () => {
  await apps.closeAll();
  dirs.removeAll();
});

/** A private key as needles: its whole base64 body joined, and each body line of 16+ characters. */
function keyNeedles(name: string, pem: string): Needle[] {
  const lines = pemBodyLines(pem);
  return [
    needle(`${name} (base64 body joined)`, lines.join('')),
    ...lines.filter((l) => l.length >= 16).map((line, i) => needle(`${name} (body line ${i + 1})`, line)),
  ];
}

describe('vault: nothing secret is stored in plain text', () => {
  it(
    'leaves no password, private key, passphrase, master password or data key in any file of the data directory',
    { timeout: 30_000 },
    async () => {
      const dataDir = dirs.make();
      const keyDir = dirs.make();
      const master = newMasterPassword();
      const password = randomSecret();
      const keyPassphrase = `passphrase ${randomSecret()}`;
      const plainKey = sshKeygen(keyDir, 'id_plain', { type: 'ed25519' });
      const encryptedKey = sshKeygen(keyDir, 'id_encrypted', { type: 'ed25519', passphrase: keyPassphrase });
      const hd = apps.open(dataDir);

      await call(hd, 'vault.setup', { password: master });
      const pw = await call(hd, 'vault.secrets.add', { kind: 'password', label: 'shop db', password });
      const generated = await generatedKey(hd, 'deploy');
      const imported = await call(hd, 'vault.sshKeys.import', {
        label: 'laptop',
        privateKey: plainKey.privateKey,
      });
      const importedEncrypted = await call(hd, 'vault.sshKeys.import', {
        label: 'old laptop',
        privateKey: encryptedKey.privateKey,
        passphrase: keyPassphrase,
      });

      // Use them the ways the app does: revealed to the user, and decrypted for work in main.
      const generatedPrivateKey = (await call(hd, 'vault.secrets.reveal', { id: generated.id })).fields
        .privateKey!;
      expect((await call(hd, 'vault.secrets.reveal', { id: pw.id })).fields).toEqual({ password });
      expect(hd.vault.use(imported.id, 'ssh-key').privateKey.trim()).toBe(plainKey.privateKey.trim());
      expect(hd.vault.use(importedEncrypted.id, 'ssh-key').passphrase).toBe(keyPassphrase);

      const job = hd.jobs.start({ kind: 'test', title: 'Uses the secrets' }, async (ctx) => {
        const secret = hd.vault.use(pw.id, 'password').password;
        ctx.log(`mysql --user=shop --password=${secret}`);
        ctx.log(secret, 'err');
        ctx.log(hd.vault.use(imported.id, 'ssh-key').privateKey);
        ctx.log(`unlocking key with ${hd.vault.use(importedEncrypted.id, 'ssh-key').passphrase}`);
        await ctx.step('Create database user', async () => ({
          state: 'changed',
          detail: `password ${secret}`,
        }));
      });
      expect(await hd.jobs.wait(job.id)).toMatchObject({ state: 'succeeded' });

      const log = (await call(hd, 'jobs.log', { id: job.id })) as JobLogLine[];
      expect(log[0]?.text).toBe('mysql --user=shop --password=[secret]');
      expect(log[1]?.text).toBe('[secret]');
      expect(log.some((l) => l.text.includes(keyPassphrase))).toBe(false);
      expect((await call(hd, 'jobs.get', { id: job.id })).steps[0]?.detail).toBe('password [secret]');

      const dataKey = await recoverDataKey(databaseFile(dataDir), master);
      const needles = [
        needle('the master password', master),
        needle('the password secret', password),
        needle('the ssh key passphrase', keyPassphrase),
        needle('the data key (raw)', dataKey),
        needle('the data key (base64)', dataKey.toString('base64')),
        needle('the data key (hex)', dataKey.toString('hex')),
        ...keyNeedles('the generated private key', generatedPrivateKey),
        ...keyNeedles('the imported private key', plainKey.privateKey),
        ...keyNeedles('the imported encrypted private key', encryptedKey.privateKey),
      ];
      expect(needles.length).toBeGreaterThan(20);

      // While the app runs, recent writes live in the WAL: scan it before any checkpoint moves them.
      const wal = `${databaseFile(dataDir)}-wal`;
      expect(statSync(wal).size).toBeGreaterThan(0);
      const openFiles = filesUnder(dataDir);
      expect(openFiles.map((f) => basename(f))).toEqual(
        expect.arrayContaining(['hostdeck.sqlite', 'hostdeck.sqlite-wal', 'hostdeck.sqlite-shm']),
      );
      expect(findNeedles(openFiles, needles)).toEqual([]);

      // The scan sees what it looks for, and the WAL holds this session's writes: the labels and the
      // public key, stored in the clear by design, are found in it.
      const visible = [
        needle('a label', 'old laptop'),
        needle('the generated public key', generated.publicKey!),
      ];
      expect(findNeedles([wal], visible)).toHaveLength(2);

      await hd.close();
      const closedFiles = filesUnder(dataDir);
      expect(closedFiles.map((f) => basename(f))).toContain('hostdeck.sqlite');
      expect(findNeedles(closedFiles, needles)).toEqual([]);
    },
  );
});
