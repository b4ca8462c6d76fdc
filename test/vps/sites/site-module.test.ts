// The site module on real Debian 12 hosts (caddy, mariadb, firewall installed by the scripts;
// PHP served by the labelled FrankenPHP stand-in, see test/stand-ins/frankenphp): create,
// converge, isolate tenants, survive a hand-broken Caddy file, suspend, resume and delete.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from '../provision/fresh-hosts.js';
import { sh, stepsIn, uploadScripts } from '../provision/hostdeck-scripts.js';
import { createSite, DB_PASSWORD, get, installArgs, ok, site } from './helpers.js';
import { sitesLayer } from './sites-layer.js';

let layer = '';
beforeAll(async () => {
  layer = await sitesLayer();
}, 900_000);

const onSiteHost = (fn: (h: Host) => Promise<void>) =>
  withFreshHosts(
    1,
    async ([h]) => {
      await uploadScripts(h!);
      await fn(h!);
    },
    { layers: [layer] },
  );

const A = { site: 'shop', tenant: 'acme', domain: 'shop.acme.test', port: 8081 };
const B = { site: 'blog', tenant: 'beta', domain: 'blog.beta.test', port: 8082 };

describe('site module', () => {
  it('creates a php site that answers through Caddy from its own PHP, which reaches its database; a re-run changes nothing', () =>
    onSiteHost(async (h) => {
      const first = await ok(createSite(h, A));
      expect(stepsIn(first, 'changed').length).toBeGreaterThan(5);
      const page = await get(h, A.domain);
      expect(page.status).toBe(200);
      expect(page.body).toContain('shop.acme.test is ready');
      expect(page.body).toContain('running as t-acme');
      expect(page.body).toContain('Database: connected');
      // Its PHP listens on loopback only, as the tenant's user.
      expect(await sh(h, `ss -Hltn 'sport = :8081' | awk '{print $4}'`)).toBe('127.0.0.1:8081');
      expect(await sh(h, 'systemctl show -p User --value hostdeck-php@shop.service')).toBe('t-acme');
      // The credentials are the tenant's to read, no one else's.
      expect(await sh(h, 'stat -c "%a %U %G" /srv/tenants/acme/shop/shared/.env')).toBe('640 root t-acme');

      const again = await ok(createSite(h, A));
      expect(stepsIn(again, 'changed')).toEqual([]);

      const status = await ok(site(h, 'status', ['--site', 'shop']));
      expect(status.status).toMatchObject({
        exists: 'yes',
        tenant: 'acme',
        port: '8081',
        active: 'yes',
        drift: 'none',
      });
    }));

  it("keeps tenants apart: one tenant's PHP cannot read another's files (open_basedir and unix permissions)", () =>
    onSiteHost(async (h) => {
      await ok(createSite(h, A));
      await ok(createSite(h, B));
      // A page of tenant beta's site that tries to read tenant acme's credentials.
      await h.exec('runuser -u t-beta -- tee /srv/tenants/beta/blog/current/public/peek.php >/dev/null', {
        input: `<?php
$errors = [];
set_error_handler(function ($no, $msg) use (&$errors) { $errors[] = $msg; return true; });
echo 'basedir:', ini_get('open_basedir'), "\n";
echo 'read:', var_export(file_get_contents('/srv/tenants/acme/shop/shared/.env'), true), "\n";
echo 'errors:', implode(' | ', $errors), "\n";
`,
      });
      const peek = await get(h, B.domain, '/peek.php');
      expect(peek.status).toBe(200);
      expect(peek.body).toContain('read:false');
      expect(peek.body).toContain('basedir:/srv/tenants/beta/blog/\n');
      expect(peek.body).toMatch(/open_basedir restriction in effect/);
      // Without open_basedir (php -n), the file system itself says no.
      const raw = await h.exec(
        `runuser -u t-beta -- php -n -r 'var_export(@file_get_contents("/srv/tenants/acme/shop/shared/.env")); echo error_get_last()["message"];'`,
      );
      expect(raw.stdout).toMatch(/^false.*Permission denied/);
      expect((await h.exec('runuser -u t-beta -- ls /srv/tenants/acme')).stderr).toMatch(/Permission denied/);
      // Each site's own page still reaches only its own database.
      expect((await get(h, A.domain)).body).toContain('running as t-acme. Database: connected');
      expect((await get(h, B.domain)).body).toContain('running as t-beta. Database: connected');
    }));

  it('a Caddy file broken by hand never takes the other sites down; creating another site fails cleanly', () =>
    onSiteHost(async (h) => {
      await ok(createSite(h, A));
      await ok(createSite(h, B));
      await sh(h, "printf 'this is { not caddy\\n' >> /etc/caddy/sites/shop.caddy");
      const C = { site: 'news', tenant: 'beta', domain: 'news.beta.test', port: 8083 };
      const c = await createSite(h, C);
      if (c.code !== 0) {
        const failed = stepsIn(c, 'failed').join('; ');
        expect(failed).toMatch(
          /caddy site \/etc\/caddy\/sites\/news\.caddy.*does not validate.*nothing was changed/,
        );
        expect(failed).toContain('/etc/caddy/sites/shop.caddy');
        expect(await sh(h, 'ls /etc/caddy/sites')).not.toContain('news.caddy');
      }
      // Caddy never reloaded the broken file: every site keeps answering.
      expect((await get(h, A.domain)).status).toBe(200);
      expect((await get(h, B.domain)).status).toBe(200);
      expect(await sh(h, 'systemctl is-active caddy')).toBe('active');
      // Status shows the hand edit as drift; re-running the site's install repairs it.
      expect((await ok(site(h, 'status', ['--site', 'shop']))).status.drift).toContain(
        'config:/etc/caddy/sites/shop.caddy',
      );
      await ok(createSite(h, A));
      expect((await ok(site(h, 'status', ['--site', 'shop']))).status.drift).toBe('none');
      await ok(createSite(h, C));
      expect((await get(h, C.domain)).body).toContain('news.beta.test is ready');
    }));

  it('suspends (maintenance page, PHP stopped) and resumes; aliases are added and removed', () =>
    onSiteHost(async (h) => {
      await ok(createSite(h, A));
      await ok(site(h, 'disable', ['--site', 'shop']));
      const down = await get(h, A.domain);
      expect(down.status).toBe(503);
      expect(down.body).toContain('down for maintenance');
      expect(await sh(h, 'systemctl is-active hostdeck-php@shop.service || true')).toBe('inactive');
      expect((await ok(site(h, 'status', ['--site', 'shop']))).status).toMatchObject({
        suspended: '1',
        drift: 'none',
      });
      // A re-run of install keeps a suspended site suspended.
      await ok(createSite(h, A));
      expect((await get(h, A.domain)).status).toBe(503);
      await ok(site(h, 'enable', ['--site', 'shop']));
      expect((await get(h, A.domain)).status).toBe(200);

      await ok(createSite(h, { ...A, extra: ['--aliases', 'acme.test,www.acme.test'] }));
      expect((await get(h, 'www.acme.test')).body).toContain('shop.acme.test is ready');
      await ok(createSite(h, A));
      expect((await get(h, 'www.acme.test')).body).not.toContain('shop.acme.test is ready');
    }));

  it("serves TLS from Caddy's internal CA, redirects HTTP to HTTPS and www. to the domain", () =>
    onSiteHost(async (h) => {
      const args = installArgs(A).map((a) => (a === 'off' ? 'internal' : a));
      await ok(site(h, 'install', [...args, '--www', 'to-apex'], `${DB_PASSWORD}\n`));
      const curl = (url: string, name: string, port: number) =>
        sh(
          h,
          `curl -sk --max-time 10 -o /tmp/body -w '%{http_code} %{redirect_url}' --resolve ${name}:${port}:127.0.0.1 ${url}; echo; cat /tmp/body`,
        );
      const secure = await curl('https://shop.acme.test/', 'shop.acme.test', 443);
      expect(secure.split('\n')[0]).toBe('200 ');
      expect(secure).toContain('running as t-acme. Database: connected');
      expect((await curl('http://shop.acme.test/', 'shop.acme.test', 80)).split('\n')[0]).toBe(
        '308 https://shop.acme.test/',
      );
      expect((await curl('https://www.shop.acme.test/x?y=1', 'www.shop.acme.test', 443)).split('\n')[0]).toBe(
        '301 https://shop.acme.test/x?y=1',
      );
      // The certificate comes from Caddy's own CA, for the site's name.
      const issuer = await sh(
        h,
        `echo | openssl s_client -connect 127.0.0.1:443 -servername shop.acme.test 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName`,
      );
      expect(issuer).toMatch(/Caddy Local Authority/);
      expect(issuer).toContain('DNS:shop.acme.test');
    }));

  it('refuses names, domains and ports another site has', () =>
    onSiteHost(async (h) => {
      await ok(createSite(h, A));
      const sameDomain = await createSite(h, { ...B, domain: A.domain });
      expect(sameDomain.code).toBe(2);
      expect(stepsIn(sameDomain, 'failed').join()).toMatch(/shop\.acme\.test already belongs to site shop/);
      const samePort = await createSite(h, { ...B, port: A.port });
      expect(samePort.code).toBe(2);
      expect(stepsIn(samePort, 'failed').join()).toMatch(/port 8081 is already used by site shop/);
      const otherTenant = await createSite(h, { ...A, tenant: 'beta' });
      expect(otherTenant.code).toBe(2);
      expect(await sh(h, 'ls /etc/caddy/sites')).toBe('shop.caddy');
    }));

  it('refuses hostile names and domains on the host, before changing anything', () =>
    onSiteHost(async (h) => {
      const before = await sh(h, 'ls /etc/caddy/sites /srv 2>&1; getent passwd | wc -l');
      const bad: [string, string][] = [
        ['--site', 'a;rm -rf /'],
        ['--site', '../etc'],
        ['--site', 'a\nb'],
        ['--site', 'x'.repeat(300)],
        ['--site', 'Shop'],
        ['--tenant', '$(id)'],
        ['--tenant', 'a b'],
        ['--domain', 'shop.acme.test;reboot'],
        ['--domain', 'shop.acme.test\nevil.test'],
        ['--domain', '../../etc/passwd'],
        ['--domain', 'shоp.acme.test'], // Cyrillic о
        ['--domain', `${'a'.repeat(60)}.`.repeat(5) + 'test'],
        ['--domain', 'SHOP.acme.test'],
        ['--domain', 'shop.acme.test {\n}'],
        ['--aliases', 'ok.test,bad_name.test'],
        ['--php-ini', 'open_basedir=/'],
        ['--php-ini', 'memory_limit=1G;x'],
        ['--port', '80'],
        ['--port', '40000'], // in the kernel's range for outgoing connections (32768-60999)
      ];
      for (const [opt, value] of bad) {
        const args = [
          '--site',
          'shop',
          '--tenant',
          'acme',
          '--domain',
          'shop.acme.test',
          '--port',
          '8081',
          '--tls',
          'off',
          '--db-password-stdin',
        ];
        const i = args.indexOf(opt);
        if (i >= 0) args[i + 1] = value.replace('\\n', '\n');
        else args.push(opt, value);
        const r = await site(h, 'install', args, 'site-Db-pw.0123456789abcdef\n');
        expect(r.code, `${opt} ${JSON.stringify(value)}`).toBe(2);
        expect(r.steps.at(-1)?.state).toBe('failed');
        expect(r.steps.at(-1)?.name, `${opt} ${JSON.stringify(value)}`).toMatch(/^option --/);
      }
      for (const [opt, value] of [
        ['--repo', 'ext::sh -c id'],
        ['--repo', '-oProxyCommand=id@host:path'],
        ['--repo', 'git@host:-upload-pack=id'],
        ['--repo', 'https://example.com/../x'],
        ['--branch', '--upload-pack=id'],
        ['--release', '../../etc'],
      ] as const) {
        const verb = opt === '--release' ? 'rollback' : 'deploy';
        const args = [
          '--site',
          'shop',
          ...(opt === '--branch' ? ['--repo', 'file:///srv/x.git'] : []),
          opt,
          value,
        ];
        const r = await site(h, verb, args);
        expect(r.code, `${verb} ${opt} ${value}`).toBe(2);
        expect(r.steps.at(-1)?.name, `${verb} ${opt} ${value}`).toMatch(/^option --/);
      }
      expect(await sh(h, 'ls /etc/caddy/sites /srv 2>&1; getent passwd | wc -l')).toBe(before);
    }));

  it('deletes a site without leaving a unit, Caddy file, database, user, files or port behind', () =>
    onSiteHost(async (h) => {
      await ok(createSite(h, A));
      await ok(createSite(h, { ...B, tenant: 'acme' }));
      const del = await ok(site(h, 'remove', ['--site', 'shop', '--backup']));
      expect(stepsIn(del, 'changed').join()).toMatch(/backup: \/var\/backups\/hostdeck\/shop\/final-/);
      // The tenant keeps its user while it has another site.
      expect(await sh(h, 'id -un t-acme')).toBe('t-acme');
      await ok(site(h, 'remove', ['--site', 'blog']));
      const left = await sh(
        h,
        [
          'find /etc/caddy/sites /etc/hostdeck/sites /etc/hostdeck/php -mindepth 1',
          'ls /srv/tenants',
          'getent passwd t-acme || true',
          'systemctl list-units --all --plain --no-legend "hostdeck-php@*" || true',
          `mariadb -N -B -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'hd\\_%'; SELECT User FROM mysql.user WHERE User LIKE 'hd\\_%'"`,
          "ss -Hltn 'sport = :8081 or sport = :8082'",
          'ls /var/lib/hostdeck/state | grep site- || true',
        ].join('; echo ---; '),
      );
      expect(left.split('---').map((s) => s.trim())).toEqual(['', '', '', '', '', '', '']);
      const backup = await sh(h, 'tar -tzf /var/backups/hostdeck/shop/final-*.tar.gz');
      expect(backup).toContain('./database.sql');
      expect(backup).toContain('shop/shared/.env');
      expect(await sh(h, 'stat -c %a /var/backups/hostdeck/shop')).toBe('700');
      // Deleting what is gone is a no-op.
      expect(stepsIn(await ok(site(h, 'remove', ['--site', 'shop'])), 'changed')).toEqual([]);
    }));
});
