// The backup module on a real Debian 12 host with a real site (Caddy, MariaDB, PHP stand-in) and
// Debian's restic: encrypted snapshots of the database (streamed) and the files, a failed dump that
// leaves nothing behind, a database restored to an earlier state after a safety snapshot, and a
// site's files (its release, its uploads) restored as a new release unpacked by the tenant.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from '../provision/fresh-hosts.js';
import {
  HOSTDECK,
  hostdeck,
  parseOutput,
  sh,
  stepsIn,
  uploadScripts,
} from '../provision/hostdeck-scripts.js';
import type { RunOutcome } from '../provision/hostdeck-scripts.js';
import { createSite, get, ok, site } from '../sites/helpers.js';
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

        // Routines and triggers come back too (the dump's DELIMITER blocks replay as before) ...
        await sql(host, 'CREATE PROCEDURE hello() SELECT "hi"');
        await sql(
          host,
          'CREATE TRIGGER up BEFORE INSERT ON notes FOR EACH ROW SET NEW.body = UPPER(NEW.body)',
        );
        // ... and a routine body that hides client commands from the server (`--` then a control
        // character is a comment to the server, not to the client) runs none of them on the way
        // back: the root-only admin credentials never reach the tenant's table.
        await sql(host, 'CREATE TABLE loot (line TEXT)');
        const evil =
          'DELIMITER $$\n' +
          "CREATE PROCEDURE evil() SELECT 1 --\x01 ;; LOAD DATA LOCAL INFILE '/etc/hostdeck/mariadb-admin.cnf' INTO TABLE loot ;;\n" +
          '$$\nDELIMITER ;\n';
        await host.exec('cat > /root/evil.sql', { input: evil });
        const made = await host.exec('mariadb --binary-mode hd_shop < /root/evil.sql');
        expect(made.code, made.stderr).toBe(0);
        expect(
          await sql(
            host,
            'SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = "hd_shop"',
          ),
        ).toBe('2');
        await ok(backup(host, 'run', ['--site', A.site]));
        const withRoutines = (await snapshots(host)).filter((x) => x.tags.includes('hd-part=db')).at(-1)!;
        await sql(host, 'DROP PROCEDURE hello; DROP TRIGGER up');
        const replayed = await backup(host, 'restore', ['--site', A.site, '--snapshot', withRoutines.id]);
        expect(await sql(host, 'SELECT COUNT(*) FROM loot')).toBe('0');
        expect(
          await sh(
            host,
            'grep -l -a -r -F -f <(sed -n "s/^password=//p" /etc/hostdeck/mariadb-admin.cnf) /var/lib/mysql/hd_shop | wc -l',
          ),
        ).toBe('0');
        if (replayed.code === 0) {
          expect(await sql(host, 'CALL hello()')).toBe('hi');
        } else {
          // Refused (the client will not run LOAD DATA LOCAL): said, and the safety backup is there.
          expect(stepsIn(replayed, 'failed').join('\n')).toMatch(/restore failed .*safety snapshot/);
        }

        // The verification ladder: restic's check, with a sampled read the first time (auto: once
        // a week), then the structure only; a damaged pack is found and recorded, never silent.
        const sampled = await ok(backup(host, 'check'));
        expect(sampled.steps.find((x) => x.name === 'repository check')?.detail).toBe(
          'no errors (structure and indexes, 10% of the data read back)',
        );
        const quick = await ok(backup(host, 'check'));
        expect(quick.steps.find((x) => x.name === 'repository check')?.detail).toBe(
          'no errors (structure and indexes)',
        );
        const checked = (await ok(backup(host, 'status'))).status;
        expect(checked['last-check']).toMatch(/^\d{4}-\d\d-\d\dT[\d:]{8}Z ok structure and indexes$/);
        expect(checked['last-read']).toMatch(/^\d{4}-\d\d-\d\dT/);
        await sh(
          host,
          'f=$(find /var/backups/hostdeck/restic/data -type f | head -n 1) && printf damaged | dd of="$f" bs=1 seek=64 conv=notrunc status=none',
        );
        const damaged = await backup(host, 'check', ['--read-data', '100']);
        expect(damaged.code).toBe(1);
        expect(stepsIn(damaged, 'failed').join('\n')).toMatch(
          /repository check: restic found errors \(structure and indexes, 100% of the data read back\): .*(does not match|damaged|error)/i,
        );
        expect((await ok(backup(host, 'status'))).status['last-check']).toMatch(
          / failed structure and indexes, 100%/,
        );
        expect((await backup(host, 'check', ['--read-data', '101'])).code).toBe(2);
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
        // The retention is set with install, recorded on the host, and what a plain prune applies.
        expect((await ok(backup(host, 'status'))).status['retention']).toBe('3 7 4 6');
        const set = await ok(
          backup(host, 'install', [
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
        expect(stepsIn(set, 'changed')).toEqual([
          'retention: the newest 2 run(s), one a day for 0 day(s), a week for 0 week(s), a month for 0 month(s); final backups always',
        ]);
        expect((await ok(backup(host, 'status'))).status['retention']).toBe('2 0 0 0');
        // An install that names no retention keeps the recorded one.
        expect(stepsIn(await ok(backup(host, 'install', [])), 'changed')).toEqual([]);
        const kept = await ok(backup(host, 'prune'));
        expect(stepsIn(kept, 'changed').join('\n')).toMatch(
          /retention shop: 4 snapshot\(s\) forgotten, 4 kept/,
        );
        const left = await snapshots(host);
        const runs = new Set(left.map((s) => s.tags.find((t) => t.startsWith('hd-run='))));
        expect(runs.size).toBe(2);
        expect(left.filter((s) => s.tags.includes('hd-part=db'))).toHaveLength(2);
        // keep-last 0 would drop the newest backup: refused before anything runs.
        expect((await backup(host, 'prune', ['--keep-last', '0'])).code).toBe(2);

        // A site with a schedule of its own: a timer of its own, and the server's run leaves it out.
        const unit = 'hostdeck-backup-site-shop';
        await ok(backup(host, 'schedule', ['--site', A.site, '--schedule', 'hourly']));
        const own = await sh(
          host,
          `systemctl show -P TimersCalendar -P Persistent ${unit}.timer; systemctl is-enabled ${unit}.timer; systemctl is-active ${unit}.timer`,
        );
        expect(own).toMatch(/OnCalendar=\*-\*-\* \*:00:00/);
        expect(own.split('\n')).toEqual(expect.arrayContaining(['yes', 'enabled', 'active']));
        const status = (await ok(backup(host, 'status', ['--site', A.site]))).status;
        expect(status['site-schedule']).toBe('hourly');
        expect(status['site-next-run']).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/); // within the hour's random delay
        const all = await ok(backup(host, 'all'));
        expect(all.steps.map((x) => `${x.name}: ${x.detail}`)).toEqual(
          expect.arrayContaining([
            'site shop: left to its own schedule (hourly)',
            'backups: 0 site(s) backed up; 1 on their own schedule',
          ]),
        );
        expect(await snapshots(host)).toHaveLength(4);
        const ran = await host.exec(`systemctl start ${unit}.service`, { timeoutMs: 300_000 });
        expect(ran.code, await sh(host, `journalctl -u ${unit}.service -n 30 --no-pager`)).toBe(0);
        expect(await snapshots(host)).toHaveLength(6);
        expect((await backup(host, 'schedule', ['--site', A.site, '--schedule', 'every tuesday'])).code).toBe(
          2,
        );
        await ok(backup(host, 'schedule', ['--site', A.site, '--default']));
        expect(await sh(host, `ls /etc/systemd/system | grep -c ${unit} || true`)).toBe('0');
        expect((await ok(backup(host, 'status', ['--site', A.site]))).status['site-schedule']).toBe('');
        // Removing the site removes its own schedule with it.
        await ok(backup(host, 'schedule', ['--site', A.site, '--schedule', 'daily']));
        await ok(hostdeck(host, 'site', 'remove', ['--site', A.site]));
        expect(await sh(host, `ls /etc/systemd/system | grep -c ${unit} || true`)).toBe('0');
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
        // Killed as a power cut would, all at once: the script is frozen first so it starts nothing
        // new (it did once, between two kills), then restic, the dump and the script go ([h] keeps
        // pkill off its own shell). A killed child stays listed until its parent is gone too.
        await host.exec(
          'pkill -STOP -f "[h]ostdeck.sh backup run"; pkill -9 -x restic; pkill -9 -x mariadb-dump; pkill -9 -f "[h]ostdeck.sh backup run"; true',
        );
        for (let i = 0; i < 40 && (await host.exec('pgrep -x restic')).code === 0; i++)
          await new Promise((r) => setTimeout(r, 50));
        expect((await host.exec('pgrep -x restic')).code).toBe(1);
        expect(Number(await sh(host, locks))).toBeGreaterThan(0);
        // Shown with their owner, and judged: the processes that held them are gone. (Status reads
        // locks a few seconds old: one a listing holds for a moment is not worth a restic start.)
        await new Promise((r) => setTimeout(r, 6000));
        const held = (await ok(backup(host, 'status'))).status['locks'];
        expect(held).toMatch(/^\d+@hd-\S+ 20\d\d-\S+ gone(,\d+@hd-\S+ 20\d\d-\S+ gone)*$/);

        const next = await ok(backup(host, 'run', ['--site', A.site]));
        expect(
          stepsIn(next, 'changed').join('\n'),
          [...stepsIn(next, 'ok'), next.stderr.slice(0, 3000)].join('\n'),
        ).toMatch(/repository locks: removed \d+ stale lock/);
        expect(await sh(host, locks)).toBe('0');
        expect((await ok(backup(host, 'status'))).status['locks']).toBe('');
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
  it("restores a site's files from a snapshot as a new release and its uploads, unpacked by the tenant", () =>
    withFreshHosts(
      1,
      async ([h]) => {
        const host = h!;
        await uploadScripts(host);
        await ok(createSite(host, A));
        const SITE = '/srv/tenants/acme/shop';
        const deployArchive = async (body: string): Promise<RunOutcome> => {
          await sh(
            host,
            `rm -rf /opt/rel && mkdir -p /opt/rel/public && echo ${JSON.stringify(body)} > /opt/rel/public/index.php && tar -C /opt/rel -cf /opt/rel.tar .`,
          );
          const r = await host.exec(`${HOSTDECK} site deploy --site shop --source archive < /opt/rel.tar`);
          return { code: r.code, stdout: r.stdout, stderr: r.stderr, ...parseOutput(r.stdout) };
        };
        await ok(deployArchive('version one'));
        // The tenant's shared uploads, as a WordPress site has them; with a link the tenant planted.
        await sh(
          host,
          `install -d -o t-acme -g t-acme -m 0750 ${SITE}/shared/uploads && ` +
            `runuser -u t-acme -- sh -c 'echo photo-one > ${SITE}/shared/uploads/photo.txt; ln -s /etc/shadow ${SITE}/shared/uploads/shadow'`,
        );
        await ok(backup(host, 'install', ['--password-stdin', '--no-schedule'], `${REPO_PASSWORD}\n`));
        await ok(backup(host, 'run', ['--site', A.site]));
        const files = (await snapshots(host)).find((s) => s.tags.includes('hd-part=files'))!;

        // Later: a new release, and the uploads changed.
        await ok(deployArchive('version two'));
        await sh(
          host,
          `runuser -u t-acme -- sh -c 'echo photo-two > ${SITE}/shared/uploads/photo.txt; echo new > ${SITE}/shared/uploads/new.txt'`,
        );
        expect((await get(host, A.domain)).body).toContain('version two');
        const shadow = await sh(host, 'stat -c "%a %U %G %s" /etc/shadow; sha256sum /etc/shadow');
        const before = await sh(host, `readlink ${SITE}/current`);

        const restored = await ok(
          site(host, 'deploy', [
            '--site',
            A.site,
            '--source',
            'snapshot',
            '--snapshot',
            files.id.slice(0, 8),
          ]),
        );
        expect(stepsIn(restored, 'changed').join('\n')).toMatch(
          /release .* unpacked from snapshot [0-9a-f]{8}[\s\S]*shared\/uploads: restored from snapshot/,
        );
        expect((await get(host, A.domain)).body).toContain('version one');
        expect(await sh(host, `cat ${SITE}/shared/uploads/photo.txt`)).toBe('photo-one');
        expect(await sh(host, `ls ${SITE}/shared`)).not.toMatch(/before-restore|\.restore/);
        expect((await host.exec(`test -e ${SITE}/shared/uploads/new.txt`)).code).toBe(1);
        // Unpacked by the tenant: everything restored is the tenant's, the planted link stayed a link
        // (nothing of root's was followed), and root's files are as they were.
        const current = await sh(host, `readlink ${SITE}/current`);
        expect(current).not.toBe(before);
        expect(await sh(host, `find ${SITE}/${current} ${SITE}/shared/uploads ! -user t-acme | wc -l`)).toBe(
          '0',
        );
        expect(await sh(host, `stat -c %F ${SITE}/shared/uploads/shadow`)).toBe('symbolic link');
        expect(await sh(host, 'stat -c "%a %U %G %s" /etc/shadow; sha256sum /etc/shadow')).toBe(shadow);
        // A new release: the one it replaced is one rollback away.
        await ok(site(host, 'rollback', ['--site', A.site]));
        expect((await get(host, A.domain)).body).toContain('version two');

        // Not enough room to stage the release: refused, saying how much is needed; nothing changed.
        await sh(
          host,
          'mkdir -p /var/lib/hostdeck/staging && mount -t tmpfs -o size=64k tmpfs /var/lib/hostdeck/staging',
        );
        await sh(
          host,
          `head -c 2M /dev/urandom > ${SITE}/${await sh(host, `readlink ${SITE}/current`)}/public/big.bin`,
        );
        await ok(backup(host, 'run', ['--site', A.site]));
        const big = (await snapshots(host)).filter((s) => s.tags.includes('hd-part=files')).at(-1)!;
        const full = await site(host, 'deploy', [
          '--site',
          A.site,
          '--source',
          'snapshot',
          '--snapshot',
          big.id,
        ]);
        expect(full.code).toBe(1);
        expect(stepsIn(full, 'failed').join('\n')).toMatch(
          /not enough disk space for staging .*: it needs .* free on the filesystem of \/var\/lib\/hostdeck\/staging, which has .*Nothing was changed\./,
        );
        expect((await get(host, A.domain)).body).toContain('version two');
        // The same for one folder put back.
        const tooBig = await site(host, 'recover', [
          '--site',
          A.site,
          '--snapshot',
          big.id,
          '--path',
          'current/public',
        ]);
        expect(tooBig.code).toBe(1);
        expect(stepsIn(tooBig, 'failed').join('\n')).toMatch(
          /not enough disk space for staging current\/public: it needs .* free on the filesystem of \/var\/lib\/hostdeck\/staging/,
        );
        await sh(host, 'umount /var/lib/hostdeck/staging');

        // One file, and one folder, put back by the tenant; a dry run first changes nothing.
        const recover = (args: string[]) =>
          site(host, 'recover', ['--site', A.site, '--snapshot', files.id.slice(0, 8), ...args]);
        await sh(
          host,
          `runuser -u t-acme -- sh -c 'rm -f ${SITE}/shared/uploads/photo.txt; ln -s /etc/shadow ${SITE}/shared/uploads/photo.txt'`,
        );
        const dryFile = await ok(recover(['--check', '--path', 'shared/uploads/photo.txt']));
        expect(stepsIn(dryFile, 'would-change')).toEqual([
          expect.stringMatching(
            /^recover shared\/uploads\/photo\.txt: would put back the file \(.*\) from snapshot [0-9a-f]{8}$/,
          ),
        ]);
        expect(await sh(host, `stat -c %F ${SITE}/shared/uploads/photo.txt`)).toBe('symbolic link');
        await ok(recover(['--path', 'shared/uploads/photo.txt']));
        expect(await sh(host, `cat ${SITE}/shared/uploads/photo.txt`)).toBe('photo-one');
        expect(await sh(host, `stat -c '%F %U' ${SITE}/shared/uploads/photo.txt`)).toBe(
          'regular file t-acme',
        );
        expect(await sh(host, 'stat -c "%a %U %G %s" /etc/shadow; sha256sum /etc/shadow')).toBe(shadow);
        expect((await get(host, A.domain)).body).toContain('version two');
        const folder = await ok(recover(['--path', 'current/public']));
        expect(stepsIn(folder, 'changed').join('\n')).toMatch(
          /put back the folder \(\d+ entries, .*\) from snapshot/,
        );
        expect((await get(host, A.domain)).body).toContain('version one');
        for (const path of [
          'shared/.env',
          'shared/uploads/../../.env',
          'current/../../shared',
          '/etc/passwd',
          'tmp/x',
        ]) {
          expect((await recover(['--path', path])).code, path).toBe(2);
        }
        expect(
          stepsIn(await recover(['--path', 'shared/uploads/nothing-here']), 'failed').join('\n'),
        ).toMatch(/has no shared\/uploads\/nothing-here/);

        // An id that is not a files snapshot of this site is refused before anything is unpacked.
        const wrong = await site(host, 'deploy', [
          '--site',
          A.site,
          '--source',
          'snapshot',
          '--snapshot',
          'deadbeef',
        ]);
        expect(wrong.code).toBe(2);
        expect(stepsIn(wrong, 'failed').join('\n')).toMatch(/no files snapshot of shop has that id/);
      },
      { layers: [layer] },
    ));
  it('a restore drill restores the newest run into a scratch copy, serves it and removes it; a damaged repository fails it', () =>
    withFreshHosts(
      1,
      async ([h]) => {
        const host = h!;
        await uploadScripts(host);
        await ok(createSite(host, A));
        await sql(
          host,
          'CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, "a"), (2, "b")',
        );
        await ok(backup(host, 'install', ['--password-stdin', '--no-schedule'], `${REPO_PASSWORD}\n`));
        // Nothing to drill before the first backup: said, and nothing is left behind.
        const none = await site(host, 'drill', ['--site', A.site]);
        expect(stepsIn(none, 'failed').join('\n')).toMatch(/shop has no complete backup run yet/);
        await ok(backup(host, 'run', ['--site', A.site]));
        const leftovers = () =>
          sh(
            host,
            'ls -d /srv/tenants/acme/*--drill /etc/hostdeck/sites/*--drill.env /etc/hostdeck/php/*--drill 2>/dev/null; ' +
              `mariadb -N -e "SHOW DATABASES LIKE 'hd\\_\\_drill%'; SELECT User FROM mysql.user WHERE User LIKE 'hd\\_\\_drill%'"; ` +
              'ls -d /var/lib/hostdeck-php/*--drill /var/lib/hostdeck/staging/* 2>/dev/null; ' +
              "systemctl list-units --all --plain --no-legend 'hostdeck-php@*--drill*' | grep -v not-found; true",
          );

        // Due (never drilled): the weekly pass drills it.
        const due = await ok(site(host, 'drill', ['--due']));
        const drilled = due.steps.find((x) => x.name === 'drill');
        expect(drilled?.detail).toMatch(
          /^run \S+ is restorable: 1 table\(s\), 2 row\(s\), \d+ file\(s\) and folder\(s\), home page HTTP 200; the drill took \d+ s and its copy is gone$/,
        );
        expect(due.steps.find((x) => x.name === 'files')?.detail).toBe(
          'release initial restored by t-acme into /srv/tenants/acme/shop--drill',
        );
        expect(due.steps.find((x) => x.name === 'drill database')?.detail).toBe(
          'restored: 1 table(s), 2 row(s), the same as the live database',
        );
        expect(await leftovers()).toBe('');
        expect((await ok(backup(host, 'status', ['--site', A.site]))).status['last-drill']).toMatch(
          /^\S+Z ok run \S+ restorable \(1 table\(s\), 2 row\(s\), .*\); the drill took \d+ s$/,
        );
        expect(stepsIn(await ok(site(host, 'drill', ['--due'])), 'ok')).toContain('drills: none due');

        // The live database moved on since the backup: the drill says so, and still passes.
        await sql(host, 'INSERT INTO notes VALUES (3, "c")');
        const moved = await ok(site(host, 'drill', ['--site', A.site]));
        expect(moved.steps.find((x) => x.name === 'drill database')?.detail).toBe(
          'restored: 1 table(s), 2 row(s); 1 table(s) differ from the live database now (it changed since the backup)',
        );

        // A damaged repository: the drill fails, says why, records it, and still leaves nothing behind.
        await sh(
          host,
          'for f in $(find /var/backups/hostdeck/restic/data -type f); do printf damaged | dd of="$f" bs=1 seek=64 conv=notrunc status=none; done',
        );
        const failed = await site(host, 'drill', ['--site', A.site]);
        expect(failed.code).toBe(1);
        expect(stepsIn(failed, 'failed').join('\n')).toMatch(
          /drill database: the backup's database does not restore/,
        );
        expect(await leftovers()).toBe('');
        expect((await ok(backup(host, 'status', ['--site', A.site]))).status['last-drill']).toMatch(
          /^\S+Z failed run \S+: drill database: the backup's database does not restore/,
        );
        // The live site was never touched.
        expect((await get(host, A.domain)).status).toBe(200);
        expect(await sql(host, 'SELECT COUNT(*) FROM notes')).toBe('3');
      },
      { layers: [layer] },
    ));
});
