// A provisioned host survives a reboot: services come back, the firewall rules are loaded from
// /etc/nftables.conf, and MariaDB is still on loopback only (systemd's mariadb.socket, which
// would listen on [::]:3306 at boot, stays masked).
import { describe, expect, it } from 'vitest';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, uploadScripts } from './hostdeck-scripts.js';
import { provisionedLayer } from './provisioned-layer.js';
import { httpGet, startListener, tcpProbe } from './probes.js';

describe('after a reboot', () => {
  it('brings caddy, mariadb and the firewall back as they were', async () => {
    const layer = await provisionedLayer();
    await withFreshHosts(
      2,
      async ([web, visitor]) => {
        await uploadScripts(web!);
        await web!.reboot();
        expect(['running', 'degraded']).toContain(await web!.waitForSystemd(60_000));

        for (const unit of ['caddy', 'mariadb', 'nftables']) {
          expect(await sh(web!, `systemctl is-active ${unit}`), unit).toBe('active');
        }
        expect(await sh(web!, 'nft list table inet hostdeck')).toContain('tcp dport { 22, 80, 443 } accept');
        for (const module of ['caddy', 'mariadb', 'firewall']) {
          const st = await hostdeck(web!, module, 'status');
          expect(st.status, module).toMatchObject({
            installed: 'yes',
            enabled: 'yes',
            active: 'yes',
            drift: 'none',
          });
        }
        expect(await sh(web!, `mariadb -N -e 'SELECT @@bind_address'`)).toBe('127.0.0.1');
        expect(await sh(web!, 'grep -ci ":0CEA 0\\+:0000 0A" /proc/net/tcp6 || true')).toBe('0');

        await startListener(web!, 8080);
        expect(await httpGet(visitor!, web!)).toMatch(/^HTTP\/1\.[01] 200/);
        const [ssh, mysql, other] = await Promise.all([
          tcpProbe(visitor!, web!, 22),
          tcpProbe(visitor!, web!, 3306),
          tcpProbe(visitor!, web!, 8080),
        ]);
        expect({ ssh, mysql, other }).toEqual({ ssh: 'open', mysql: 'timeout', other: 'timeout' });
      },
      { layers: [layer] },
    );
  });
});
