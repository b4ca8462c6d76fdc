// Metadata the app acts on but keeps in plain SQLite is bound to the vault (issue #11): a host-key
// pin or a public key changed in the file outside Hostdeck is refused as TAMPERED, never used.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addSshdServer, trustHostKey } from '../support/trusted-server';
import { sshKeygen } from '../support/ssh-keygen';
import { startApp } from './harness/app';
import { startPasswordServer } from './harness/password-server';
import { startSshd } from './harness/sshd';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('tampering with the SQLite file', () => {
  it("refuses a host-key pin changed outside Hostdeck: nothing connects, and the server's record says why", async () => {
    const [a, s, other] = await Promise.all([startApp(), startSshd(), startSshd()]);
    cleanups.push(
      () => a.close(),
      () => s.stop(),
      () => other.stop(),
    );
    const call = (n: string, i: unknown) => a.call(n as never, i as never);
    const { serverId } = await addSshdServer(call, s, 'web-1');
    expect((await a.call('servers.refresh', { ids: [serverId] }))[0]?.status).toBe('online');

    // Someone with the file points web-1's pin at another server's key (say, a machine they run).
    const { id: otherId } = await a.call('servers.add', {
      name: 'other',
      host: other.host,
      port: other.port,
      username: other.user,
      auth: { kind: 'agent' },
    });
    await trustHostKey(call, otherId);
    const row = a.hd.db
      .prepare('SELECT host_key, host_key_fingerprint FROM servers WHERE id = ?')
      .get(otherId) as {
      host_key: string;
      host_key_fingerprint: string;
    };
    a.hd.db
      .prepare('UPDATE servers SET host_key = ?, host_key_fingerprint = ? WHERE id = ?')
      .run(row.host_key, row.host_key_fingerprint, serverId);
    a.hd.pool.close(serverId);
    const connects = a.hd.pool.connectCount(serverId);

    await expect(a.hd.pool.exec(serverId, 'true')).rejects.toMatchObject({ code: 'TAMPERED' });
    const [after] = await a.call('servers.refresh', { ids: [serverId] });
    expect(after?.lastError).toMatch(
      /pinned host key of web-1 was changed in Hostdeck's database outside Hostdeck/,
    );
    expect(after?.status).not.toBe('online');
    expect(a.hd.pool.connectCount(serverId)).toBe(connects);
    // Replacing the key after checking it (the host-key dialog) makes a fresh, signed pin.
    const probe = await a.call('servers.probeHostKey', { id: serverId });
    expect(probe.matches).toBe(false);
    await a.call('servers.replaceHostKey', { id: serverId, fingerprint: probe.fingerprint });
    expect((await a.call('servers.refresh', { ids: [serverId] }))[0]?.status).toBe('online');
  });

  it("refuses to install a public key that is not the vault key's own, and writes nothing to the server", async () => {
    const { app: a, user, serverId, authorizedKeys: homeKeys } = await startPasswordServer(cleanups);
    const server = { id: serverId };
    const key = await a.call('vault.sshKeys.generate', { label: 'app key' });
    // The attacker's own public key, written over the plain column of the app's key.
    const dir = mkdtempSync(join(tmpdir(), 'hostdeck-attacker-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const attacker = sshKeygen(dir, 'attacker', { type: 'ed25519' });
    a.hd.db.prepare('UPDATE secrets SET public_key = ? WHERE id = ?').run(attacker.publicKey, key.id);

    const refused = await a.fail('servers.installKey', {
      id: server.id,
      password: user.password,
      keyId: key.id,
    });
    expect(refused).toMatchObject({
      code: 'TAMPERED',
      message: expect.stringMatching(/does not belong to its private key/),
    });
    expect(existsSync(homeKeys) ? readFileSync(homeKeys, 'utf8') : '').not.toContain(
      attacker.publicKey.split(' ')[1],
    );
  });
});
