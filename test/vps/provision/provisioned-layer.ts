// A host layer provisioned by the scripts themselves (caddy, mariadb, firewall installed through
// hostdeck.sh), for tests that are about what comes after installing. Keyed by the scripts'
// digest, so editing server-scripts rebuilds it; layers of other scripts unused for a while are deleted.
// No vitest imports: the sites layer (also built by the e2e tier) uses these helpers.
import { readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ensureLayer } from '../harness/layers.js';
import type { Host } from '../harness/host.js';
import { flushBridgeNeighbours } from './bridge.js';
import { hostdeck, scriptsDigest, stepsIn, uploadScripts } from './hostdeck-scripts.js';

/** The hostdeck_admin password of hosts started from the layer (test-only). */
export const LAYER_ADMIN_PASSWORD = 'layer-Admin-pw.0123456789';

const PREFIX = 'hostdeck-provisioned-';

/** One `hostdeck.sh <module> install [args]` run, with what it reads on stdin. */
export type ModuleInstall = readonly [module: string, args: readonly string[], input?: string];

/** The base modules every provisioned layer has. */
export const baseModules = (adminPassword: string): ModuleInstall[] => [
  ['caddy', []],
  ['mariadb', ['--admin-password-stdin'], `${adminPassword}\n`],
  ['firewall', []],
];

/** Uploads the scripts and installs `modules` in order; throws on any failed step. */
export async function installModules(host: Host, modules: ModuleInstall[]): Promise<void> {
  await uploadScripts(host);
  for (const [module, args, input] of modules) {
    const run = await hostdeck(host, module, 'install', [...args], { input });
    if (run.code !== 0) {
      throw new Error(
        `${module} install failed (${run.code}): ${stepsIn(run, 'failed').join('; ')}\n${run.stderr}`,
      );
    }
  }
}

/** Installs caddy, mariadb and firewall on `host` with the scripts; throws on any failed step. */
export const provisionAll = (host: Host, adminPassword: string): Promise<void> =>
  installModules(host, baseModules(adminPassword));

/** A layer of other scripts is kept this long after its last use: another checkout may be running on it. */
const KEEP_UNUSED_MS = 3 * 60 * 60 * 1000;

/**
 * The layer `prefix + key`, built if missing. Layers of the same prefix that no run used for
 * KEEP_UNUSED_MS are deleted (a run on another checkout's scripts keeps its own alive by using it).
 */
export async function ensureCurrentLayer(
  prefix: string,
  key: string,
  provision: (host: Host) => Promise<void>,
): Promise<string> {
  flushBridgeNeighbours();
  const layer = await ensureLayer(`${prefix}${key}`, provision);
  const now = new Date();
  utimesSync(layer, now, now);
  for (const other of readdirSync(dirname(layer))) {
    if (!other.startsWith(prefix) || other === basename(layer) || other.includes('.tmp-')) continue;
    const path = `${dirname(layer)}/${other}`;
    if (now.getTime() - statSync(path).mtimeMs > KEEP_UNUSED_MS)
      rmSync(path, { recursive: true, force: true });
  }
  return layer;
}

export const provisionedLayer = (): Promise<string> =>
  ensureCurrentLayer(PREFIX, scriptsDigest().slice(0, 16), (h) => provisionAll(h, LAYER_ADMIN_PASSWORD));
