// Sites without a host: the contract's validation (the first of the two checks; the host repeats
// them), the app-side rules of SiteService (names, ports, vault), and what a failed create leaves.
import { afterEach, describe, expect, it } from 'vitest';
import { contract, iniToOption } from '../../src-main/api/contract';
import { parseLive, siteNames } from '../../src-main/sites/service';
import { startApp } from '../ssh/harness/app';
import type { TestApp } from '../ssh/harness/app';

const create = contract.commands['sites.create'].input;
const base = {
  serverId: '00000000-0000-4000-8000-000000000001',
  tenantId: '00000000-0000-4000-8000-000000000002',
  slug: 'shop',
  domain: 'shop.example.com',
};
const issue = (input: object) => {
  const r = create.safeParse({ ...base, ...input });
  return r.success ? null : { path: r.error.issues[0]!.path.join('.'), message: r.error.issues[0]!.message };
};

describe('site input validation', () => {
  it('accepts ordinary names, punycode and defaults', () => {
    expect(issue({})).toBeNull();
    expect(
      issue({ domain: 'xn--bcher-kva.example', aliases: ['www.shop.example.com', 'a.b.c.d.example.org'] }),
    ).toBeNull();
    const parsed = create.parse(base);
    expect(parsed).toMatchObject({
      type: 'php',
      tls: 'auto',
      www: 'none',
      aliases: [],
      php: { memoryLimit: '256M' },
    });
  });

  it.each([
    ['shоp.example.com', /punycode/], // Cyrillic о
    ['SHOP.example.com', /lower case/],
    ['shop.example.com;reboot', /not a host name/],
    ['shop.example.com\nevil.com', /only a-z/],
    ['../../etc/passwd', /not a host name/],
    ['-shop.example.com', /not a host name/],
    ['localhost', /not a host name/],
    [`${'a'.repeat(60)}.`.repeat(5) + 'com', /at most 253/],
  ])('refuses the domain %j', (domain, message) => {
    expect(issue({ domain })).toMatchObject({ path: 'domain', message: expect.stringMatching(message) });
  });

  it.each(['Shop', '../x', 'a;b', 'a--b', 'shop-', '1shop', 'x'.repeat(30), ''])(
    'refuses the slug %j',
    (slug) => {
      expect(issue({ slug })?.path).toBe('slug');
    },
  );

  it('refuses aliases that repeat, or repeat the primary domain', () => {
    expect(issue({ aliases: ['a.example.com', 'a.example.com'] })?.path).toBe('aliases');
    expect(issue({ aliases: ['shop.example.com'] })?.path).toBe('aliases');
    expect(issue({ www: 'to-apex', aliases: ['www.shop.example.com'] })?.path).toBe('aliases');
  });

  it('keeps extra php.ini settings away from the sandbox and shell-safe', () => {
    const ini = (extraIni: string) => issue({ php: { memoryLimit: '256M', uploadMax: '64M', extraIni } });
    expect(ini('max_execution_time = 60\ndate.timezone = Europe/Paris')).toBeNull();
    expect(ini('open_basedir = /')?.message).toMatch(/set by Hostdeck/);
    expect(ini('auto_prepend_file = /tmp/x.php')?.message).toMatch(/set by Hostdeck/);
    expect(ini('memory_limit = 1G; rm -rf /')?.message).toMatch(/not key = value/);
    expect(ini("error_log = '$(id)'")?.message).toMatch(/not key = value/);
    expect(iniToOption('a = 1\n\n  b.c=x y  \n')).toBe('a=1,b.c=x y');
  });
});

describe('deploy input validation', () => {
  const deploy = contract.commands['sites.deploy'].input;
  const siteId = '00000000-0000-4000-8000-000000000003';
  const refused = (input: object) => {
    const r = deploy.safeParse({ siteId, ...input });
    return r.success ? null : r.error.issues[0]!.path.join('.');
  };
  it('takes https, ssh, scp-like and file URLs, or a folder', () => {
    for (const repo of [
      'https://git.example.com/acme/shop.git',
      'ssh://git@git.example.com:2222/acme/shop.git',
      'git@github.com:acme/shop.git',
      'file:///srv/git/app.git',
    ])
      expect(refused({ repo }), repo).toBeNull();
    expect(refused({ folder: '/home/me/shop' })).toBeNull();
  });
  it.each([
    ['repo', { repo: 'ext::sh -c id' }],
    ['repo', { repo: '-oProxyCommand=id@host:path' }],
    ['repo', { repo: 'git@-oProxyCommand=id:path' }],
    ['repo', { repo: 'git@host:-upload-pack=id' }],
    ['repo', { repo: 'https://example.com/../../etc' }],
    ['repo', { repo: 'http://example.com/plain.git' }],
    ['repo', { repo: 'https://example.com/a b' }],
    ['branch', { repo: 'file:///srv/a.git', branch: '--upload-pack=id' }],
    ['branch', { repo: 'file:///srv/a.git', branch: 'main;id' }],
    ['repo', {}],
    ['repo', { repo: 'file:///srv/a.git', folder: '/tmp/x' }],
    ['folder', { folder: 'relative/path' }],
  ])('refuses %s in %j', (field, input) => {
    expect(refused(input)).toBe(field);
  });
});

