import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../base/app-error';

/**
 * One process owns a data directory at a time (the app or the CLI). Without this, a CLI started
 * while the app runs would mark the app's running jobs as interrupted. A lock left by a process that
 * died is taken over.
 */
export function acquireInstanceLock(dataDir: string): () => void {
  const file = join(dataDir, 'instance.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSafe(file), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new AppError('CONFLICT', `Another Hostdeck process (pid ${owner}) is using ${dataDir}.`, {
          hint: 'Close the Hostdeck window (or the other CLI run) first, or pass --data-dir to use another directory.',
        });
      }
      try {
        unlinkSync(file);
      } catch {
        // raced with another process; retry
      }
    }
  }
  throw new AppError('CONFLICT', `Could not take the lock on ${dataDir}.`, {
    hint: 'Try again in a moment.',
  });
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
