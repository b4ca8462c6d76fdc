// The backup module on a real Debian 12 host with a real site (Caddy, MariaDB, PHP stand-in) and
// Debian's restic: encrypted snapshots of the database (streamed) and the files, a failed dump that
// leaves nothing behind, and a database restored to an earlier state after a safety snapshot.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from '../provision/fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from '../provision/hostdeck-scripts.js';
import { createSite, ok } from '../sites/helpers.js';
import { sitesLayer } from '../sites/sites-layer.js';

const REPO_PASSWORD = 'backup-Repo-pw.0123456789abcdef';
const A = { site: 'shop', tenant: 'acme', domain: 'shop.acme.test', port: 8081 };

let layer = '';
beforeAll(async () => {
  layer = await sitesLayer();
}, 900_000);

const backup = (h: Host, verb: string, args: string[] = [], input?: string) =>
  hostdeck(h, 'backup', verb, args, { input, timeoutMs: 300_000 });

interface Snapshot {
  id: string;
  tags: string[];
  paths: string[];
}
async function snapshots(h: Host): Promise<Snapshot[]> {
  const status = await ok(backup(h, 'status', ['--site', A.site]));
  return JSON.parse(status.status['snapshots'] ?? 'null') as Snapshot[];
}
const sql = (h: Host, q: string) => sh(h, `mariadb -N -B hd_shop -e ${JSON.stringify(q)}`);

describe('backup module', () => {
  it('backs a site up into an encrypted repository, refuses an empty dump, and restores its database', () =>
    withFreshHosts(
      1,
      async ([h]) => {
        await uploadScripts(h!);
        const host = h!;
        await ok(createSite(host, A));
        await sql(
          host,
          'CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, "first")',
        );
        await sh(
          host,
          'set -e; echo uploaded > /srv/tenants/acme/shop/releases/initial/public/photo.txt; echo scratch > /srv/tenants/acme/shop/tmp/x',
        );

        const installed = await ok(backup(host, 'install', ['--password-stdin'], `${REPO_PASSWORD}\n`));
        expect(stepsIn(installed, 'changed').join('\n')).toMatch(/restic repository: created/);
        // Root's only: the repository, and the password copy scheduled runs will use.
        expect(
          await sh(host, 'stat -c "%a %U" /var/backups/hostdeck/restic /etc/hostdeck/backup/restic.pass'),
        ).toBe('700 root\n600 root');
        expect(
          stepsIn(await ok(backup(host, 'install', ['--password-stdin'], `${REPO_PASSWORD}\n`)), 'changed'),
        ).toEqual([]);
        // The repository is encrypted: the data is not in it in the clear.
        await ok(backup(host, 'run', ['--site', A.site]));
        expect((await host.exec('grep -r -l -a "uploaded" /var/backups/hostdeck/restic')).code).toBe(1);

        const first = await snapshots(host);
        expect(first).toHaveLength(2);
        const dbSnap = first.find((s) => s.tags.includes('hd-part=db'))!;
        const files = first.find((s) => s.tags.includes('hd-part=files'))!;
        expect(files.paths).toEqual(['/srv/tenants/acme/shop']);
        const listing = await sh(
          host,
          `restic --repo /var/backups/hostdeck/restic --password-file /etc/hostdeck/backup/restic.pass ls ${files.id}`,
        );
        expect(listing).toContain('/srv/tenants/acme/shop/releases/initial/public/photo.txt');
        expect(listing).not.toContain('/srv/tenants/acme/shop/tmp/x');

        // A dump that fails (the database is gone from under it) fails the run and keeps nothing.
        await sh(host, 'systemctl stop mariadb');
        const failed = await backup(host, 'run', ['--site', A.site]);
        expect(failed.code).not.toBe(0);
        expect(stepsIn(failed, 'failed').join('\n')).toMatch(
          /mariadb-dump failed .* nothing of this run was kept/,
        );
        await sh(host, 'systemctl start mariadb');
        expect((await snapshots(host)).map((s) => s.id).sort()).toEqual(first.map((s) => s.id).sort());
        const status = await ok(backup(host, 'status', ['--site', A.site]));
        expect(status.status['last-failure']).toMatch(/mariadb-dump failed/);

        // Change the data, then restore the first snapshot's database: a safety run comes first.
        await sql(
          host,
          'UPDATE notes SET body = "second" WHERE id = 1; INSERT INTO notes VALUES (2, "later")',
        );
        const restored = await ok(
          backup(host, 'restore', ['--site', A.site, '--snapshot', dbSnap.id.slice(0, 8)]),
        );
        expect(stepsIn(restored, 'changed').join('\n')).toMatch(/database hd_shop: restored from snapshot/);
        expect(await sql(host, 'SELECT id, body FROM notes ORDER BY id')).toBe('1\tfirst');
        const after = await snapshots(host);
        expect(after).toHaveLength(4); // the safety run's two
        expect(await ok(backup(host, 'status', ['--site', A.site]))).toMatchObject({
          status: { 'last-failure': '' },
        });
      },
      { layers: [layer] },
    ));
});
