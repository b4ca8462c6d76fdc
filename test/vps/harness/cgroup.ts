// Each container gets its own cgroup before systemd-nspawn starts.
//
// With no systemd on this machine, nspawn --keep-unit uses whatever cgroup it was started in,
// so two containers started from one test process would share (and fight over) one tree. We
// give each host `<hierarchy>/hostdeck-vps/<name>` in every hierarchy nspawn cares about:
//   cgroup v1 hybrid (what these VMs have): /sys/fs/cgroup/unified (v2) and /sys/fs/cgroup/systemd
//   pure cgroup v2: /sys/fs/cgroup itself
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_PARENT } from './config.js';
import { listDir } from './sh.js';

function mountPoints(): Set<string> {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return new Set(lines.map((l) => l.split(' ')[4] ?? '').filter(Boolean));
}

let cachedRoots: string[] | undefined;

/** Hierarchy roots under which host cgroups are made. */
export function cgroupRoots(): string[] {
  if (cachedRoots) return cachedRoots;
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return (cachedRoots = ['/sys/fs/cgroup']);
  const mounted = mountPoints();
  const roots = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd'].filter((r) => mounted.has(r));
  if (!roots.includes('/sys/fs/cgroup/systemd')) {
    throw new Error(
      'systemd-nspawn needs cgroup v2 or a name=systemd cgroup v1 hierarchy, and this machine has ' +
        'neither. Mount one: mkdir -p /sys/fs/cgroup/systemd && ' +
        'mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd',
    );
  }
  return (cachedRoots = roots);
}

export const hostCgroupDirs = (name: string): string[] =>
  cgroupRoots().map((r) => join(r, CGROUP_PARENT, name));

/** Creates the host's cgroups; returns the cgroup.procs files its nspawn must join. */
export function prepareCgroups(name: string): string[] {
  return hostCgroupDirs(name).map((dir) => {
    mkdirSync(dir, { recursive: true });
    return join(dir, 'cgroup.procs');
  });
}

/** Directories of the tree rooted at `dir`, deepest first (rmdir order). */
function treeDepthFirst(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const children = listDir(dir)
    .map((e) => join(dir, e))
    .filter((p) => existsSync(join(p, 'cgroup.procs')));
  return [...children.flatMap(treeDepthFirst), dir];
}

/** Every pid still inside the host's cgroups (container processes and nspawn itself). */
export function cgroupPids(name: string): number[] {
  const pids = new Set<number>();
  for (const dir of hostCgroupDirs(name)) {
    for (const sub of treeDepthFirst(dir)) {
      try {
        for (const line of readFileSync(join(sub, 'cgroup.procs'), 'utf8').split('\n')) {
          if (line.trim()) pids.add(Number(line));
        }
      } catch {
        // removed meanwhile
      }
    }
  }
  return [...pids];
}

/** Removes the host's cgroup trees; returns the dirs that could not go (still populated). */
export function removeCgroups(name: string): string[] {
  const stuck: string[] = [];
  for (const dir of hostCgroupDirs(name)) {
    for (const sub of treeDepthFirst(dir)) {
      try {
        rmdirSync(sub);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') stuck.push(sub);
      }
    }
  }
  return stuck;
}

/** Names of host cgroups present under any hierarchy (for sweeps and leftover checks). */
export function listHostCgroups(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const root of cgroupRoots()) {
    for (const n of listDir(join(root, CGROUP_PARENT))) {
      const path = join(root, CGROUP_PARENT, n);
      if (!existsSync(join(path, 'cgroup.procs'))) continue;
      found.set(n, [...(found.get(n) ?? []), path]);
    }
  }
  return found;
}

/** Removes the shared `hostdeck-vps` parents once no host cgroup is left under them. */
export function removeCgroupParents(): void {
  for (const root of cgroupRoots()) {
    try {
      rmdirSync(join(root, CGROUP_PARENT));
    } catch {
      // still has host cgroups (another run), or already gone
    }
  }
}
