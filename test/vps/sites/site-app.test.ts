// Sites from the app on real Debian 12 hosts: the same router calls the UI makes, the site module
// run over the pooled SSH connection as a job, secrets in the vault only. PHP is served by the
// labelled FrankenPHP stand-in (test/stand-ins/frankenphp); Caddy, MariaDB and git are real.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogBatch, LogEntry, SiteInfo, TerminalData } from '../../../src-main/api/contract';
import { pollUntil, stopAll } from '../harness/index.js';
import { sh } from '../provision/hostdeck-scripts.js';
import { done, newSite, withAppOnHost } from './app-helpers.js';
import { get } from './helpers.js';

afterAll(stopAll);

describe('sites from the app', () => {
  it('creates a php site as a job, deploys from git with zero failed requests, rolls back, suspends and deletes', () =>
    withAppOnHost(async (app, host, serverId) => {
      const tenant = await app.call('tenants.create', { name: 'Acme Ltd', slug: 'acme' });
      const created = await app.call('sites.create', {
        serverId,
        tenantId: tenant.id,
        slug: 'shop',
        domain: 'shop.acme.test',
        tls: 'off',
      });
      expect(created.site).toMatchObject({ status: 'creating', port: 8081, url: 'http://shop.acme.test/' });
      const job = await done(app, Promise.resolve({ jobId: created.jobId }));
      const steps = (await app.call('jobs.get', { id: job.id })).steps.map((s) => s.name);
      expect(steps).toEqual(expect.arrayContaining(['Site port', 'health', 'Read the site back']));
      let site: SiteInfo = await app.call('sites.get', { siteId: created.site.id });
      expect(site).toMatchObject({
        status: 'active',
        port: 8081,
        live: { exists: true, active: true, drift: [] },
      });
      expect((await get(host, 'shop.acme.test')).body).toContain('Database: connected');
      // The database password lives in the vault (and on the host), never in the app's records.
      const secret = await app.call('vault.secrets.reveal', { id: site.dbSecretId! });
      const password = secret.fields['password']!;
      expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(await sh(host, 'grep -c DB_PASSWORD= /srv/tenants/acme/shop/shared/.env')).toBe('1');
      const sites = JSON.stringify(await app.call('sites.list', {}));
      expect(sites).not.toContain(password);

      // A second site the app must give another port; the domain of the first is refused.
      const clash = await app.fail('sites.create', {
        serverId,
        tenantId: tenant.id,
        slug: 'shop2',
        domain: 'shop.acme.test',
      });
      expect(clash).toMatchObject({ code: 'CONFLICT', field: 'domain' });

      // A git repository on the host, readable by the tenant.
      await sh(
        host,
        [
          'git init -q --bare -b main /srv/git/app.git',
          'git init -q -b main /root/app && cd /root/app && mkdir public',
          "git config --global user.email t@test && git config --global user.name t && git config --global safe.directory '*'",
          `echo '<?php echo "release v1";' > public/index.php && git add . && git commit -qm v1 && git push -q /srv/git/app.git main`,
          'chown -R t-acme:t-acme /srv/git',
        ].join(' && '),
      );
      const deploy = (branch = 'main') =>
        done(app, app.call('sites.deploy', { siteId: site.id, repo: 'file:///srv/git/app.git', branch }));
      await deploy();
      expect((await get(host, 'shop.acme.test')).body).toBe('release v1');
      await sh(
        host,
        `cd /root/app && echo '<?php echo "release v2";' > public/index.php && git commit -qam v2 && git push -q /srv/git/app.git main && chown -R t-acme:t-acme /srv/git`,
      );
      // Requests in a loop on the host while the second deploy switches releases.
      await sh(
        host,
        `rm -f /tmp/stop /tmp/codes; systemd-run --unit=reqloop bash -c 'for i in $(seq 3000); do [ -e /tmp/stop ] && break; curl -s --max-time 15 -w " %{http_code}\\n" --resolve shop.acme.test:80:127.0.0.1 http://shop.acme.test/ >> /tmp/codes; done'`,
      );
      await deploy();
      await sh(host, 'sleep 0.5; touch /tmp/stop; while systemctl is-active -q reqloop; do sleep 0.1; done');
      const codes = (await sh(host, 'cat /tmp/codes')).split('\n');
      expect(codes.length).toBeGreaterThan(20);
      expect(codes.filter((c) => c !== 'release v1 200' && c !== 'release v2 200')).toEqual([]);
      expect(codes.at(0)).toBe('release v1 200');
      expect(codes.at(-1)).toBe('release v2 200');
      site = await app.call('sites.get', { siteId: site.id });
      expect(site.live?.releases).toHaveLength(3); // initial + two deploys
      await done(app, app.call('sites.rollback', { siteId: site.id }));
      expect((await get(host, 'shop.acme.test')).body).toBe('release v1');

      await done(app, app.call('sites.suspend', { siteId: site.id }));
      expect((await get(host, 'shop.acme.test')).status).toBe(503);
      expect((await app.call('sites.get', { siteId: site.id })).status).toBe('suspended');
      await done(app, app.call('sites.resume', { siteId: site.id }));
      expect((await get(host, 'shop.acme.test')).status).toBe(200);

      await done(app, app.call('sites.delete', { siteId: site.id, backup: false }));
      expect(await app.call('sites.list', {})).toEqual([]);
      expect((await app.call('vault.secrets.list', {})).map((s) => s.id)).not.toContain(site.dbSecretId);
      expect(await sh(host, 'ls /etc/caddy/sites; getent passwd t-acme || true; ls /srv/tenants')).toBe('');
    }));

  it("opens a terminal in a site's directory as its tenant, and shows the site's PHP errors live", () =>
    withAppOnHost(async (app, host, serverId) => {
      const site = await newSite(app, serverId, 'acme', { slug: 'shop', domain: 'shop.acme.test' });
      const output: string[] = [];
      const entries: LogEntry[] = [];
      app.hd.events.listen((name, payload) => {
        if (name === 'terminal.data') output.push((payload as TerminalData).data);
        if (name === 'logs.entries') entries.push(...(payload as LogBatch).entries);
      });
      const until = (what: string, ok: () => boolean) =>
        pollUntil(
          15_000,
          async () => ok() || undefined,
          () => new Error(`timed out waiting for ${what}: ${output.join('')}`),
        );

      const { sessionId } = await app.call('terminal.open', {
        serverId,
        cols: 100,
        rows: 30,
        siteId: site.id,
      });
      await app.call('terminal.write', { sessionId, data: 'echo "at:$(pwd -P) as:$(id -un)"\n' });
      await until('the shell', () =>
        /at:\/srv\/tenants\/acme\/shop\/releases\/initial as:t-acme/.test(output.join('')),
      );
      await app.call('terminal.write', { sessionId, data: 'cat /etc/shadow; ls /root\n' });
      await until('the refusals', () => (output.join('').match(/Permission denied/g) ?? []).length >= 2);
      await app.call('terminal.close', { sessionId });

      const { streamId } = await app.call('logs.follow', {
        serverId,
        units: ['hostdeck-php@shop.service'],
        backlog: 0,
      });
      await sh(
        host,
        `runuser -u t-acme -- sh -c "echo '<?php trigger_error(\\"hd-warning-42\\", E_USER_WARNING); echo 1;' > /srv/tenants/acme/shop/current/public/warn.php"`,
      );
      expect((await get(host, 'shop.acme.test', '/warn.php')).body).toBe('1');
      await until('the PHP warning in the log', () =>
        entries.some((e) => e.message.includes('hd-warning-42')),
      );
      expect(entries.find((e) => e.message.includes('hd-warning-42'))).toMatchObject({
        unit: 'hostdeck-php@shop.service',
      });
      await app.call('logs.stop', { streamId });
    }));

  it('creates a Laravel site with an APP_KEY, and deploys a local folder running the Laravel hooks as the tenant', () =>
    withAppOnHost(async (app, host, serverId) => {
      const site = await newSite(app, serverId, 'acme', {
        slug: 'app',
        domain: 'app.acme.test',
        type: 'laravel',
      });
      const key = await sh(host, 'grep ^APP_KEY= /srv/tenants/acme/app/shared/.env');
      expect(key).toMatch(/^APP_KEY=base64:[A-Za-z0-9+/]{43}=$/);

      // A folder on this computer; its `artisan` is a recorder (this test needs no Laravel).
      const folder = mkdtempSync(join(tmpdir(), 'hostdeck-deploy-'));
      mkdirSync(join(folder, 'public'));
      mkdirSync(join(folder, '.git'));
      writeFileSync(join(folder, '.git', 'config'), 'must not be deployed');
      writeFileSync(
        join(folder, 'public', 'index.php'),
        "<?php echo is_readable(__DIR__ . '/../.env') ? 'env linked' : 'no env';",
      );
      writeFileSync(
        join(folder, 'artisan'),
        "<?php file_put_contents(__DIR__ . '/storage/logs/hooks.log', implode(' ', array_slice($argv, 1)) . ' as ' . posix_getpwuid(posix_geteuid())['name'] . \"\\n\", FILE_APPEND);",
      );
      try {
        await done(app, app.call('sites.deploy', { siteId: site.id, folder }));
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
      expect((await get(host, 'app.acme.test')).body).toBe('env linked');
      expect(await sh(host, 'cat /srv/tenants/acme/app/shared/storage/logs/hooks.log')).toBe(
        ['migrate --force as t-acme', 'storage:link as t-acme', 'config:cache as t-acme'].join('\n'),
      );
      expect(await sh(host, 'ls -A /srv/tenants/acme/app/current/ | LC_ALL=C sort | tr "\\n" " "')).toBe(
        '.env REVISION artisan public storage',
      );
      // The key survives a change to the site.
      await done(app, app.call('sites.update', { siteId: site.id, aliases: ['www.app.acme.test'] }));
      expect(await sh(host, 'grep ^APP_KEY= /srv/tenants/acme/app/shared/.env')).toBe(key);
    }));

  it('deploys over SSH with the deploy key the vault made, and only with it', () =>
    withAppOnHost(async (app, host, serverId) => {
      const site = await newSite(app, serverId, 'acme', { slug: 'shop', domain: 'shop.acme.test' });
      const key = await app.call('sites.deployKey', { siteId: site.id });
      expect(key.publicKey).toMatch(/^ssh-ed25519 /);
      expect((await app.call('sites.deployKey', { siteId: site.id })).secretId).toBe(key.secretId);
      // A git server on the host: user git with git-shell, the deploy key its only key.
      await host.exec('cat > /tmp/deploy.pub', { input: `${key.publicKey}\n` });
      await sh(
        host,
        [
          'useradd --create-home --shell /usr/bin/git-shell git',
          'install -d -o git -g git -m 0700 /home/git/.ssh',
          'install -o git -g git -m 0600 /tmp/deploy.pub /home/git/.ssh/authorized_keys',
          'git init -q --bare -b main /srv/repo.git',
          'git init -q -b main /root/app && cd /root/app && mkdir public',
          "git config --global user.email t@test && git config --global user.name t && git config --global safe.directory '*'",
          `echo '<?php echo "over ssh";' > public/index.php && git add . && git commit -qm one && git push -q /srv/repo.git main`,
          'chown -R git:git /srv/repo.git',
        ].join(' && '),
      );
      const repo = 'ssh://git@127.0.0.1/srv/repo.git';
      // Without the key the clone is refused and the live release stays.
      const without = await app.hd.jobs.wait(
        (await app.call('sites.deploy', { siteId: site.id, repo })).jobId,
      );
      expect(without.state).toBe('failed');
      expect(without.error).toMatch(/fetch/);
      expect((await get(host, 'shop.acme.test')).body).toContain('shop.acme.test is ready');
      await done(app, app.call('sites.deploy', { siteId: site.id, repo, useDeployKey: true }));
      expect((await get(host, 'shop.acme.test')).body).toBe('over ssh');
      // The private key was only on the host for the clone.
      expect(await sh(host, 'ls -A /run/hostdeck-deploy')).toBe('');
      expect(await sh(host, 'cat /srv/tenants/acme/shop/shared/.ssh/known_hosts | wc -l')).not.toBe('0');
    }));

  it("installs WordPress from Debian's package; its home page shows the site title", () =>
    withAppOnHost(async (app, host, serverId) => {
      const created = await newSite(app, serverId, 'beta', {
        slug: 'blog',
        domain: 'blog.beta.test',
        type: 'wordpress',
        title: 'Beta Blog',
        adminEmail: 'admin@beta.test',
      });
      const home = await get(host, 'blog.beta.test');
      expect(home.status).toBe(200);
      expect(home.body).toMatch(/<title>[^<]*Beta Blog/);
      // The admin password the vault holds logs in.
      const site = await app.call('sites.get', { siteId: created.id });
      const admin = (await app.call('vault.secrets.reveal', { id: site.adminSecretId! })).fields['password']!;
      const login = await host.exec(
        `curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --resolve blog.beta.test:80:127.0.0.1 -b wordpress_test_cookie=WP%20Cookie%20check --data-urlencode log=admin --data-urlencode pwd@- -d testcookie=1 http://blog.beta.test/wp-login.php`,
        { input: admin },
      );
      expect(login.stdout).toMatch(/^302 http:\/\/blog\.beta\.test\/wp-admin\/$/);
      // wp-config.php holds the secrets: the tenant may read it, nobody else.
      expect(await sh(host, 'stat -c "%a %U %G" /srv/tenants/beta/blog/shared/wp-config.php')).toBe(
        '640 root t-beta',
      );
    }));

  it('refuses hostile input in the app, naming the field, and records nothing', () =>
    withAppOnHost(async (app, _host, serverId) => {
      const tenant = await app.call('tenants.create', { name: 'Acme', slug: 'acme' });
      const base = { serverId, tenantId: tenant.id, slug: 'shop', domain: 'shop.acme.test' };
      for (const [field, value] of [
        ['domain', 'shop.acme.test; reboot'],
        ['domain', 'shop.acme.test\nevil.test'],
        ['domain', '../../etc/passwd'],
        ['domain', 'shоp.acme.test'],
        ['domain', `${'a'.repeat(60)}.`.repeat(5) + 'test'],
        ['slug', '../x'],
        ['slug', 'a;b'],
        ['slug', 'x'.repeat(300)],
      ] as const) {
        const err = await app.fail('sites.create', { ...base, [field]: value });
        expect(err, `${field}=${JSON.stringify(value)}`).toMatchObject({ code: 'VALIDATION', field });
      }
      expect((await app.fail('tenants.create', { name: 'x', slug: 'a b' })).field).toBe('slug');
      expect(await app.call('sites.list', {})).toEqual([]);
    }));
});
