// A host ready for sites: Debian's PHP CLI (with mysqli, for the labelled FrankenPHP stand-in,
// test/stand-ins/frankenphp: the real binary cannot be downloaded here, see ENVIRONMENT.md), git
// and curl, then caddy, mariadb, firewall and frankenphp (the stand-in) installed by the scripts.
// Keyed by the digest of the provisioning modules it ran (not of lib.sh or site.sh, which the
// tests upload fresh every time), so editing the site module does not rebuild it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// No vitest imports anywhere below: the e2e tier (Playwright) builds this layer too.
import type { Host } from '../harness/host.js';
import { SCRIPTS_DIR } from '../provision/hostdeck-scripts.js';
import { baseModules, ensureCurrentLayer, installModules } from '../provision/provisioned-layer.js';
import { STAND_IN, UPLOAD_STAND_IN } from '../provision/frankenphp-helpers.js';

/** The hostdeck_admin password of hosts started from the layer (test-only). */
const LAYER_ADMIN_PASSWORD = 'sites-layer-Admin-pw.0123456789';

const PREFIX = 'hostdeck-sites-v1-';
const PACKAGES = 'php8.2-cli php8.2-mysql git curl';

function provisioningDigest(): string {
  const h = createHash('sha256').update(PACKAGES).update(STAND_IN);
  const files = ['modules/caddy.sh', 'modules/mariadb.sh', 'modules/firewall.sh', 'modules/frankenphp.sh'];
  const fpDir = join(SCRIPTS_DIR, 'files/frankenphp');
  for (const f of readdirSync(fpDir).sort()) files.push(`files/frankenphp/${f}`);
  for (const f of files) h.update(f).update(readFileSync(join(SCRIPTS_DIR, f)));
  return h.digest('hex').slice(0, 16);
}

async function provisionForSites(host: Host): Promise<void> {
  const apt = await host.exec(
    `apt-get -q -o Acquire::Retries=4 update && DEBIAN_FRONTEND=noninteractive apt-get -q -o Acquire::Retries=4 install -y --no-install-recommends ${PACKAGES}`,
    { timeoutMs: 400_000 },
  );
  if (apt.code !== 0) throw new Error(`installing ${PACKAGES} failed: ${apt.stderr}`);
  await installModules(host, [
    ...baseModules(LAYER_ADMIN_PASSWORD),
    ['frankenphp', UPLOAD_STAND_IN, STAND_IN],
  ]);
}

/** The layer (built on first use, about a minute; then a host boots from it in about a second). */
export const sitesLayer = (): Promise<string> =>
  ensureCurrentLayer(PREFIX, provisioningDigest(), provisionForSites);
