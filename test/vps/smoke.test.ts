// Proves the vps harness itself: real Debian 12 hosts boot, talk to each other and the mirror
// only, survive a reboot, and leave nothing on the machine once torn down, even on failure.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLayer, leftovers, startHosts, stopAll, useHosts, withHosts } from './harness/index.js';
import type { Host } from './harness/index.js';
import { BRIDGE } from './harness/config.js';
import { droppedPackets } from './harness/network.js';

afterAll(stopAll);

const UP = ['running', 'degraded'];

async function sh(host: Host, cmd: string): Promise<string> {
  const r = await host.exec(cmd);
  expect(r, `${host.name}: ${cmd}`).toMatchObject({ code: 0 });
  return r.stdout.trim();
}

/** Reads the SSH banner of `target` from inside `from`, over the test network. */
const bannerVia = (from: Host, target: Host) =>
  sh(from, `timeout 5 bash -c 'exec 3<>/dev/tcp/${target.address}/22; head -c 7 <&3'`);

describe('vps hosts', () => {
  let booted: Host[] = [];

  it('boots two independent Debian 12 hosts that reach each other over SSH', async () => {
    booted = await startHosts(2);
    const [a, b] = booted as [Host, Host];
    expect(a.address).not.toBe(b.address);

    for (const h of booted) {
      expect(UP).toContain(await h.waitForSystemd(60_000));
      expect(await sh(h, 'hostname')).toBe(h.name);
      expect(await sh(h, '. /etc/os-release && echo $ID $VERSION_ID')).toBe('debian 12');
      expect(await sh(h, 'hostname -I')).toBe(h.address);
    }
    // Identity-free base: each host made its own machine-id and ssh host keys.
    const ids = await Promise.all(booted.map((h) => sh(h, 'cat /etc/machine-id')));
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
    const keys = await Promise.all(booted.map((h) => sh(h, 'cat /etc/ssh/ssh_host_ed25519_key.pub')));
    expect(keys[0]).not.toBe(keys[1]);

    expect(await bannerVia(a, b)).toBe('SSH-2.0');
    expect(await bannerVia(b, a)).toBe('SSH-2.0');

    // This machine's side of the test network has no IPv6, so no address appears on it late (after
    // duplicate-address detection) for Chromium to take as a network change mid-e2e-test.
    for (const ifname of [BRIDGE, ...booted.map((h) => h.name)]) {
      expect(readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, 'utf8').trim()).toBe('1');
    }
  });

  it('lets hosts reach the Debian mirror and nothing else outside', async () => {
    const [a] = booted as [Host];
    const status = await sh(
      a,
      `timeout 15 bash -c 'exec 3<>/dev/tcp/deb.debian.org/80; ` +
        `printf "HEAD /debian/dists/bookworm/Release HTTP/1.1\\r\\nHost: deb.debian.org\\r\\nConnection: close\\r\\n\\r\\n" >&3; head -n1 <&3'`,
    );
    expect(status).toMatch(/^HTTP\/1\.[01] 200/);
    // 192.0.2.1 is TEST-NET-1 (unroutable even if the fence failed): the forward chain must
    // drop the attempt on this machine, which its counter shows.
    const droppedBefore = await droppedPackets();
    const blocked = await a.exec(`timeout 1 bash -c 'exec 3<>/dev/tcp/192.0.2.1/80'`);
    expect(blocked.code).not.toBe(0);
    expect(await droppedPackets()).toBeGreaterThan(droppedBefore);
    expect(await sh(a, 'cat /etc/resolv.conf')).toBe('');
  });

  it('keeps a host state across stop() and start(), like a reboot', async () => {
    const [a] = booted as [Host];
    const id = await sh(a, 'cat /etc/machine-id');
    await sh(a, 'echo survived > /root/reboot-proof && sync');
    const pidBefore = a.pid;
    await a.stop();
    expect(a.pid).toBeUndefined();
    await expect(a.exec('true')).rejects.toThrow(/not running/);
    await a.start();
    expect(a.pid).toBeDefined();
    expect(a.pid).not.toBe(pidBefore);
    expect(UP).toContain(await a.waitForSystemd(60_000));
    expect(await sh(a, 'cat /root/reboot-proof')).toBe('survived');
    expect(await sh(a, 'cat /etc/machine-id')).toBe(id);
  });

  it('leaves nothing behind after stopAll()', async () => {
    const names = booted.map((h) => h.name);
    expect(names).toHaveLength(2);
    await stopAll();
    for (const name of names) expect(leftovers(name)).toEqual([]);
  });
});

describe('withHosts', () => {
  it('tears everything down and rethrows when the test body throws', async () => {
    let name = '';
    let whileRunning: string[] = [];
    const failing = withHosts(1, async ([h]) => {
      name = h!.name;
      whileRunning = leftovers(name);
      throw new Error('test body failed on purpose');
    });
    await expect(failing).rejects.toThrow('test body failed on purpose');

    // leftovers() sees every kind of resource while the host runs...
    const kinds = new Set(whileRunning.map((l) => l.split(' ')[0]));
    expect([...kinds].sort()).toEqual(['cgroup', 'dir', 'lease', 'link', 'mount', 'netns', 'process']);
    // ...and none of them once withHosts has finished.
    expect(leftovers(name)).toEqual([]);
  });
});

describe('useHosts', () => {
  const hosts = useHosts(1);

  it('provides booted hosts to every test of the block', async () => {
    expect(hosts).toHaveLength(1);
    expect(await sh(hosts[0]!, 'id -un')).toBe('root');
  });
});

describe('layers', () => {
  it('starts hosts pre-provisioned from a captured layer, with their own identity', async () => {
    const key = `smoke-${process.pid}-${Date.now()}`;
    let provisioned = 0;
    let provisionedId = '';
    const provision = async (h: Host) => {
      provisioned++;
      provisionedId = await sh(h, 'cat /etc/machine-id');
      await sh(h, 'echo layered > /root/layer-proof && rm /etc/motd && sync');
    };
    const layer = await ensureLayer(key, provision);
    try {
      expect(await ensureLayer(key, provision)).toBe(layer);
      expect(provisioned).toBe(1);

      await withHosts(
        1,
        async ([h]) => {
          expect(await sh(h!, 'cat /root/layer-proof')).toBe('layered');
          // the deletion made while provisioning is kept (overlay whiteout copied into the layer)
          expect((await h!.exec('test -e /etc/motd')).code).toBe(1);
          expect(await sh(h!, 'cat /etc/machine-id')).not.toBe(provisionedId);
        },
        { layers: [layer] },
      );
    } finally {
      rmSync(layer, { recursive: true, force: true });
    }
  });
});
