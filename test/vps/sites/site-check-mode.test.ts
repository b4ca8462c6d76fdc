// The site module's dry run (--check) on a host where the site and its tenant do not exist yet:
// every step says what it would do (no tenant user is needed to say it), and nothing on the
// host changes; removing it dry afterwards changes nothing either. A dry run while MariaDB is still
// starting waits for it.
import { beforeAll, describe, expect, it } from 'vitest';
import { withFreshHosts } from '../provision/fresh-hosts.js';
import { sh, stepsIn, uploadScripts } from '../provision/hostdeck-scripts.js';
import { createSite, DB_PASSWORD, installArgs, ok, site } from './helpers.js';
import { sitesLayer } from './sites-layer.js';

let layer = '';
beforeAll(async () => {
  layer = await sitesLayer();
}, 900_000);

const A = { site: 'shop', tenant: 'acme', domain: 'shop.acme.test', port: 8081 };

describe('site module in check mode', () => {
  it('reports a new site and its tenant as would-change and changes nothing on the host', () =>
    withFreshHosts(
      1,
      async ([h]) => {
        await uploadScripts(h!);
        const footprint = () =>
          sh(
            h!,
            'getent passwd t-acme; ls -A /srv/tenants /etc/caddy/sites /etc/hostdeck/sites 2>&1; ' +
              'ls /var/lib/hostdeck/state; mariadb -N -e "SHOW DATABASES LIKE \'hd_shop\'"; true',
          );
        const before = await footprint();
        const dry = await ok(site(h!, 'install', ['--check', ...installArgs(A)], `${DB_PASSWORD}\n`));
        expect(stepsIn(dry, 'changed')).toEqual([]);
        expect(stepsIn(dry, 'failed')).toEqual([]);
        const would = stepsIn(dry, 'would-change');
        for (const want of [
          /^user t-acme: create/,
          /^directory \/srv\/tenants\/acme: create \(0750 root:t-acme\)$/,
          /^directory \/srv\/tenants\/acme\/shop\/releases: create/,
          /^release: would create the first release/,
          /^database hd_shop: create/,
          /^file \/srv\/tenants\/acme\/shop\/shared\/\.env: would create \(0640 root:t-acme\)$/,
          /^caddy site \/etc\/caddy\/sites\/shop\.caddy: would be created/,
        ]) {
          expect(would, String(want)).toContainEqual(expect.stringMatching(want));
        }
        expect(await footprint()).toBe(before);
        const gone = await ok(site(h!, 'remove', ['--check', '--site', 'shop']));
        expect(stepsIn(gone, 'would-change')).toEqual([]);
        expect(await footprint()).toBe(before);

        // Right after a boot (or while MariaDB restarts) its socket is not there yet: the SQL steps
        // wait for the starting server instead of failing with "Can't connect" (CI met this once).
        // A slow start (crash recovery of a big InnoDB log takes seconds) is made certain here.
        await sh(
          h!,
          'mkdir -p /run/systemd/system/mariadb.service.d && ' +
            "printf '[Service]\\nExecStartPre=/bin/sleep 4\\n' >/run/systemd/system/mariadb.service.d/slow.conf && " +
            'systemctl daemon-reload && systemctl stop mariadb && systemctl start --no-block mariadb && ' +
            '! test -S /run/mysqld/mysqld.sock',
        );
        const starting = await ok(site(h!, 'install', ['--check', ...installArgs(A)], `${DB_PASSWORD}\n`));
        expect(stepsIn(starting, 'failed')).toEqual([]);
        expect(stepsIn(starting, 'would-change')).toContainEqual(
          expect.stringMatching(/^database hd_shop: create/),
        );
      },
      { layers: [layer] },
    ));
  it('says a site made by an earlier version would have its skeleton converted, changes nothing, and is clean once it is', () =>
    withFreshHosts(
      1,
      async ([h]) => {
        await uploadScripts(h!);
        await ok(createSite(h!, A));
        // The layout of earlier versions: the tenant owned its home, the site dir, releases/ and shared/.
        const skeleton =
          '/srv/tenants/acme /srv/tenants/acme/shop /srv/tenants/acme/shop/releases /srv/tenants/acme/shop/shared';
        await sh(h!, `chown t-acme:t-acme ${skeleton}`);
        const owners = () => sh(h!, `stat -c '%U %n' ${skeleton}`);
        const before = await owners();
        for (const [verb, args] of [
          ['install', installArgs(A)],
          ['deploy', ['--site', 'shop', '--source', 'archive']],
          ['rollback', ['--site', 'shop']],
        ] as const) {
          const dry = await ok(
            site(h!, verb, ['--check', ...args], verb === 'install' ? `${DB_PASSWORD}\n` : ''),
          );
          expect(stepsIn(dry, 'failed'), verb).toEqual([]);
          expect(stepsIn(dry, 'would-change'), verb).toContainEqual(
            expect.stringMatching(
              /^skeleton: would make \/srv\/tenants\/acme, the site directory, releases\/ and shared\/ root's .*earlier versions/,
            ),
          );
          expect(await owners(), verb).toBe(before);
        }
        // The real run converts it (top down); a dry run afterwards finds nothing to change.
        await ok(site(h!, 'install', installArgs(A), `${DB_PASSWORD}\n`));
        expect(await owners()).toBe(
          skeleton
            .split(' ')
            .map((d) => `root ${d}`)
            .join('\n'),
        );
        const clean = await ok(site(h!, 'install', ['--check', ...installArgs(A)], `${DB_PASSWORD}\n`));
        expect(stepsIn(clean, 'would-change')).toEqual([]);
      },
      { layers: [layer] },
    ));
});
