// withHosts() with a workaround for a harness issue (reported, not fixed here: the harness is
// not ours to edit): stale ARP entries on the test bridge (see bridge.ts).
import { withHosts } from '../harness/index.js';
import type { Host, HostOptions } from '../harness/index.js';
import { flushBridgeNeighbours } from './bridge.js';

export { flushBridgeNeighbours };

export function withFreshHosts<T>(
  n: number,
  fn: (hosts: Host[]) => Promise<T>,
  opts?: HostOptions,
): Promise<T> {
  flushBridgeNeighbours();
  return withHosts(n, fn, opts);
}
