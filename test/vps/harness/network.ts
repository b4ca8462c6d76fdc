// The hosts' network: one bridge on this machine, one network namespace + veth pair per host,
// and an nft table that lets hosts reach each other, this machine, and the Debian mirror only.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BRIDGE, GATEWAY, NFT_TABLE, stateRoot, SUBNET } from './config.js';
import { listDir, must, run, runSync } from './sh.js';

const savedForwardFile = (): string => join(stateRoot(), 'ip_forward.orig');

function nftRules(mirrorAddrs: readonly string[]): string {
  // One transaction: re-creating the table replaces whatever an earlier run left.
  return `add table ip ${NFT_TABLE}
delete table ip ${NFT_TABLE}
table ip ${NFT_TABLE} {
  set mirror {
    type ipv4_addr
    elements = { ${mirrorAddrs.join(', ')} }
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${SUBNET} ip daddr @mirror masquerade
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    # host <-> host over the bridge (bridged IPv4 passes this hook when br_netfilter is loaded)
    iifname "${BRIDGE}" oifname "${BRIDGE}" accept
    iifname "${BRIDGE}" ip saddr ${SUBNET} ip daddr @mirror tcp dport { 80, 443 } accept
    oifname "${BRIDGE}" ip daddr ${SUBNET} ct state established,related accept
    # nothing else leaves or enters the test network
    iifname "${BRIDGE}" counter drop
    oifname "${BRIDGE}" counter drop
  }
}
`;
}

/**
 * No IPv6 on this machine's side of the test network (it is IPv4 only). Otherwise each new link
 * gains a link-local address a second or two after it comes up, once duplicate-address detection
 * ends, often just after its host answers SSH; Chromium treats any address change as a network
 * change and fails the page loads in flight (net::ERR_NETWORK_CHANGED), which broke an e2e test.
 */
function noIpv6(ifname: string): void {
  const knob = `/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`;
  if (existsSync(knob)) writeFileSync(knob, '1\n');
}

/** Bridge, forwarding and nft rules; idempotent, so a rerun after a crash just fixes things up. */
export async function setupNetwork(mirrorAddrs: readonly string[]): Promise<void> {
  if ((await run('ip', ['link', 'show', BRIDGE])).code !== 0) {
    await must('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  }
  noIpv6(BRIDGE);
  const addrs = await must('ip', ['-o', '-4', 'addr', 'show', 'dev', BRIDGE]);
  if (!addrs.stdout.includes(` ${GATEWAY}/24 `)) {
    await must('ip', ['addr', 'add', `${GATEWAY}/24`, 'dev', BRIDGE]);
  }
  await must('ip', ['link', 'set', BRIDGE, 'up']);

  // Remember the machine's setting once, so the last run out can put it back.
  mkdirSync(stateRoot(), { recursive: true });
  const current = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  if (!existsSync(savedForwardFile())) writeFileSync(savedForwardFile(), `${current}\n`);
  if (current !== '1') writeFileSync('/proc/sys/net/ipv4/ip_forward', '1\n');
  raiseInotifyInstances();

  await must('nft', ['-f', '-'], nftRules(mirrorAddrs)).catch((err: Error) => {
    throw new Error(`${err.message}\nIs nftables usable here? Try: nft list ruleset`);
  });
}

/**
 * Every booted host's systemd, journald, dbus and sshd take inotify instances from root's one
 * per-user budget (128 by default): 50 hosts run out ("Failed to create inotify object: Too many
 * open files") and sshd never starts. Raised, never lowered; a limit, not a resource.
 */
const INOTIFY_INSTANCES = 8192;
function raiseInotifyInstances(): void {
  const knob = '/proc/sys/fs/inotify/max_user_instances';
  if (Number(readFileSync(knob, 'utf8').trim()) < INOTIFY_INSTANCES)
    writeFileSync(knob, `${INOTIFY_INSTANCES}\n`);
}

/** Removes bridge and nft table and restores ip_forward; only when no run uses them anymore. */
export function teardownNetwork(): string[] {
  const problems: string[] = [];
  for (const [cmd, args] of [
    ['ip', ['link', 'del', BRIDGE]],
    ['nft', ['delete', 'table', 'ip', NFT_TABLE]],
  ] as const) {
    const r = runSync(cmd, args);
    if (r.code !== 0 && !/Cannot find|No such file|does not exist/i.test(r.stderr)) {
      problems.push(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
    }
  }
  try {
    const saved = readFileSync(savedForwardFile(), 'utf8').trim();
    writeFileSync('/proc/sys/net/ipv4/ip_forward', `${saved}\n`);
    rmSync(savedForwardFile(), { force: true });
  } catch {
    // nothing saved: we never changed it
  }
  return problems;
}

/** Network namespace NAME with eth0 = ADDRESS/24, wired to the bridge by veth NAME. */
export async function createHostNetwork(name: string, address: string): Promise<void> {
  // Addresses are reused: forget a neighbour entry left by an earlier host at this address, or SSH
  // to the new host stalls (30-45 s) until the stale MAC times out.
  runSync('ip', ['neigh', 'del', address, 'dev', BRIDGE]);
  try {
    await must('ip', ['netns', 'add', name]);
    await must('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
    noIpv6(name);
    await must('ip', ['link', 'set', name, 'master', BRIDGE, 'up']);
    await must('ip', ['-n', name, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    await must('ip', ['-n', name, 'link', 'set', 'eth0', 'up']);
    await must('ip', ['-n', name, 'route', 'add', 'default', 'via', GATEWAY]);
  } catch (err) {
    removeHostNetwork(name);
    const hint =
      (await run('ip', ['link', 'show', BRIDGE])).code !== 0
        ? ` Bridge ${BRIDGE} is missing: run through the vps project (its global setup creates it) or call setupNetwork().`
        : '';
    throw new Error(`Wiring the network for ${name} failed: ${(err as Error).message}.${hint}`, {
      cause: err,
    });
  }
}

/**
 * Deletes the veth and the namespace (idempotent); returns what could not be removed. A failure
 * only counts if the thing is still there: a worker's exit hook and global teardown may race.
 */
export function removeHostNetwork(name: string): string[] {
  const problems: string[] = [];
  const linkExists = () => existsSync(join('/sys/class/net', name));
  const netnsExists = () => existsSync(join('/run/netns', name));
  if (linkExists()) {
    const r = runSync('ip', ['link', 'del', name]);
    if (r.code !== 0 && linkExists()) problems.push(`ip link del ${name}: ${r.stderr.trim()}`);
  }
  if (netnsExists()) {
    const r = runSync('ip', ['netns', 'del', name]);
    if (r.code !== 0 && netnsExists()) problems.push(`ip netns del ${name}: ${r.stderr.trim()}`);
  }
  return problems;
}

/** Packets the forward chain has dropped so far (tests prove the fence with it). */
export async function droppedPackets(): Promise<number> {
  const chain = await must('nft', ['list', 'chain', 'ip', NFT_TABLE, 'forward']);
  return [...chain.stdout.matchAll(/counter packets (\d+) bytes \d+ drop/g)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
}

export const listNetns = (): string[] => listDir('/run/netns');
export const listLinks = (): string[] => listDir('/sys/class/net');
