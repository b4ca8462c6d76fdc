// A host layer provisioned by the scripts themselves (caddy, mariadb, firewall installed through
// hostdeck.sh), for tests that are about what comes after installing. Keyed by the scripts'
// digest, so editing server-scripts rebuilds it; layers of older scripts are deleted.
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ensureLayer } from '../harness/index.js';
import type { Host } from '../harness/index.js';
import { flushBridgeNeighbours } from './fresh-hosts.js';
import { hostdeck, scriptsDigest, stepsIn, uploadScripts } from './hostdeck-scripts.js';

/** The hostdeck_admin password of hosts started from the layer (test-only). */
export const LAYER_ADMIN_PASSWORD = 'layer-Admin-pw.0123456789';

const PREFIX = 'hostdeck-provisioned-';

/** Installs caddy, mariadb and firewall on `host` with the scripts; throws on any failed step. */
export async function provisionAll(host: Host, adminPassword: string): Promise<void> {
  await uploadScripts(host);
  for (const [module, args, input] of [
    ['caddy', [], undefined],
    ['mariadb', ['--admin-password-stdin'], `${adminPassword}\n`],
    ['firewall', [], undefined],
  ] as const) {
    const run = await hostdeck(host, module, 'install', [...args], { input });
    if (run.code !== 0) {
      throw new Error(
        `${module} install failed (${run.code}): ${stepsIn(run, 'failed').join('; ')}\n${run.stderr}`,
      );
    }
  }
}

export async function provisionedLayer(): Promise<string> {
  const key = `${PREFIX}${scriptsDigest().slice(0, 16)}`;
  flushBridgeNeighbours();
  const layer = await ensureLayer(key, (h) => provisionAll(h, LAYER_ADMIN_PASSWORD));
  for (const other of readdirSync(dirname(layer))) {
    if (other.startsWith(PREFIX) && other !== basename(layer) && !other.includes('.tmp-')) {
      rmSync(`${dirname(layer)}/${other}`, { recursive: true, force: true });
    }
  }
  return layer;
}
