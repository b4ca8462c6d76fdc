// The sample's parser and rates, and the store's rollups, retention and resolution choice, on a real
// SQLite file. (The sample command itself runs on real hosts in test/vps/monitor/.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/infra/store/database';
import type { Database } from '../../src-main/infra/store/database';
import { derive, latestOf, parseSample } from '../../src-main/monitor/sample';
import type { ServerPoint } from '../../src-main/monitor/sample';
import { MonitorStore } from '../../src-main/monitor/store';

/** What a Debian 12 host with two sites printed (trimmed to what the parser reads). */
const output = (o: {
  up: number;
  idle: number;
  busy: number;
  rx: number;
  shopUsec: number;
}) => `uptime ${o.up} 100
cpu ${o.busy} 0 0 ${o.idle} 0 0 0 0
load 0.50 0.40 0.30
mem MemTotal: 2000000
mem MemAvailable: 500000
mem SwapTotal: 1000000
mem SwapFree: 750000
disk 1000 600 400 /
disk 100 95 5 /srv/data with space
disk 50 1 49 /run/user/0
inodes 200 50 /
inodes 0 0 /srv/data with space
net lo: 999999 1 0 0 0 0 0 0 999999 1
net eth0:${o.rx} 10 0 0 0 0 0 0 ${o.rx / 2} 10 0 0 0 0 0 0
systemd
failed hostdeck-php@blog.service
failed weird;rm -rf /
site hostdeck-php@shop.service active running
site hostdeck-php@blog.service failed failed
site hostdeck-php@../x.service active running
svc caddy loaded active
svc mariadb not-found inactive
sitecg CPUUsageNSec=${o.shopUsec * 1000}
sitecg MemoryCurrent=52428800
sitecg Id=hostdeck-php@shop.service
sitecg .
sitecg MemoryCurrent=[not set]
sitecg CPUUsageNSec=18446744073709551615
sitecg Id=hostdeck-php@blog.service
record
backup wanted=enabled
backup schedule=daily
backup schedule-since=2026-11-30T10:00:00Z
backup schedule:blog=*-*-* 04:00:00
backup last-run:shop=20261201T040012Z-4242 abc def
backup last-run:bad=not a run
backup last-run:../x=20261201T040012Z-1 a b
backup last-failure:blog=2026-12-01T04:00:30Z mariadb-dump failed (exit 2): \u001b[31mGot error 1045
backup last-failure:bad=yesterday it failed
backup last-drill:shop=2026-12-01T05:00:00Z failed run 20261201T040012Z-4242: the table orders has 3 rows, the live one 5
backup last-check=2026-12-01T04:10:00Z ok structure and indexes
backup last-copy=2026-12-01T04:12:00Z failed to web-2: connection refused
backup stale-locks=2
cronrun shop--report end 0123456789abcdef0123456789abcdef 1796172762139 exit-code exited 3
cronrun shop--nightly end 0123456789abcdef0123456789abcdee 1796172762000 success exited 0
cronrun ../etc--x end 0123456789abcdef0123456789abcdef 1796172762139 exit-code exited 3
cronrun shop--bad start 0123456789abcdef0123456789abcdef 1796172762139
end
`;

