// The vps harness for Playwright: the harness's index module registers vitest hooks, so this
// builds hosts from its plain parts instead (same run id, same base rootfs, same teardown).
import { Host } from '../vps/harness/host.js';
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
