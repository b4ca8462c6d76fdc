// Destructive server-module actions say what they would break before anything runs: removing a
// module the server's sites need is refused while they exist; disabling one of those, or the
// firewall, needs the server's name typed. (The server here is a record on a refusing port: the
// refusals come before any connection; a confirmed action starts its job.)
import { afterEach, describe, expect, it } from 'vitest';
import { startApp } from '../ssh/harness/app';
import type { TestApp } from '../ssh/harness/app';

let app: TestApp | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function serverWithSite(withSite: boolean) {
  app = await startApp();
  const server = await app.call('servers.add', {
    name: 'web-1',
    host: '127.0.0.1',
    port: 1,
    username: 'root',
    auth: { kind: 'agent' },
  });
  if (withSite) {
    const tenant = await app.call('tenants.create', { name: 'Acme', slug: 'acme' });
    const { jobId } = await app.call('sites.create', {
      serverId: server.id,
      tenantId: tenant.id,
      slug: 'shop',
      domain: 'shop.acme.test',
      tls: 'off',
    });
    await app.hd.jobs.wait(jobId); // fails (nothing listens): the site's record stays
  }
  return { a: app, serverId: server.id };
}

describe('module actions that would break something', () => {
  it("refuses to remove what the server's sites need, naming them", async () => {
    const { a, serverId } = await serverWithSite(true);
    for (const module of ['caddy', 'mariadb', 'frankenphp'] as const) {
      expect(
        await a.fail('provision.action', { serverId, module, verb: 'remove', confirm: 'web-1' }),
      ).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(
          /^.+ on web-1 is still in use by 1 site\(s\) \(shop\.acme\.test\): removing it would take them down\.$/,
        ),
      });
    }
    expect((await a.call('jobs.list', {})).filter((j) => j.kind.startsWith('module.'))).toEqual([]);
  });

  it("disables one only with the server's name typed, saying which sites go offline", async () => {
    const { a, serverId } = await serverWithSite(true);
    for (const confirm of [undefined, 'web-2', 'WEB-1']) {
      const err = await a.fail('provision.action', {
        serverId,
        module: 'caddy',
        verb: 'disable',
        ...(confirm === undefined ? {} : { confirm }),
      });
      expect(err).toMatchObject({
        code: 'VALIDATION',
        field: 'confirm',
        message: expect.stringMatching(
          /takes 1 site\(s\) of web-1 offline \(shop\.acme\.test\): type the server's name \(web-1\) to confirm\.$/,
        ),
      });
    }
    expect((await a.call('jobs.list', {})).filter((j) => j.kind.startsWith('module.'))).toEqual([]);
    const { jobId } = await a.call('provision.action', {
      serverId,
      module: 'caddy',
      verb: 'disable',
      confirm: 'web-1',
    });
    expect((await a.call('jobs.get', { id: jobId })).kind).toBe('module.disable');
    // Nothing to confirm where nothing breaks.
    await a.call('provision.action', { serverId, module: 'caddy', verb: 'enable' });
    await a.call('provision.action', { serverId, module: 'swap', verb: 'remove' });
  });

  it('needs the name typed to disable or remove the firewall, sites or not; a server without sites removes the rest freely', async () => {
    const { a, serverId } = await serverWithSite(false);
    for (const verb of ['disable', 'remove'] as const) {
      expect(await a.fail('provision.action', { serverId, module: 'firewall', verb })).toMatchObject({
        code: 'VALIDATION',
        field: 'confirm',
        message: expect.stringMatching(/the firewall leaves every port of web-1 open to the internet: type/),
      });
    }
    await a.call('provision.action', { serverId, module: 'firewall', verb: 'disable', confirm: 'web-1' });
    await a.call('provision.action', { serverId, module: 'caddy', verb: 'remove' });
  });
});
