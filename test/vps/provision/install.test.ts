// Installing the base stack on a fresh Debian 12 host with the scripts, and what the world sees
// of it afterwards: Caddy on 80, SSH on 22, nothing else.
import { describe, expect, it } from 'vitest';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';
import { provisionAll } from './provisioned-layer.js';
import { httpGet, startListener, tcpProbe } from './probes.js';

const PASSWORD = 'install-Test-pw.0123456789';
const INSTALL: [string, string[], string | undefined][] = [
  ['caddy', [], undefined],
  ['mariadb', ['--admin-password-stdin'], `${PASSWORD}\n`],
  ['firewall', [], undefined],
];

describe('installing caddy, mariadb and the firewall on a fresh host', () => {
  it('leaves the services active, Caddy answering on 80 and only 22/80/443 reachable from outside', () =>
    withFreshHosts(2, async ([web, visitor]) => {
      // A listener on every interface: reachable before the firewall, dropped after it.
      await startListener(web!, 8080);
      expect(await tcpProbe(visitor!, web!, 8080)).toBe('open');

      await provisionAll(web!, PASSWORD);

      for (const unit of ['caddy', 'mariadb', 'nftables']) {
        expect(await sh(web!, `systemctl is-active ${unit}`), unit).toBe('active');
        expect(await sh(web!, `systemctl is-enabled ${unit}`), unit).toBe('enabled');
      }
      const page = await httpGet(visitor!, web!);
      expect(page).toMatch(/^HTTP\/1\.[01] 200/);
      expect(page).toContain('Server: Caddy');
      expect(page).toContain('Hostdeck: this server is up.');

      const [ssh, https, mysql, other] = await Promise.all([
        tcpProbe(visitor!, web!, 22),
        tcpProbe(visitor!, web!, 443),
        tcpProbe(visitor!, web!, 3306),
        tcpProbe(visitor!, web!, 8080),
      ]);
      expect(ssh).toBe('open');
      // Caddy has no TLS site yet, so nothing listens on 443: the firewall lets the attempt
      // through to a refusal instead of dropping it.
      expect(https).toBe('refused');
      expect(mysql).toBe('timeout');
      expect(other).toBe('timeout');
      // ...while on the host itself (loopback) both still answer.
      expect((await web!.exec(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/3306'`)).code).toBe(0);
      expect((await web!.exec(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080'`)).code).toBe(0);
    }));

  it('changes nothing on a second run of the same request, and a dry run then would change nothing', () =>
    withFreshHosts(1, async ([h]) => {
      await provisionAll(h!, PASSWORD);
      for (const [module, args, input] of INSTALL) {
        const again = await hostdeck(h!, module, 'install', args, { input });
        expect(again.code, module).toBe(0);
        expect(stepsIn(again, 'changed'), module).toEqual([]);
        expect(again.result.state).toBe('ok');

        const dry = await hostdeck(h!, module, 'install', ['--check', ...args], { input });
        expect(dry.code, module).toBe(0);
        expect(stepsIn(dry, 'would-change'), module).toEqual([]);
        expect(dry.steps.length).toBe(again.steps.length);
      }
    }));

  it('reports what a dry run on a fresh host would change, and changes nothing', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      const before = await sh(h!, 'dpkg-query -W -f="\\${Package}\\n" | sort | sha256sum');
      for (const [module, args, input] of INSTALL) {
        const dry = await hostdeck(h!, module, 'install', ['--check', ...args], { input });
        expect(dry.code, module).toBe(0);
        expect(stepsIn(dry, 'changed'), module).toEqual([]);
        expect(dry.result.state).toBe('changed');
        expect(dry.steps.find((s) => s.name.startsWith('package '))?.state, module).toBe('would-change');
      }
      expect(await sh(h!, 'dpkg-query -W -f="\\${Package}\\n" | sort | sha256sum')).toBe(before);
      const exists = await sh(
        h!,
        'for p in /etc/caddy /etc/mysql /etc/hostdeck /var/lib/hostdeck /var/log/hostdeck; do [ -e $p ] && echo $p; done; true',
      );
      expect(exists).toBe('');
      expect(await sh(h!, 'grep -c Hostdeck /etc/nftables.conf 2>/dev/null || true')).toMatch(/^0?$/);
    }));
});
