// ssh-hardening and fail2ban on fresh hosts, judged from outside: what another machine is
// offered by sshd, and whether failing logins get it banned while the operator's address is not.
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../harness/index.js';
import type { Host } from '../harness/index.js';
import { connect } from '../harness/ssh.js';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';
import { tcpProbe } from './probes.js';

/** The authentication methods sshd on `target` offers to `from` (which has no keys). */
async function offeredMethods(from: Host, target: Host): Promise<string> {
  const r = await from.exec(
    `timeout 10 ssh -v -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ` +
      `-o ConnectTimeout=5 root@${target.address} true 2>&1 | grep -m1 'Authentications that can continue' || true`,
  );
  return r.stdout.trim().replace(/^.*continue: /, '');
}

/** A brand-new root key login from this machine (the test runner) works. */
async function keyLoginWorks(h: Host): Promise<boolean> {
  const client = await connect(h.ssh, 10_000);
  client.end();
  return true;
}

describe('ssh-hardening', () => {
  it('allows root by key only, and turns passwords off only when key login was proven', () =>
    withFreshHosts(2, async ([web, visitor]) => {
      await uploadScripts(web!);
      // A setting placed before sshd_config's Include wins over any drop-in: reported, not hidden.
      await sh(web!, 'sed -i "1i PermitRootLogin yes" /etc/ssh/sshd_config');
      const overridden = await hostdeck(web!, 'ssh-hardening', 'install');
      expect(overridden.code).toBe(1);
      expect(stepsIn(overridden, 'failed')).toEqual([
        'sshd effective settings: sshd -T still shows other values for: PermitRootLogin; another file in /etc/ssh overrides them, fix it by hand',
      ]);

      // As on many provider images: root may log in with a password (set after the Include).
      await sh(
        web!,
        'sed -i "1d" /etc/ssh/sshd_config && echo "PermitRootLogin yes" >> /etc/ssh/sshd_config',
      );
      await sh(web!, 'rm /etc/ssh/sshd_config.d/00-hostdeck.conf && systemctl reload ssh');
      expect(await sh(web!, 'sshd -T | grep ^permitrootlogin')).toBe('permitrootlogin yes');
      expect(await offeredMethods(visitor!, web!)).toBe('publickey,password');

      const cautious = await hostdeck(web!, 'ssh-hardening', 'install');
      expect(cautious.code).toBe(0);
      expect(await sh(web!, 'sshd -T | grep ^permitrootlogin')).toBe('permitrootlogin without-password');
      expect(await offeredMethods(visitor!, web!)).toBe('publickey,password');
      expect(stepsIn(cautious, 'ok')).toContain(
        'password login: left as configured: pass --key-login-proven to turn it off',
      );

      const proven = await hostdeck(web!, 'ssh-hardening', 'install', ['--key-login-proven']);
      expect(proven.code).toBe(0);
      expect(stepsIn(proven, 'changed')).toEqual([
        'file /etc/ssh/sshd_config.d/00-hostdeck.conf: written, sshd -t passed',
        'service ssh: reloaded',
      ]);
      expect(await offeredMethods(visitor!, web!)).toBe('publickey');
      expect(await keyLoginWorks(web!)).toBe(true);
      const again = await hostdeck(web!, 'ssh-hardening', 'install', ['--key-login-proven']);
      expect(stepsIn(again, 'changed')).toEqual([]);
      expect((await hostdeck(web!, 'ssh-hardening', 'status')).status).toMatchObject({
        installed: 'yes',
        active: 'yes',
        drift: 'none',
      });
    }));

  it('leaves sshd untouched when the resulting config fails sshd -t', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      await sh(h!, 'echo "NotAnOption yes" > /etc/ssh/sshd_config.d/50-broken.conf');
      const run = await hostdeck(h!, 'ssh-hardening', 'install', ['--key-login-proven']);
      expect(run.code).toBe(1);
      expect(stepsIn(run, 'failed')).toEqual([
        expect.stringMatching(
          /^file \/etc\/ssh\/sshd_config\.d\/00-hostdeck\.conf: sshd -t rejected the resulting config, nothing was changed and sshd was not reloaded: .*50-broken\.conf/,
        ),
      ]);
      expect(await sh(h!, 'ls /etc/ssh/sshd_config.d')).toBe('50-broken.conf');
      expect(await sh(h!, 'systemctl is-active ssh')).toBe('active');
      expect(await keyLoginWorks(h!)).toBe(true);
    }));
});

describe('fail2ban', () => {
  it('bans an address that keeps failing SSH logins, but never the ignored operator address', () =>
    withFreshHosts(2, async ([web, attacker]) => {
      await uploadScripts(web!);
      const install = await hostdeck(web!, 'fail2ban', 'install', [
        '--ignore-ip',
        '10.213.0.1',
        '--max-retry',
        '3',
      ]);
      expect(install.code, stepsIn(install, 'failed').join('; ')).toBe(0);
      expect(stepsIn(install, 'ok')).toContain('jail sshd: running');
      expect(await sh(web!, 'fail2ban-client get sshd journalmatch')).toContain('_SYSTEMD_UNIT=ssh.service');

      // The operator (this machine) fumbles its logins more often than max-retry...
      for (let i = 0; i < 5; i++) {
        await expect(connect({ ...web!.ssh, username: 'nosuchuser' }, 5_000)).rejects.toThrow();
      }
      // ...and an attacker host does the same.
      await attacker!.exec(
        `for i in 1 2 3 4 5; do timeout 5 ssh -o BatchMode=yes -o StrictHostKeyChecking=no ` +
          `-o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 nosuchuser@${web!.address} true; done; true`,
      );
      const banned = await pollUntil(
        20_000,
        async () => {
          const list = await sh(web!, 'fail2ban-client get sshd banned');
          return list.includes(attacker!.address) ? list : undefined;
        },
        () => new Error(`${attacker!.address} was never banned`),
        500,
      );
      expect(banned).not.toContain('10.213.0.1');
      expect(await tcpProbe(attacker!, web!, 22)).not.toBe('open');
      expect(await keyLoginWorks(web!)).toBe(true);

      const again = await hostdeck(web!, 'fail2ban', 'install', [
        '--ignore-ip',
        '10.213.0.1',
        '--max-retry',
        '3',
      ]);
      expect(stepsIn(again, 'changed')).toEqual([]);
      expect((await hostdeck(web!, 'fail2ban', 'status')).status).toMatchObject({
        installed: 'yes',
        enabled: 'yes',
        active: 'yes',
        drift: 'none',
      });
    }));
});