describe('site helpers', () => {
  it('lists every name a site answers on', () => {
    expect(siteNames({ domain: 'a.test', www: 'to-www', aliases: ['b.test'] })).toEqual([
      'a.test',
      'www.a.test',
      'b.test',
    ]);
    expect(siteNames({ domain: 'a.test', www: 'none', aliases: [] })).toEqual(['a.test']);
  });

  it("reads the host's status lines", () => {
    expect(
      parseLive(
        {
          exists: 'yes',
          active: 'no',
          suspended: '1',
          port: '8083',
          release: '20261121T101010Z',
          releases: 'initial,20261121T101010Z',
          database: 'hd_shop',
          drift: 'config:/etc/caddy/sites/shop.caddy,caddy:set-aside',
          'caddy-set-aside': '2026-12-01T10:00:00Z Error: adapting config using caddyfile: shop.caddy:3',
        },
        'now',
      ),
    ).toEqual({
      exists: true,
      active: false,
      suspended: true,
      port: 8083,
      release: '20261121T101010Z',
      releases: ['initial', '20261121T101010Z'],
      database: 'hd_shop',
      drift: ['config:/etc/caddy/sites/shop.caddy', 'caddy:set-aside'],
      caddySetAside: '2026-12-01T10:00:00Z Error: adapting config using caddyfile: shop.caddy:3',
      checkedAt: 'now',
    });
    expect(parseLive({ exists: 'no', drift: 'none' }, 'now')).toMatchObject({
      exists: false,
      port: null,
      drift: [],
      releases: [],
      caddySetAside: null,
    });
  });
});

