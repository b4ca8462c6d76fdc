// The module lifecycle on a host the scripts provisioned: disable, enable, remove, and status
// reporting what drifted from what was asked.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';
import type { RunOutcome } from './hostdeck-scripts.js';
import { provisionedLayer } from './provisioned-layer.js';

let layer = '';
beforeAll(async () => {
  layer = await provisionedLayer();
});

const onProvisionedHost = (fn: (h: Host) => Promise<void>) =>
  withFreshHosts(
    1,
    async ([h]) => {
      // sshd answers before the boot is over: let MariaDB and Caddy finish starting first.
      expect(['running', 'degraded']).toContain(await h!.waitForSystemd(60_000));
      await uploadScripts(h!);
      await fn(h!);
    },
    { layers: [layer] },
  );

async function ok(run: Promise<RunOutcome>): Promise<RunOutcome> {
  const r = await run;
  expect(r.code, stepsIn(r, 'failed').join('; ')).toBe(0);
  return r;
}

const status = async (h: Host, module: string) => (await ok(hostdeck(h, module, 'status'))).status;
const answersOn80 = async (h: Host) =>
  (await h.exec(`timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/80'`)).code === 0;

/** MODULE is installed and running without drift; disable stops it, still without drift. */
async function disableFromRunning(h: Host, module: string) {
  expect(await status(h, module)).toMatchObject({
    installed: 'yes',
    enabled: 'yes',
    active: 'yes',
    drift: 'none',
  });
  await ok(hostdeck(h, module, 'disable'));
  expect(await status(h, module)).toMatchObject({ enabled: 'no', active: 'no', drift: 'none' });
}

