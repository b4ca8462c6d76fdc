/**
 * npm run bench:provision — on two identical fresh Debian 12 hosts (vps tier):
 *   A: full provisioning from the app (every module), then a no-op re-run;
 *   B: the floor — a bare `apt-get update && apt-get install` of the same packages.
 * Targets: provision/floor <= 1.3x, no-op re-run <= 3 s. Prints figures; asserts only success.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { startApp } from '../test/ssh/harness/app';
import { addTrustedServer } from '../test/support/trusted-server';
import { startHosts, stopAll } from '../test/vps/harness/index.js';

afterAll(stopAll);

// Every module whose packages come from the Debian mirror (FrankenPHP's release download and swap in
// a container cannot work here; see their vps tests).
const MODULES = ['firewall', 'caddy', 'mariadb', 'fail2ban', 'ssh-hardening', 'unattended-upgrades'] as const;
const FLOOR =
  'DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nftables caddy mariadb-server fail2ban python3-systemd unattended-upgrades';

it('provisions about as fast as apt-get alone, and re-runs in seconds', async () => {
  spawnSync('ip', ['neigh', 'flush', 'dev', 'hdvps0'], { stdio: 'ignore' });
  const [a, b] = await startHosts(2);
  const app = await startApp();
  try {
    const { serverId } = await addTrustedServer((n, i) => app.call(n as never, i as never), {
      name: 'bench-a',
      host: a!.address,
      port: 22,
      username: 'root',
      privateKey: a!.ssh.privateKey.toString('utf8'),
    });
    // Connect once up front so neither measurement pays for the SSH handshake.
    await app.hd.pool.exec(serverId, 'true');

    const run = async () => {
      const t = performance.now();
      const { jobId } = await app.call('provision.run', {
        serverId: serverId,
        modules: [...MODULES],
        check: false,
      });
      const job = await app.hd.jobs.wait(jobId);
      expect(job.state, job.error ?? '').toBe('succeeded');
      return { ms: performance.now() - t, job };
    };

    // Both hosts work at once, as they would on two real machines; each has the same share here.
    const [full, floor] = await Promise.all([
      run(),
      (async () => {
        const t = performance.now();
        const r = await b!.exec(FLOOR);
        expect(r.code, r.stderr).toBe(0);
        return performance.now() - t;
      })(),
    ]);
    const noop = await run();
    expect(noop.job.counts.changed).toBe(0);

    console.log(
      [
        '',
        'bench:provision — two identical fresh Debian 12 hosts (vps tier), run side by side',
        `  full provision (${MODULES.length} modules, ${full.job.counts.changed} changed steps): ${(full.ms / 1000).toFixed(1)} s`,
        `  floor, bare apt-get update + install of the same packages:       ${(floor / 1000).toFixed(1)} s`,
        `  ratio provision/floor:                                           ${(full.ms / floor).toFixed(2)}x  (target <= 1.3x)`,
        `  no-op re-run (${noop.job.counts.ok} ok, 0 changed):                          ${(noop.ms / 1000).toFixed(2)} s  (target <= 3 s)`,
      ].join('\n'),
    );
  } finally {
    await app.close();
  }
});
