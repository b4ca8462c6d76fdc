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
  it('schedules every site on the host with a persistent timer, and keeps exactly what the retention says', () =>
    withFreshHosts(
      1,
      async ([h]) => {
        const host = h!;
        await uploadScripts(host);
        await ok(createSite(host, A));
        await ok(
          backup(host, 'install', ['--password-stdin', '--schedule', '*-*-* 03:00:00'], `${REPO_PASSWORD}\n`),
        );
        const timer = await sh(
          host,
          'systemctl show -P TimersCalendar -P Persistent -P RandomizedDelayUSec hostdeck-backup.timer; systemctl is-enabled hostdeck-backup.timer',
        );
        expect(timer).toMatch(/OnCalendar=\*-\*-\* 03:00:00/);
        expect(timer.split('\n')).toEqual(expect.arrayContaining(['yes', '30min', 'enabled']));
        expect(await sh(host, 'systemctl show -P TimeoutStartUSec hostdeck-backup.service')).toBe('6h');
        const bad = await backup(host, 'install', ['--schedule', 'every tuesday']);
        expect(bad.code).toBe(2);

        // What the timer starts: every site, then the retention (default: the 3 newest runs and more).
        const started = await host.exec('systemctl start hostdeck-backup.service', { timeoutMs: 300_000 });
        if (started.code !== 0) {
          throw new Error(
            `the scheduled run failed:\n${await sh(host, 'journalctl -u hostdeck-backup.service -n 60 --no-pager')}`,
          );
        }
        expect(await snapshots(host)).toHaveLength(2);
        expect(await sh(host, 'systemctl show -P Result hostdeck-backup.service')).toBe('success');

        for (let i = 0; i < 3; i++) await ok(backup(host, 'run', ['--site', A.site]));
        expect(await snapshots(host)).toHaveLength(8);
        const kept = await ok(
          backup(host, 'prune', [
            '--keep-last',
            '2',
            '--keep-daily',
            '0',
            '--keep-weekly',
            '0',
            '--keep-monthly',
            '0',
          ]),
        );
        expect(stepsIn(kept, 'changed').join('\n')).toMatch(
          /retention shop: 4 snapshot\(s\) forgotten, 4 kept/,
        );
        const left = await snapshots(host);
        const runs = new Set(left.map((s) => s.tags.find((t) => t.startsWith('hd-run='))));
        expect(runs.size).toBe(2);
        expect(left.filter((s) => s.tags.includes('hd-part=db'))).toHaveLength(2);
        // keep-last 0 would drop the newest backup: refused before anything runs.
        expect((await backup(host, 'prune', ['--keep-last', '0'])).code).toBe(2);
      },
      { layers: [layer] },
    ));
  it('a run killed part-way leaves a lock and half a run; the next run removes both and succeeds', () =>
    withFreshHosts(
      1,
      async ([h]) => {
        const host = h!;
        await uploadScripts(host);
        await ok(createSite(host, A));
        await ok(backup(host, 'install', ['--password-stdin', '--no-schedule'], `${REPO_PASSWORD}\n`));
        expect(await sh(host, 'systemctl is-enabled hostdeck-backup.timer 2>&1 || true')).not.toBe('enabled');
        // Enough data that the files part is still running when it is killed.
        await sh(
          host,
          'head -c 600M /dev/urandom > /srv/tenants/acme/shop/releases/initial/public/big.bin',
          120_000,
        );
        await sh(
          host,
          `nohup ${'/opt/hostdeck/scripts/test/hostdeck.sh'} backup run --site shop >/dev/null 2>&1 &`,
        );
        const locks =
          'restic --repo /var/backups/hostdeck/restic --password-file /etc/hostdeck/backup/restic.pass list locks --no-lock | wc -l';
        for (let i = 0; i < 200 && (await sh(host, locks)) === '0'; i++)
          await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 500));
        // Killed as a power cut would: restic first, then the script ([h] keeps pkill off its own shell).
        await host.exec(
          'pkill -9 -x restic; pkill -9 -f "[h]ostdeck.sh backup run"; pkill -9 -x mariadb-dump; true',
        );
        expect((await host.exec('pgrep -x restic')).code).toBe(1);
        expect(Number(await sh(host, locks))).toBeGreaterThan(0);

        const next = await ok(backup(host, 'run', ['--site', A.site]));
        expect(
          stepsIn(next, 'changed').join('\n'),
          [...stepsIn(next, 'ok'), next.stderr.slice(0, 3000)].join('\n'),
        ).toMatch(/repository locks: removed \d+ stale lock/);
        expect(await sh(host, locks)).toBe('0');
        // Only the finished run is kept: both of its parts, nothing of the killed one.
        const left = await snapshots(host);
        expect(left).toHaveLength(2);
        expect(new Set(left.map((s) => s.tags.find((t) => t.startsWith('hd-run='))))).toHaveProperty(
          'size',
          1,
        );
      },
      { layers: [layer] },
    ));
});
