// The alert rules over samples, on a real SQLite file and a clock the test moves: a `for` before
// firing, hysteresis before clearing, one notification per server per round, repeats, recoveries,
// silences, and a disk forecast from the mount's history.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MonitorLatest } from '../../src-main/api/contract';
import { openDatabase } from '../../src-main/infra/store/database';
import type { Database } from '../../src-main/infra/store/database';
import { backupOverdue } from '../../src-main/monitor';
import { AlertEngine } from '../../src-main/monitor/alerts';
import { MonitorStore } from '../../src-main/monitor/store';
import type { Notice } from '../../src-main/monitor/alerts';

const GB = 1024 ** 3;

function sample(
  o: {
    used?: number;
    mem?: number;
    failed?: string[];
    shop?: string;
    caddy?: 'up' | 'down';
    backup?: MonitorLatest['backup'];
    jobs?: MonitorLatest['jobs'];
  } = {},
): MonitorLatest {
  const used = o.used ?? 0.5;
  return {
    serverId: 's1',
    at: new Date(clock).toISOString(),
    uptimeSeconds: 1000,
    cpu: 0.1,
    load: [0.1, 0.1, 0.1],
    memory: { totalBytes: 4 * GB, availableBytes: 4 * GB * (1 - (o.mem ?? 0.3)) },
    swap: { totalBytes: 0, freeBytes: 0 },
    mounts: [
      {
        mount: '/',
        totalBytes: 10 * GB,
        usedBytes: 10 * GB * used,
        availableBytes: 10 * GB * (1 - used),
        inodesTotal: 1000,
        inodesUsed: 10,
      },
    ],
    rx: 0,
    tx: 0,
    systemd: true,
    failedUnits: o.failed ?? [],
    sites: [
      {
        slug: 'shop',
        state: o.shop ?? 'active',
        sub: o.shop === 'failed' ? 'failed' : 'running',
        memBytes: 1,
        cpu: 0,
      },
    ],
    services: { caddy: o.caddy ?? 'up', mariadb: 'up' },
    backup: o.backup ?? null,
    jobs: o.jobs ?? null,
  };
}

let clock = Date.UTC(2026, 5, 1, 12);
let dir: string;
let db: Database;
let notices: Notice[];
let store: MonitorStore;
let engine: AlertEngine;

