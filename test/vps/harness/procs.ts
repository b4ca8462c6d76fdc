// Finding a host's processes and mounts from the outside, without trusting our own bookkeeping:
// the same scans serve teardown, the crash sweep and the leftovers() check.
import { readdirSync, readFileSync } from 'node:fs';
import { CGROUP_PARENT } from './config.js';
import { processAlive } from './run.js';
import { sleepSync } from './sh.js';

export interface ProcInfo {
  pid: number;
  cmd: string;
  /** host name this process belongs to: nspawn's -M argument, or its hostdeck-vps cgroup */
  host: string;
}

const cgroupHostRe = new RegExp(`/${CGROUP_PARENT}/([^/\\n]+)`);

/** Processes belonging to any harness host (nspawn, and everything inside the containers). */
export function scanHostProcesses(): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const cmd = argv.join(' ').trim();
      let host: string | undefined;
      if ((argv[0] ?? '').endsWith('systemd-nspawn')) {
        const m = argv.indexOf('-M');
        host = m >= 0 ? argv[m + 1] : undefined;
      }
      host ??= cgroupHostRe.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
      if (host && processAlive(pid)) found.push({ pid, cmd: cmd || `[pid ${pid}]`, host });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Waits (blocking) until none of `pids` is alive; true if they all went in time. */
export function waitGoneSync(pids: readonly number[], timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pids.some(processAlive)) return true;
    if (Date.now() >= deadline) return false;
    sleepSync(50);
  }
}

/** Mount points from this process's mount table, unescaped. */
export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => Boolean(p))
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
}