describe('the sample', () => {
  it('reads shares, mounts, units and services, and leaves out what is not theirs', () => {
    const r = parseSample(output({ up: 100, idle: 900, busy: 100, rx: 1000, shopUsec: 1_000_000 }), 10_000);
    expect(r.mem).toEqual({
      total: 2_048_000_000,
      available: 512_000_000,
      swapTotal: 1_024_000_000,
      swapFree: 768_000_000,
    });
    expect(r.mounts.map((m) => m.mount)).toEqual(['/', '/srv/data with space']);
    expect(r.mounts[0]).toMatchObject({ inodesTotal: 200, inodesUsed: 50 });
    expect(r.mounts[1]).toMatchObject({ inodesTotal: null });
    expect([...r.net]).toEqual([['eth0', { rx: 1000, tx: 500 }]]);
    // A line that is not a unit name is not taken for one; a slug that is not a slug is no site.
    expect(r.failedUnits).toEqual(['hostdeck-php@blog.service']);
    expect(r.sites.map((s) => [s.slug, s.active, s.memBytes])).toEqual([
      ['shop', 'active', 52_428_800],
      ['blog', 'failed', null],
    ]);
    expect(r.services).toEqual({ caddy: 'up', mariadb: 'absent' });
    expect(r.backup).toEqual({
      enabled: true,
      schedule: 'daily',
      since: '2026-11-30T10:00:00Z',
      sites: [
        {
          slug: 'blog',
          schedule: '*-*-* 04:00:00',
          since: null,
          lastRun: null,
          // a control character the host sent is not passed on
          failure: {
            at: '2026-12-01T04:00:30Z',
            reason: 'mariadb-dump failed (exit 2):  [31mGot error 1045',
          },
          drill: null,
        },
        {
          slug: 'shop',
          schedule: null,
          since: null,
          lastRun: '2026-12-01T04:00:12Z',
          failure: null,
          drill: {
            at: '2026-12-01T05:00:00Z',
            ok: false,
            detail: 'run 20261201T040012Z-4242: the table orders has 3 rows, the live one 5',
          },
        },
        // a record that is not a time is not taken for one
        { slug: 'bad', schedule: null, since: null, lastRun: null, failure: null, drill: null },
      ],
      check: { at: '2026-12-01T04:10:00Z', ok: true, detail: 'structure and indexes' },
      copy: { at: '2026-12-01T04:12:00Z', ok: false, detail: 'to web-2: connection refused' },
      staleLocks: 2,
    });
    // Each job's last finished run; a name that is not a site's and job's, or a start, is not one.
    expect(r.recordRead).toBe(true);
    expect(r.jobs).toEqual([
      {
        site: 'shop',
        job: 'report',
        at: new Date(1796172762139).toISOString(),
        ok: false,
        result: 'exit-code',
        exitStatus: '3',
      },
      {
        site: 'shop',
        job: 'nightly',
        at: new Date(1796172762000).toISOString(),
        ok: true,
        result: 'success',
        exitStatus: '0',
      },
    ]);
  });

  it('refuses a sample that was cut off or is not from Linux', () => {
    const full = output({ up: 100, idle: 900, busy: 100, rx: 1000, shopUsec: 0 });
    expect(() => parseSample(full.replace('end\n', ''), 0)).toThrow(/cut off/);
    expect(() => parseSample('hello\nend\n', 0)).toThrow(/did not answer the sample as expected/);
  });

  it('works out rates against the reading before, and none across a reboot', () => {
    const a = parseSample(output({ up: 100, idle: 900, busy: 100, rx: 1000, shopUsec: 1_000_000 }), 10_000);
    const b = parseSample(
      output({ up: 115, idle: 1200, busy: 400, rx: 31_000, shopUsec: 4_000_000 }),
      25_000,
    );
    const first = derive(a, null).server;
    expect(first).toMatchObject({ cpu: null, rx: null, mem: 0.75, swap: 0.25, disk: 0.95, failed: 1 });
    const { server, sites } = derive(b, a);
    expect(server.cpu).toBeCloseTo(0.5); // 300 of 600 jiffies busy
    expect(server.rx).toBeCloseTo(2000); // 30 000 bytes in 15 s
    expect(server.tx).toBeCloseTo(1000);
    expect(server.inodes).toBeCloseTo(0.25);
    expect(sites.find((s) => s.slug === 'shop')).toMatchObject({ up: 1, memBytes: 52_428_800 });
    expect(sites.find((s) => s.slug === 'shop')!.cpu).toBeCloseTo(0.2); // 3 s of CPU in 15 s
    expect(sites.find((s) => s.slug === 'blog')).toMatchObject({ up: 0, cpu: null });
    const rebooted = parseSample(output({ up: 5, idle: 10, busy: 10, rx: 10, shopUsec: 10 }), 40_000);
    expect(derive(rebooted, b).server).toMatchObject({ cpu: null, rx: null, tx: null });
    const latest = latestOf('s1', b, server, sites);
    expect(latest).toMatchObject({
      serverId: 's1',
      at: new Date(25_000).toISOString(),
      failedUnits: ['hostdeck-php@blog.service'],
    });
  });
});

