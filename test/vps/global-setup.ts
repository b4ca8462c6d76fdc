// Global setup of the vps tier (runs once, in vitest's main process, before any test file):
// checks the machine, builds or reuses the cached base rootfs, sweeps crashed runs, sets up the
// bridge and nft rules, and registers this run. Workers find the run and the base through the
// environment they inherit (HOSTDECK_VPS_RUN, HOSTDECK_VPS_BASE).
import { removeCgroupParents } from './harness/cgroup.js';
import { runPrefix } from './harness/config.js';
import { setupNetwork, teardownNetwork } from './harness/network.js';
import { assertVpsPrerequisites } from './harness/preflight.js';
import { ensureBaseRootfs, resolveMirror } from './harness/rootfs.js';
import { liveRunIds, registerRun, unregisterRun } from './harness/run.js';
import { sweepLeftovers, teardownMatching } from './harness/teardown.js';

export default async function setup(): Promise<() => Promise<void>> {
  assertVpsPrerequisites();
  const started = Date.now();

  const mirrors = await resolveMirror();
  const base = await ensureBaseRootfs(mirrors);

  const sweep = sweepLeftovers();
  if (sweep.swept.length) console.log(`vps: removed leftovers of crashed runs: ${sweep.swept.join(', ')}`);
  if (sweep.problems.length)
    console.warn(`vps: sweep could not remove everything:\n${sweep.problems.join('\n')}`);

  await setupNetwork(mirrors);
  const runId = registerRun();
  process.env.HOSTDECK_VPS_RUN = runId;
  process.env.HOSTDECK_VPS_BASE = base.dir;
  console.log(`vps: run ${runId}, base ${base.dir}, ready in ${Date.now() - started} ms`);

  // Ctrl-C: vitest exits this process right away and its watchdog SIGKILLs the workers, whose
  // own hooks may not finish. So this process removes the run's hosts on its way out
  // (containers are killed, not halted: nobody waits for a clean shutdown here).
  const onExit = () => {
    const { problems } = finish(runId, 0);
    if (problems.length) console.error(`vps: teardown on exit incomplete:\n${problems.join('\n')}`);
  };
  process.once('exit', onExit);

  return async () => {
    process.off('exit', onExit);
    const { removed, problems } = finish(runId);
    if (removed.length) {
      console.warn(`vps: global teardown removed hosts a test left running: ${removed.join(', ')}`);
    }
    if (problems.length) throw new Error(`vps teardown left things behind:\n${problems.join('\n')}`);
  };
}

/** Removes the run's remaining hosts, and the shared network once no other run is live. */
function finish(runId: string, graceMs?: number): { removed: string[]; problems: string[] } {
  // Safety net for workers that ended without tearing down their hosts.
  const { removed, problems } = teardownMatching(runPrefix(runId), graceMs);
  unregisterRun(runId);
  if (liveRunIds().size === 0) {
    problems.push(...teardownNetwork());
    removeCgroupParents();
  }
  return { removed, problems };
}
