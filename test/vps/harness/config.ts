// Fixed names and places of the vps test tier. Everything the harness creates on this machine
// is named from these, so sweepLeftovers()/leftovers() can find it again after a crash.
import { join, resolve } from 'node:path';

/** Root of everything cached or created on disk; override with HOSTDECK_VPS_CACHE. */
export const cacheRoot = (): string => resolve(process.env.HOSTDECK_VPS_CACHE || '/var/cache/hostdeck-vps');

/** Per-run state: run owners, address leases and each host's overlay dirs. */
export const stateRoot = (): string => join(cacheRoot(), 'state');
export const runsDir = (): string => join(stateRoot(), 'runs');
export const leasesDir = (): string => join(stateRoot(), 'leases');
export const hostsDir = (): string => join(stateRoot(), 'hosts');
export const hostDir = (name: string): string => join(hostsDir(), name);

/** Recipe scripts, hashed into the cache key of the base rootfs. */
// __dirname, not import.meta: the harness is also loaded by Playwright (CommonJS transpile).
export const rootfsScriptsDir = join(__dirname, '..', 'rootfs') + '/';

export const BRIDGE = 'hdvps0';
export const SUBNET_PREFIX = '10.213.0.';
export const SUBNET = `${SUBNET_PREFIX}0/24`;
export const GATEWAY = `${SUBNET_PREFIX}1`;
export const NFT_TABLE = 'hostdeck_vps';
/** Directory name used under every cgroup hierarchy root. */
export const CGROUP_PARENT = 'hostdeck-vps';
export const MIRROR_HOST = 'deb.debian.org';

/**
 * Host names are `hd-<run id>-<last address octet, 3 digits>`: 13 chars, within the 15-char
 * limit for interface names (the host-side veth carries the host name), and fixed-width so a
 * host's name is never a prefix of another's.
 */
export const NAME_RE = /^hd-([0-9a-f]{6})-(\d{3})$/;
export const hostName = (runId: string, octet: number): string =>
  `hd-${runId}-${String(octet).padStart(3, '0')}`;
export const runPrefix = (runId: string): string => `hd-${runId}-`;

/** Lowest/highest last octet handed to hosts (.1 is the bridge). */
export const FIRST_OCTET = 2;
export const LAST_OCTET = 254;