describe('the monitor store', () => {
  let dir: string;
  let db: Database;
  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = () => {
    dir = mkdtempSync(join(tmpdir(), 'hostdeck-monitor-'));
    db = openDatabase(join(dir, 'hostdeck.sqlite'));
    return new MonitorStore(db);
  };
  const point = (at: number, cpu: number): ServerPoint => ({
    at,
    cpu,
    load1: cpu * 4,
    mem: 0.5,
    swap: null,
    disk: 0.4,
    inodes: 0.1,
    rx: 100,
    tx: 50,
    failed: 0,
  });
  const latest = (at: number) =>
    latestOf(
      's1',
      parseSample(output({ up: 1, idle: 1, busy: 1, rx: 1, shopUsec: 1 }), at),
      point(at, 0),
      [],
    );
  const T0 = Date.UTC(2026, 0, 1);
  const MIN = 60_000;

  it('averages samples into minutes and minutes into hours, and reads the finest kept resolution', () => {
    const store = open();
    // Two hours of 15 s samples whose CPU is the minute's index (so each minute averages to it).
    for (let t = T0; t < T0 + 120 * MIN; t += 15_000) {
      store.add('s1', point(t, Math.floor((t - T0) / MIN) / 100), [], [], latest(t));
      store.maintain(t);
    }
    const now = T0 + 120 * MIN;
    store.maintain(now);
    const raw = store.series('s1', now - 30 * MIN, now, now);
    expect(raw.step).toBe('raw');
    expect(raw.at).toHaveLength(120);
    // A week back is beyond raw (24 h) and too many points for it: minutes.
    const week = store.series('s1', now - 7 * 24 * 60 * MIN + MIN, now, now);
    expect(week.step).toBe('minute');
    expect(week.at).toHaveLength(120);
    expect(week.values['cpu']![7]).toBeCloseTo(0.07);
    expect(week.values['swap']![7]).toBeNull();
    const quarter = store.series('s1', now - 80 * 24 * 60 * MIN, now, now);
    expect(quarter.step).toBe('hour');
    expect(quarter.values['cpu']).toHaveLength(2);
    expect(quarter.values['cpu']![0]).toBeCloseTo(0.295); // minutes 0..59 average 29.5
    expect(quarter.values['cpu']![1]).toBeCloseTo(0.895);
  });

  it('keeps raw rows a day, minutes a week and hours 90 days, so its size is bounded', () => {
    const store = open();
    // A simulated 30 days, one sample every 2 minutes (every 15 s would only take longer).
    const STEP = 2 * MIN;
    for (let t = T0; t <= T0 + 30 * 24 * 60 * MIN; t += STEP) {
      store.add(
        's1',
        point(t, 0.1),
        [{ slug: 'shop', at: t, up: 1, cpu: 0.1, memBytes: 1e6 }],
        [],
        latest(t),
      );
      if (t % (15 * MIN) === 0) store.maintain(t);
    }
    store.maintain(T0 + 30 * 24 * 60 * MIN);
    const counts = store.counts();
    expect(counts['server.raw']).toBe((24 * 60) / 2 + 1);
    expect(counts['server.minute']).toBe((7 * 24 * 60) / 2 + 1);
    expect(counts['server.hour']).toBe(30 * 24 + 1);
    expect(counts['site.hour']).toBe(counts['server.hour']);
    expect(
      store.series('s1', T0, T0 + 30 * 24 * 60 * MIN, T0 + 30 * 24 * 60 * MIN).values['cpu']![5],
    ).toBeCloseTo(0.1);
    store.forget('s1');
    expect(Object.values(store.counts()).every((n) => n === 0)).toBe(true);
    expect(store.latest('s1')).toBeNull();
  }, 30_000);
});
