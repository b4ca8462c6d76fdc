/**
 * npm run bench:fleet — facts refresh across 10 real Debian hosts (vps tier), and the pooled exec
 * round trip against a raw ssh2 exec. Prints figures; asserts only that the work succeeded
 * (benchmarks are not timed tests).
 *
 *   total/single ratio target ≤ 1.5× (ten hosts in parallel vs one)
 *   pooled/raw exec ratio target ≤ 1.2×
 */
import { availableParallelism } from 'node:os';
import { afterAll, expect, it } from 'vitest';
import { FACTS_SCRIPT } from '../src-main/servers/facts';
import { stopAll } from '../test/vps/harness/index.js';
import { fleetApp, median, rawClients, rawExec, timed } from './support';

const HOSTS = 10;
const ROUNDS = 7;

afterAll(stopAll);

it(`refreshes facts of ${HOSTS} hosts about as fast as one`, async () => {
  const { hosts, app, ids } = await fleetApp(HOSTS);
  try {
    const cold = await timed(() => app.call('servers.refresh', {}));
    expect(cold.value.every((s) => s.status === 'online')).toBe(true);

    const single = await median(ROUNDS, () => app.call('servers.refresh', { ids: [ids[0]!] }));
    const total = await median(ROUNDS, () => app.call('servers.refresh', {}));
    const pooled = await median(50, () => app.hd.pool.exec(ids[0]!, 'true'));

    // Baselines over plain, already-connected ssh2 clients with the same socket option (TCP_NODELAY).
    const raw = await rawClients(
      hosts.map((h) => h.address),
      hosts[0]!.ssh.privateKey,
    );
    try {
      const rawTrue = await median(50, () => rawExec(raw[0]!, 'true'));
      // The floor of the fleet refresh on this machine: the same facts command on the same hosts, in
      // parallel, with no Hostdeck in the way. All ten "servers" share this machine's two cores.
      const floorOne = await median(ROUNDS, () => rawExec(raw[0]!, FACTS_SCRIPT));
      const floorAll = await median(ROUNDS, () => Promise.all(raw.map((c) => rawExec(c, FACTS_SCRIPT))));
      report({ cold: cold.ms, single, total, pooled, rawExec: rawTrue, floorOne, floorAll });
    } finally {
      for (const c of raw) c.end();
    }
  } finally {
    await app.close();
  }
});

function report(
  r: Record<'cold' | 'single' | 'total' | 'pooled' | 'rawExec' | 'floorOne' | 'floorAll', number>,
) {
  const fmt = (n: number) => `${n.toFixed(1)} ms`.padStart(9);
  console.log(
    [
      '',
      `bench:fleet — ${HOSTS} Debian 12 hosts (vps tier, ${cpus()} CPU cores shared by all of them), median of ${ROUNDS}`,
      `  first refresh, connect + facts, all ${HOSTS}:   ${fmt(r.cold)}`,
      `  refresh one host (warm pool):              ${fmt(r.single)}`,
      `  refresh all ${HOSTS} hosts (warm pool):          ${fmt(r.total)}`,
      `  ratio all/one:                             ${(r.total / r.single).toFixed(2)}x  (target <= 1.5x)`,
      `  floor, raw ssh2 facts on one host:         ${fmt(r.floorOne)}`,
      `  floor, raw ssh2 facts on all ${HOSTS} at once:   ${fmt(r.floorAll)}`,
      `  floor ratio all/one (this machine):        ${(r.floorAll / r.floorOne).toFixed(2)}x`,
      `  Hostdeck all-hosts time / floor:           ${(r.total / r.floorAll).toFixed(2)}x`,
      `  pooled exec round trip:                    ${fmt(r.pooled)}`,
      `  raw ssh2 exec round trip:                  ${fmt(r.rawExec)}`,
      `  ratio pooled/raw:                          ${(r.pooled / r.rawExec).toFixed(2)}x  (target <= 1.2x)`,
    ].join('\n'),
  );
}

const cpus = () => availableParallelism();
