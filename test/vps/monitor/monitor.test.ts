// Agentless monitoring of a real Debian 12 host: the app samples it by itself over the pooled SSH
// connection, and what changes on the host (a stopped site, a failed unit, a full disk) is in the
// next sample, in the local store and in its series.
import { afterAll, describe, expect, it } from 'vitest';
import type { MonitorSampled } from '../../../src-main/api/contract';
import type { AlertNotice } from '../../../src-main/monitor';
import { stopAll } from '../harness/index.js';
import { addTrustedServer } from '../../support/trusted-server.js';
import { sh } from '../provision/hostdeck-scripts.js';
import { done, newSite, withAppOnHost } from '../sites/app-helpers.js';

afterAll(stopAll);

/** A lock of a restic killed (-9) while it held the repository, its file an hour old. */
const STALE_LOCK = `restic --repo /var/backups/hostdeck/restic --password-file /etc/hostdeck/backup/restic.pass --cache-dir /var/cache/hostdeck/restic backup -q --stdin --stdin-filename held < <(sleep 60) & pid=$!
  for i in $(seq 50); do [ -n "$(ls /var/backups/hostdeck/restic/locks)" ] && break; sleep 0.2; done
  kill -9 $(pgrep -x restic); wait $pid 2>/dev/null || true
  touch -d '1 hour ago' /var/backups/hostdeck/restic/locks/*`;

