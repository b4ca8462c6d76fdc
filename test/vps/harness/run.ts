// Run ownership and address leases, kept as small files under <cache>/state.
//
// Every run (one vitest invocation, or one process using the harness on its own) has a 6-hex
// id and a file naming its owner process. Anything named hd-<id>-* whose owner is dead is a
// leftover from a crashed run and may be swept; a live owner's hosts are never touched, so two
// runs can share the machine. Addresses are leased with O_EXCL file creation, so they never
// collide across processes.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_OCTET, hostName, LAST_OCTET, leasesDir, NAME_RE, runsDir } from './config.js';
import { listDir } from './sh.js';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks) tells a pid's reuse apart. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', start: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** A zombie has exited: it only waits for its parent to reap it. */
export function processAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

function ownerAlive(runId: string): boolean {
  try {
    const [pid, start] = readFileSync(join(runsDir(), runId), 'utf8').trim().split(' ');
    const stat = procStat(Number(pid));
    return stat !== undefined && stat.state !== 'Z' && stat.start === start;
  } catch {
    return false;
  }
}

/** Records the calling process as owner of a new run and returns its id. */
export function registerRun(): string {
  mkdirSync(runsDir(), { recursive: true });
  const runId = randomBytes(3).toString('hex');
  writeFileSync(join(runsDir(), runId), `${process.pid} ${procStat(process.pid)?.start ?? ''}\n`, {
    flag: 'wx',
  });
  return runId;
}

export function unregisterRun(runId: string): void {
  rmSync(join(runsDir(), runId), { force: true });
}

/**
 * The run this process belongs to: the one global setup registered (inherited through
 * HOSTDECK_VPS_RUN by vitest's workers), else a new one owned by this process.
 */
export function currentRunId(): string {
  const inherited = process.env.HOSTDECK_VPS_RUN;
  if (inherited && ownerAlive(inherited)) return inherited;
  const runId = registerRun();
  process.env.HOSTDECK_VPS_RUN = runId;
  return runId;
}

/** Run ids that have a live owner right now. */
export function liveRunIds(): Set<string> {
  return new Set(listDir(runsDir()).filter(ownerAlive));
}

/** Drops the records of runs whose owner is gone. */
export function forgetDeadRuns(): void {
  for (const id of listDir(runsDir())) if (!ownerAlive(id)) unregisterRun(id);
}

/** Claims a free address; returns its last octet and the host name derived from it. */
export function acquireLease(runId: string): { octet: number; name: string } {
  mkdirSync(leasesDir(), { recursive: true });
  for (let octet = FIRST_OCTET; octet <= LAST_OCTET; octet++) {
    const name = hostName(runId, octet);
    try {
      writeFileSync(join(leasesDir(), String(octet)), `${name}\n`, { flag: 'wx' });
      return { octet, name };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(
    `All ${LAST_OCTET - FIRST_OCTET + 1} vps addresses are leased. Stop hosts you no longer need ` +
      `(stopAll()), or clear stale leases by rerunning the tier (global setup sweeps dead runs).`,
  );
}

/** Lease file name -> host name it was issued to (empty while being written). */
export function listLeases(): Map<string, string> {
  const leases = new Map<string, string>();
  for (const file of listDir(leasesDir())) {
    try {
      leases.set(file, readFileSync(join(leasesDir(), file), 'utf8').trim());
    } catch {
      // released meanwhile
    }
  }
  return leases;
}

/** Releases the lease held by `name` (the octet is part of the name). */
export function releaseLease(name: string): void {
  const octet = NAME_RE.exec(name)?.[2];
  if (octet === undefined) return;
  const file = join(leasesDir(), String(Number(octet)));
  try {
    if (readFileSync(file, 'utf8').trim() === name) rmSync(file, { force: true });
  } catch {
    // already released
  }
}
