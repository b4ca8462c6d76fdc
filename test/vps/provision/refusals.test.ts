// What the scripts refuse before touching anything: an OS they do not support (exit 4), and
// options or stdin values that are malformed or hostile (exit 2, a failed step naming them).
import { describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { HOSTDECK, hostdeck, parseOutput, sh, uploadScripts } from './hostdeck-scripts.js';

const ALPINE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n';

/** Everything a run could have changed: packages, Hostdeck's dirs, the files modules write. */
const footprint = (h: Host) =>
  sh(
    h,
    'dpkg-query -W -f="\\${Package} \\${Status}\\n" | sha256sum; ' +
      'ls -d /etc/caddy /etc/hostdeck /var/lib/hostdeck /var/log/hostdeck /tmp/pwned 2>/dev/null; ' +
      'sha256sum /etc/nftables.conf 2>/dev/null; true',
  );

describe('refusals', () => {
  it('refuses an unsupported OS with exit code 4 before changing anything', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      // Debian's /etc/os-release is a symlink into /usr/lib; the host now claims to be Alpine.
      await h!.exec('rm /etc/os-release && cat > /etc/os-release', { input: ALPINE });
      const before = await footprint(h!);
      for (const [module, args] of [
        ['caddy', []],
        ['mariadb', ['--admin-password-stdin']],
        ['firewall', ['--check']],
      ] as const) {
        const run = await hostdeck(h!, module, 'install', [...args], {
          input: 'refused-Test-pw.0123456789\n',
        });
        expect(run.code, module).toBe(4);
        expect(run.steps).toEqual([
          {
            state: 'failed',
            name: 'supported OS',
            detail:
              'Alpine Linux v3.20 is not supported: Hostdeck manages Debian 12/13 and Ubuntu 22.04/24.04. Nothing was changed.',
          },
        ]);
        expect(run.result.state).toBe('failed');
      }
      // Debian 11 is Debian, but not a supported release.
      await h!.exec('cat > /etc/os-release', {
        input: 'ID=debian\nVERSION_ID="11"\nPRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n',
      });
      const old = await hostdeck(h!, 'caddy', 'install');
      expect(old.code).toBe(4);
      expect(old.steps[0]!.detail).toMatch(/^Debian GNU\/Linux 11 \(bullseye\) is not supported/);
      expect(await footprint(h!)).toBe(before);
      expect(await sh(h!, 'ls /run/lock')).not.toContain('hostdeck');
    }));

  it('refuses hostile or malformed option values with exit code 2, naming the option', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      const before = await footprint(h!);
      const cases: [string, string[], string][] = [
        ['caddy', ['--acme-email', 'ops@example.com;reboot'], 'option --acme-email'],
        ['caddy', ['--acme-email', '$(touch /tmp/pwned)@example.com'], 'option --acme-email'],
        ['caddy', ['--acme-email', '`touch /tmp/pwned`@example.com'], 'option --acme-email'],
        ['caddy', ['--acme-email', 'ops@example.com\nimport /etc/passwd'], 'option --acme-email'],
        ['caddy', ['--acme-email', '../../etc/passwd'], 'option --acme-email'],
        ['caddy', ['--acme-email'], 'option --acme-email'],
        ['caddy', ['--config', '/etc/passwd'], 'option --config'],
        ['caddy', ['--check', '--check'], 'option --check'],
        ['caddy', ['extra-positional'], 'argument'],
        ['caddy', ['--lock-timeout', '1; touch /tmp/pwned'], 'option --lock-timeout'],
        ['firewall', ['--ssh-port', '22;id'], 'option --ssh-port'],
        ['firewall', ['--ssh-port', '70000'], 'option --ssh-port'],
        ['firewall', ['--ssh-port', '$((1+1))'], 'option --ssh-port'],
        ['firewall', ['--extra-tcp-ports', '8080 } ; tcp dport 3306 accept ; {'], 'option --extra-tcp-ports'],
        ['firewall', ['--extra-tcp-ports', '80,../../etc'], 'option --extra-tcp-ports'],
        ['firewall', ['--extra-tcp-ports', '8080,\n3306'], 'option --extra-tcp-ports'],
        ['../lib', [], 'module'],
        ['caddy', ['$(reboot)'], 'argument'],
        ['caddy', ['--$(touch /tmp/pwned)', 'x'], 'argument'],
      ];
      for (const [module, args, name] of cases) {
        const run = await hostdeck(h!, module, 'install', args);
        const label = `${module} ${JSON.stringify(args)}`;
        expect(run.code, label).toBe(2);
        expect(run.steps, label).toHaveLength(1);
        expect(run.steps[0], label).toMatchObject({ state: 'failed', name });
        expect(run.result.state, label).toBe('failed');
      }
      const badVerb = await hostdeck(h!, 'caddy', 'reboot');
      expect(badVerb.code).toBe(2);
      expect(badVerb.steps[0]!.name).toBe('verb');
      const notRoot = await h!.exec(`runuser -u nobody -- ${HOSTDECK} caddy install`);
      expect(notRoot.code).toBe(2);
      expect(parseOutput(notRoot.stdout).steps).toEqual([
        {
          state: 'failed',
          name: 'root',
          detail: 'hostdeck.sh must run as root (over SSH as root, or with sudo)',
        },
      ]);
      expect(await footprint(h!)).toBe(before);
    }));

  it('refuses a hostile or malformed admin password on stdin with exit code 2', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      const before = await footprint(h!);
      for (const input of [
        "x'; DROP USER root@localhost; -- aaaaaaaaaaaa\n",
        '$(touch /tmp/pwned)aaaaaaaaaaaaaaaa\n',
        'short\n',
        'has a space in it 0123456789\n',
        '',
        '\n',
      ]) {
        const run = await hostdeck(h!, 'mariadb', 'install', ['--admin-password-stdin'], { input });
        expect(run.code, JSON.stringify(input)).toBe(2);
        expect(run.steps).toHaveLength(1);
        expect(run.steps[0]).toMatchObject({ state: 'failed', name: 'admin password (stdin)' });
        // The refused value is never echoed back.
        if (input.length > 1) expect(run.stdout + run.stderr).not.toContain(input.trim());
      }
      // Without the flag and with nothing stored yet, install says what is missing.
      const none = await hostdeck(h!, 'mariadb', 'install');
      expect(none.code).toBe(2);
      expect(none.steps[0]!.detail).toContain('pass --admin-password-stdin');
      expect(await footprint(h!)).toBe(before);
    }));
});
