import { afterEach, describe, expect, it } from 'vitest';
import { gate, waitFor } from '../../support/wait-for';
import { tempDirs } from '../../support/temp-dirs';
import { call, hostdecks, newMasterPassword, randomSecret } from './vault-on-disk';

const dirs = tempDirs('hostdeck-vault-redact-');
const apps = hostdecks();

afterEach(async () => {
  await apps.closeAll();
  dirs.removeAll();
});

describe('vault: secrets in job output', () => {
  it('blanks a secret in the log, step detail and error of a job that used it after an unlock', async () => {
    const hd = apps.open(dirs.make());
    const master = newMasterPassword();
    await call(hd, 'vault.setup', { password: master });
    const value = randomSecret();
    const { id } = await call(hd, 'vault.secrets.add', { kind: 'token', label: 'api', token: value });
    // Locking forgets every value; decrypting it again for the job must teach the redactor again.
    await call(hd, 'vault.lock', {});
    await call(hd, 'vault.unlock', { password: master });

    const job = hd.jobs.start({ kind: 'test', title: 'Calls the API' }, async (ctx) => {
      const { token } = hd.vault.use(id, 'token');
      ctx.log(`curl -H "Authorization: Bearer ${token}"`);
      await ctx.step('Check token', async () => ({ state: 'ok', detail: `token ${token} accepted` }));
      throw new Error(`HTTP 401 for token ${token}`);
    });
    expect(await hd.jobs.wait(job.id)).toMatchObject({
      state: 'failed',
      error: 'HTTP 401 for token [secret]',
    });
    const detail = await call(hd, 'jobs.get', { id: job.id });
    const log = await call(hd, 'jobs.log', { id: job.id });
    expect(log.map((l) => l.text)).toEqual([
      'curl -H "Authorization: Bearer [secret]"',
      'Failed: HTTP 401 for token [secret]',
    ]);
    expect(JSON.stringify({ detail, log })).not.toContain(value);
  });

  // Regression (fixed): src-main/vault/service.ts dispose() (line 156: this.redactor.clear()) runs on every lock,
  // including the auto-lock. A job that decrypted a secret while the vault was unlocked keeps running
  // after the lock (provisioning easily outlasts the idle limit), and everything it logs from then on
  // is stored unredacted: the secret lands in job_log in plain text. ARCHITECTURE: "Secrets never
  // appear in logs, job output, errors or the SQLite file in plain text."
  it('still blanks a secret a running job logs after the vault locked', async () => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    const value = randomSecret();
    const { id } = await call(hd, 'vault.secrets.add', { kind: 'password', label: 'db', password: value });
    const locked = gate();
    const job = hd.jobs.start({ kind: 'test', title: 'Long provisioning' }, async (ctx) => {
      const { password } = hd.vault.use(id, 'password');
      ctx.log('secret fetched');
      await locked.opened;
      ctx.log(`mysql: access denied for password ${password}`);
    });
    await waitFor(async () => (await call(hd, 'jobs.log', { id: job.id })).length === 1, {
      what: 'the job to fetch its secret',
    });
    await call(hd, 'vault.lock', {});
    locked.open();
    await hd.jobs.wait(job.id);

    const log = await call(hd, 'jobs.log', { id: job.id }, { actor: 'cli' });
    expect(log.map((l) => l.text)).toEqual(['secret fetched', 'mysql: access denied for password [secret]']);
  });

  // Regression (fixed): src-main/vault/redactor.ts redact() (lines 19-21) replaces registered values in insertion
  // order, not longest first. A db-credential registers its username before its password, so with a
  // username that prefixes the password (shop / shop-…) the username is replaced first and the rest
  // of the password no longer matches: "[secret]-Xk29!pass-2024" is stored, leaking most of it.
  it('blanks the whole password of a db credential whose username is a prefix of it', async () => {
    const hd = apps.open(dirs.make());
    await call(hd, 'vault.setup', { password: newMasterPassword() });
    const { id } = await call(hd, 'vault.secrets.add', {
      kind: 'db-credential',
      label: 'shop database',
      username: 'shop',
      password: 'shop-Xk29!pass-2024',
    });
    const job = hd.jobs.start({ kind: 'test', title: 'Create database user' }, async (ctx) => {
      const cred = hd.vault.use(id, 'db-credential');
      ctx.log(`IDENTIFIED BY '${cred.password}'`);
    });
    await hd.jobs.wait(job.id);
    const [line] = await call(hd, 'jobs.log', { id: job.id });
    expect(line?.text).not.toContain('Xk29!pass-2024');
    expect(line?.text).toBe("IDENTIFIED BY '[secret]'");
  });
});