beforeEach(() => {
  clock = Date.UTC(2026, 5, 1, 12);
  dir = mkdtempSync(join(tmpdir(), 'hostdeck-alerts-'));
  db = openDatabase(join(dir, 'hostdeck.sqlite'));
  notices = [];
  store = new MonitorStore(db);
  engine = new AlertEngine({
    db,
    serverName: () => 'web-1',
    expectedSites: () => ['shop'],
    mountTrend: (serverId, mount, since) => store.mountTrend(serverId, mount, since),
    backupOverdue,
    notify: (n) => notices.push(n),
    onChange: () => undefined,
    now: () => clock,
  });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Samples every 15 s for `seconds`. */
function run(seconds: number, o: Parameters<typeof sample>[0]) {
  for (let t = 0; t < seconds; t += 15) {
    engine.sampled('s1', sample(o));
    clock += 15_000;
  }
}

describe('alert rules', () => {
  it('fires a full disk only after it stayed full for its `for`, once, and clears below the lower mark with a recovery', () => {
    run(60, { used: 0.95 }); // a minute: not yet (the default `for` is 5 minutes)
    expect(notices).toHaveLength(0);
    run(120, { used: 0.5 }); // it went away: the wait starts again
    run(240, { used: 0.95 });
    expect(notices).toHaveLength(0);
    run(90, { used: 0.95 });
    expect(notices).toEqual([
      { serverId: 's1', siteSlug: null, title: 'web-1: alert', body: '/ is 95% full (512 MB free).' },
    ]);
    const [firing] = engine.list({ serverId: 's1', active: true, limit: 10 });
    expect(firing).toMatchObject({ rule: 'disk', key: '/', resolvedAt: null });
    // Between the marks (87%): still firing, nothing new told.
    run(300, { used: 0.87 });
    expect(notices).toHaveLength(1);
    run(15, { used: 0.8 });
    expect(notices[1]).toMatchObject({
      title: 'web-1: recovered',
      body: 'Recovered: / is 80% full (2.0 GB free).',
    });
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })).toHaveLength(0);
    expect(engine.list({ serverId: 's1', limit: 10 })[0]!.resolvedAt).not.toBeNull();
  });

  it('tells several alerts of one round as one notification, and a firing alert again after the repeat interval', () => {
    run(120, { failed: ['nginx.service'], shop: 'failed', caddy: 'down' });
    expect(notices).toHaveLength(1);
    expect(notices[0]!.title).toBe('web-1: 3 alerts');
    expect(notices[0]!.body.split('\n').sort()).toEqual([
      'Caddy is not running.',
      'The site shop is not running (its unit is failed, failed).',
      'nginx.service has failed.',
    ]);
    run(4 * 3600, { failed: ['nginx.service'], shop: 'failed', caddy: 'down' });
    expect(notices).toHaveLength(2);
    expect(notices[1]!.body).toContain('Still: nginx.service has failed.');
    // The unit is no longer listed as failed: its alert clears; the others stay.
    run(15, { shop: 'failed', caddy: 'down' });
    expect(notices[2]).toMatchObject({
      title: 'web-1: recovered',
      body: 'Recovered: nginx.service has failed.',
    });
    expect(
      engine
        .list({ serverId: 's1', active: true, limit: 10 })
        .map((a) => a.rule)
        .sort(),
    ).toEqual(['service-down', 'site-down']);
  });

  it('keeps alerts while silenced without telling them, and judges reachability from failed samples', () => {
    engine.silence('s1', clock + 3_600_000, 'kernel upgrade');
    run(120, { caddy: 'down' });
    expect(notices).toHaveLength(0);
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })[0]).toMatchObject({
      rule: 'service-down',
      silenced: true,
    });
    clock += 3_600_000;
    for (let i = 0; i < 10; i++) {
      engine.failed('s1', 'connect ETIMEDOUT');
      clock += 15_000;
    }
    // What was kept quiet is told once the silence is over; then the server stops answering.
    expect(notices).toEqual([
      expect.objectContaining({ body: 'Still: Caddy is not running.' }),
      expect.objectContaining({ body: 'Hostdeck cannot sample the server: connect ETIMEDOUT' }),
    ]);
    // Reachability alone was judged: the Caddy alert from before is still firing.
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })).toHaveLength(2);
    run(15, {});
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })).toHaveLength(0);
  });

  it('tells what it kept quiet once the silence is over, and counts a site whose unit is not even loaded as down', () => {
    engine.silence('s1', clock + 120_000, 'maintenance');
    const gone = { ...sample(), sites: [] };
    for (let t = 0; t < 90; t += 15) {
      engine.sampled('s1', { ...gone, at: new Date(clock).toISOString() });
      clock += 15_000;
    }
    expect(notices).toHaveLength(0);
    clock += 60_000; // the silence ends
    engine.sampled('s1', { ...gone, at: new Date(clock).toISOString() });
    expect(notices).toEqual([
      expect.objectContaining({ body: 'Still: The site shop is not running (its unit is not loaded).' }),
    ]);
    engine.sampled('s1', { ...gone, at: new Date(clock).toISOString() });
    expect(notices).toHaveLength(1);
  });

  it('forecasts a disk that fills within a day from the last hours, and follows the rules changed per server', () => {
    engine.setRule('s1', { rule: 'disk-forecast', enabled: true, threshold: 24, clearAt: 48, forSeconds: 0 });
    // The store holds 6 hours of the mount losing 0.25 GB an hour, with 3 GB free now: 12 h left.
    for (let t = clock - 6 * 3_600_000; t <= clock; t += 60_000) {
      const mount = {
        mount: '/',
        at: t,
        used: 0.7,
        availableBytes: 3 * GB + ((clock - t) / 3_600_000) * 0.25 * GB,
        inodes: null,
      };
      const point = {
        at: t,
        cpu: 0,
        load1: 0,
        mem: 0.3,
        swap: null,
        disk: 0.7,
        inodes: 0,
        rx: 0,
        tx: 0,
        failed: 0,
      };
      store.add('s1', point, [], [mount], sample());
    }
    run(15, { used: 0.7 });
    expect(notices[0]!.body).toBe('/ fills up in about 12 h at the rate of the last hours (3.0 GB free).');
    engine.setRule('s1', { rule: 'memory', enabled: false, threshold: 0.9, clearAt: 0.85, forSeconds: 0 });
    run(60, { used: 0.7, mem: 0.99 });
    expect(engine.list({ serverId: 's1', limit: 10 }).map((a) => a.rule)).toEqual(['disk-forecast']);
    expect(engine.rules('s1').find((r) => r.rule === 'memory')).toMatchObject({ enabled: false });
    engine.forget('s1');
    expect(engine.list({ limit: 10 })).toHaveLength(0);
    expect(engine.rules('s1').find((r) => r.rule === 'memory')).toMatchObject({ enabled: true });
  });

  it("is a dead man's switch for backups: a site the host's schedule should have backed up and did not", () => {
    const since = iso(clock - 2 * 24 * 3_600_000);
    const backup = (lastRun: string | null): MonitorLatest['backup'] => ({
      enabled: true,
      schedule: 'daily',
      since,
      sites: lastRun
        ? [{ slug: 'shop', schedule: null, since: null, lastRun, failure: null, drill: null }]
        : [],
      check: null,
      copy: null,
      staleLocks: 0,
    });
    run(15, { backup: backup(null) });
    expect(notices[0]!.body).toBe(
      `shop: No backup yet, although the host's schedule (daily) has been on since ${since}.`,
    );
    run(15, { backup: backup(iso(clock - 40 * 3_600_000)) }); // the last one 40 h ago: still late
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })).toHaveLength(1);
    run(15, { backup: backup(iso(clock - 3_600_000)) });
    expect(notices.at(-1)).toMatchObject({ title: 'web-1: recovered' });
    // Not set up on the host (or not readable there): nothing is expected, nothing fires.
    run(15, { backup: null });
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })).toHaveLength(0);
  });
  it('tells a failed backup run, drill, check, offsite copy and a stale lock at once, and clears each when it is gone', () => {
    const at = '2026-06-01T04:00:00Z';
    const backup = (o: {
      failure?: boolean;
      drill?: boolean;
      check?: boolean;
      copy?: boolean;
      locks?: number;
    }): MonitorLatest['backup'] => ({
      enabled: true,
      schedule: 'daily',
      since: null,
      sites: [
        {
          slug: 'shop',
          schedule: null,
          since: null,
          lastRun: iso(clock - 3_600_000),
          failure: o.failure ? { at, reason: 'mariadb-dump failed (exit 2)' } : null,
          drill: {
            at,
            ok: !o.drill,
            detail: o.drill ? 'run R: the home page answered 500' : 'run R restorable',
          },
        },
        // a site this server no longer has (deleted): its record is not alerted
        {
          slug: 'gone',
          schedule: null,
          since: null,
          lastRun: null,
          failure: { at, reason: 'x' },
          drill: null,
        },
      ],
      check: { at, ok: !o.check, detail: o.check ? 'pack 1a2b is damaged' : 'structure and indexes' },
      copy: o.copy ? { at, ok: false, detail: 'to web-2: connection refused' } : null,
      staleLocks: o.locks ?? 0,
    });
    run(15, { backup: backup({ failure: true, drill: true, check: true, copy: true, locks: 1 }) });
    expect(notices).toHaveLength(1);
    expect(notices[0]!.title).toBe('web-1: 5 alerts');
    expect(notices[0]!.body.split('\n')).toEqual([
      `shop: the backup of ${at} failed: mariadb-dump failed (exit 2)`,
      `shop: the restore drill of ${at} failed: run R: the home page answered 500`,
      `The check of the backup repository (${at}) failed: pack 1a2b is damaged`,
      `The offsite copy of ${at} failed: to web-2: connection refused`,
      'The backup repository has 1 lock(s) no process has renewed for 30 minutes: the next run removes them if their process is gone; if one hangs, stop it on the host.',
    ]);
    expect(
      engine
        .list({ serverId: 's1', active: true, limit: 10 })
        .map((a) => [a.rule, a.key])
        .sort(),
    ).toEqual([
      ['backup-failed', 'check'],
      ['backup-failed', 'copy'],
      ['backup-failed', 'locks'],
      ['backup-failed', 'shop:drill'],
      ['backup-failed', 'shop:run'],
    ]);
    // The next good run clears its failure; the rest still fire.
    run(15, { backup: backup({ drill: true, check: true, copy: true, locks: 1 }) });
    expect(notices.at(-1)).toMatchObject({
      title: 'web-1: recovered',
      siteSlug: 'shop',
      body: `Recovered: shop: the backup of ${at} failed: mariadb-dump failed (exit 2)`,
    });
    run(15, { backup: backup({}) });
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })).toEqual([]);
    // Switched off for this server: a failure is not told.
    engine.setRule('s1', { rule: 'backup-failed', enabled: false, threshold: 1, clearAt: 1, forSeconds: 0 });
    const before = notices.length;
    run(15, { backup: backup({ failure: true }) });
    expect(notices).toHaveLength(before);
  });
  it("tells a scheduled job whose last run failed, opens its site on a click, and clears it at the job's next good run", () => {
    const at = '2026-06-01T11:59:00.000Z';
    const jobs = (ok: boolean, result = 'exit-code'): MonitorLatest['jobs'] => [
      { site: 'shop', job: 'report', at, ok, result: ok ? 'success' : result, exitStatus: ok ? '0' : '3' },
      // a job of a site this server does not have: not this server's concern
      { site: 'gone', job: 'x', at, ok: false, result: 'exit-code', exitStatus: '1' },
    ];
    run(15, { jobs: jobs(false) });
    expect(notices).toEqual([
      {
        serverId: 's1',
        siteSlug: 'shop',
        title: 'web-1: alert',
        body: `shop: the scheduled job report failed at ${at} (exit status 3).`,
      },
    ]);
    run(15, { jobs: jobs(false, 'timeout') });
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })[0]!.summary).toBe(
      `shop: the scheduled job report failed at ${at} (it was stopped at its timeout).`,
    );
    run(15, { jobs: jobs(true) });
    expect(notices.at(-1)).toMatchObject({ title: 'web-1: recovered', siteSlug: 'shop' });
    expect(engine.list({ serverId: 's1', active: true, limit: 10 })).toEqual([]);
  });
});
