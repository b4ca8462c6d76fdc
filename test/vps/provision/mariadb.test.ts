// The mariadb module on a fresh host: root by unix socket only, no anonymous or remote-root
// accounts, listening on 127.0.0.1 only, and Hostdeck's admin account whose password arrives on
// stdin and is kept on the host only in a 0600 root-owned option file.
import { describe, expect, it } from 'vitest';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';
import { tcpProbe } from './probes.js';

const PASSWORD = 'Wq7.zR2-mariadb-Test-9xK4';
const ROTATED = 'Rotated-Test-pw.5566778899';

const sql = (q: string) => `mariadb -N -B -e ${JSON.stringify(q)}`;

describe('mariadb', () => {
  it('installs a locked-down server with an admin account whose password never leaves stdin', () =>
    withFreshHosts(2, async ([db, visitor]) => {
      await uploadScripts(db!);
      // Every process's argv and environment, sampled while the install runs.
      await sh(
        db!,
        `systemd-run --unit=argv-watch bash -c 'while :; do ps axeww -o args; echo SAMPLE; sleep 0.02; done >/run/argv-watch.log 2>&1'`,
      );
      const run = await hostdeck(db!, 'mariadb', 'install', ['--admin-password-stdin'], {
        input: `${PASSWORD}\n`,
      });
      await sh(db!, 'systemctl stop argv-watch');
      expect(run.code, stepsIn(run, 'failed').join('; ')).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
      expect(Number(await sh(db!, 'grep -c ^SAMPLE /run/argv-watch.log'))).toBeGreaterThan(20);
      expect(Number(await sh(db!, `grep -c -e mariadb -e apt-get /run/argv-watch.log`))).toBeGreaterThan(0);
      expect(await sh(db!, `grep -cF -- '${PASSWORD}' /run/argv-watch.log || true`)).toBe('0');

      // On disk only in the option file, which only root can read.
      const holders = await sh(
        db!,
        `grep -rlaF -- '${PASSWORD}' /etc /var/log /root /var/lib /tmp /var/tmp /opt /home 2>/dev/null || true`,
      );
      expect(holders).toBe('/etc/hostdeck/mariadb-admin.cnf');
      expect(await sh(db!, 'stat -c "%a %U %G" /etc/hostdeck/mariadb-admin.cnf')).toBe('600 root root');

      // The admin account works with that password (read from the file, as the app's scripts will).
      expect(
        await sh(
          db!,
          `mariadb --defaults-extra-file=/etc/hostdeck/mariadb-admin.cnf -N -e 'SELECT CURRENT_USER()'`,
        ),
      ).toBe('hostdeck_admin@localhost');
      expect(await sh(db!, sql("SHOW GRANTS FOR 'hostdeck_admin'@'localhost'"))).toMatch(
        /^GRANT ALL PRIVILEGES ON \*\.\* TO `hostdeck_admin`@`localhost` .*WITH GRANT OPTION$/,
      );

      // root: over the socket as the Linux root user only.
      expect(await sh(db!, sql('SELECT CURRENT_USER()'))).toBe('root@localhost');
      const tcpRoot = await db!.exec(`mariadb -uroot -h127.0.0.1 --protocol=tcp -e 'SELECT 1'`);
      expect(tcpRoot.code).not.toBe(0);
      expect(tcpRoot.stderr).toContain('Access denied');
      const otherUser = await db!.exec(`runuser -u nobody -- mariadb -uroot -e 'SELECT 1'`);
      expect(otherUser.stderr).toContain('Access denied');
      expect(
        await sh(db!, sql("SELECT COUNT(*) FROM mysql.user WHERE User='root' AND Host<>'localhost'")),
      ).toBe('0');
      expect(await sh(db!, sql("SELECT COUNT(*) FROM mysql.user WHERE User=''"))).toBe('0');

      // Listening on loopback only: refused from another host even without a firewall.
      expect(await sh(db!, sql('SELECT @@bind_address'))).toBe('127.0.0.1');
      expect(await sh(db!, 'grep -c " 0100007F:0CEA 00000000:0000 0A" /proc/net/tcp')).toBe('1');
      expect(await sh(db!, 'grep -ci ":0CEA 0\\+:0000 0A" /proc/net/tcp6 || true')).toBe('0');
      expect(await tcpProbe(visitor!, db!, 3306)).toBe('refused');
      expect(await sh(db!, 'systemctl is-enabled mariadb.socket || true')).toBe('masked');

      // Re-running without the password keeps the stored one; a new password on stdin rotates it.
      const again = await hostdeck(db!, 'mariadb', 'install');
      expect(stepsIn(again, 'changed')).toEqual([]);
      const rotated = await hostdeck(db!, 'mariadb', 'install', ['--admin-password-stdin'], {
        input: `${ROTATED}\n`,
      });
      expect(stepsIn(rotated, 'changed')).toEqual([
        'database user hostdeck_admin@localhost: password set',
        'file /etc/hostdeck/mariadb-admin.cnf: content',
      ]);
      expect(
        await sh(db!, `mariadb --defaults-extra-file=/etc/hostdeck/mariadb-admin.cnf -N -e 'SELECT 1'`),
      ).toBe('1');
      const oldPw = await db!.exec(`mariadb --defaults-extra-file=/dev/stdin -e 'SELECT 1'`, {
        input: `[client]\nuser=hostdeck_admin\npassword=${PASSWORD}\n`,
      });
      expect(oldPw.code).not.toBe(0);
      const status = await hostdeck(db!, 'mariadb', 'status');
      expect(status.status).toMatchObject({ installed: 'yes', enabled: 'yes', active: 'yes', drift: 'none' });
    }));
});
