// Pre-provisioned layers: a provisioned host's upper dir, minus its identity, reused as an extra
// lower dir so tests that are not about provisioning start a ready host in about a second.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Host } from './host.js';
import type { HostOptions } from './host.js';
import { currentBase } from './rootfs.js';
import { currentRunId } from './run.js';
import { must, run } from './sh.js';

// What makes a host this host, or is only download residue: removed so every host started
// from the layer gets its own machine-id and ssh host keys (regenerated at boot).
const IDENTITY = [
  'etc/machine-id',
  'var/lib/dbus/machine-id',
  'var/lib/systemd/random-seed',
  'var/lib/systemd/credential.secret',
];
const IDENTITY_GLOBS = [
  'etc/ssh/ssh_host_*',
  'var/cache/apt/archives/*.deb',
  'var/cache/apt/*.bin',
  'var/log/journal/*',
];

/**
 * Where a layer called `key` lives: inside its base's cache entry, so a recipe change (new base)
 * invalidates every layer made on the old one and the base prune removes them together.
 * Put a version in `key` and bump it when the provisioning it captures changes.
 */
export async function layerPath(key: string): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(key))
    throw new Error(`Layer key ${JSON.stringify(key)}: use [A-Za-z0-9._-] only`);
  return join((await currentBase()).dir, 'layers', key);
}

/**
 * Stops `host` and copies its upper dir (without identity) to `dest`, atomically: the copy is
 * made beside `dest` and renamed into place. Overlay whiteouts and opaque-dir xattrs are kept
 * (cp -a as root), so deletions made while provisioning stay deleted in the layer.
 */
export async function captureLayer(host: Host, dest: string): Promise<void> {
  await host.stop();
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  await run('rm', ['-rf', '--one-file-system', tmp]);
  await must('cp', ['-a', host.upperDir, tmp]);
  await must('rm', ['-rf', ...IDENTITY.map((p) => join(tmp, p))]);
  await must('sh', ['-c', 'cd "$1" && shift && rm -rf -- $@', 'capture', tmp, ...IDENTITY_GLOBS]);
  try {
    renameSync(tmp, dest);
  } catch (err) {
    // Someone else captured the same layer first: theirs is as good as ours.
    await run('rm', ['-rf', '--one-file-system', tmp]);
    if (!existsSync(dest)) throw err;
  }
}

/**
 * Returns the layer `key`, building it first if missing: boots a host (on `opts.layers`, if
 * any), runs `provision` on it, captures the result and destroys the host.
 */
export async function ensureLayer(
  key: string,
  provision: (host: Host) => Promise<void>,
  opts: HostOptions = {},
): Promise<string> {
  const dest = await layerPath(key);
  if (existsSync(dest)) return dest;
  const host = await Host.create(currentRunId(), await currentBase(), opts);
  try {
    await provision(host);
    await captureLayer(host, dest);
  } finally {
    await host.destroy();
  }
  return dest;
}
