// The ensure_* helpers of server-scripts/lib.sh, called directly on a provisioned host: each
// reports one step, converges on the first real run, reports ok afterwards, and in check mode
// only says what it would change.
import { describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { parseOutput, REMOTE_DIR, sh, uploadScripts } from './hostdeck-scripts.js';
import { provisionedLayer } from './provisioned-layer.js';

const helpers = (check: 0 | 1) => `#!/usr/bin/env bash
set -Eeuo pipefail
source ${REMOTE_DIR}/lib.sh
hd_init
HD_MODULE=libtest
HD_CHECK=${check}
ensure_dir /etc/hd-test 0750 root root
ensure_file /etc/hd-test/secret.conf 0600 root root $'token=abc\\n'
ensure_line /etc/hd-lines.conf 'b=3' '^b='
ensure_line /etc/hd-lines.conf 'c=4'
ensure_user hdtest /srv/hdtest /usr/sbin/nologin system
ensure_database hd_test_db
ensure_db_user hd_test_user localhost 'Lib-Test-pw.0123456789'
ensure_db_grant hd_test_user localhost 'ALL PRIVILEGES' '\`hd_test_db\`.*' no-grant
`;

async function runHelpers(h: Host, check: 0 | 1) {
  await h.exec('cat > /root/helpers.sh', { input: helpers(check) });
  const r = await h.exec('bash /root/helpers.sh');
  expect(r.code, r.stderr).toBe(0);
  return parseOutput(r.stdout).steps.map((s) => `${s.state} ${s.name}: ${s.detail}`);
}

describe('lib.sh ensure_* helpers', () => {
  it('converge once, then report ok; check mode changes nothing', async () => {
    const layer = await provisionedLayer();
    await withFreshHosts(
      1,
      async ([h]) => {
        expect(['running', 'degraded']).toContain(await h!.waitForSystemd(60_000));
        await uploadScripts(h!);
        await sh(h!, 'printf "a=1\\nb=2\\n" > /etc/hd-lines.conf && chmod 0644 /etc/hd-lines.conf');
        const state = () =>
          sh(
            h!,
            'ls -ld /etc/hd-test 2>&1 | cut -c1-10; cat /etc/hd-lines.conf; getent passwd hdtest || true; ' +
              `mariadb -N -e "SELECT COUNT(*) FROM mysql.user WHERE User='hd_test_user'; SHOW DATABASES LIKE 'hd_test_db'"`,
          );
        const before = await state();

        expect(await runHelpers(h!, 1)).toEqual([
          'would-change directory /etc/hd-test: create (0750 root:root)',
          'would-change file /etc/hd-test/secret.conf: would create (0600 root:root)',
          'would-change line in /etc/hd-lines.conf: replaced: b=3',
          'would-change line in /etc/hd-lines.conf: added: c=4',
          'would-change user hdtest: create (system, home /srv/hdtest)',
          'would-change database hd_test_db: create (utf8mb4)',
          'would-change database user hd_test_user@localhost: create',
          'would-change database grant hd_test_user@localhost: grant ALL PRIVILEGES on `hd_test_db`.*',
        ]);
        expect(await state()).toBe(before);

        expect(await runHelpers(h!, 0)).toEqual([
          'changed directory /etc/hd-test: create (0750 root:root)',
          'changed file /etc/hd-test/secret.conf: create (0600 root:root)',
          'changed line in /etc/hd-lines.conf: replaced: b=3',
          'changed line in /etc/hd-lines.conf: added: c=4',
          'changed user hdtest: create (system, home /srv/hdtest)',
          'changed database hd_test_db: create (utf8mb4)',
          'changed database user hd_test_user@localhost: create',
          'changed database grant hd_test_user@localhost: grant ALL PRIVILEGES on `hd_test_db`.*',
        ]);
        expect(await sh(h!, 'cat /etc/hd-lines.conf')).toBe('a=1\nb=3\nc=4');
        expect(await sh(h!, 'stat -c "%a %U" /etc/hd-test/secret.conf /etc/hd-lines.conf')).toBe(
          '600 root\n644 root',
        );
        expect(await sh(h!, 'getent passwd hdtest | cut -d: -f6,7')).toBe('/srv/hdtest:/usr/sbin/nologin');

        const again = await runHelpers(h!, 0);
        expect(again.every((s) => s.startsWith('ok '))).toBe(true);
        expect(again).toHaveLength(8);

        // Drift in mode is repaired, content left alone when it matches.
        await sh(h!, 'chmod 0644 /etc/hd-test/secret.conf');
        expect(await runHelpers(h!, 0)).toContain(
          'changed file /etc/hd-test/secret.conf: mode/owner 0644:root:root -> 0600:root:root',
        );
      },
      { layers: [layer] },
    );
  });
});
