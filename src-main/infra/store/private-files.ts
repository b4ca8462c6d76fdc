import { chmodSync, existsSync, mkdirSync } from 'node:fs';

/**
 * The data directory is the operator's alone: 0700, enforced at every start, also for a directory
 * that existed before (made by an older build, restored from a backup, or loosened by hand).
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** The SQLite file and its WAL and shared-memory files: 0600, whoever created them and how. */
export function restrictDatabaseFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f)) chmodSync(f, 0o600);
  }
}