describe('monitoring', () => {
  const notices: AlertNotice[] = [];
  it('samples a host by itself; a stopped site, a failed unit and a full disk are in the next sample, its series and one alert notice; they recover', () =>
    withAppOnHost(
      async (app, host, serverId) => {
        await newSite(app, serverId, 'acme', { slug: 'shop', domain: 'shop.acme.test' });
        const sampled: MonitorSampled[] = [];
        app.hd.events.listen((name, payload) => {
          if (name === 'monitor.sampled') sampled.push(payload as MonitorSampled);
        });
        // By itself, on its interval (1 s here, 15 s in the app): two samples give rates.
        await until(() => sampled.filter((s) => s.serverId === serverId && !s.error).length >= 2);
        const { latest } = await app.call('monitor.latest', { serverId });
        expect(latest).toMatchObject({
          systemd: true,
          services: { caddy: 'up', mariadb: 'up' },
          failedUnits: [],
          sites: [{ slug: 'shop', state: 'active', sub: 'running' }],
        });
        expect(latest!.cpu).toBeGreaterThanOrEqual(0);
        expect(latest!.rx).toBeGreaterThanOrEqual(0);
        // The site's memory is systemd's accounting of its unit, as systemd reports it (these nspawn
        // hosts have no memory controller of their own, so systemd says "[not set]" here).
        const accounted = await sh(host, 'systemctl show -p MemoryCurrent --value hostdeck-php@shop.service');
        expect(latest!.sites[0]!.memBytes).toBe(/^\d+$/.test(accounted) ? Number(accounted) : null);
        expect(latest!.mounts.map((m) => m.mount)).toContain('/');
        expect(latest!.memory.totalBytes).toBeGreaterThan(latest!.memory.availableBytes);
        const [status] = await app.call('monitor.status', {});
        expect(status).toMatchObject({ serverId, lastError: null, intervalSeconds: 1 });
        // From here on the test samples by hand, so each change is judged in one known sample; the
        // rules fire at once (their default `for` is minutes, which unit tests cover).
        app.hd.monitor.service.stop();
        await app.call('monitor.sample', { serverId }); // (one of the timer's may still be on its way)
        for (const rule of ['disk', 'site-down', 'failed-unit'] as const) {
          const r = (await app.call('monitor.rules', { serverId })).find((x) => x.rule === rule)!;
          await app.call('monitor.setRule', { serverId, ...r, forSeconds: 0 });
        }

        // On the host: the site stops, a unit fails, a small disk fills up.
        await sh(
          host,
          'systemctl stop hostdeck-php@shop.service; systemd-run --quiet --unit=hd-broken false; mkdir -p /mnt/fill && mount -t tmpfs -o size=8m tmpfs /mnt/fill',
        );
        await host.exec('head -c 9M /dev/zero > /mnt/fill/big');
        await new Promise((r) => setTimeout(r, 500));
        const after = await app.call('monitor.sample', { serverId });
        expect(after.sites).toEqual([expect.objectContaining({ slug: 'shop', state: 'inactive' })]);
        expect(after.failedUnits).toEqual(['hd-broken.service']);
        expect(after.mounts.find((m) => m.mount === '/mnt/fill')).toMatchObject({
          totalBytes: 8 * 1024 * 1024,
          availableBytes: 0,
        });

        const now = Date.now();
        const series = await app.call('monitor.series', {
          serverId,
          from: now - 10 * 60_000,
          to: now + 1000,
        });
        expect(series.step).toBe('raw');
        expect(series.at.length).toBeGreaterThanOrEqual(3);
        expect(series.values['disk']!.at(-1)).toBe(1);
        expect(series.values['failed']!.at(-1)).toBe(1);
        expect(series.values['failed']).toContain(0);
        const site = await app.call('monitor.siteSeries', {
          serverId,
          site: 'shop',
          from: now - 10 * 60_000,
          to: now + 1000,
        });
        // (the timer sampled while the site was still being made, too: its first points may be 0)
        expect(site.values['up']!.slice(0, -1)).toContain(1);
        expect(site.values['up']!.at(-1)).toBe(0);

        // The three are alerts, told in one notification that opens the server.
        expect(notices).toHaveLength(1);
        expect(notices[0]).toMatchObject({ serverId, siteId: null, title: `${host.name}: 3 alerts` });
        expect(notices[0]!.body.split('\n').sort()).toEqual([
          '/mnt/fill is 100% full (0 MB free).',
          'The site shop is not running (its unit is inactive, dead).',
          'hd-broken.service has failed.',
        ]);
        const firing = await app.call('monitor.alerts', { serverId, active: true });
        expect(firing.map((a) => `${a.rule} ${a.key}`).sort()).toEqual([
          'disk /mnt/fill',
          'failed-unit hd-broken.service',
          'site-down shop',
        ]);
        // What Hostdeck changed there shortly before is shown with each alert (the site's creation).
        expect(firing[0]!.changesBefore.map((c) => c.action)).toContain('site.create');
        // Sampled again unchanged: nothing more is told.
        await app.call('monitor.sample', { serverId });
        expect(notices).toHaveLength(1);

        // Put right on the host: one recovery notice for the three.
        await sh(
          host,
          'rm /mnt/fill/big; systemctl start hostdeck-php@shop.service; systemctl reset-failed hd-broken.service',
        );
        await app.call('monitor.sample', { serverId });
        expect(notices[1]).toMatchObject({ title: `${host.name}: 3 recovered` });
        expect(await app.call('monitor.alerts', { serverId, active: true })).toEqual([]);

        // A unit that crash-loops ends failed once systemd gives up on it: an alert, for the site's
        // own page when it is the site (here a helper unit, so the server's).
        await sh(
          host,
          'systemd-run --quiet --unit=hd-loop -p Restart=always -p RestartSec=100ms -p StartLimitBurst=3 -p StartLimitIntervalSec=60 false',
        );
        for (
          let i = 0;
          i < 50 && (await host.exec('systemctl is-failed --quiet hd-loop.service')).code !== 0;
          i++
        )
          await new Promise((r) => setTimeout(r, 200));
        await app.call('monitor.sample', { serverId });
        expect(notices[2]).toMatchObject({ body: 'hd-loop.service has failed.' });

        // SSH goes away (sshd stopped and its sessions ended in 1 s, started again in 20 s, by timers,
        // since the harness talks SSH too): the sample fails, and that is an alert of its own.
        const unreachable = (await app.call('monitor.rules', { serverId })).find(
          (x) => x.rule === 'unreachable',
        )!;
        await app.call('monitor.setRule', { serverId, ...unreachable, forSeconds: 0 });
        const timer = (unit: string, seconds: number, cmd: string) =>
          `systemd-run --quiet --unit=${unit} --on-active=${seconds} --timer-property=AccuracySec=100ms sh -c '${cmd}'`;
        await sh(
          host,
          `${timer('hd-ssh-off', 1, 'systemctl stop ssh.service; pkill -x sshd')} && ${timer('hd-ssh-on', 20, 'systemctl start ssh.service')}`,
        );
        await new Promise((r) => setTimeout(r, 3000));
        const blocked = await app.hd.router.dispatch('monitor.sample', { serverId }, { actor: 'ui' });
        expect(blocked.ok).toBe(false);
        expect(notices[3]).toMatchObject({
          title: `${host.name}: alert`,
          body: expect.stringMatching(/^Hostdeck cannot sample the server: /),
        });
        // Back: the next sample recovers it.
        await new Promise((r) => setTimeout(r, 20_000));
        await app.call('monitor.sample', { serverId });
        expect(notices[4]).toMatchObject({ title: `${host.name}: recovered` });
      },
      { monitorIntervalMs: 1000, notify: (n) => notices.push(n) },
    ));

  it("is a dead man's switch for backups: a schedule that made no backup, a failed run and a stale lock are alerts, the next backup clears them", () => {
    const told: AlertNotice[] = [];
    return withAppOnHost(
      async (app, host, serverId) => {
        const site = await newSite(app, serverId, 'acme', { slug: 'shop', domain: 'shop.acme.test' });
        await done(app, app.call('backups.setup', { serverId }));
        await app.call('monitor.sample', { serverId });
        expect(await app.call('monitor.alerts', { serverId, active: true })).toEqual([]);
        // Two days pass without a run (the record's "since" moved back, as the clock would).
        await sh(
          host,
          `since=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ); sed -i "s/^schedule-since=.*/schedule-since=$since/" /var/lib/hostdeck/state/backup.state`,
        );
        const sampled = await app.call('monitor.sample', { serverId });
        expect(sampled.backup).toMatchObject({ enabled: true, schedule: 'daily' });
        expect(told).toEqual([
          expect.objectContaining({
            body: expect.stringMatching(
              /^shop: No backup yet, although the host's schedule \(daily\) has been on since /,
            ),
          }),
        ]);
        await done(app, app.call('backups.run', { siteId: site.id }));
        await app.call('monitor.sample', { serverId });
        expect(told[1]).toMatchObject({ title: `${host.name}: recovered` });

        // A run that fails (its dump cannot be made) is told at the next sample, as is a lock no
        // process renews; the next good run clears both.
        await sh(host, 'systemctl stop mariadb');
        const { jobId } = await app.call('backups.run', { siteId: site.id });
        expect((await app.hd.jobs.wait(jobId)).state).toBe('failed');
        await sh(host, 'systemctl start mariadb');
        await sh(host, STALE_LOCK);
        const failing = await app.call('monitor.sample', { serverId });
        expect(failing.backup).toMatchObject({
          staleLocks: 1,
          sites: [
            expect.objectContaining({
              slug: 'shop',
              failure: expect.objectContaining({ reason: expect.stringMatching(/mariadb-dump failed/) }),
            }),
          ],
        });
        expect(told[2]).toMatchObject({ title: `${host.name}: 2 alerts`, siteId: null });
        expect(told[2]!.body.split('\n')).toEqual([
          expect.stringMatching(/^shop: the backup of \S+ failed: mariadb-dump failed/),
          expect.stringMatching(
            /^The backup repository has 1 lock\(s\) no process has renewed for 30 minutes/,
          ),
        ]);
        expect(
          (await app.call('monitor.alerts', { serverId, active: true })).map((a) => a.key).sort(),
        ).toEqual(['locks', 'shop:run']);
        await done(app, app.call('backups.run', { siteId: site.id }));
        await app.call('monitor.sample', { serverId });
        expect(told[3]).toMatchObject({ title: `${host.name}: 2 recovered` });
        expect(await app.call('monitor.alerts', { serverId, active: true })).toEqual([]);
      },
      { notify: (n) => told.push(n) },
    );
  });
  it('reads the backup record through sudo -n for a login that is not root, at most every 5 minutes', () => {
    const told: AlertNotice[] = [];
    return withAppOnHost(
      async (app, host, serverId) => {
        await done(app, app.call('backups.setup', { serverId }));
        // An operator's own account with sudo (Debian's package), signed in with the same key.
        await sh(
          host,
          `(apt-get -q -o Acquire::Retries=4 update && DEBIAN_FRONTEND=noninteractive apt-get -q -o Acquire::Retries=4 install -y --no-install-recommends sudo) >/dev/null
           useradd -m -s /bin/bash ops && echo 'ops ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
           install -d -m 0700 -o ops -g ops /home/ops/.ssh && install -m 0600 -o ops -g ops /root/.ssh/authorized_keys /home/ops/.ssh/`,
          300_000,
        );
        const call = (n: string, i: unknown) => app.call(n as never, i as never);
        const ops = await addTrustedServer(call, {
          name: `${host.name}-ops`,
          host: host.address,
          port: 22,
          username: 'ops',
          privateKey: host.ssh.privateKey.toString('utf8'),
        });
        const sudoRuns = async () =>
          Number(
            await sh(host, "journalctl -q --no-pager _COMM=sudo | grep -c 'COMMAND=/usr/bin/sh -s' || true"),
          );
        const clean = await app.call('monitor.sample', { serverId: ops.serverId });
        expect(clean.backup).toMatchObject({ enabled: true, schedule: 'daily', staleLocks: 0 });
        expect(await sudoRuns()).toBe(1);
        // A lock left by a restic that was killed an hour ago: told for this login too.
        await sh(host, STALE_LOCK);
        const stale = await app.call('monitor.sample', { serverId: ops.serverId });
        expect(stale.backup).toMatchObject({ staleLocks: 1 });
        expect(told).toEqual([
          expect.objectContaining({
            title: `${host.name}-ops: alert`,
            body: expect.stringMatching(/^The backup repository has 1 lock\(s\) no process has renewed/),
          }),
        ]);
        // The app's own rounds (its interval's samples) do not ask for the record again within 5
        // minutes: the lock is still there, from the record read last.
        const before = (await app.call('monitor.status', {})).find((s) => s.serverId === ops.serverId)!;
        await new Promise((r) => setTimeout(r, 1100));
        await app.hd.monitor.service.sample(ops.serverId);
        const after = (await app.call('monitor.status', {})).find((s) => s.serverId === ops.serverId)!;
        expect(Date.parse(after.lastSampleAt!)).toBeGreaterThan(Date.parse(before.lastSampleAt!));
        expect((await app.call('monitor.latest', { serverId: ops.serverId })).latest?.backup).toMatchObject({
          staleLocks: 1,
        });
        expect(await sudoRuns()).toBe(2);
      },
      { notify: (n) => told.push(n) },
    );
  });
});

async function until(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
