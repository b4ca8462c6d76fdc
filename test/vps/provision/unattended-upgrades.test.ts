// The unattended-upgrades module on a fresh Debian 12 host: the package, daily security updates
// switched on in /etc/apt/apt.conf.d/20auto-upgrades and read back as apt resolves them, the apt
// timers, and the lifecycle.
import { describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';
import type { RunOutcome } from './hostdeck-scripts.js';

const CONF = '/etc/apt/apt.conf.d/20auto-upgrades';
const M = 'unattended-upgrades';

async function ok(run: Promise<RunOutcome>): Promise<RunOutcome> {
  const r = await run;
  expect(r.code, `${stepsIn(r, 'failed').join('; ')}\n${r.stderr}`).toBe(0);
  return r;
}
const status = async (h: Host) => (await ok(hostdeck(h, M, 'status'))).status;
const periodic = (h: Host) =>
  sh(h, 'apt-config dump APT::Periodic | grep -E "::(Update-Package-Lists|Unattended-Upgrade) "');

describe('unattended-upgrades', () => {
  it('switches daily security updates on, converges, and follows disable/enable/remove', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      const footprint = () =>
        sh(
          h!,
          `dpkg -l unattended-upgrades 2>/dev/null | grep ^ii; ls ${CONF} /var/lib/hostdeck 2>/dev/null; true`,
        );
      const before = await footprint();
      const dry = await ok(hostdeck(h!, M, 'install', ['--check']));
      expect(stepsIn(dry, 'changed')).toEqual([]);
      expect(stepsIn(dry, 'would-change')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^package unattended-upgrades: would install/),
          `file ${CONF}: would create (0644 root:root)`,
        ]),
      );
      expect(await footprint()).toBe(before);

      const first = await ok(hostdeck(h!, M, 'install'));
      expect(stepsIn(first, 'changed')).toContainEqual(
        expect.stringMatching(/^package unattended-upgrades: installed 2\.9/),
      );
      expect(stepsIn(first, 'changed')).toContainEqual(expect.stringMatching(new RegExp(`^file ${CONF}: `)));
      expect(first.steps.find((s) => s.name === 'apt periodic settings')).toEqual({
        state: 'ok',
        name: 'apt periodic settings',
        detail: 'Update-Package-Lists=1 Unattended-Upgrade=1 (daily security updates)',
      });
      expect(await sh(h!, `grep -v '^//' ${CONF}`)).toBe(
        'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";',
      );
      expect(await sh(h!, `stat -c "%a %U %G" ${CONF}`)).toBe('644 root root');
      expect(await periodic(h!)).toBe(
        'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";',
      );
      // The stock policy unattended-upgrade will apply includes the security archive.
      const origins = await sh(
        h!,
        'unattended-upgrade --dry-run --debug 2>&1 | grep -m1 "Allowed origins are"',
      );
      expect(origins).toContain('label=Debian-Security');
      expect(await status(h!)).toEqual({
        installed: 'yes',
        version: expect.stringMatching(/^2\.9/),
        enabled: 'yes',
        active: 'yes',
        'update-package-lists': '1',
        'unattended-upgrade': '1',
        drift: 'none',
      });

      const again = await ok(hostdeck(h!, M, 'install'));
      expect(stepsIn(again, 'changed')).toEqual([]);
      expect(again.result.state).toBe('ok');
      expect(stepsIn(await ok(hostdeck(h!, M, 'install', ['--check'])), 'would-change')).toEqual([]);

      const off = await ok(hostdeck(h!, M, 'disable'));
      expect(stepsIn(off, 'changed')).toEqual([`file ${CONF}: content`]);
      expect(await periodic(h!)).toBe(
        'APT::Periodic::Update-Package-Lists "0";\nAPT::Periodic::Unattended-Upgrade "0";',
      );
      expect(await status(h!)).toMatchObject({
        installed: 'yes',
        enabled: 'no',
        active: 'no',
        drift: 'none',
      });
      expect(stepsIn(await ok(hostdeck(h!, M, 'disable')), 'changed')).toEqual([]);

      const on = await ok(hostdeck(h!, M, 'enable'));
      expect(stepsIn(on, 'changed')).toEqual([`file ${CONF}: content`]);
      expect(await status(h!)).toMatchObject({ enabled: 'yes', active: 'yes', drift: 'none' });

      // Another apt.conf.d file turning it off again is drift, and enable says who did it.
      await sh(h!, `echo 'APT::Periodic::Unattended-Upgrade "0";' > /etc/apt/apt.conf.d/99local`);
      expect((await status(h!)).drift).toBe('apt-periodic:Unattended-Upgrade=0');
      const overridden = await hostdeck(h!, M, 'enable');
      expect(overridden.code).toBe(1);
      expect(overridden.steps[overridden.steps.length - 1]).toMatchObject({
        state: 'failed',
        name: 'apt periodic settings',
        detail: expect.stringContaining('another file overrides it (/etc/apt/apt.conf.d/99local)'),
      });
      await sh(h!, 'rm /etc/apt/apt.conf.d/99local');

      const gone = await ok(hostdeck(h!, M, 'remove'));
      expect(stepsIn(gone, 'changed')).toEqual([
        expect.stringMatching(/^package unattended-upgrades absent: removed 2\.9.* \(configuration kept\)$/),
        `file ${CONF} absent: removed`,
      ]);
      expect(await status(h!)).toEqual({
        installed: 'no',
        version: 'none',
        enabled: 'no',
        active: 'no',
        'update-package-lists': 'unset',
        'unattended-upgrade': 'unset',
        drift: 'none',
      });
      expect(stepsIn(await ok(hostdeck(h!, M, 'remove')), 'changed')).toEqual([]);
    }));
});
