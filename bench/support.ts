// What the benchmarks share: timing, medians, and plain ssh2 clients as the floor to compare with.
import ssh2 from 'ssh2';
import { startApp } from '../test/ssh/harness/app';
import type { TestApp } from '../test/ssh/harness/app';
import { addTrustedServer } from '../test/support/trusted-server';
import type { Host } from '../test/vps/harness/index.js';
import { spawnSync } from 'node:child_process';
import { startHosts } from '../test/vps/harness/index.js';
import { uploadScripts } from '../test/vps/provision/hostdeck-scripts.js';
import { createSite, ok } from '../test/vps/sites/helpers.js';
import type { SiteArgs } from '../test/vps/sites/helpers.js';
import { sitesLayer } from '../test/vps/sites/sites-layer.js';

/** One host of the sites layer (Caddy, MariaDB, FrankenPHP) with the scripts on it and one site. */
export async function siteHost(site: SiteArgs): Promise<Host> {
  const layer = await sitesLayer();
  // A host of an earlier run may have had this address: forget its MAC.
  spawnSync('ip', ['neigh', 'flush', 'dev', 'hdvps0'], { stdio: 'ignore' });
  const [host] = await startHosts(1, { layers: [layer] });
  await uploadScripts(host!);
  await ok(createSite(host!, site));
  return host!;
}

/** Boots `n` sshd-only hosts and adds each to a fresh app (host key confirmed, key login). */
export async function fleetApp(n: number): Promise<{ hosts: Host[]; app: TestApp; ids: string[] }> {
  const booted = Date.now();
  const hosts = await startHosts(n);
  console.log(`booted ${n} hosts in ${Date.now() - booted} ms`);
  const app = await startApp();
  const call = (name: string, i: unknown) => app.call(name as never, i as never);
  const privateKey = hosts[0]!.ssh.privateKey.toString('utf8');
  const ids: string[] = [];
  for (const h of hosts) {
    const spec = { name: h.name, host: h.address, port: 22, username: 'root', privateKey };
    ids.push((await addTrustedServer(call, spec)).serverId);
  }
  return { hosts, app, ids };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export async function median(rounds: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push((await timed(fn)).ms);
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Plain ssh2 clients, connected once, TCP_NODELAY like the pool's. */
export async function rawClients(addresses: string[], privateKey: Buffer): Promise<ssh2.Client[]> {
  return Promise.all(
    addresses.map(
      (host) =>
        new Promise<ssh2.Client>((resolve, reject) => {
          const client = new ssh2.Client();
          client
            .on('ready', () => {
              client.setNoDelay(true);
              resolve(client);
            })
            .on('error', reject)
            .connect({ host, port: 22, username: 'root', privateKey });
        }),
    ),
  );
}

/** Runs a command (with `stdin` written and closed, when given) and waits for it to end. */
export function rawExec(client: ssh2.Client, command: string, stdin?: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      stream.on('close', () => resolve()).resume();
      stream.stderr.resume();
      if (stdin !== undefined) stream.end(stdin);
    }),
  );
}
