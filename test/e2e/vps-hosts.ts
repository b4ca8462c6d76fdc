// The vps harness for Playwright: the harness's index module registers vitest hooks, so this
// builds hosts from its plain parts instead (same run id, same base rootfs, same teardown).
import { spawnSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { Host } from '../vps/harness/host.js';
import { sitesLayer } from '../vps/sites/sites-layer.js';
import { currentBase } from '../vps/harness/rootfs.js';
import { currentRunId } from '../vps/harness/run.js';
import setupVps from '../vps/global-setup';

export async function bootHosts(
  n: number,
  /** Pre-provisioned layers to boot from, made once the tier is set up (e.g. sitesLayer). */
  layers?: () => Promise<string[]>,
): Promise<{ hosts: Host[]; stop(): Promise<void> }> {
  const teardown = await setupVps();
  const base = await currentBase();
  const runId = currentRunId();
  const hosts: Host[] = [];
  try {
    const opts = layers ? { layers: await layers() } : {};
    for (let i = 0; i < n; i++) hosts.push(await Host.create(runId, base, opts));
  } catch (err) {
    await Promise.allSettled(hosts.map((h) => h.destroy()));
    await teardown();
    throw err;
  }
  return {
    hosts,
    async stop() {
      await Promise.allSettled(hosts.map((h) => h.destroy()));
      await teardown();
    },
  };
}

/**
 * N hosts (default one) booted from the sites layer for the whole spec file (registers its
 * beforeAll/afterAll); `host()` is the first inside the tests, `host(i)` the others.
 */
export function sitesHostForFile(
  test: {
    beforeAll(fn: () => Promise<void>): void;
    afterAll(fn: () => Promise<void>): void;
    setTimeout(ms: number): void;
  },
  n = 1,
): (i?: number) => Host {
  let booted: Awaited<ReturnType<typeof bootHosts>> | null = null;
  test.beforeAll(async () => {
    test.setTimeout(900_000);
    // A host of an earlier run may have had this address: forget its MAC.
    spawnSync('ip', ['neigh', 'flush', 'dev', 'hdvps0'], { stdio: 'ignore' });
    booted = await bootHosts(n, async () => [await sitesLayer()]);
  });
  test.afterAll(async () => {
    await booted?.stop();
  });
  return (i = 0) => {
    if (!booted) throw new Error('the sites host is not booted (beforeAll failed)');
    return booted.hosts[i]!;
  };
}

/** Opens a section of the window by its navigation button. */
export const openSection = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true }).click();