describe('sites in the app (no host reachable)', () => {
  let app: TestApp | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  const shop = { slug: 'shop', domain: 'shop.acme.test' };
  const unreachable = { host: '192.0.2.1', port: 22, username: 'root', auth: { kind: 'agent' } };

  async function setup() {
    app = await startApp({ ssh: { readyTimeoutMs: 1000 } });
    // A server nothing listens for (TEST-NET-1): every job against it fails to connect.
    const server = await app.call('servers.add', { ...unreachable, name: 'nowhere' } as never);
    const tenant = await app.call('tenants.create', { name: 'Acme', slug: 'acme' });
    return { app, serverId: server.id, tenantId: tenant.id };
  }

  it('records a failed create with its reason, keeps names unique across servers, and gives each site its own port', async () => {
    const { app, serverId, tenantId } = await setup();
    const { jobId, site } = await app.call('sites.create', {
      serverId,
      tenantId,
      slug: 'shop',
      domain: 'shop.acme.test',
    });
    expect(site).toMatchObject({ status: 'creating', port: 8081, dbName: 'hd_shop', tenantSlug: 'acme' });
    const job = await app.hd.jobs.wait(jobId);
    expect(job.state).toBe('failed');
    const after = await app.call('sites.get', { siteId: site.id });
    expect(after.status).toBe('failed');
    expect(after.lastError).toBeTruthy();

    expect(
      await app.fail('sites.create', { serverId, tenantId, slug: 'other', domain: 'shop.acme.test' }),
    ).toMatchObject({ code: 'CONFLICT', field: 'domain' });
    expect(
      await app.fail('sites.create', { serverId, tenantId, slug: 'shop', domain: 'b.acme.test' }),
    ).toMatchObject({ code: 'CONFLICT', field: 'slug' });
    expect(await app.fail('tenants.create', { name: 'Again', slug: 'acme' })).toMatchObject({
      code: 'CONFLICT',
      field: 'slug',
    });
    expect(await app.fail('tenants.remove', { tenantId })).toMatchObject({ code: 'CONFLICT' });
    const second = await app.call('sites.create', {
      serverId,
      tenantId,
      slug: 'blog',
      domain: 'blog.acme.test',
      aliases: ['www.blog.acme.test'],
    });
    expect(second.site.port).toBe(8082);
    await app.hd.jobs.wait(second.jobId);
    // The database password is in the vault, labelled, and nowhere in the site records.
    const secrets = await app.call('vault.secrets.list', {});
    const db = secrets.find((s) => s.id === site.dbSecretId)!;
    expect(db).toMatchObject({ kind: 'db-credential', label: expect.stringContaining('hd_shop') });
    const password = (await app.call('vault.secrets.reveal', { id: db.id })).fields['password']!;
    expect(JSON.stringify(await app.call('sites.list', {}))).not.toContain(password);
    expect(
      await app.fail('sites.update', {
        siteId: second.site.id,
        www: 'to-apex',
        aliases: ['www.blog.acme.test'],
      }),
    ).toMatchObject({ code: 'VALIDATION', field: 'aliases' });
    // A site whose server never got it can be forgotten without contacting the host.
    const forget = await app.call('sites.delete', { siteId: site.id, forgetOnly: true });
    expect((await app.hd.jobs.wait(forget.jobId)).state).toBe('succeeded');
    expect((await app.call('sites.list', {})).map((s) => s.domain)).toEqual(['blog.acme.test']);
    expect((await app.call('vault.secrets.list', {})).map((s) => s.id)).not.toContain(site.dbSecretId);
    const audit = await app.call('audit.list', {} as never);
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['tenant.create', 'site.create', 'site.forget']),
    );
  });

  it('refuses to remove a server that has sites, or a secret a site uses, naming them; nothing is removed', async () => {
    const { app, serverId, tenantId } = await setup();
    const { site } = await app.call('sites.create', {
      serverId,
      tenantId,
      slug: 'shop',
      domain: 'shop.acme.test',
    });
    expect(site.dbSecretId).not.toBeNull();

    expect(await app.fail('servers.remove', { id: serverId })).toMatchObject({
      code: 'CONFLICT',
      message: 'The server nowhere is still in use by site shop.acme.test.',
      hint: expect.stringMatching(/Delete its sites first/),
    });
    expect(await app.fail('vault.secrets.remove', { id: site.dbSecretId! })).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/is still in use by site shop\.acme\.test \(its database password\)\.$/),
    });
    // Both are still there, and the site still knows its secret.
    expect((await app.call('servers.list', {})).map((x) => x.id)).toEqual([serverId]);
    expect((await app.call('sites.get', { siteId: site.id })).dbSecretId).toBe(site.dbSecretId);
    expect((await app.call('vault.secrets.list', {})).map((x) => x.id)).toContain(site.dbSecretId);
  });

  it('runs a failed create again as the update that converges it; a running job is not re-run', async () => {
    const { app, serverId, tenantId } = await setup();
    const { jobId, site } = await app.call('sites.create', { ...shop, serverId, tenantId });
    const failed = await app.hd.jobs.wait(jobId);
    expect(failed).toMatchObject({ state: 'failed', rerunnable: true });
    const { jobId: againId } = await app.call('jobs.rerun', { id: jobId });
    expect(againId).not.toBe(jobId);
    const again = await app.hd.jobs.wait(againId);
    // The server is still unreachable: it fails the same way, as the site's update job.
    expect(again).toMatchObject({ kind: 'site.update', state: 'failed', rerunnable: true });
    expect((await app.call('sites.get', { siteId: site.id })).lastError).toBe(again.error);
    const audit = await app.call('audit.list', {} as never);
    // Each job's outcome is recorded once, by the job service, next to the command.
    expect(audit.filter((a) => a.target === jobId && a.action.startsWith('job.'))).toEqual([
      expect.objectContaining({
        actor: 'hostdeck',
        action: 'job.failed',
        detail: expect.objectContaining({ kind: 'site.create' }),
      }),
    ]);
    expect(audit.find((a) => a.action === 'jobs.rerun')).toMatchObject({
      actor: 'ui',
      target: againId,
      detail: { of: jobId, command: 'sites.update' },
    });

    const { jobId: running } = await app.call('diagnostics.run', {});
    expect(await app.fail('jobs.rerun', { id: running })).toMatchObject({ code: 'INVALID_STATE' });
    await app.hd.jobs.wait(running);
    const started = app.hd.jobs.start({ kind: 'test', title: 'Not from a command' }, async () => undefined);
    await app.hd.jobs.wait(started.id);
    expect(started.rerunnable).toBe(false);
    expect(await app.fail('jobs.rerun', { id: started.id })).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('refuses to remove a tenant with sites, or a server another jumps through, naming the users', async () => {
    const { app, serverId, tenantId } = await setup();
    await app.call('sites.create', { ...shop, serverId, tenantId });
    expect(await app.fail('tenants.remove', { tenantId })).toMatchObject({
      code: 'CONFLICT',
      message: 'Tenant "Acme" is still in use by site shop.acme.test.',
    });
    const hop = await app.call('servers.add', {
      ...unreachable,
      name: 'behind',
      host: '192.0.2.2',
      jumpServerId: serverId,
    } as never);
    expect(await app.fail('servers.remove', { id: serverId })).toMatchObject({
      code: 'CONFLICT',
      message: 'The server nowhere is still in use by server behind (its jump host), site shop.acme.test.',
    });
    expect((await app.call('tenants.list', {})).map((t) => t.id)).toEqual([tenantId]);
    expect((await app.call('servers.list', {})).map((x) => x.id).sort()).toEqual([serverId, hop.id].sort());
  });

  it('refuses to create a site while the vault is locked, and records nothing', async () => {
    const { app, serverId, tenantId } = await setup();
    await app.call('vault.lock', {});
    expect(
      await app.fail('sites.create', { serverId, tenantId, slug: 'shop', domain: 'shop.acme.test' }),
    ).toMatchObject({ code: 'LOCKED' });
    await app.call('vault.unlock', { password: 'correct horse battery staple' });
    expect(await app.call('sites.list', {})).toEqual([]);
  });
});
