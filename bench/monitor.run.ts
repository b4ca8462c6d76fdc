/**
 * npm run bench:monitor — agentless sampling of a fleet of real Debian hosts (vps tier, sshd-only
 * hosts: the sample command reads /proc and systemd there as on a real server).
 *
 *   CPU of this process while sampling every host every 15 s   target ≤ 5% of one core
 *   its memory for it (RSS, heap)                               target ≤ 50 MB
 *   one sample's round trip, and against the same command over a plain ssh2 client (the floor)
 *   the store's size after 30 simulated days (one server through the real rollups, then × fleet)
 *
 * BENCH_HOSTS (default 50) and BENCH_ROUNDS (default 4 rounds of 15 s) change the run. Prints
 * figures; asserts only that the work succeeded (benchmarks are not timed tests).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../src-main/infra/store/database';
import { SAMPLE_SCRIPT } from '../src-main/monitor/sample';
import { MonitorStore } from '../src-main/monitor/store';
import { stopAll } from '../test/vps/harness/index.js';
import { fleetApp, median, rawClients, rawExec } from './support';

const HOSTS = Number(process.env['BENCH_HOSTS'] ?? 50);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const INTERVAL = 15_000;

afterAll(stopAll);

it(`samples ${HOSTS} hosts every 15 s within the budget`, async () => {
  const { hosts, app, ids } = await fleetApp(HOSTS);
  try {
    const sampler = app.hd.monitor.service;
    // Connections open and a first reading taken (rates need one before), then the budget is
    // measured over whole intervals, as the app's own timer runs them.
    const warm = performance.now();
    await sampler.tick();
    await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL - (performance.now() - warm))));
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const heap0 = process.memoryUsage().heapUsed;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    let tickMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      await sampler.tick();
      tickMs = Math.max(tickMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL - (performance.now() - started))));
    }
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    global.gc?.();
    const rss = process.memoryUsage().rss - rss0;
    const heap = process.memoryUsage().heapUsed - heap0;
    const status = sampler.status();
    expect(status.every((s) => s.lastError === null && s.lastSampleAt !== null)).toBe(true);
    const stored = app.hd.monitor.store.counts()['server.raw']!;
    expect(stored).toBe(HOSTS * (ROUNDS + 1));

    const one = await median(15, () => sampler.sample(ids[0]!));
    const raw = await rawClients([hosts[0]!.address], hosts[0]!.ssh.privateKey);
    const floor = await median(15, () => rawExec(raw[0]!, 'sh -s', SAMPLE_SCRIPT));
    for (const c of raw) c.end();

    const store = simulatedMonth();
    const cpuShare = (cpu.user + cpu.system) / 1000 / wall;
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      [
        '',
        `bench:monitor — ${HOSTS} Debian 12 hosts (vps tier, sshd-only), ${ROUNDS} rounds of ${INTERVAL / 1000} s`,
        `  CPU of this process while sampling:        ${(cpuShare * 100).toFixed(2)}% of one core  (target <= 5%: ${(cpuShare / 0.05).toFixed(2)}x the budget)`,
        `  slowest round, all ${HOSTS} hosts:            ${tickMs.toFixed(0)} ms of the ${INTERVAL / 1000} s interval`,
        `  memory growth while sampling (RSS):        ${mb(rss)}  (target <= 50 MB: ${(rss / (50 * 1024 * 1024)).toFixed(2)}x)`,
        `  heap growth while sampling:                ${mb(heap)}`,
        `  one sample's round trip (median of 15):    ${one.toFixed(1)} ms`,
        `  floor, the same command over raw ssh2:     ${floor.toFixed(1)} ms  (ratio ${(one / floor).toFixed(2)}x)`,
        `  store after 30 simulated days, 1 server:   ${mb(store.bytes)} (${store.rows} rows, ${store.ms.toFixed(0)} ms to write)`,
        `  projected for ${HOSTS} servers:                ${mb(store.bytes * HOSTS)} (bounded: raw 24 h, minutes 7 d, hours 90 d)`,
      ].join('\n'),
    );
  } finally {
    await app.close();
  }
}, 1_800_000);

/**
 * One server with 5 sites and 2 mounts sampled every 15 s for 30 days, through the store's real
 * writes, rollups (every minute, as the sampler's rounds do) and retention; then its file size.
 */
function simulatedMonth(): { bytes: number; rows: number; ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'hostdeck-bench-monitor-'));
  const db = openDatabase(join(dir, 'hostdeck.sqlite'));
  try {
    const store = new MonitorStore(db);
    const T0 = Date.UTC(2026, 0, 1);
    const END = T0 + 30 * 24 * 3_600_000;
    const latest = JSON.parse('{}') as Parameters<MonitorStore['add']>[4];
    const { ms } = timedSync(() => {
      for (let at = T0; at <= END; at += INTERVAL) {
        const v = (at % 97) / 97;
        store.add(
          's1',
          { at, cpu: v, load1: v, mem: v, swap: null, disk: v, inodes: v, rx: v, tx: v, failed: 0 },
          ['a', 'b', 'c', 'd', 'e'].map((slug) => ({ slug, at, up: 1, cpu: v, memBytes: 1e8 * v })),
          ['/', '/var'].map((mount) => ({ mount, at, used: v, availableBytes: 1e9, inodes: v })),
          latest,
        );
        if (at % 60_000 === 0) store.maintain(at);
      }
      store.maintain(END);
    });
    db.exec('VACUUM');
    const rows = Object.values(store.counts()).reduce((a, b) => a + b, 0);
    db.close();
    return { bytes: statSync(join(dir, 'hostdeck.sqlite')).size, rows, ms };
  } finally {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function timedSync(fn: () => void): { ms: number } {
  const t = performance.now();
  fn();
  return { ms: performance.now() - t };
}
