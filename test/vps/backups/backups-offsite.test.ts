// Offsite copies on two real hosts: the first server's repository copied over SFTP (restic's own
// backend) into an account on the second that can do nothing but SFTP in its own folder, and a
// WordPress site of the first restored from that copy onto the second as a new site that serves.
import { afterAll, describe, expect, it } from 'vitest';
import { stopAll } from '../harness/index.js';
import { sh } from '../provision/hostdeck-scripts.js';
import { done, newSite, withAppOnHosts } from '../sites/app-helpers.js';
import { get } from '../sites/helpers.js';

afterAll(stopAll);

const KEY = '/etc/hostdeck/backup/offsite_ed25519';
const SSH = `ssh -i ${KEY} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=/etc/hostdeck/backup/offsite_known_hosts -o HostKeyAlias=hostdeck-offsite -o ConnectTimeout=10`;

describe('offsite copies', () => {
  it("copies a server's backups to another over SFTP, and restores a WordPress site from the copy onto it", () =>
    withAppOnHosts(2, async (app, [a, b]) => {
      const blog = await newSite(app, a!.serverId, 'acme', {
        slug: 'blog',
        domain: 'blog.acme.test',
        type: 'wordpress',
        title: 'Acme Journal',
        adminEmail: 'admin@acme.test',
      });
      const UPLOAD = '/srv/tenants/acme/blog/shared/uploads/2026/cover.txt';
      await sh(
        a!.host,
        `runuser -u t-acme -- sh -c 'mkdir -p ${UPLOAD.replace(/\/[^/]+$/, '')} && echo cover-one > ${UPLOAD}'`,
      );
      await sh(
        a!.host,
        `mariadb hd_blog -e "UPDATE wp_options SET option_value = 'Tagline one' WHERE option_name = 'blogdescription'"`,
      );

      expect(
        await app.fail('backups.offsite', { serverId: a!.serverId, targetServerId: a!.serverId }),
      ).toMatchObject({ code: 'VALIDATION', field: 'targetServerId' });
      await done(app, app.call('backups.setup', { serverId: a!.serverId }));
      await done(app, app.call('backups.setup', { serverId: b!.serverId }));
      await done(app, app.call('backups.run', { siteId: blog.id }));
      const offsite = await done(
        app,
        app.call('backups.offsite', { serverId: a!.serverId, targetServerId: b!.serverId }),
      );
      const steps = (await app.call('jobs.get', { id: offsite.id })).steps;
      expect(steps.find((s) => s.name.endsWith('offsite repository'))?.detail).toMatch(
        /^made at hd-off-[0-9a-f]{8}@/,
      );
      const listed = await app.call('backups.list', { siteId: blog.id });
      expect(listed.offsite).toMatchObject({
        targetServerId: b!.serverId,
        lastCopy: { ok: true, detail: expect.stringMatching(/^2 new snapshot\(s\) to hd-off-/) },
      });
      const user = /hd-off-[0-9a-f]{8}/.exec(listed.offsite!.lastCopy!.detail)![0];
      const target = `${user}@${b!.host.address}`;

      // The account can do nothing but SFTP inside its own folder: no shell, no forwarding, nothing
      // of the host's files to read.
      expect((await a!.host.exec(`${SSH} ${target} id`)).stdout).toMatch(/only sftp|sftp connections only/i);
      const listing = await a!.host.exec(
        `echo 'ls -1 /' | sftp -b - -i ${KEY} -o BatchMode=yes -o UserKnownHostsFile=/etc/hostdeck/backup/offsite_known_hosts -o HostKeyAlias=hostdeck-offsite ${target}`,
      );
      expect(listing.stdout.split('\n').filter((l) => l && !l.startsWith('sftp>'))).toEqual(['/repo']);
      // No links either: nothing of the host's can be pointed at from inside the copy.
      const link = await a!.host.exec(
        `echo 'symlink /etc/shadow /repo/shadow' | sftp -b - -i ${KEY} -o BatchMode=yes -o UserKnownHostsFile=/etc/hostdeck/backup/offsite_known_hosts -o HostKeyAlias=hostdeck-offsite ${target}`,
      );
      expect(link.code).not.toBe(0);
      expect(await sh(b!.host, `ls /var/backups/hostdeck-offsite/${user}/repo`)).not.toContain('shadow');
      // SFTP has no quota: the target says plainly when the copy shares its root filesystem.
      expect(steps.find((s) => s.name.endsWith('copy filesystem'))?.detail).toMatch(
        /^WARNING: .* on the root filesystem/,
      );
      // A failed copy does not stop the timer's retention, check and drills.
      expect(
        await sh(
          a!.host,
          "systemctl cat hostdeck-backup.service | grep -c '^ExecStart=-/bin/bash .* backup copy$'",
        ),
      ).toBe('1');
      const escape = await a!.host.exec(
        `echo 'get /etc/shadow /tmp/stolen' | sftp -b - -i ${KEY} -o BatchMode=yes -o UserKnownHostsFile=/etc/hostdeck/backup/offsite_known_hosts -o HostKeyAlias=hostdeck-offsite ${target}`,
      );
      expect(escape.code).not.toBe(0);
      const forward = await a!.host.exec(
        `${SSH} -N -o ExitOnForwardFailure=yes -L 127.0.0.1:13306:127.0.0.1:3306 ${target} & sleep 2; timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/13306; head -c 4 <&3' | wc -c; kill %1 2>/dev/null; true`,
      );
      expect(forward.stdout.trim()).toBe('0'); // MariaDB's greeting never arrives through it
      expect(
        await sh(b!.host, `journalctl -u ssh --no-pager | grep -c 'refused local port forward' || true`),
      ).not.toBe('0');
      // The keys file is root's; the copy is the account's, and nobody else's.
      expect(
        await sh(
          b!.host,
          `stat -c '%U %a' /etc/ssh/hostdeck-offsite/${user}.keys /var/backups/hostdeck-offsite/${user} /var/backups/hostdeck-offsite/${user}/repo`,
        ),
      ).toBe(`root 644\nroot 755\n${user} 700`);

      // In use: neither server can be removed while the copy is set up.
      for (const s of [a!, b!]) {
        expect(await app.fail('servers.remove', { id: s.serverId })).toMatchObject({
          code: 'CONFLICT',
          message: expect.stringMatching(/offsite/),
        });
      }

      // Changed, backed up again: only the new snapshots travel.
      await sh(a!.host, `runuser -u t-acme -- sh -c 'echo cover-two > ${UPLOAD}'`);
      await sh(
        a!.host,
        `mariadb hd_blog -e "UPDATE wp_options SET option_value = 'Tagline two' WHERE option_name = 'blogdescription'"`,
      );
      await done(app, app.call('backups.run', { siteId: blog.id }));
      const copied = await done(app, app.call('backups.copy', { serverId: a!.serverId }));
      expect((await app.call('jobs.get', { id: copied.id })).steps.at(-1)).toMatchObject({
        name: 'offsite copy',
        detail: expect.stringMatching(/^2 new snapshot\(s\) to /),
      });

      // A new site on the second server, restored from the first one's copy: the first run's state.
      const press = await newSite(app, b!.serverId, 'beta', {
        slug: 'press',
        domain: 'press.beta.test',
        type: 'wordpress',
        title: 'Beta Press',
        adminEmail: 'admin@beta.test',
      });
      const here = await app.call('backups.list', { siteId: press.id });
      expect(here.elsewhere).toEqual([
        { serverId: a!.serverId, serverName: expect.any(String), sites: ['blog'] },
      ]);
      const theirs = await app.call('backups.list', {
        siteId: press.id,
        fromServerId: a!.serverId,
        fromSlug: 'blog',
      });
      expect(theirs.of).toBe('blog');
      expect(theirs.runs).toHaveLength(2);
      const first = theirs.runs.at(-1)!;
      expect(
        await app.fail('backups.restore', {
          siteId: press.id,
          fromServerId: a!.serverId,
          files: first.files!,
        }),
      ).toMatchObject({ code: 'VALIDATION', field: 'fromSlug' });
      await done(
        app,
        app.call('backups.restore', {
          siteId: press.id,
          fromServerId: a!.serverId,
          fromSlug: 'blog',
          handOver: true,
          database: first.database!,
          files: first.files!,
        }),
      );
      const home = await get(b!.host, 'press.beta.test');
      expect(home.status).toBe(200);
      expect(home.body).toMatch(/<title>[^<]*Acme Journal/);
      expect(home.body).toContain('Tagline one');
      const restored = '/srv/tenants/beta/press/shared/uploads/2026/cover.txt';
      expect(await sh(b!.host, `cat ${restored}; stat -c %U ${restored}`)).toBe('cover-one\nt-beta');
      // restic reads the copy as its account, never as root: a file of the copy only root can read
      // is one it cannot (root would have read it).
      const repo = `/var/backups/hostdeck-offsite/${user}/repo`;
      await sh(
        b!.host,
        `f=$(ls ${repo}/snapshots | head -n 1); chown root:root ${repo}/snapshots/$f; chmod 600 ${repo}/snapshots/$f`,
      );
      const seen = await app
        .call('backups.list', { siteId: press.id, fromServerId: a!.serverId, fromSlug: 'blog' })
        .then((l) => l.runs.flatMap((r) => [r.database, r.files]).filter(Boolean).length)
        .catch(() => -1);
      expect(seen).not.toBe(4);

      // Stopped: the first server no longer copies, the second no longer lets it in; the copy stays.
      await done(app, app.call('backups.offsite', { serverId: a!.serverId, targetServerId: null }));
      expect((await app.call('backups.list', { siteId: blog.id })).offsite).toBeNull();
      expect(
        (
          await a!.host.exec(
            `${SSH.replace(/-o UserKnownHostsFile=\S+/, '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null')} ${target} true`,
          )
        ).stderr,
      ).toMatch(/Permission denied/);
      expect(
        await sh(b!.host, `test -f /var/backups/hostdeck-offsite/${user}/repo/config && echo kept`),
      ).toBe('kept');
      expect(await sh(b!.host, `getent shadow ${user} | cut -d: -f8`)).toBe('1'); // locked, too
      const actions = (await app.call('audit.list', {})).map((x) => x.action);
      expect(actions).toEqual(expect.arrayContaining(['backup.offsite', 'backup.copy', 'backup.restore']));
    }));
});
