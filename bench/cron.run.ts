/**
 * npm run bench:cron — scheduled jobs on one provisioned Debian 12 host (vps tier, sites layer):
 *   - the delay from a timer's scheduled time to the run starting, and to the host's ledger showing
 *     the run's end (as `cron status` reads it, polled every 100 ms), over 6 runs of an `echo` job
 *     every 10 s; the floor is the run itself (its own start to end);
 *   - the added cost of 20 jobs on one site: units systemd holds, PID 1's memory, files written,
 *     and how long `cron status` of the site takes with 20 jobs against with 1 (what the site
 *     page's card asks every 10 s).
 * Prints figures; asserts only that the runs happened.
 */
import { afterAll, expect, it } from 'vitest';
import { stopAll } from '../test/vps/harness/index.js';
import type { Host } from '../test/vps/harness/index.js';
import { hostdeck, sh } from '../test/vps/provision/hostdeck-scripts.js';
import { ok } from '../test/vps/sites/helpers.js';
import { siteHost } from './support';

afterAll(stopAll);

const SITE = { site: 'bench', tenant: 'bench', domain: 'bench.example.test', port: 8081 };
const cron = (h: Host, verb: string, args: string[], input?: string) =>
  hostdeck(h, 'cron', verb, ['--site', SITE.site, ...args], { input, timeoutMs: 120_000 });

/** Milliseconds a shell command takes on the host (its own clock), the median of `n`. */
async function timedMs(h: Host, cmd: string, n = 5): Promise<number> {
  const out = await sh(
    h,
    `for i in $(seq ${n}); do s=$(date +%s%N); ${cmd} >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); done`,
    300_000,
  );
  const all = out
    .split('\n')
    .map(Number)
    .sort((a, b) => a - b);
  return all[Math.floor(all.length / 2)]!;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

it('runs scheduled jobs close to their time and costs little per job', async () => {
  const h = await siteHost(SITE);

  // Delay: a job every 10 s; the ledger polled on the host for each run's start and end lines.
  await ok(cron(h, 'install', ['--job', 'tick', '--schedule', '*:*:0/10', '--command-stdin'], 'echo tick\n'));
  const poll = await sh(
    h,
    `f=/var/lib/hostdeck/jobs/bench--tick.runs; seen=0; end=$(( $(date +%s) + 75 ))
     while [ "$(date +%s)" -lt "$end" ] && [ "$seen" -lt 6 ]; do
       n=$(grep -c '^end ' "$f" 2>/dev/null || true)
       if [ "\${n:-0}" -gt "$seen" ]; then seen=$n; echo "shown $(date +%s%3N) $(grep '^end ' "$f" | tail -n 1 | cut -d' ' -f2,3)"; fi
       sleep 0.1
     done
     grep '^start ' "$f"`,
    120_000,
  );
  const starts = new Map<string, number>();
  const shown: { id: string; at: number; end: number }[] = [];
  for (const line of poll.split('\n')) {
    const f = line.split(' ');
    if (f[0] === 'start') starts.set(f[1]!, Number(f[2]));
    if (f[0] === 'shown') shown.push({ at: Number(f[1]), id: f[2]!, end: Number(f[3]) });
  }
  const runs = shown
    .filter((s) => starts.has(s.id))
    .map((s) => {
      const start = starts.get(s.id)!;
      const scheduled = Math.floor(start / 10_000) * 10_000;
      return { toStart: start - scheduled, toLedger: s.at - scheduled, run: s.end - start };
    });
  expect(runs.length).toBeGreaterThanOrEqual(5);

  // Cost of 20 jobs (daily, idle) against the host with one.
  const units = async () => Number(await sh(h, 'systemctl list-units --all --no-legend --plain | wc -l'));
  const pid1 = async () => Number(await sh(h, "awk '/^VmRSS:/ {print $2}' /proc/1/status")) * 1024;
  const statusOne = await timedMs(
    h,
    `/opt/hostdeck/scripts/test/hostdeck.sh cron status --site ${SITE.site}`,
  );
  const before = { units: await units(), pid1: await pid1() };
  for (let i = 1; i <= 20; i++) {
    await ok(cron(h, 'install', ['--job', `job-${i}`, '--schedule', 'daily', '--command-stdin'], 'true\n'));
  }
  const after = { units: await units(), pid1: await pid1() };
  const files = Number(
    await sh(h, 'du -cb /etc/systemd/system/hostdeck-job-* /etc/hostdeck/jobs | tail -n 1 | cut -f1'),
  );
  const statusMany = await timedMs(
    h,
    `/opt/hostdeck/scripts/test/hostdeck.sh cron status --site ${SITE.site}`,
  );

  console.log(
    [
      '',
      'bench:cron — one site on a Debian 12 vps host (systemd 252), a job every 10 s, then 20 daily jobs',
      `  scheduled time -> run started: median ${median(runs.map((r) => r.toStart))} ms, max ${Math.max(...runs.map((r) => r.toStart))} ms (${runs.length} runs)`,
      `  scheduled time -> end in the ledger: median ${median(runs.map((r) => r.toLedger))} ms, max ${Math.max(...runs.map((r) => r.toLedger))} ms; the run itself (floor): median ${median(runs.map((r) => r.run))} ms   ratio ${(median(runs.map((r) => r.toLedger)) / Math.max(1, median(runs.map((r) => r.run)))).toFixed(1)}x`,
      `  20 more jobs: +${after.units - before.units} systemd units, PID 1 RSS +${((after.pid1 - before.pid1) / 1024).toFixed(0)} KiB, ${(files / 1024).toFixed(0)} KiB of unit and command files`,
      `  cron status of the site: ${statusOne} ms with 1 job, ${statusMany} ms with 21   ratio ${(statusMany / Math.max(1, statusOne)).toFixed(1)}x`,
    ].join('\n'),
  );
}, 1_800_000);
