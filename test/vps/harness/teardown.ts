// Removing hosts completely, finding what is left of them, and sweeping crashed runs.
// All synchronous: the same code must work from a process 'exit' or signal handler.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hostDir, hostsDir, leasesDir, NAME_RE } from './config.js';
import { cgroupPids, listHostCgroups, removeCgroups } from './cgroup.js';
import { listLinks, listNetns, removeHostNetwork } from './network.js';
import { mountPoints, scanHostProcesses, signal, waitGoneSync } from './procs.js';
import { forgetDeadRuns, listLeases, liveRunIds, releaseLease } from './run.js';
import { listDir, runSync } from './sh.js';

const NSPAWN_STATE = '/run/systemd/nspawn/propagate';

/**
 * Stops a host's processes: TERM to nspawn halts the container cleanly (0.1-2 s); whatever
 * remains after `graceMs` (or has no nspawn left to stop it) gets SIGKILL.
 */
export function killHostProcessesSync(name: string, graceMs = 15_000): string[] {
  const mine = () => [
    ...new Set([
      ...scanHostProcesses()
        .filter((p) => p.host === name)
        .map((p) => p.pid),
      ...cgroupPids(name),
    ]),
  ];
  const nspawn = scanHostProcesses().filter((p) => p.host === name && p.cmd.includes('systemd-nspawn'));
  for (const p of nspawn) signal(p.pid, 'SIGTERM');
  if (nspawn.length > 0)
    waitGoneSync(
      nspawn.map((p) => p.pid),
      graceMs,
    );
  const rest = mine();
  for (const pid of rest) signal(pid, 'SIGKILL');
  if (waitGoneSync(rest, 5_000)) return [];
  return mine().map((pid) => `process ${pid} of ${name} survived SIGKILL`);
}

// Failures count only if the mount/dir is still there: a worker's exit hook and the global
// teardown can both be removing the same forgotten host at once.
const mountedUnder = (dir: string): string[] =>
  mountPoints()
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);

function unmountUnder(dir: string): string[] {
  const problems: string[] = [];
  for (const target of mountedUnder(dir)) {
    if (runSync('umount', [target]).code === 0) continue;
    // Busy (a straggler still has it open): detach now, the kernel frees it when released.
    const lazy = runSync('umount', ['-l', target]);
    if (lazy.code !== 0 && mountPoints().includes(target))
      problems.push(`umount ${target}: ${lazy.stderr.trim()}`);
  }
  return problems;
}

function removeTree(dir: string): string[] {
  const problems = unmountUnder(dir);
  // --one-file-system: never follow into something still mounted below.
  const r = runSync('rm', ['-rf', '--one-file-system', dir]);
  if (r.code !== 0 && existsSync(dir)) problems.push(`rm -rf ${dir}: ${r.stderr.trim()}`);
  return problems;
}

/**
 * Everything a host leaves on this machine, removed in dependency order. Idempotent.
 * `graceMs` is how long the container gets to halt cleanly before SIGKILL.
 */
export function teardownHostSync(name: string, graceMs = 15_000): string[] {
  const problems = [
    ...killHostProcessesSync(name, graceMs),
    ...removeHostNetwork(name),
    ...removeTree(hostDir(name)),
    ...removeTree(join(NSPAWN_STATE, name)),
  ];
  problems.push(...removeCgroups(name).map((d) => `cgroup ${d} still populated`));
  releaseLease(name);
  return problems;
}

/**
 * Everything still on this machine for hosts whose name starts with `prefix` (a run prefix
 * `hd-<run>-` or one host's full name): processes, mounts, netns, veth links, cgroups, dirs,
 * address leases. Empty means the teardown was clean.
 */
export function leftovers(prefix: string): string[] {
  const found: string[] = [];
  const matches = (s: string) => s.startsWith(prefix);
  for (const p of scanHostProcesses())
    if (matches(p.host)) found.push(`process ${p.pid} (${p.host}): ${p.cmd}`);
  for (const m of mountPoints()) if (m.split('/').some(matches)) found.push(`mount ${m}`);
  for (const n of listNetns()) if (matches(n)) found.push(`netns ${n}`);
  for (const l of listLinks()) if (matches(l)) found.push(`link ${l}`);
  for (const [n, dirs] of listHostCgroups()) if (matches(n)) found.push(...dirs.map((d) => `cgroup ${d}`));
  for (const d of listDir(hostsDir())) if (matches(d)) found.push(`dir ${join(hostsDir(), d)}`);
  for (const d of listDir(NSPAWN_STATE)) if (matches(d)) found.push(`dir ${join(NSPAWN_STATE, d)}`);
  for (const [file, owner] of listLeases()) if (matches(owner)) found.push(`lease ${file} (${owner})`);
  return found;
}

/** Every harness host name visible anywhere on the machine. */
function allHostNames(): Set<string> {
  const names = new Set<string>();
  const add = (s: string | undefined) => s && NAME_RE.test(s) && names.add(s);
  scanHostProcesses().forEach((p) => add(p.host));
  mountPoints().forEach((m) => m.split('/').forEach(add));
  listNetns().forEach(add);
  listLinks().forEach(add);
  listHostCgroups().forEach((_, n) => add(n));
  listDir(hostsDir()).forEach(add);
  listDir(NSPAWN_STATE).forEach(add);
  listLeases().forEach(add);
  return names;
}

/** Tears down every host whose name starts with `prefix`, wherever it is (e.g. a whole run). */
export function teardownMatching(
  prefix: string,
  graceMs?: number,
): { removed: string[]; problems: string[] } {
  const removed = [...allHostNames()].filter((n) => n.startsWith(prefix));
  return { removed, problems: removed.flatMap((n) => teardownHostSync(n, graceMs)) };
}

/**
 * Removes what crashed runs left behind (hosts of runs whose owner process is gone). Hosts of
 * live runs, including other concurrent runs, are left alone. Returns the names removed.
 */
export function sweepLeftovers(): { swept: string[]; problems: string[] } {
  const live = liveRunIds();
  const swept: string[] = [];
  const problems: string[] = [];
  for (const name of allHostNames()) {
    const runId = NAME_RE.exec(name)?.[1];
    if (runId === undefined || live.has(runId)) continue;
    problems.push(...teardownHostSync(name));
    swept.push(name);
  }
  // A lease is written in one call, but a crash can still leave it empty: drop old empty ones.
  for (const [file, owner] of listLeases()) {
    const path = join(leasesDir(), file);
    try {
      if (owner === '' && Date.now() - statSync(path).mtimeMs > 60_000) rmSync(path, { force: true });
    } catch {
      // gone already
    }
  }
  forgetDeadRuns();
  return { swept, problems };
}
