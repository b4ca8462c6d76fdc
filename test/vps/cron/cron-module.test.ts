// The cron module on a real Debian 12 host with real sites: a job is a systemd timer and a oneshot
// service that runs as the site's tenant in its sandbox. Its runs (start, end, systemd's result, the
// exit code) reach the ledger and its output the journal; a run still going is not started twice; a
// run past its timeout is stopped; a bad calendar expression is refused by systemd's own parser;
// one tenant's job cannot touch another tenant's files; removing the site removes its jobs.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from '../provision/fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from '../provision/hostdeck-scripts.js';
import { createSite, ok, site } from '../sites/helpers.js';
import { sitesLayer } from '../sites/sites-layer.js';

const A = { site: 'shop', tenant: 'acme', domain: 'shop.acme.test', port: 8081 };
const B = { site: 'blog', tenant: 'beta', domain: 'blog.beta.test', port: 8082 };

let layer = '';
beforeAll(async () => {
  layer = await sitesLayer();
}, 900_000);

const cron = (h: Host, verb: string, args: string[] = [], input?: string) =>
  hostdeck(h, 'cron', verb, args, { input, timeoutMs: 120_000 });

interface Run {
  id: string;
  start: number | null;
  end: number | null;
  result: string;
  code: string;
  status: string;
  tail: string | null;
}
async function runs(h: Host, job: string, slug = A.site): Promise<Run[]> {
  const { status } = await ok(cron(h, 'status', ['--site', slug]));
  const out: Run[] = [];
  for (let i = 1; status[`${job}.run.${i}`]; i++) {
    const [id, start, end, result, code, st] = status[`${job}.run.${i}`]!.split(' ') as string[];
    const tail = status[`${job}.tail.${i}`];
    out.push({
      id: id!,
      start: start === '-' ? null : Number(start),
      end: end === '-' ? null : Number(end),
      result: result!,
      code: code!,
      status: st!,
      tail: tail === undefined ? null : Buffer.from(tail, 'base64').toString('utf8'),
    });
  }
  return out;
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('cron module', () => {
  it("runs a job on its schedule as the site's tenant, in its sandbox, into the ledger; never twice at once; stopped past its timeout", () =>
    withFreshHosts(
      1,
      async ([h]) => {
        const host = h!;
        await uploadScripts(host);
        await ok(createSite(host, A));
        await ok(createSite(host, B));
        await sh(host, `echo secret-of-beta > /srv/tenants/beta/blog/releases/initial/public/private.txt`);

        // Refused before anything is touched: systemd's parser has the last word on the schedule.
        const bad = await cron(
          host,
          'install',
          ['--site', A.site, '--job', 'tick', '--schedule', 'every day at noon', '--command-stdin'],
          'true\n',
        );
        expect(bad.code).toBe(2);
        expect(stepsIn(bad, 'failed').join('\n')).toMatch(
          /systemd does not read 'every day at noon' as a calendar expression/,
        );
        expect(await sh(host, 'ls /etc/systemd/system | grep -c hostdeck-job- || true')).toBe('0');

        // Every 3 seconds: who it runs as, where, and whether it can read another tenant's files
        // or write outside its own tree.
        const installed = await ok(
          cron(
            host,
            'install',
            ['--site', A.site, '--job', 'tick', '--schedule', '*:*:0/3', '--command-stdin'],
            'echo "as $(id -un) in $(pwd -P)"; cat /srv/tenants/beta/blog/current/public/private.txt || echo beta-refused; touch /etc/x 2>/dev/null || echo etc-refused; echo out > /srv/tenants/acme/shop/tmp/job.txt; exit 3\n',
          ),
        );
        expect(stepsIn(installed, 'changed').join('\n')).toMatch(/hostdeck-job-shop--tick.timer/);
        const first = await until('a finished run', async () =>
          (await runs(host, 'tick')).find((r) => r.end !== null),
        );
        expect(first).toMatchObject({ result: 'exit-code', code: 'exited', status: '3' });
        expect(first.end! - first.start!).toBeLessThan(10_000);
        expect(first.tail).toMatch(/^as t-acme in \/srv\/tenants\/acme\/shop\/releases\/initial$/m);
        expect(first.tail).toContain('beta-refused');
        expect(first.tail).not.toContain('secret-of-beta');
        expect(first.tail).toContain('etc-refused');
        expect(await sh(host, 'stat -c %U /srv/tenants/acme/shop/tmp/job.txt')).toBe('t-acme');
        const st = (await ok(cron(host, 'status', ['--site', A.site]))).status;
        expect(st).toMatchObject({
          jobs: 'tick',
          'tick.schedule': '*:*:0/3',
          'tick.paused': 'no',
          'tick.timer': 'active',
        });
        expect(Number(st['tick.next']) * 1000).toBeGreaterThan(Date.now() - 5_000);

        // A run that takes longer than the schedule's period is not started again meanwhile
        // (forbid), and one past its timeout is stopped with its cgroup and reported.
        await ok(
          cron(
            host,
            'install',
            ['--site', A.site, '--job', 'tick', '--schedule', '*:*:0/2', '--timeout', '5', '--command-stdin'],
            'sleep 30 & sleep 30\n',
          ),
        );
        const before = (await runs(host, 'tick')).length;
        const stopped = await until(
          'a run stopped at its timeout',
          async () =>
            (await runs(host, 'tick')).find((r, i, all) => i < all.length - before && r.result === 'timeout'),
          30_000,
        );
        expect(stopped.end! - stopped.start!).toBeGreaterThanOrEqual(5_000);
        expect(stopped.end! - stopped.start!).toBeLessThan(9_000);
        // The stopped run's background sleep went with it: at most the next run's two are there.
        expect(Number(await sh(host, 'pgrep -u t-acme -x sleep | wc -l'))).toBeLessThanOrEqual(2);
        const all = (await runs(host, 'tick')).slice(0, (await runs(host, 'tick')).length - before).reverse();
        for (let i = 1; i < all.length; i++) {
          if (all[i - 1]!.end !== null) expect(all[i]!.start!).toBeGreaterThanOrEqual(all[i - 1]!.end!);
        }

        // Paused: no run starts; resumed: runs again. Run now starts one at once.
        await ok(cron(host, 'disable', ['--site', A.site, '--job', 'tick']));
        await sh(host, 'systemctl stop hostdeck-job-shop--tick.service');
        const paused = (await runs(host, 'tick')).length;
        await new Promise((r) => setTimeout(r, 4_000));
        expect((await runs(host, 'tick')).length).toBe(paused);
        expect((await ok(cron(host, 'status', ['--site', A.site]))).status['tick.paused']).toBe('yes');
        await ok(
          cron(
            host,
            'install',
            ['--site', A.site, '--job', 'tick', '--schedule', 'yearly', '--command-stdin'],
            'echo now\n',
          ),
        );
        expect((await ok(cron(host, 'status', ['--site', A.site]))).status['tick.paused']).toBe('yes');
        await ok(cron(host, 'run', ['--site', A.site, '--job', 'tick']));
        const now = await until('the run asked for', async () => {
          const r = (await runs(host, 'tick'))[0];
          return r && r.end !== null && r.tail === 'now\n' ? r : null;
        });
        expect(now).toMatchObject({ result: 'success', code: 'exited', status: '0' });
        await ok(cron(host, 'enable', ['--site', A.site, '--job', 'tick']));
        expect(await sh(host, 'systemctl is-enabled hostdeck-job-shop--tick.timer')).toBe('enabled');
        // Guarded like the sites: no job runs without the site guard.
        expect(
          await sh(host, 'systemctl show -p Requires --value hostdeck-job-shop--tick.service'),
        ).toContain('hostdeck-site-guard.service');
        // The site unit's sandbox, as installed, and the site's php.ini.
        const props = await sh(
          host,
          'systemctl show -p ProtectSystem -p NoNewPrivileges -p CapabilityBoundingSet -p Environment hostdeck-job-shop--tick.service',
        );
        expect(props.split('\n').sort()).toEqual([
          'CapabilityBoundingSet=',
          'Environment=PATH=/usr/local/bin:/usr/bin:/bin PHP_INI_SCAN_DIR=:/etc/hostdeck/php/shop',
          'NoNewPrivileges=yes',
          'ProtectSystem=strict',
        ]);

        // A suspended site runs no job: its timers stop and run now is refused; resumed, they run.
        await ok(site(host, 'disable', ['--site', A.site]));
        expect(await sh(host, 'systemctl is-active hostdeck-job-shop--tick.timer || true')).toBe('inactive');
        const refused = await cron(host, 'run', ['--site', A.site, '--job', 'tick']);
        expect(refused.code).not.toBe(0);
        expect(stepsIn(refused, 'failed').join('\n')).toMatch(
          /site shop is suspended: resume the site to run its jobs/,
        );
        await ok(site(host, 'enable', ['--site', A.site]));
        expect(await sh(host, 'systemctl is-active hostdeck-job-shop--tick.timer')).toBe('active');

        // The preview: the next five times, in the host's time zone.
        const preview = (await ok(cron(host, 'preview', ['--schedule', 'Mon..Fri 02:30']))).status;
        expect(preview['normalized']).toBe('Mon..Fri *-*-* 02:30:00');
        expect(preview['next.5']).toMatch(/^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 02:30:00 UTC$/);
        expect(preview['timezone']).toBe('Etc/UTC');

        // A job removed goes with its units; the site removed takes its other jobs along.
        await ok(
          cron(
            host,
            'install',
            ['--site', A.site, '--job', 'other', '--schedule', 'daily', '--command-stdin'],
            'true\n',
          ),
        );
        await ok(cron(host, 'remove', ['--site', A.site, '--job', 'tick']));
        expect(await sh(host, 'ls /etc/systemd/system | grep hostdeck-job- || true')).toBe(
          'hostdeck-job-shop--other.service\nhostdeck-job-shop--other.timer',
        );
        await ok(site(host, 'remove', ['--site', A.site]));
        expect(
          await sh(
            host,
            'ls /etc/systemd/system /etc/hostdeck/jobs /var/lib/hostdeck/jobs | grep -c shop || true',
          ),
        ).toBe('0');
      },
      { layers: [layer] },
    ));
  it('a run missed while the host was down happens once it boots again (Persistent=)', () =>
    withFreshHosts(
      1,
      async ([h]) => {
        const host = h!;
        await uploadScripts(host);
        await ok(createSite(host, A));
        // Once a day, 20 seconds from now on the host's clock: the host is down then.
        const at = await sh(host, "date -u -d '+20 seconds' +'%H:%M:%S %s'");
        const [time, epoch] = at.split(' ') as [string, string];
        await ok(
          cron(
            host,
            'install',
            ['--site', A.site, '--job', 'nightly', '--schedule', `*-*-* ${time} UTC`, '--command-stdin'],
            'echo caught up\n',
          ),
        );
        await host.stop();
        await new Promise((r) => setTimeout(r, Math.max(0, Number(epoch) * 1000 - Date.now()) + 8_000));
        await host.start();
        const run = await until(
          'the missed run after the boot',
          async () => (await runs(host, 'nightly')).find((r) => r.end !== null),
          120_000,
        );
        expect(run).toMatchObject({ result: 'success', tail: 'caught up\n' });
        expect(run.start!).toBeGreaterThan(Number(epoch) * 1000);
        expect(await runs(host, 'nightly')).toHaveLength(1);
      },
      { layers: [layer] },
    ));
});
