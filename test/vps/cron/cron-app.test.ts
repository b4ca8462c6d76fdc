// Scheduled jobs through the app on a real host: a job added with cron.set runs on its schedule as
// the site's tenant and its runs (result, exit status, output) come back in cron.list; a failed run
// is the job's problem in words; a bad expression is refused by the host's systemd with the field
// named; run now, pause and remove work as jobs; deleting the site takes its jobs along.
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertNotice } from '../../../src-main/monitor';
import { stopAll } from '../harness/index.js';
import { sh } from '../provision/hostdeck-scripts.js';
import { done, newSite, withAppOnHost } from '../sites/app-helpers.js';

afterAll(stopAll);

describe('scheduled jobs in the app', () => {
  const told: AlertNotice[] = [];
  it('adds a job that runs on its schedule, lists its runs with their output and problem, runs it now, pauses and removes it', () =>
    withAppOnHost(
      async (app, host, serverId) => {
        const site = await newSite(app, serverId, 'acme', { slug: 'shop', domain: 'shop.acme.test' });

        // The app's own check (characters), then the host's systemd (meaning), field named.
        await expect(app.call('cron.preview', { serverId, schedule: 'daily; reboot' })).rejects.toThrow(
          /"code":"VALIDATION","field":"schedule"/,
        );
        await expect(app.call('cron.preview', { serverId, schedule: 'every day' })).rejects.toThrow(
          /"code":"VALIDATION","field":"schedule","message":"refused: systemd does not read 'every day' as a calendar expression/,
        );
        const preview = await app.call('cron.preview', { serverId, schedule: '*-*-* 04:00' });
        expect(preview.normalized).toBe('*-*-* 04:00:00');
        expect(preview.next).toHaveLength(5);
        expect(preview.next[0]).toMatch(/ 04:00:00 UTC$/);

        const asked = Date.now();
        await done(
          app,
          app.call('cron.set', {
            siteId: site.id,
            name: 'report',
            schedule: '*:*:0/5',
            command: 'echo "report by $(id -un)"; exit 4',
          }),
        );
        const failing = await until(async () => {
          const { jobs } = await app.call('cron.list', { siteId: site.id });
          return jobs[0]?.runs.find((r) => r.ok !== null) ? jobs[0] : null;
        });
        const delay = Date.parse(failing.runs.at(-1)!.startedAt!) - asked;
        expect(failing).toMatchObject({
          name: 'report',
          schedule: '*:*:0/5',
          command: 'echo "report by $(id -un)"; exit 4',
          paused: false,
          problem: expect.stringMatching(/^The last run \(.+\) exited with status 4\.$/),
        });
        expect(failing.runs[0]).toMatchObject({
          ok: false,
          result: 'exit-code',
          exitStatus: '4',
          output: 'report by t-acme\n',
        });
        expect(Date.parse(failing.nextAt!)).toBeGreaterThan(asked);
        console.log(`first run started ${delay} ms after cron.set was asked (schedule every 5 s)`);
        // The failed run is a monitoring alert (a desktop notification in the app) at the next sample.
        await app.call('monitor.sample', { serverId });
        expect(told).toEqual([
          expect.objectContaining({
            title: `${host.name}: alert`,
            siteId: site.id,
            body: expect.stringMatching(/^shop: the scheduled job report failed at \S+ \(exit status 4\)\.$/),
          }),
        ]);

        // Fixed, paused, then run by hand: one good run, and the problem is gone.
        await done(
          app,
          app.call('cron.set', { siteId: site.id, name: 'report', schedule: 'yearly', command: 'echo fine' }),
        );
        await done(app, app.call('cron.pause', { siteId: site.id, name: 'report' }));
        await done(app, app.call('cron.run', { siteId: site.id, name: 'report' }));
        const fine = await until(async () => {
          const { jobs } = await app.call('cron.list', { siteId: site.id });
          return jobs[0]?.runs[0]?.output === 'fine\n' ? jobs[0] : null;
        });
        expect(fine).toMatchObject({ paused: true, problem: null });
        expect(fine.runs[0]).toMatchObject({ ok: true, result: 'success' });
        await app.call('monitor.sample', { serverId });
        expect(told.at(-1)).toMatchObject({ title: `${host.name}: recovered`, siteId: site.id });

        // Audited like every change.
        const audit = await app.call('audit.list', { limit: 20 });
        expect(audit.map((e) => e.action)).toEqual(
          expect.arrayContaining(['cron.set', 'cron.pause', 'cron.run']),
        );

        await done(app, app.call('cron.remove', { siteId: site.id, name: 'report' }));
        expect((await app.call('cron.list', { siteId: site.id })).jobs).toEqual([]);
        await done(
          app,
          app.call('cron.set', { siteId: site.id, name: 'nightly', schedule: 'daily', command: 'true' }),
        );
        await done(app, app.call('sites.delete', { siteId: site.id, backup: false }));
        expect(await sh(host, 'ls /etc/systemd/system | grep -c hostdeck-job- || true')).toBe('0');
      },
      { notify: (n) => told.push(n) },
    ));
});

async function until<T>(fn: () => Promise<T | null>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 500));
  }
}
