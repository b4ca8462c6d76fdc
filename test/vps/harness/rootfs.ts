// The shared, read-only Debian 12 base every host's overlay sits on, cached by recipe hash.
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, MIRROR_HOST, rootfsScriptsDir } from './config.js';
import { run } from './sh.js';

export interface BaseRootfs {
  /** cache entry: `<cache>/base-<hash>` */
  dir: string;
  /** the Debian tree, used as the bottom overlay lower dir */
  rootfs: string;
  /** test-only ed25519 key whose public half is root's authorized key in the rootfs */
  privateKeyPath: string;
  privateKey: Buffer;
}

const RECIPE_FILES = ['build-base.sh', 'ensure-base.sh'];

/** IPv4 addresses the mirror resolves to here; hosts reach only these (see network.ts). */
export async function resolveMirror(): Promise<string[]> {
  try {
    const found = await lookup(MIRROR_HOST, { all: true, family: 4 });
    const addrs = [...new Set(found.map((a) => a.address))];
    if (addrs.length > 0) return addrs;
  } catch {
    // fall through to the explanation below
  }
  throw new Error(
    `Cannot resolve ${MIRROR_HOST} on this machine. The vps hosts install packages from the ` +
      'Debian mirror; check DNS (getent ahostsv4 deb.debian.org) and retry.',
  );
}

/**
 * Cache key: the recipe scripts and the mirror address they bake into /etc/hosts. Editing a
 * script or a mirror move yields a new entry; ensure-base.sh prunes the unused old ones.
 */
export function recipeHash(mirrorAddr: string): string {
  const h = createHash('sha256');
  for (const file of RECIPE_FILES) {
    h.update(`${file}\0`)
      .update(readFileSync(join(rootfsScriptsDir, file)))
      .update('\0');
  }
  h.update(`mirror=${mirrorAddr}\0`);
  return h.digest('hex').slice(0, 16);
}

function load(dir: string): BaseRootfs {
  const privateKeyPath = join(dir, 'id_ed25519');
  return { dir, rootfs: join(dir, 'rootfs'), privateKeyPath, privateKey: readFileSync(privateKeyPath) };
}

/** Returns the cached base for the current recipe, building it first (~45 s) if missing. */
export async function ensureBaseRootfs(mirrorAddrs?: string[]): Promise<BaseRootfs> {
  const mirror = (mirrorAddrs ?? (await resolveMirror()))[0];
  if (mirror === undefined) throw new Error('ensureBaseRootfs: empty mirror address list');
  const hash = recipeHash(mirror);
  const dir = join(cacheRoot(), `base-${hash}`);
  if (!existsSync(dir)) {
    // ensure-base.sh takes the build lock, re-checks, builds into a temp dir and renames.
    const script = join(rootfsScriptsDir, 'ensure-base.sh');
    const result = await run('bash', [script, cacheRoot(), hash, mirror]);
    if (result.code !== 0 || !existsSync(dir)) {
      throw new Error(
        `Building the vps base rootfs failed (exit ${result.code}):\n${result.stderr.trim()}\n` +
          `Fix the cause and rerun; a partial build is never used. Recipe: ${script}`,
      );
    }
    if (result.stderr.trim()) console.log(result.stderr.trim());
  }
  return load(dir);
}

/** The base chosen by global setup (passed through the environment), else computed here. */
export async function currentBase(): Promise<BaseRootfs> {
  const fromSetup = process.env.HOSTDECK_VPS_BASE;
  if (fromSetup && existsSync(join(fromSetup, 'rootfs'))) return load(fromSetup);
  return ensureBaseRootfs();
}
