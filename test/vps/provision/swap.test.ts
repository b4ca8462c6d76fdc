// The swap module on Debian 12 hosts. These hosts are systemd-nspawn containers, where swapon is
// refused (nspawn's seccomp filter answers EPERM; measured) and systemd ignores fstab swap
// entries: so this proves the memory threshold, the file (size, mode, signature), the fstab line,
// idempotency and the lifecycle, and that the module says "swapon not permitted in this
// container" instead of pretending. Swap actually turning on is not verified here.
import { describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';
import type { RunOutcome } from './hostdeck-scripts.js';

const SMALL = ['--min-memory-mb', '9999999', '--size-mb', '64']; // every test host is "small"
const REFUSED =
  "swapon not permitted in this container (systemd-nspawn): swap is the container host's business. /swapfile and its /etc/fstab line are in place but unused (systemd ignores fstab swap entries in containers); swap remove deletes them.";

async function ok(run: Promise<RunOutcome>): Promise<RunOutcome> {
  const r = await run;
  expect(r.code, `${stepsIn(r, 'failed').join('; ')}\n${r.stderr}`).toBe(0);
  return r;
}
const lastStep = (r: RunOutcome) => r.steps[r.steps.length - 1]!;
const swapLines = (h: Host) => sh(h, 'grep swapfile /etc/fstab || true');
const status = async (h: Host) => (await ok(hostdeck(h, 'swap', 'status'))).status;

describe('swap', () => {
  it('makes no swap file when the host has enough memory', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      const mem = await sh(h!, "awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo");
      for (const args of [[], ['--check'], ['--min-memory-mb', mem]]) {
        const run = await ok(hostdeck(h!, 'swap', 'install', args));
        expect(run.steps).toEqual([
          {
            state: 'ok',
            name: 'memory',
            detail: `memory ≥ ${args.length === 2 && args[0] === '--min-memory-mb' ? `${mem} MB` : '2 GB'}: no swap needed (${mem} MB installed)`,
          },
        ]);
      }
      expect(await sh(h!, 'ls /swapfile 2>/dev/null; true')).toBe('');
      expect(await swapLines(h!)).toBe('');
    }));

  it('below the threshold: file, signature and fstab line converge; the container refuses swapon', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      const dry = await ok(hostdeck(h!, 'swap', 'install', ['--check', ...SMALL]));
      expect(dry.steps.map((s) => `${s.state} ${s.name}: ${s.detail}`)).toEqual([
        expect.stringMatching(/^ok memory: \d+ MB < 9999999 MB: a 64 MB swap file is wanted$/),
        'would-change file /swapfile: would create it (64 MB, 0600 root:root)',
        'would-change swap signature /swapfile: mkswap',
        'would-change line in /etc/fstab: added: /swapfile none swap sw 0 0',
        'would-change swap /swapfile active: would swapon (likely refused: this is a systemd-nspawn container)',
      ]);
      expect(await sh(h!, 'ls /swapfile /var/lib/hostdeck 2>/dev/null; true')).toBe('');
      expect(await swapLines(h!)).toBe('');

      const first = await hostdeck(h!, 'swap', 'install', SMALL);
      expect(first.code).toBe(1);
      expect(stepsIn(first, 'changed')).toEqual([
        'file /swapfile: created (64 MB, 0600 root:root)',
        'swap signature /swapfile: mkswap',
        'line in /etc/fstab: added: /swapfile none swap sw 0 0',
      ]);
      expect(lastStep(first)).toEqual({ state: 'failed', name: 'swap /swapfile active', detail: REFUSED });
      expect(await sh(h!, 'stat -c "%a %U %G %s" /swapfile')).toBe(`600 root root ${64 * 1024 * 1024}`);
      expect(await sh(h!, 'blkid -p -o value -s TYPE /swapfile')).toBe('swap');
      expect(await swapLines(h!)).toBe('/swapfile none swap sw 0 0');
      expect(
        await sh(h!, 'systemctl daemon-reload && systemctl list-units --all --plain --no-legend "*.swap"'),
      ).toBe('');
      expect(await status(h!)).toEqual({
        installed: 'yes',
        version: 'none',
        enabled: 'yes',
        active: 'no',
        'size-mb': '64',
        'memory-mb': expect.stringMatching(/^\d+$/),
        container: 'systemd-nspawn',
        drift: 'swap:/swapfile:inactive',
      });

      // Again: everything but swapon is already so.
      const again = await hostdeck(h!, 'swap', 'install', SMALL);
      expect(again.code).toBe(1);
      expect(stepsIn(again, 'changed')).toEqual([]);
      expect(again.steps.slice(0, -1).every((s) => s.state === 'ok')).toBe(true);
      expect(lastStep(again).detail).toBe(REFUSED);

      // A loosened mode is repaired; a new size makes the file again.
      await sh(h!, 'chmod 0644 /swapfile');
      expect(stepsIn(await hostdeck(h!, 'swap', 'install', SMALL), 'changed')).toEqual([
        'file /swapfile: mode/owner 0644:root:root -> 0600:root:root',
      ]);
      const bigger = await hostdeck(h!, 'swap', 'install', ['--min-memory-mb', '9999999', '--size-mb', '80']);
      expect(stepsIn(bigger, 'changed')).toEqual([
        'file /swapfile: recreated (80 MB, 0600 root:root)',
        'swap signature /swapfile: mkswap',
      ]);
      expect(await sh(h!, 'stat -c "%a %s" /swapfile')).toBe(`600 ${80 * 1024 * 1024}`);
      expect(await sh(h!, 'ls -A / | grep -c hostdeck-new || true')).toBe('0');

      // disable comments the line out (boot would not turn it on); enable puts it back.
      const off = await ok(hostdeck(h!, 'swap', 'disable'));
      expect(stepsIn(off, 'changed')).toEqual([
        'line in /etc/fstab: replaced: #/swapfile none swap sw 0 0 # disabled by Hostdeck (swap disable)',
      ]);
      expect(await status(h!)).toMatchObject({ enabled: 'no', active: 'no', drift: 'none' });
      expect(stepsIn(await ok(hostdeck(h!, 'swap', 'disable')), 'changed')).toEqual([]);
      const on = await hostdeck(h!, 'swap', 'enable');
      expect(on.code).toBe(1);
      expect(stepsIn(on, 'changed')).toEqual(['line in /etc/fstab: replaced: /swapfile none swap sw 0 0']);
      expect(lastStep(on).detail).toBe(REFUSED);
      expect(await swapLines(h!)).toBe('/swapfile none swap sw 0 0');

      const gone = await ok(hostdeck(h!, 'swap', 'remove'));
      expect(stepsIn(gone, 'changed')).toEqual([
        'line in /etc/fstab absent: removed 1 /swapfile line(s)',
        'file /swapfile absent: removed',
      ]);
      expect(await sh(h!, 'ls /swapfile 2>/dev/null; true')).toBe('');
      expect(await swapLines(h!)).toBe('');
      expect(await status(h!)).toMatchObject({ installed: 'no', enabled: 'no', active: 'no', drift: 'none' });
      expect(stepsIn(await ok(hostdeck(h!, 'swap', 'remove')), 'changed')).toEqual([]);

      for (const size of ['8', '100000', '1g']) {
        const bad = await hostdeck(h!, 'swap', 'install', ['--size-mb', size]);
        expect(bad.code, size).toBe(2);
        expect(bad.steps[0]!.name).toBe('option --size-mb');
      }
    }));
});
