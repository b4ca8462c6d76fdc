import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/**
 * Real OS processes a test needs (a live rival owning a lock, a pid known to be dead). Each test file
 * calls `killAll()` in afterEach; only processes started here are ever signalled.
 */
export function childProcesses() {
  const started: ChildProcess[] = [];
  return {
    /** A process that stays alive until killed. */
    idle(): ChildProcess & { pid: number } {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
      started.push(child);
      if (child.pid === undefined) throw new Error('could not start an idle child process');
      return child as ChildProcess & { pid: number };
    },
    /** The pid of a process that has already exited (and been reaped). */
    async deadPid(): Promise<number> {
      const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      const pid = child.pid;
      if (pid === undefined) throw new Error('could not start a child process');
      await exited(child);
      return pid;
    },
    track(child: ChildProcess): void {
      started.push(child);
    },
    async killAll(): Promise<void> {
      const alive = started.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
      for (const child of alive) child.kill('SIGKILL');
      await Promise.all(alive.map(exited));
    },
  };
}

/** Resolves once the child has exited and been reaped (so its pid no longer answers signal 0). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
