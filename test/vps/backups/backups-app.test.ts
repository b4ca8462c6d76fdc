// Backups from the app on a real host: the same router calls the UI makes, restic's repository
// password made in the vault and owned by the server, runs and restores as jobs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopAll } from '../harness/index.js';
import { sh } from '../provision/hostdeck-scripts.js';
import { done, newSite, withAppOnHost } from '../sites/app-helpers.js';
import { get } from '../sites/helpers.js';

afterAll(stopAll);

describe('backups from the app', () => {
  it('sets a server up, backs a site up, lists its runs, restores its database and files, and runs a backup again', () =>
    withAppOnHost(async (app, host, serverId) => {
      const site = await newSite(app, serverId, 'acme', { slug: 'shop', domain: 'shop.acme.test' });
      const sql = (q: string) => sh(host, `mariadb -N -B hd_shop -e ${JSON.stringify(q)}`);
      await sql('CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, "first")');
      const SITE = '/srv/tenants/acme/shop';
      const marker = `${SITE}/current/public/marker.txt`;
      await sh(host, `runuser -u t-acme -- sh -c 'echo one > ${marker}'`);

      expect(await app.call('backups.list', { siteId: site.id })).toMatchObject({ ready: false, runs: [] });
      await done(app, app.call('backups.setup', { serverId }));
      const secret = (await app.call('vault.secrets.list', {})).find((s) =>
        s.label.startsWith('Backup repository'),
      );
      expect(secret?.kind).toBe('password');
      expect(await app.fail('vault.secrets.remove', { id: secret!.id })).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(/\(its backup repository password\)\.$/),
      });

      const ran = await done(app, app.call('backups.run', { siteId: site.id }));
      expect(ran.rerunnable).toBe(true);
      const listed = await app.call('backups.list', { siteId: site.id });
      expect(listed).toMatchObject({ ready: true, lastFailure: null });
      expect(listed.runs).toHaveLength(1);
      const [first] = listed.runs;
      expect(first!.database).toMatch(/^[0-9a-f]{64}$/);
      expect(first!.files).toMatch(/^[0-9a-f]{64}$/);
      expect(listed.check).toBeNull();
      await done(app, app.call('backups.check', { serverId }));
      expect((await app.call('backups.list', { siteId: site.id })).check).toMatchObject({
        ok: true,
        detail: 'structure and indexes, 10% of the data read back',
      });

      // A copy on this laptop: only what it lacks is fetched, it restores with restic here, and the
      // host cannot take it away.
      const pulled = await done(app, app.call('backups.pull', { serverId }));
      const pullStep = (await app.call('jobs.get', { id: pulled.id })).steps.find((s) =>
        s.name.startsWith('Repository copy'),
      );
      expect(pullStep).toMatchObject({
        state: 'changed',
        detail: expect.stringMatching(/^\d+ new file\(s\)/),
      });
      const again = await done(app, app.call('backups.pull', { serverId }));
      expect((await app.call('jobs.get', { id: again.id })).steps.at(-1)).toMatchObject({
        state: 'ok',
        detail: expect.stringMatching(/^0 new file\(s\), 0 bytes; \d+ already here$/),
      });
      const copy = join(app.dataDir, 'backups', serverId);
      const pw = join(app.dataDir, 'restic-test.pass');
      writeFileSync(pw, app.hd.vault.use(secret!.id, 'password').password, { mode: 0o600 });
      const localRestic = (...args: string[]) =>
        execFileSync('restic', ['--repo', copy, '--password-file', pw, '--no-cache', ...args], {
          encoding: 'utf8',
        });
      const localIds = (JSON.parse(localRestic('snapshots', '--json')) as { id: string }[])
        .map((x) => x.id)
        .sort();
      expect(localIds).toEqual([first!.database!, first!.files!].sort());
      const dump = localRestic('dump', first!.database!, '/shop.sql');
      expect(dump).toContain('first');
      expect(dump.trimEnd().split('\n').at(-1)).toMatch(/^-- Dump completed/);
      localRestic('check', '--read-data');

      // Both parts of the first run back: the database, and the files as a new release.
      await sql('UPDATE notes SET body = "second" WHERE id = 1');
      await sh(host, `runuser -u t-acme -- sh -c 'echo two > ${marker}'`);
      expect(await app.fail('backups.restore', { siteId: site.id })).toMatchObject({
        code: 'VALIDATION',
        field: 'database',
      });
      const restore = await done(
        app,
        app.call('backups.restore', { siteId: site.id, database: first!.database!, files: first!.files! }),
      );
      expect(restore.title).toBe('Restore the database and files of shop.acme.test');
      expect(await sql('SELECT body FROM notes WHERE id = 1')).toBe('first');
      expect(await sh(host, `cat ${marker}`)).toBe('one');
      // One file of that run, back in place.
      await sh(host, `runuser -u t-acme -- sh -c 'echo three > ${marker}'`);
      const one = await done(
        app,
        app.call('backups.restore', {
          siteId: site.id,
          files: first!.files!,
          path: 'current/public/marker.txt',
        }),
      );
      expect(one.title).toBe('Restore current/public/marker.txt of shop.acme.test');
      expect(await sh(host, `cat ${marker}`)).toBe('one');
      expect(
        await app.fail('backups.restore', { siteId: site.id, files: first!.files!, path: 'shared/.env' }),
      ).toMatchObject({
        code: 'VALIDATION',
        field: 'path',
      });
      const live = (await app.call('sites.get', { siteId: site.id })).live;
      expect(live?.release).not.toBe('initial');
      expect(live?.releases).toContain('initial');

      // A restore drill of the newest run (the restore's safety run): restorable, and said so.
      await done(app, app.call('backups.drill', { siteId: site.id }));
      expect((await app.call('backups.list', { siteId: site.id })).drill).toMatchObject({
        ok: true,
        detail: expect.stringMatching(
          /^run \S+ restorable \(1 table\(s\), 1 row\(s\), .*home page HTTP 200\); the drill took \d+ s$/,
        ),
      });
      await done(app, app.call('jobs.rerun', { id: ran.id }));
      // The first run, the two restores' safety runs, and the run again.
      expect((await app.call('backups.list', { siteId: site.id })).runs).toHaveLength(4);
      // Deleting the site keeps an encrypted final snapshot, never a plaintext archive.
      await done(app, app.call('sites.delete', { siteId: site.id, backup: true }));
      const finals = await sh(
        host,
        'restic --repo /var/backups/hostdeck/restic --password-file /etc/hostdeck/backup/restic.pass snapshots --tag hd-site=shop,hd-final=yes --json',
      );
      expect((JSON.parse(finals) as unknown[]).length).toBe(2);
      expect(await sh(host, 'find /var/backups/hostdeck -name "*.tar*" | wc -l')).toBe('0');
      expect((await host.exec('grep -r -l -a "CREATE TABLE" /var/backups/hostdeck')).code).toBe(1);
      // The deleted site lives on in its final backup: restored into a new site, of another tenant.
      const clone = await newSite(app, serverId, 'beta', { slug: 'clone', domain: 'clone.beta.test' });
      const own = await app.call('backups.list', { siteId: clone.id });
      expect(own.sources).toContain('shop');
      const theirs = await app.call('backups.list', { siteId: clone.id, fromSlug: 'shop' });
      expect(theirs.of).toBe('shop');
      const final = theirs.runs[0]!;
      // Another site's data goes to this site's tenant: only when the operator says so.
      expect(
        await app.fail('backups.restore', { siteId: clone.id, fromSlug: 'shop', files: final.files! }),
      ).toMatchObject({ code: 'VALIDATION', field: 'handOver' });
      await done(
        app,
        app.call('backups.restore', {
          siteId: clone.id,
          fromSlug: 'shop',
          handOver: true,
          database: final.database!,
          files: final.files!,
        }),
      );
      expect(await sh(host, 'mariadb -N -B hd_clone -e "SELECT body FROM notes WHERE id = 1"')).toBe('first');
      expect(await sh(host, 'cat /srv/tenants/beta/clone/current/public/marker.txt')).toBe('one');
      expect(await sh(host, 'stat -c %U /srv/tenants/beta/clone/current/public/marker.txt')).toBe('t-beta');
      // A host that deletes its snapshots (compromised, or by mistake) takes nothing from the copy.
      await done(app, app.call('backups.pull', { serverId }));
      const copied = (JSON.parse(localRestic('snapshots', '--json')) as unknown[]).length;
      expect(copied).toBe(12); // 4 runs, the final backup and the clone's safety run, 2 parts each
      await sh(host, 'rm -f /var/backups/hostdeck/restic/snapshots/*');
      await done(app, app.call('backups.pull', { serverId }));
      expect(JSON.parse(localRestic('snapshots', '--json'))).toHaveLength(copied);
      const actions = (await app.call('audit.list', {})).map((a) => a.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'backup.setup',
          'backup.run',
          'backup.check',
          'backup.restore',
          'jobs.rerun',
        ]),
      );
    }));

  it('backs a Laravel site up and puts its database, release and storage back as they were', () =>
    withAppOnHost(async (app, host, serverId) => {
      const site = await newSite(app, serverId, 'acme', {
        slug: 'app',
        domain: 'app.acme.test',
        type: 'laravel',
      });
      const sql = (q: string) => sh(host, `mariadb -N -B hd_app -e ${JSON.stringify(q)}`);
      const STORAGE = '/srv/tenants/acme/app/shared/storage/app/note.txt';
      const asTenant = (cmd: string) => sh(host, `runuser -u t-acme -- sh -c ${JSON.stringify(cmd)}`);
      // A release whose page shows a row of its database and a file of its storage (its own PHP,
      // its own database user); its artisan records the deploy hooks (no Laravel here).
      const deploy = async (version: string) => {
        const folder = mkdtempSync(join(tmpdir(), 'hostdeck-laravel-'));
        mkdirSync(join(folder, 'public'));
        writeFileSync(
          join(folder, 'public', 'index.php'),
          `<?php $e = [];
foreach (file(__DIR__ . '/../.env') as $l) if (preg_match('/^(\\w+)="?(.*?)"?$/', trim($l), $m)) $e[$m[1]] = $m[2];
$db = new PDO('mysql:unix_socket=' . $e['DB_SOCKET'] . ';dbname=' . $e['DB_DATABASE'], $e['DB_USERNAME'], $e['DB_PASSWORD']);
echo '${version} ', $db->query('SELECT body FROM notes WHERE id = 1')->fetchColumn(), ' ', trim(file_get_contents(__DIR__ . '/../storage/app/note.txt'));`,
        );
        writeFileSync(
          join(folder, 'artisan'),
          `<?php file_put_contents(__DIR__ . '/storage/logs/hooks.log', '${version} ' . implode(' ', array_slice($argv, 1)) . "\\n", FILE_APPEND);`,
        );
        try {
          await done(app, app.call('sites.deploy', { siteId: site.id, folder }));
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      };
      await sql('CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, "first")');
      await deploy('v1'); // (the first deploy makes the shared storage)
      await asTenant(`mkdir -p ${STORAGE.replace(/\/[^/]+$/, '')} && echo one > ${STORAGE}`);
      expect((await get(host, 'app.acme.test')).body).toBe('v1 first one');

      await done(app, app.call('backups.setup', { serverId }));
      await done(app, app.call('backups.run', { siteId: site.id }));
      const [run] = (await app.call('backups.list', { siteId: site.id })).runs;

      await sql('UPDATE notes SET body = "second" WHERE id = 1');
      await asTenant(`echo two > ${STORAGE}`);
      await deploy('v2');
      expect((await get(host, 'app.acme.test')).body).toBe('v2 second two');
      const hooksLog = async () =>
        (await sh(host, 'cat /srv/tenants/acme/app/shared/storage/logs/hooks.log')).split('\n');
      const v1 = ['v1 migrate --force', 'v1 storage:link', 'v1 config:cache'];
      expect(await hooksLog()).toEqual([...v1, ...v1.map((l) => l.replace('v1', 'v2'))]);

      await done(
        app,
        app.call('backups.restore', { siteId: site.id, database: run!.database!, files: run!.files! }),
      );
      expect((await get(host, 'app.acme.test')).body).toBe('v1 first one');
      expect(await sh(host, `stat -c %U ${STORAGE}`)).toBe('t-acme');
      // The storage as it was (v2's hook lines gone), and the restored release went through the
      // Laravel hooks again, as the tenant.
      expect(await hooksLog()).toEqual([...v1, ...v1]);
      // A drill of a Laravel site: its copy served from the restored run.
      await done(app, app.call('backups.drill', { siteId: site.id }));
      expect((await app.call('backups.list', { siteId: site.id })).drill).toMatchObject({ ok: true });
    }));
});