describe('module lifecycle', () => {
  it('disables, enables and removes caddy, with status following each step', () =>
    onProvisionedHost(async (h) => {
      expect(await status(h, 'caddy')).toEqual({
        installed: 'yes',
        version: expect.stringMatching(/^2\.6\./),
        enabled: 'yes',
        active: 'yes',
        // Caddy's admin API is a unix socket only root and caddy reach, never localhost:2019.
        admin: 'unix//run/caddy/admin.sock',
        drift: 'none',
      });

      const dry = await ok(hostdeck(h, 'caddy', 'disable', ['--check']));
      expect(stepsIn(dry, 'would-change')).toEqual(['service caddy: disabled, stopped']);
      expect(await sh(h, 'systemctl is-active caddy')).toBe('active');

      const off = await ok(hostdeck(h, 'caddy', 'disable'));
      expect(stepsIn(off, 'changed')).toEqual(['service caddy: disabled, stopped']);
      expect(await status(h, 'caddy')).toMatchObject({ enabled: 'no', active: 'no', drift: 'none' });
      expect(await answersOn80(h)).toBe(false);
      expect(stepsIn(await ok(hostdeck(h, 'caddy', 'disable')), 'changed')).toEqual([]);

      const on = await ok(hostdeck(h, 'caddy', 'enable'));
      expect(stepsIn(on, 'changed')).toEqual(['service caddy: enabled, started']);
      expect(await status(h, 'caddy')).toMatchObject({ enabled: 'yes', active: 'yes', drift: 'none' });
      expect(await answersOn80(h)).toBe(true);

      const gone = await ok(hostdeck(h, 'caddy', 'remove'));
      expect(stepsIn(gone, 'changed')).toContain(
        'package caddy absent: removed 2.6.2-5 (configuration kept)',
      );
      expect(await status(h, 'caddy')).toEqual({
        installed: 'no',
        version: 'none',
        enabled: 'no',
        active: 'no',
        admin: 'none',
        drift: 'none',
      });
      expect((await h.exec('dpkg -s caddy | grep -q "^Status: install ok installed"')).code).not.toBe(0);
      expect(await answersOn80(h)).toBe(false);
      // Sites stay: removing the web server must not delete the operator's site configs.
      expect(await sh(h, 'test -d /etc/caddy/sites && echo kept')).toBe('kept');
      expect(stepsIn(await ok(hostdeck(h, 'caddy', 'remove')), 'changed')).toEqual([]);
    }));

  it('reports drift when the Caddyfile is edited by hand or the service is stopped, and install repairs it', () =>
    onProvisionedHost(async (h) => {
      await sh(h, 'echo "# hand edit" >> /etc/caddy/Caddyfile');
      expect((await status(h, 'caddy')).drift).toBe('config:/etc/caddy/Caddyfile');
      await sh(h, 'systemctl stop caddy');
      expect((await status(h, 'caddy')).drift).toBe('config:/etc/caddy/Caddyfile,service:caddy:inactive');

      const repair = await ok(hostdeck(h, 'caddy', 'install'));
      expect(stepsIn(repair, 'changed')).toEqual([
        'file /etc/caddy/Caddyfile: validated and written',
        'service caddy: started',
      ]);
      expect(await status(h, 'caddy')).toMatchObject({ active: 'yes', drift: 'none' });
      expect(await sh(h, 'grep -c "hand edit" /etc/caddy/Caddyfile || true')).toBe('0');
    }));

  it('refuses a Caddyfile that does not validate and keeps serving the last good config', () =>
    onProvisionedHost(async (h) => {
      // A broken site file: the whole candidate config (sites included) fails validation.
      await sh(h, 'printf "broken.test {\\n\\tnot_a_directive\\n}\\n" > /etc/caddy/sites/broken.caddy');
      const before = await sh(h, 'sha256sum /etc/caddy/Caddyfile');
      const run = await hostdeck(h, 'caddy', 'install', ['--acme-email', 'ops@example.com']);
      expect(run.code).toBe(1);
      expect(stepsIn(run, 'failed')).toEqual([
        expect.stringMatching(
          /^file \/etc\/caddy\/Caddyfile: the new config does not validate \(sites included\), nothing was changed: .*not_a_directive/,
        ),
      ]);
      expect(await sh(h, 'sha256sum /etc/caddy/Caddyfile')).toBe(before);
      expect(await sh(h, 'ls -A /etc/caddy | grep -c candidate || true')).toBe('0');
      expect(await answersOn80(h)).toBe(true);
      expect((await status(h, 'caddy')).drift).toBe('config-invalid');

      await sh(h, 'rm /etc/caddy/sites/broken.caddy');
      const fixed = await ok(hostdeck(h, 'caddy', 'install', ['--acme-email', 'ops@example.com']));
      expect(stepsIn(fixed, 'changed')).toEqual([
        'file /etc/caddy/Caddyfile: validated and written, caddy reloaded',
      ]);
      expect(await sh(h, 'grep -c "email ops@example.com" /var/lib/hostdeck/caddy/last-good/Caddyfile')).toBe(
        '1',
      );
    }));

  it('disables, enables and removes mariadb and the firewall', () =>
    onProvisionedHost(async (h) => {
      await disableFromRunning(h, 'mariadb');
      await ok(hostdeck(h, 'mariadb', 'enable'));
      expect(await status(h, 'mariadb')).toMatchObject({ enabled: 'yes', active: 'yes', drift: 'none' });
      // Unmasked, Debian's own enablement of the socket is back: drift.
      await sh(h, 'systemctl unmask mariadb.socket');
      expect((await status(h, 'mariadb')).drift).toBe('service:mariadb.socket:enabled');
      await ok(hostdeck(h, 'mariadb', 'remove'));
      expect(await status(h, 'mariadb')).toMatchObject({ installed: 'no', enabled: 'no', active: 'no' });
      // The data and the admin credentials survive a remove.
      expect(
        await sh(h, 'test -d /var/lib/mysql/mysql && test -f /etc/hostdeck/mariadb-admin.cnf && echo kept'),
      ).toBe('kept');

      await disableFromRunning(h, 'firewall');
      expect((await h.exec('nft list table inet hostdeck')).code).not.toBe(0);
      await ok(hostdeck(h, 'firewall', 'enable'));
      expect(await status(h, 'firewall')).toMatchObject({ enabled: 'yes', active: 'yes', drift: 'none' });
      await sh(h, 'nft delete table inet hostdeck');
      expect((await status(h, 'firewall')).drift).toBe('rules:not-loaded');
      await ok(hostdeck(h, 'firewall', 'remove'));
      expect(await status(h, 'firewall')).toMatchObject({ installed: 'no', enabled: 'no', active: 'no' });
      expect(await sh(h, 'grep -c Hostdeck /etc/nftables.conf || true')).toBe('0');
    }));
});
