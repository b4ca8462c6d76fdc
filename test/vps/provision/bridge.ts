// The test network's bridge (no vitest imports: Playwright's e2e tier uses this too).
import { spawnSync } from 'node:child_process';

const BRIDGE = 'hdvps0';

/**
 * A destroyed host's address is soon leased again, but this machine's ARP cache on the bridge still
 * maps it to the old host's MAC, so SSH to the new host stalls until the stale entry fails
 * (30-45 s). Flushing the bridge's neighbour entries first avoids that; live hosts of any run are
 * simply re-resolved on their next packet.
 */
export function flushBridgeNeighbours(): void {
  spawnSync('ip', ['neigh', 'flush', 'dev', BRIDGE], { stdio: 'ignore' });
}
