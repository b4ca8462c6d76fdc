// One Hostdeck run at a time per host: a second run waits for the host lock, and gives up with
// exit code 3 and a clear message when its --lock-timeout runs out.
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../harness/index.js';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';

interface RunSpan {
  pid: string;
  start: number;
  end: number;
  waitedMs: number;
}

/** Start/end of each run in the host's run log (/var/log/hostdeck/hostdeck.log). */
async function runSpans(host: Host): Promise<RunSpan[]> {
  const spans = new Map<string, Partial<RunSpan>>();
  for (const line of (await sh(host, 'cat /var/log/hostdeck/hostdeck.log')).split('\n')) {
    const m = /^(\d+\.\d+) \S+ pid=(\d+) (start|end) /.exec(line);
    if (!m) continue;
    const span = spans.get(m[2]!) ?? { pid: m[2]! };
    if (m[3] === 'start') {
      span.start = Number(m[1]);
      span.waitedMs = Number(/waited (\d+) ms/.exec(line)?.[1]);
    } else span.end = Number(m[1]);
    spans.set(m[2]!, span);
  }
  return [...spans.values()].map((s) => s as RunSpan).sort((a, b) => a.start - b.start);
}

describe('the host lock', () => {
  it('makes two runs started at once run one after the other', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      const [a, b] = await Promise.all([hostdeck(h!, 'caddy', 'install'), hostdeck(h!, 'caddy', 'install')]);
      expect([a.code, b.code]).toEqual([0, 0]);
      // One run installed Caddy; the other ran after it was complete and found nothing to do.
      const states = [a.result.state, b.result.state].sort();
      expect(states).toEqual(['changed', 'ok']);
      const idle = a.result.state === 'ok' ? a : b;
      expect(stepsIn(idle, 'changed')).toEqual([]);

      const spans = await runSpans(h!);
      expect(spans).toHaveLength(2);
      const [first, second] = spans as [RunSpan, RunSpan];
      expect(first.end).toBeGreaterThan(first.start);
      expect(second.start).toBeGreaterThanOrEqual(first.end);
      // ...and it did wait for the first one (it had started right away).
      expect(second.waitedMs).toBeGreaterThan(1000);
    }));

  it('gives up after --lock-timeout with exit code 3, naming the run that holds it', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      // A real run holding the lock for a while (installing a package takes seconds).
      const holder = hostdeck(h!, 'firewall', 'install');
      await pollUntil(
        30_000,
        async () => ((await sh(h!, 'cat /run/hostdeck/lock-owner 2>/dev/null || true')) ? true : undefined),
        () => new Error('the first run never took the lock'),
      );
      const t0 = Date.now();
      const refused = await hostdeck(h!, 'caddy', 'install', ['--lock-timeout', '1']);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(refused.code).toBe(3);
      expect(refused.steps).toHaveLength(1);
      expect(refused.steps[0]).toMatchObject({ state: 'failed', name: 'host lock' });
      expect(refused.steps[0]!.detail).toMatch(
        /^another Hostdeck run still holds the host lock after 1 s \(pid \d+ running firewall install since .*\)\. Wait for it to finish, or retry with a longer --lock-timeout\.$/,
      );
      expect(refused.result).toEqual({
        state: 'failed',
        counts: { ok: 0, changed: 0, 'would-change': 0, failed: 1 },
      });
      expect((await holder).code).toBe(0);
      expect((await h!.exec('dpkg -s caddy')).code).not.toBe(0);
    }));

  it('also gives up on a lock held by something else, and refuses a lock file it does not own', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      await sh(h!, 'systemd-run --unit=hold-lock flock /run/lock/hostdeck.lock sleep 300');
      await pollUntil(
        10_000,
        async () => ((await h!.exec('flock -n /run/lock/hostdeck.lock true')).code === 1 ? true : undefined),
        () => new Error('the lock was never held'),
      );
      const refused = await hostdeck(h!, 'caddy', 'install', ['--check', '--lock-timeout', '0']);
      expect(refused.code).toBe(3);
      expect(refused.steps[0]!.detail).toContain('(holder unknown)');
      await sh(h!, 'systemctl stop hold-lock');
      const after = await hostdeck(h!, 'caddy', 'install', ['--check', '--lock-timeout', '0']);
      expect(after.code).toBe(0);
      expect(await sh(h!, 'stat -c "%a %U" /run/lock/hostdeck.lock')).toBe('600 root');

      // /run/lock is world-writable: a lock file planted by another user is refused, not used.
      await sh(h!, 'rm /run/lock/hostdeck.lock && runuser -u nobody -- touch /run/lock/hostdeck.lock');
      const planted = await hostdeck(h!, 'caddy', 'install', ['--check']);
      expect(planted.code).toBe(3);
      expect(planted.steps[0]!.detail).toContain('is not a plain root-owned file');
    }));
});
